import * as assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { BackendError } from '../../../../src/core/backends/backendError';
import { TraceService } from '../../../../src/core/traceService/traceService';
import { createTraceServiceClient } from '../../../../src/core/traceService/traceServiceClient';
import type { TraceQueries } from '../../../../src/core/traceService/traceServiceProtocol';
import { startFakeZipkin } from '../backends/fakeBackends';
import { rejection, TestServer, type RecordedRequest } from '../backends/testServer';

const workerScript = resolve(__dirname, '..', '..', '..', '..', 'src', 'core', 'traceService', 'traceServiceWorker.js');

/** A two-span Zipkin v2 trace, as /api/v2/trace/{id} answers it. */
function zipkinTrace(traceId: string): Record<string, unknown>[] {
  const now = Date.now() * 1000;
  return [
    { traceId, id: 'a000000000000001', name: 'get /cart', kind: 'SERVER', timestamp: now, duration: 5000, localEndpoint: { serviceName: 'checkout' } },
    {
      traceId,
      parentId: 'a000000000000001',
      id: 'a000000000000002',
      name: 'select',
      kind: 'CLIENT',
      timestamp: now + 100,
      duration: 1000,
      localEndpoint: { serviceName: 'checkout' },
      tags: { error: 'timeout' },
    },
  ];
}

function suite(name: string, make: () => TraceQueries & { dispose(): Promise<void> }): void {
  describe(name, function () {
    this.timeout(30_000);
    let service: TraceQueries & { dispose(): Promise<void> };
    let server: TestServer | undefined;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    beforeEach(() => {
      service = make();
    });
    afterEach(async () => {
      await service.dispose();
      await server?.close();
      server = undefined;
    });

    it('searches a source and loads a trace by id, with the source as its origin', async () => {
      server = await startFakeZipkin({ services: ['checkout'], traces: [zipkinTrace(traceId)], authorization: 'Bearer s3cret' });
      await service.configureSources({ sources: [{ config: { name: 'zip', type: 'zipkin', url: server.url, auth: 'bearer' }, credentials: { token: 's3cret' } }], proxy: {} });
      assert.deepEqual(await service.remoteServices('zip'), ['checkout']);
      const hits = await service.searchRemote('zip', { service: 'checkout' });
      assert.deepEqual(
        hits.map((hit) => [hit.traceId, hit.spanCount, hit.errorCount]),
        [[traceId, 2, 1]],
      );
      const summary = await service.openRemoteTrace('zip', traceId.toUpperCase());
      assert.equal(summary.origin, 'zip');
      assert.equal(summary.spanCount, 2);
      assert.equal(
        (await service.listTraces()).some((t) => t.traceId === traceId && t.origin === 'zip'),
        true,
      );
      const roots = await service.children(traceId, -1, 0, 10);
      assert.equal(roots.rows[0]?.name, 'get /cart');
    });

    it('keeps the failure data of a rejected credential across the thread boundary, without the secret', async () => {
      server = await startFakeZipkin({ services: ['checkout'], traces: [], authorization: 'Bearer right' });
      await service.configureSources({ sources: [{ config: { name: 'zip', type: 'zipkin', url: server.url, auth: 'bearer' }, credentials: { token: 'wrong-token' } }], proxy: {} });
      const error = await rejection(service.remoteServices('zip'));
      assert.ok(error instanceof BackendError, `expected a BackendError, got ${String(error)}`);
      assert.equal(error.sourceName, 'zip');
      assert.equal(error.failure.kind, 'auth');
      assert.match(error.message, /Set Source Credentials/);
      assert.ok(!error.message.includes('wrong-token'));
      // A source the worker was not told about is named in the rejection.
      const unknown = await rejection(service.remoteServices('nope'));
      assert.ok(unknown instanceof BackendError);
      assert.match(unknown.message, /"nope".*"zip"/);
    });

    it('rebuilds a client when its credentials change', async () => {
      server = await startFakeZipkin({ services: ['checkout'], traces: [], authorization: 'Bearer right' });
      const config = { name: 'zip', type: 'zipkin', url: server.url, auth: 'bearer' } as const;
      await service.configureSources({ sources: [{ config, credentials: { token: 'old' } }], proxy: {} });
      await rejection(service.remoteServices('zip'));
      await service.configureSources({ sources: [{ config, credentials: { token: 'right' } }], proxy: {} });
      assert.deepEqual(await service.remoteServices('zip'), ['checkout']);
    });

    it('aborts a request in flight when the signal fires', async () => {
      const seen: RecordedRequest[] = [];
      // Never answers: only the cancel can end the request.
      server = await TestServer.start((request) => {
        seen.push(request);
        return new Promise<void>(() => undefined);
      });
      await service.configureSources({ sources: [{ config: { name: 'slow', type: 'zipkin', url: server.url } }], proxy: {} });
      const controller = new AbortController();
      const pending = rejection(service.searchRemote('slow', {}, controller.signal));
      while (seen.length === 0) await new Promise((done) => setTimeout(done, 20));
      const started = Date.now();
      controller.abort();
      const error = await pending;
      assert.ok(error instanceof BackendError, `expected a BackendError, got ${String(error)}`);
      assert.equal(error.failure.kind, 'cancelled');
      assert.ok(Date.now() - started < 5000, 'the cancel took effect at once, not at the timeout');
    });
  });
}

suite('remote sources in the TraceService (in-process)', () => new TraceService());
suite('remote sources through the TraceServiceClient (worker thread)', () => createTraceServiceClient(workerScript));
