import * as assert from 'node:assert/strict';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BackendError } from '../../../src/core/backends/backendError';
import { createTraceBackend } from '../../../src/core/backends/createTraceBackend';
import type { JaegerApi } from '../../../src/core/backends/jaegerBackend';
import type { TraceBackend } from '../../../src/core/backends/traceBackend';
import { findFunctionSpans } from '../../../src/core/traceService/functionSpansService';
import { sendPythonTraces } from '../../clients/python/sendPythonTraces';
import { JaegerServer, jaegerRequirement } from '../../servers/jaegerServer';
import { isLoopback, listeningSockets } from '../../servers/listeningSockets';
import { requireRealServer } from '../../servers/realServerGate';
import { sendJsTraces } from '../../servers/sendJsTraces';
import { untilTraceHas } from '../../servers/untilTraceHas';

/**
 * A real Jaeger v2 (built from the Go module proxy by scripts/setup-servers.sh) fed by the real
 * OpenTelemetry JS and Python SDKs over OTLP, then read back by SpanLens's JaegerBackend through
 * api_v3 and v1: every span sent must be found, by id, by search and by the function query.
 */
describe('real Jaeger v2: OTLP from the JS and Python SDKs, read back by SpanLens', function () {
  this.timeout(180_000);
  let jaeger: JaegerServer | undefined;
  const backends: TraceBackend[] = [];

  before(async function () {
    requireRealServer(this, jaegerRequirement);
    jaeger = await JaegerServer.start();
  });
  after(async () => {
    await Promise.all(backends.map((b) => b.dispose()));
    await jaeger?.stop();
  });

  function server(): JaegerServer {
    assert.ok(jaeger, 'Jaeger is running');
    return jaeger;
  }

  async function backendFor(api?: JaegerApi): Promise<TraceBackend> {
    const backend = await createTraceBackend({ name: 'real-jaeger', type: 'jaeger', url: server().queryUrl }, undefined, api === undefined ? {} : { jaegerApi: api });
    backends.push(backend);
    return backend;
  }

  it('listens on the four loopback ports it was given and nothing else', () => {
    const { ports, process } = server();
    const sockets = listeningSockets(process.pid);
    assert.deepEqual(
      sockets.filter((s) => !isLoopback(s.address)),
      [],
      'no socket outside loopback',
    );
    assert.deepEqual(
      sockets.map((s) => s.port).sort((a, b) => a - b),
      [ports.otlpHttp, ports.otlpGrpc, ports.queryHttp, ports.queryGrpc].sort((a, b) => a - b),
    );
  });

  it('is detected as api_v3 while still empty', async () => {
    const backend = await backendFor();
    assert.deepEqual(await backend.probe(), { type: 'jaeger', api: 'api_v3' });
    assert.deepEqual(await backend.listServices(), []);
  });

  for (const [label, exporter] of [
    ['OTLP/HTTP protobuf', (): HttpProtoExporter => new HttpProtoExporter({ url: `${server().otlpHttpUrl}/v1/traces` })],
    ['OTLP/gRPC', (): GrpcExporter => new GrpcExporter({ url: server().otlpGrpcUrl })],
  ] as const) {
    it(`JS SDK over ${label}: every span found by id and by search, through api_v3 and v1`, async () => {
      const service = `js-${label.replace(/\W+/g, '-').toLowerCase()}`;
      const sent = await sendJsTraces(exporter(), service, 12, { attributes: { 'test.run': service } });
      const v3 = await backendFor('api_v3');
      const last = sent.traceIds[sent.traceIds.length - 1] ?? '';
      await untilTraceHas(v3, last, 3);
      for (const api of ['api_v3', 'v1'] as const) {
        const backend = api === 'api_v3' ? v3 : await backendFor('v1');
        let found = 0;
        for (const traceId of sent.traceIds) {
          const trace = await backend.getTrace(traceId);
          assert.equal(trace.spans.length, 3, `${api}: spans of ${traceId}`);
          found += trace.spans.length;
        }
        assert.equal(found, sent.spans.length, `${api}: spans sent = spans found`);
        assert.ok((await backend.listServices()).includes(service), `${api}: service listed`);
        assert.deepEqual(await backend.listOperations(service), ['charge-card', 'GET /checkout']);

        const all = await backend.search({ service, limit: 50 });
        assert.deepEqual(all.map((s) => s.traceId).sort(), [...sent.traceIds].sort(), `${api}: search by service`);
        assert.ok(all.every((s) => s.rootName === 'GET /checkout' && s.rootService === service && s.spanCount === 3));
        assert.equal(all.filter((s) => s.errorCount === 1).length, 6, `${api}: the odd traces carry one error`);
        const byOperation = await backend.search({ service, operation: 'charge-card', limit: 50 });
        assert.equal(byOperation.length, 12, `${api}: search by operation`);
        const byTag = await backend.search({ service, tags: { 'test.run': service, 'http.route': '/checkout' }, limit: 50 });
        assert.equal(byTag.length, 12, `${api}: search by tags`);
        assert.deepEqual(await backend.search({ service, tags: { 'test.run': 'another-run' }, limit: 50 }), [], `${api}: a tag no span has`);
        // Roots last 300 ms, children 2 or 4 ms.
        assert.equal((await backend.search({ service, minDurationMs: 250, limit: 50 })).length, 12, `${api}: min duration`);
        assert.equal((await backend.search({ service, minDurationMs: 400, limit: 50 })).length, 0, `${api}: min duration above every span`);
        assert.equal((await backend.search({ service, limit: 5 })).length, 5, `${api}: the limit`);
      }
    });
  }

  for (const protocol of ['http', 'grpc'] as const) {
    it(`Python SDK over OTLP ${protocol}: every span found by id through api_v3 and v1`, async () => {
      const service = `python-${protocol}`;
      const sent = await sendPythonTraces(protocol === 'http' ? server().otlpHttpUrl : server().otlpGrpcUrl, protocol, service, 6, 4);
      const v3 = await backendFor('api_v3');
      await untilTraceHas(v3, sent.traceIds[sent.traceIds.length - 1] ?? '', 4);
      for (const backend of [v3, await backendFor('v1')]) {
        let found = 0;
        for (const traceId of sent.traceIds) found += (await backend.getTrace(traceId)).spans.length;
        assert.equal(found, sent.spanCount);
        const results = await backend.search({ service, limit: 50 });
        assert.deepEqual(results.map((r) => r.traceId).sort(), [...sent.traceIds].sort());
      }
    });
  }

  it('the remote function-latency query counts every span of the function, through api_v3 and v1', async () => {
    const service = 'latency-js';
    const sent = await sendJsTraces(new HttpProtoExporter({ url: `${server().otlpHttpUrl}/v1/traces` }), service, 10, { spansPerTrace: 4 });
    await untilTraceHas(await backendFor('api_v3'), sent.traceIds[sent.traceIds.length - 1] ?? '', 4);
    for (const api of ['api_v3', 'v1'] as const) {
      const backend = await backendFor(api);
      const { report } = await findFunctionSpans(
        backend,
        { functions: ['chargeCard', 'refund'], relativePath: 'src/payments.ts', fsPath: '/workspace/src/payments.ts', service, lookbackMinutes: 60, window: '1h', percentiles: [50, 95] },
        { now: () => Date.now() },
      );
      assert.deepEqual(report.notFound, ['refund'], api);
      const figures = report.functions.find((f) => f.function === 'chargeCard');
      assert.ok(figures, `${api}: chargeCard found`);
      assert.equal(figures.count, 30, `${api}: 3 charge-card spans in each of 10 traces`);
      assert.equal(figures.traceCount, 10);
      assert.equal(figures.errorCount, 5, `${api}: the odd traces' last charge fails`);
      assert.equal(figures.evidence, 'file');
    }
  });

  it('streams a large trace (3,000 spans) through api_v3 and v1', async () => {
    const spans = 3000;
    const sent = await sendJsTraces(new GrpcExporter({ url: server().otlpGrpcUrl }), 'large-trace', 1, { spansPerTrace: spans });
    const traceId = sent.traceIds[0] ?? '';
    await untilTraceHas(await backendFor('api_v3'), traceId, spans);
    for (const api of ['api_v3', 'v1'] as const) {
      const backend = await backendFor(api);
      let streamed = 0;
      let batches = 0;
      const trace = await backend.getTrace(traceId, undefined, (batch) => {
        streamed += batch.length;
        batches++;
      });
      assert.equal(trace.spans.length, spans, `${api}: spans sent = spans found`);
      assert.equal(new Set(trace.spans.map((s) => s.spanId)).size, spans);
      assert.equal(streamed, spans, `${api}: every span was handed over while streaming`);
      assert.ok(batches > 1, `${api}: in more than one batch (got ${batches})`);
    }
  });

  it('answers an unknown trace id with "not found" and a refused query with its reason', async () => {
    const unknown = '0123456789abcdef0123456789abcdef';
    for (const api of ['api_v3', 'v1'] as const) {
      const backend = await backendFor(api);
      const missing = await backend.getTrace(unknown).catch((e: unknown) => e);
      assert.ok(missing instanceof BackendError, `${api}: ${String(missing)}`);
      assert.deepEqual(missing.failure, { kind: 'traceNotFound', traceId: unknown });
      assert.match(missing.message, /has no trace with id 0123456789abcdef0123456789abcdef/);
      // The memory store refuses a search deeper than the traces it may hold (max_traces 100000).
      const refused = await backend.search({ service: 'large-trace', limit: 200_000 }).catch((e: unknown) => e);
      assert.ok(refused instanceof BackendError, `${api}: ${String(refused)}`);
      assert.match(refused.message, /search depth must be greater than 0 and less than max traces/, api);
    }
  });
});
