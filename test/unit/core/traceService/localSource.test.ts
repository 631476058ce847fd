import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TraceService } from '../../../../src/core/traceService/traceService';
import { createTraceServiceClient } from '../../../../src/core/traceService/traceServiceClient';
import { type LocalSourceEvent, type ReceiverSettings, type TraceQueries } from '../../../../src/core/traceService/traceServiceProtocol';
import { otlpJsonOf, otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';

const workerScript = resolve(__dirname, '..', '..', '..', '..', 'src', 'core', 'traceService', 'traceServiceWorker.js');

type Service = TraceQueries & { onLocalEvent(listener: (event: LocalSourceEvent) => void): { dispose(): void }; dispose(): Promise<void> };

async function listen(): Promise<Server> {
  return await new Promise((resolveServer, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveServer(server));
  });
}

function suite(name: string, make: () => Service): void {
  describe(`${name}: the local receiver`, function () {
    this.timeout(30_000);
    let dir: string;
    let settings: ReceiverSettings;
    const services: Service[] = [];
    const open = (): Service => {
      const service = make();
      services.push(service);
      return service;
    };
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'spanlens-local-'));
      settings = { host: '127.0.0.1', httpPort: 0, grpcPort: 0, maxSpans: 10_000, storeDirectory: join(dir, 'store') };
    });
    afterEach(async () => {
      for (const service of services.splice(0)) await service.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Resolves with the first `traces` event that satisfies `test`. */
    const nextTraces = (service: Service, test: (event: Extract<LocalSourceEvent, { type: 'traces' }>) => boolean): Promise<Extract<LocalSourceEvent, { type: 'traces' }>> =>
      new Promise((resolveEvent) => {
        const subscription = service.onLocalEvent((event) => {
          if (event.type === 'traces' && test(event)) {
            subscription.dispose();
            resolveEvent(event);
          }
        });
      });

    it('lists what an exporter posts, pages its spans like a file trace, and keeps it for the next service', async () => {
      const service = open();
      const status = await service.startReceiver(settings);
      assert.equal(status.running, true);
      assert.ok(status.httpEndpoint?.startsWith('http://127.0.0.1:'));
      const spans = recordSdkSpans(1, 'cart');
      const traceId = spans[0]?.spanContext().traceId ?? '';
      const arrived = nextTraces(service, (event) => event.traces.some((t) => t.traceId === traceId && t.spanCount === 3));
      const response = await fetch(`${status.httpEndpoint ?? ''}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: otlpProtobufOf(spans) });
      assert.equal(response.status, 200);
      const event = await arrived;
      assert.equal(event.status.spanCount, 3);
      const listed = event.traces.find((t) => t.traceId === traceId);
      assert.equal(listed?.origin, 'local');
      assert.equal(listed.rootName, 'GET /cart');
      assert.equal(listed.errorCount, 1);
      const roots = await service.children(traceId, -1, 0, 10);
      assert.deepEqual(
        roots.rows.map((row) => row.name),
        ['GET /cart'],
      );
      const children = await service.children(traceId, roots.rows[0]?.index ?? -1, 0, 10);
      assert.deepEqual(children.rows.map((row) => row.name).sort(), ['SELECT cart', 'pay']);
      await service.dispose();

      // A new service (a reloaded window) replays the store's log.
      const again = open();
      const reopened = await again.openLocal(settings);
      assert.equal(reopened.running, false);
      assert.equal(reopened.spanCount, 3);
      assert.deepEqual(
        (await again.localTraces()).map((t) => t.traceId),
        [traceId],
      );
    });

    it('joins a trace whose spans arrive in separate batches, in either encoding', async () => {
      const service = open();
      const status = await service.startReceiver(settings);
      const spans = recordSdkSpans(1, 'cart');
      const traceId = spans[0]?.spanContext().traceId ?? '';
      const whole = nextTraces(service, (event) => event.traces.some((t) => t.traceId === traceId && t.spanCount === 3));
      const post = (body: string | Uint8Array, type: string): Promise<Response> => fetch(`${status.httpEndpoint ?? ''}/v1/traces`, { method: 'POST', headers: { 'content-type': type }, body });
      assert.equal((await post(otlpJsonOf(spans.slice(0, 1)), 'application/json')).status, 200);
      assert.equal((await post(otlpProtobufOf(spans.slice(1)), 'application/x-protobuf')).status, 200);
      const event = await whole;
      assert.equal(event.traces.length, 1);
    });

    it('reports a taken port as data the editor can act on, and stays usable', async () => {
      const service = open();
      const blocker = await listen();
      const probes: Socket[] = [];
      blocker.on('connection', (socket) => probes.push(socket));
      const port = (blocker.address() as { port: number }).port;
      try {
        await assert.rejects(service.startReceiver({ ...settings, httpPort: port }), (error: unknown) => {
          // In a worker the failure crosses the thread boundary as a ServiceError; in process it is the receiver's own error.
          assert.ok(error instanceof Error && 'failure' in error, `expected an error carrying its failure, got ${String(error)}`);
          // The service asks what holds the port: a bare listener that never answers HTTP.
          assert.deepEqual(error.failure, { kind: 'portInUse', protocol: 'http', host: '127.0.0.1', port, holder: 'a program that does not answer HTTP' });
          assert.match(error.message, new RegExp(`port ${port} is already in use, held by a program that does not answer HTTP`));
          return true;
        });
      } finally {
        // The probe's connection stays open on a listener that never reads it.
        for (const socket of probes) socket.destroy();
        await new Promise((done) => blocker.close(done));
      }
      const status = await service.startReceiver(settings);
      assert.equal(status.running, true);
    });

    it('stops listening on stop and empties on clear', async () => {
      const service = open();
      const status = await service.startReceiver(settings);
      const spans = recordSdkSpans(2, 'cart');
      const both = nextTraces(service, (event) => event.traces.length === 2);
      await fetch(`${status.httpEndpoint ?? ''}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJsonOf(spans) });
      await both;
      const stopped = await service.stopReceiver();
      assert.equal(stopped.running, false);
      await assert.rejects(fetch(`${status.httpEndpoint ?? ''}/v1/traces`, { method: 'POST' }));
      const cleared = nextTraces(service, (event) => event.cleared);
      await service.clearLocal();
      const event = await cleared;
      assert.equal(event.traces.length, 0);
      assert.deepEqual(await service.localTraces(), []);
    });
  });
}

suite('TraceService (in-process)', () => new TraceService());
suite('TraceServiceClient (worker thread)', () => createTraceServiceClient(workerScript));
