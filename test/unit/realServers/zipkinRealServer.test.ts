import * as assert from 'node:assert/strict';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { BackendError } from '../../../src/core/backends/backendError';
import { createTraceBackend } from '../../../src/core/backends/createTraceBackend';
import type { TraceBackend } from '../../../src/core/backends/traceBackend';
import { findFunctionSpans } from '../../../src/core/traceService/functionSpansService';
import { sendPythonTraces } from '../../clients/python/sendPythonTraces';
import { isLoopback, listeningSockets } from '../../servers/listeningSockets';
import { requireRealServer } from '../../servers/realServerGate';
import { sendJsTraces } from '../../servers/sendJsTraces';
import { untilTraceHas } from '../../servers/untilTraceHas';
import { ZipkinServer, zipkinRequirement } from '../../servers/zipkinServer';

/**
 * A real Zipkin server (the exec jar from Maven Central, fetched by scripts/setup-servers.sh) fed
 * by the real OpenTelemetry Zipkin exporters of the JS and Python SDKs, then read back by
 * SpanLens's ZipkinBackend: every span sent must be found, by id, by search and by the function
 * query. Zipkin lower-cases span names when it stores them, so the root is `get /checkout`.
 */
describe('real Zipkin: the OpenTelemetry Zipkin exporters of JS and Python, read back by SpanLens', function () {
  this.timeout(180_000);
  let zipkin: ZipkinServer | undefined;
  let backend: TraceBackend | undefined;

  before(async function () {
    requireRealServer(this, zipkinRequirement);
    zipkin = await ZipkinServer.start();
    backend = await createTraceBackend({ name: 'real-zipkin', type: 'zipkin', url: zipkin.url }, undefined);
  });
  after(async () => {
    await backend?.dispose();
    await zipkin?.stop();
  });

  function server(): ZipkinServer {
    assert.ok(zipkin, 'Zipkin is running');
    return zipkin;
  }
  function source(): TraceBackend {
    assert.ok(backend, 'the backend exists');
    return backend;
  }
  function exporter(): ZipkinExporter {
    return new ZipkinExporter({ url: `${server().url}/api/v2/spans` });
  }

  it('listens on the loopback port it was given and nothing else', () => {
    const sockets = listeningSockets(server().process.pid);
    assert.deepEqual(
      sockets.filter((s) => !isLoopback(s.address)),
      [],
      'no socket outside loopback',
    );
    assert.deepEqual(
      sockets.map((s) => `${s.protocol}:${s.port}`),
      [`tcp6:${server().port}`],
    );
  });

  it('JS SDK: every span found by id and by service, span name, tags and duration', async () => {
    const service = 'js-zipkin';
    const sent = await sendJsTraces(exporter(), service, 12, { attributes: { 'test.run': service } });
    const zipkinSource = source();
    await untilTraceHas(zipkinSource, sent.traceIds[sent.traceIds.length - 1] ?? '', 3);
    let found = 0;
    for (const traceId of sent.traceIds) {
      const trace = await zipkinSource.getTrace(traceId);
      assert.equal(trace.spans.length, 3, `spans of ${traceId}`);
      found += trace.spans.length;
    }
    assert.equal(found, sent.spans.length, 'spans sent = spans found');
    assert.ok((await zipkinSource.listServices()).includes(service));
    assert.deepEqual(await zipkinSource.listOperations(service), ['charge-card', 'get /checkout']);

    const all = await zipkinSource.search({ service, limit: 50 });
    assert.deepEqual(all.map((s) => s.traceId).sort(), [...sent.traceIds].sort(), 'search by service');
    assert.ok(all.every((s) => s.rootName === 'get /checkout' && s.rootService === service && s.spanCount === 3));
    assert.equal(all.filter((s) => s.errorCount === 1).length, 6, 'the odd traces carry one error');
    assert.equal((await zipkinSource.search({ service, operation: 'charge-card', limit: 50 })).length, 12, 'search by span name');
    assert.equal((await zipkinSource.search({ service, tags: { 'test.run': service, 'http.route': '/checkout' }, limit: 50 })).length, 12, 'search by tags');
    assert.deepEqual(await zipkinSource.search({ service, tags: { 'test.run': 'another-run' }, limit: 50 }), [], 'a tag no span has');
    assert.equal((await zipkinSource.search({ service, minDurationMs: 250, limit: 50 })).length, 12, 'min duration');
    assert.equal((await zipkinSource.search({ service, minDurationMs: 400, limit: 50 })).length, 0, 'min duration above every span');
    assert.equal((await zipkinSource.search({ service, limit: 5 })).length, 5, 'the limit');
  });

  it('Python SDK: every span found by id and by service', async () => {
    const service = 'python-zipkin';
    const sent = await sendPythonTraces(server().url, 'zipkin', service, 6, 4);
    await untilTraceHas(source(), sent.traceIds[sent.traceIds.length - 1] ?? '', 4);
    let found = 0;
    for (const traceId of sent.traceIds) found += (await source().getTrace(traceId)).spans.length;
    assert.equal(found, sent.spanCount, 'spans sent = spans found');
    const results = await source().search({ service, limit: 50 });
    assert.deepEqual(results.map((r) => r.traceId).sort(), [...sent.traceIds].sort());
  });

  it('the remote function-latency query counts every span of the function', async () => {
    const service = 'latency-zipkin';
    const sent = await sendJsTraces(exporter(), service, 10, { spansPerTrace: 4 });
    await untilTraceHas(source(), sent.traceIds[sent.traceIds.length - 1] ?? '', 4);
    const { report } = await findFunctionSpans(
      source(),
      { functions: ['chargeCard', 'refund'], relativePath: 'src/payments.ts', fsPath: '/workspace/src/payments.ts', service, lookbackMinutes: 60, window: '1h', percentiles: [50, 95] },
      { now: () => Date.now() },
    );
    assert.deepEqual(report.notFound, ['refund']);
    const figures = report.functions.find((f) => f.function === 'chargeCard');
    assert.ok(figures, 'chargeCard found');
    assert.equal(figures.count, 30, '3 charge-card spans in each of 10 traces');
    assert.equal(figures.traceCount, 10);
    assert.equal(figures.errorCount, 5, "the odd traces' last charge fails");
    assert.equal(figures.evidence, 'file');
  });

  it('streams a large trace (3,000 spans)', async () => {
    const spans = 3000;
    const sent = await sendJsTraces(exporter(), 'large-zipkin', 1, { spansPerTrace: spans });
    await untilTraceHas(source(), sent.traceIds[0] ?? '', spans);
    const trace = await source().getTrace(sent.traceIds[0] ?? '');
    assert.equal(trace.spans.length, spans, 'spans sent = spans found');
    assert.equal(new Set(trace.spans.map((s) => s.spanId)).size, spans);
  });

  it('answers an unknown trace id with "not found" and a refused query with its reason', async () => {
    const unknown = '0123456789abcdef0123456789abcdef';
    const missing = await source()
      .getTrace(unknown)
      .catch((e: unknown) => e);
    assert.ok(missing instanceof BackendError, String(missing));
    assert.deepEqual(missing.failure, { kind: 'traceNotFound', traceId: unknown });
    // 10^16 ms is 10^19 µs, past the long Zipkin parses minDuration into.
    const refused = await source()
      .search({ service: 'large-zipkin', minDurationMs: 1e16 })
      .catch((e: unknown) => e);
    assert.ok(refused instanceof BackendError, String(refused));
    assert.equal(refused.failure.kind, 'badRequest');
    assert.match(refused.message, /rejected the request \(HTTP 400\): For input string: "10000000000000000000"/);
    // A tag Zipkin's annotationQuery would split in two: refused, where the search found nothing.
    const notes = await sendJsTraces(exporter(), 'notes-zipkin', 1, { attributes: { 'payment.note': 'cash and card' } });
    await untilTraceHas(source(), notes.traceIds[0] ?? '', 3);
    const split = await source()
      .search({ service: 'notes-zipkin', tags: { 'payment.note': 'cash and card' } })
      .catch((e: unknown) => e);
    assert.ok(split instanceof BackendError, `refused rather than ${JSON.stringify(split)}`);
    assert.equal(split.failure.kind, 'invalidQuery');
    assert.match(split.message, /splits terms on " and "/);
  });
});
