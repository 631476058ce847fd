import * as assert from 'node:assert/strict';
import { BackendError, type BackendFailure } from '../../../../src/core/backends/backendError';
import { createTraceBackend } from '../../../../src/core/backends/createTraceBackend';
import type { SourceConfig } from '../../../../src/core/backends/sourceConfig';
import type { TraceBackend } from '../../../../src/core/backends/traceBackend';
import { findFunctionSpans, type RemoteFunctionSpansRequest } from '../../../../src/core/traceService/functionSpansService';
import { TraceService } from '../../../../src/core/traceService/traceService';
import { readFixtureJson, requireSharedFixtures } from '../../sharedFixtures';
import { startFakeJaeger, startFakeTempo, startFakeZipkin } from '../backends/fakeBackends';
import { FakeClock, rejection, sendText, TestServer } from '../backends/testServer';

const clock = new FakeClock();
const nowNs = BigInt(clock.nowMs) * 1_000_000n;
const minutesAgoNs = (m: number): bigint => nowNs - BigInt(m) * 60_000_000_000n;
const fsPath = '/ws/src/checkout.ts';

const request = (functions: string[], extra: Partial<RemoteFunctionSpansRequest> = {}): RemoteFunctionSpansRequest => ({
  functions,
  relativePath: 'src/checkout.ts',
  fsPath,
  window: '1h',
  percentiles: [50, 95, 99],
  lookbackMinutes: 60,
  ...extra,
});

const str = (key: string, value: string): { key: string; value: { stringValue: string } } => ({ key, value: { stringValue: value } });

/**
 * Constructed, not recorded: ../shared/fixtures holds no Tempo search response. The shape is
 * TraceSearchMetadata as tempo.proto and Tempo's asTraceSearchMetadata write it (backends.md §2.2):
 * hex ids with leading zeros stripped, nanosecond strings, `status` and the selected attributes
 * as OTLP KeyValues without their scope, `matched` per span set.
 */
function tempoSearchBody(nowMs = clock.nowMs): unknown {
  const minutesAgoNs = (m: number): bigint => BigInt(nowMs - m * 60_000) * 1_000_000n;
  const span = (id: string, startMin: number, ms: number, attributes: unknown[]): unknown => ({
    spanID: id,
    name: 'POST /pay',
    startTimeUnixNano: minutesAgoNs(startMin).toString(),
    durationNanos: String(ms * 1_000_000),
    attributes,
  });
  return {
    traces: [
      {
        traceID: '2f3e0cee77ae5dc9c17ade3689eb2e54',
        rootServiceName: 'shop',
        startTimeUnixNano: minutesAgoNs(10).toString(),
        durationMs: 400,
        spanSets: [
          {
            spans: [
              span('563d623c76514f8e', 10, 120, [str('code.function.name', 'shop.Checkout.pay'), str('code.file.path', '/app/src/checkout.ts'), str('status', 'error'), str('service.name', 'shop')]),
              // Same name, another file: a search hit, not a call of this file's function.
              span('0000000000000abc', 10, 900, [str('code.function.name', 'billing.Invoice.pay'), str('code.file.path', '/app/src/billing/invoice.ts'), str('status', 'unset')]),
            ],
            matched: 5,
          },
        ],
      },
      {
        traceID: 'd6e9329d67b6146a',
        startTimeUnixNano: minutesAgoNs(20).toString(),
        spanSets: [
          { spans: [span('1111111111111111', 20, 40, [str('code.function', 'pay'), str('code.filepath', 'src/checkout.ts'), { key: 'code.lineno', value: { intValue: '42' } }])], matched: 1 },
        ],
      },
    ],
    metrics: { inspectedTraces: 2 },
  };
}

/** api_v3 /api/v3/traces answer built like the recorded FindTraces.json, with code.* attributes and times added. */
function jaegerV3Body(): unknown {
  const span = (spanId: string, name: string, ms: number, attributes: unknown[], error = false): unknown => ({
    traceId: '00000000000000000000000000000001',
    spanId,
    name,
    kind: 1,
    startTimeUnixNano: minutesAgoNs(5).toString(),
    endTimeUnixNano: (minutesAgoNs(5) + BigInt(ms) * 1_000_000n).toString(),
    attributes,
    status: error ? { code: 2 } : {},
  });
  return {
    result: {
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', 'shop')] },
          scopeSpans: [
            {
              scope: {},
              spans: [
                span('0000000000000002', 'POST /pay', 30, [str('code.function.name', 'pay'), str('code.file.path', '/srv/src/checkout.ts')]),
                span('0000000000000003', 'refund', 70, [str('code.function', 'refund'), str('code.namespace', 'checkout')], true),
                span('0000000000000004', 'pay', 5, [str('code.function', 'pay'), str('code.namespace', 'orders')]),
              ],
            },
          ],
        },
      ],
    },
  };
}

async function failureOf(promise: Promise<unknown>): Promise<{ source: string; failure: BackendFailure; message: string }> {
  const error = await rejection(promise);
  assert.ok(error instanceof BackendError, `expected BackendError, got ${String(error)}`);
  return { source: error.sourceName, failure: error.failure, message: error.message };
}

describe('findFunctionSpans (remote spans of a file’s functions)', () => {
  let server: TestServer | undefined;
  let backend: TraceBackend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    await server?.close();
    server = undefined;
    backend = undefined;
  });

  async function connect(config: Omit<SourceConfig, 'url'>, started: TestServer, timeoutMs = 5000): Promise<TraceBackend> {
    server = started;
    backend = await createTraceBackend({ ...config, url: started.url }, undefined, { clock, retryBaseDelayMs: 1, timeoutMs, maxAttempts: 1 });
    return backend;
  }

  it('Tempo: one TraceQL search the server parses, only this file’s spans counted, a capped search reported as a sample', async () => {
    const tempo = await connect({ name: 'tempo-prod', type: 'tempo' }, await startFakeTempo({ v2: true, search: tempoSearchBody() }));
    const { report, matched } = await findFunctionSpans(tempo, request(['pay', 'refund'], { traceLimit: 2 }), { now: () => clock.nowMs });
    const searched = server?.to('/api/search') ?? [];
    assert.equal(searched.length, 1);
    const q = searched[0]?.query ?? new URLSearchParams();
    assert.equal(q.get('spss'), '100');
    assert.equal(q.get('limit'), '2');
    assert.equal(q.get('start'), String(Math.floor((clock.nowMs - 3_600_000) / 1000)));
    assert.match(q.get('q') ?? '', /^\{ span\.code\.function\.name =~ .*\(\?:pay\|refund\).* \} \| select\(status, /);

    assert.equal(report.source, 'tempo-prod');
    assert.deepEqual(
      report.functions.map((f) => f.function),
      ['pay'],
    );
    const pay = report.functions[0];
    assert.ok(pay);
    assert.equal(pay.count, 2);
    assert.equal(pay.errorCount, 1);
    assert.equal(pay.traceCount, 2);
    assert.match(pay.title, /^p50 .* · p95 .* · p99 120 ms · 2 calls · 50% errors$/);
    // Two traces came back with a limit of two: there may be more; one span set matched 5 and listed 2.
    assert.equal(pay.sample, '2 spans from 2 traces (search limit 2 reached — a sample, not all calls; 3 more matching spans not returned by the backend)');
    assert.deepEqual(pay.slowest, { traceId: '2f3e0cee77ae5dc9c17ade3689eb2e54', spanId: '563d623c76514f8e', durationMs: 120, error: true });
    assert.equal(report.elsewhere, 1);
    assert.deepEqual(report.notFound, ['refund']);
    // The leading-zero-stripped id is padded, and each counted span is pinned to this document.
    assert.deepEqual(
      matched.map((m) => [m.span.traceId, m.location.file, m.location.function]),
      [
        ['2f3e0cee77ae5dc9c17ade3689eb2e54', fsPath, 'pay'],
        ['0000000000000000d6e9329d67b6146a', fsPath, 'pay'],
      ],
    );
  });

  it('Tempo: a function name with quotes, backslashes and a line break reaches the server as a valid query', async () => {
    const tempo = await connect({ name: 'tempo', type: 'tempo' }, await startFakeTempo({ v2: true, search: { traces: [] } }));
    const hostile = 'say "hi"\\ \nnow';
    const { report } = await findFunctionSpans(tempo, request([hostile]), { now: () => clock.nowMs });
    assert.equal(report.functions.length, 0);
    assert.match(report.message ?? '', /^No spans found for these functions in the last hour at "tempo" \(1 search for "say \\"hi\\"\\\\ \\nnow"\)/);
    assert.ok(!(server?.to('/api/search')[0]?.query.get('q') ?? '\n').includes('\n'));
  });

  it('Tempo: the fake refuses what Tempo refuses — a raw line break in a string (proves the check above can fail)', async () => {
    const tempo = await connect({ name: 'tempo', type: 'tempo' }, await startFakeTempo({ v2: true }));
    const { failure } = await failureOf(tempo.searchSpans({ query: '{ name = "a\nb" }' }));
    assert.equal(failure.kind, 'badRequest');
  });

  it('Jaeger api_v3: tag searches for both code.* generations, duplicates across searches counted once, other files left out', async () => {
    const jaeger = await connect({ name: 'jaeger', type: 'jaeger' }, await startFakeJaeger({ api: 'api_v3', services: ['shop'], findTraces: jaegerV3Body() }, clock.nowMs));
    const { report } = await findFunctionSpans(jaeger, request(['pay', 'refund'], { service: 'shop' }), { now: () => clock.nowMs });
    const searches = server?.to('/api/v3/traces') ?? [];
    assert.equal(searches.length, 6);
    // Three run at a time, so they arrive in any order.
    assert.deepEqual(searches.map((r) => r.query.get('query.attributes') ?? `op ${r.query.get('query.operation_name') ?? ''}`).sort(), [
      'op pay',
      'op refund',
      '{"code.function":"pay"}',
      '{"code.function":"refund"}',
      '{"code.function.name":"pay"}',
      '{"code.function.name":"refund"}',
    ]);
    // refund (70 ms, error) is slower than pay (30 ms); the orders.pay span is another file's.
    assert.deepEqual(
      report.functions.map((f) => [f.function, f.count, f.errorCount, f.evidence]),
      [
        ['refund', 1, 1, 'namespace'],
        ['pay', 1, 0, 'file'],
      ],
    );
    assert.equal(report.functions[0]?.sample, '1 span from 1 trace (all the search found in the last hour)');
    assert.ok(report.elsewhere >= 1);
  });

  it('Jaeger api_v3: the recorded FindTraces.json search answer decodes to its span', async function () {
    requireSharedFixtures(this);
    const jaeger = await connect({ name: 'jaeger', type: 'jaeger' }, await startFakeJaeger({ api: 'api_v3', services: ['foo'], findTraces: readFixtureJson('jaeger/FindTraces.json') }, clock.nowMs));
    const found = await jaeger.searchSpans({ service: 'foo', operation: 'foobar' });
    assert.deepEqual(
      found.spans.map((s) => [s.traceId, s.spanId, s.name, s.statusCode]),
      [['00000000000000000000000000000001', '0000000000000002', 'foobar', 2]],
    );
    assert.equal(found.traceCount, 1);
  });

  it('Jaeger v1 without a service: a clear message naming the source', async () => {
    const jaeger = await connect({ name: 'jaeger-old', type: 'jaeger' }, await startFakeJaeger({ api: 'v1', services: ['shop'] }, clock.nowMs));
    const { source, failure, message } = await failureOf(findFunctionSpans(jaeger, request(['pay']), { now: () => clock.nowMs }));
    assert.equal(source, 'jaeger-old');
    assert.equal(failure.kind, 'invalidQuery');
    assert.match(message, /^Trace source "jaeger-old" cannot run this search: Jaeger needs a service/);
  });

  it('Zipkin: the recorded skew.json trace (times moved into the window) matched by lower-cased span names', async function () {
    requireSharedFixtures(this);
    const recorded = readFixtureJson('zipkin/skew.json') as Record<string, unknown>[];
    // Recorded in 2017; only the timestamps are moved so the spans ended within the last hour.
    const first = Math.min(...recorded.map((s) => Number(s['timestamp'])));
    const shifted = recorded.map((s) => ({ ...s, timestamp: Number(s['timestamp']) - first + (clock.nowMs - 30 * 60_000) * 1000 }));
    const zipkin = await connect({ name: 'zipkin', type: 'zipkin' }, await startFakeZipkin({ services: ['servicea'], traces: [shifted] }, clock.nowMs));
    const { report } = await findFunctionSpans(zipkin, request(['GET', 'missing'], { relativePath: 'src/api.ts' }), { now: () => clock.nowMs });
    const byName = server?.to('/api/v2/traces').find((r) => r.query.get('spanName') !== null);
    assert.equal(byName?.query.get('spanName'), 'get');
    assert.equal(
      server
        ?.to('/api/v2/traces')
        .find((r) => r.query.get('annotationQuery') !== null)
        ?.query.get('annotationQuery'),
      'code.function.name=GET',
    );
    assert.deepEqual(
      report.functions.map((f) => [f.function, f.count, f.traceCount, f.evidence]),
      [['GET', 1, 1, 'name']],
    );
    assert.deepEqual(report.notFound, ['missing']);
  });

  it('source failures name the source: HTTP 500, a refused query, a timeout, a cancel', async () => {
    const failing = await TestServer.start((req, res) => (req.query.get('limit') === '7' ? sendText(res, 400, 'parse error at line 1, col 3') : sendText(res, 500, 'compactor on fire')));
    const tempo = await connect({ name: 'tempo-x', type: 'tempo' }, failing);
    const server500 = await failureOf(findFunctionSpans(tempo, request(['pay']), { now: () => clock.nowMs }));
    assert.equal(server500.failure.kind, 'server');
    assert.match(server500.message, /^Trace source "tempo-x" failed with HTTP 500: compactor on fire/);
    const refused = await failureOf(findFunctionSpans(tempo, request(['pay'], { traceLimit: 7 }), { now: () => clock.nowMs }));
    assert.equal(refused.failure.kind, 'unsupported');
    assert.match(refused.message, /"tempo-x": the backend refused the search for this file's functions \(HTTP 400: parse error at line 1, col 3\)\. Tempo needs 2\.2 or later/);
    await backend?.dispose();
    await server?.close();

    const silent = await TestServer.start(() => undefined);
    const slow = await connect({ name: 'tempo-slow', type: 'tempo' }, silent, 200);
    const timeout = await failureOf(findFunctionSpans(slow, request(['pay']), { now: () => clock.nowMs }));
    assert.equal(timeout.failure.kind, 'timeout');
    assert.match(timeout.message, /^Trace source "tempo-slow" did not answer within 200 ms/);
    const controller = new AbortController();
    const pending = findFunctionSpans(slow, request(['pay']), { now: () => clock.nowMs, signal: controller.signal });
    controller.abort();
    assert.equal((await failureOf(pending)).failure.kind, 'cancelled');
  });

  it('a file without function names is refused before any request', async () => {
    const tempo = await connect({ name: 'tempo', type: 'tempo' }, await startFakeTempo({ v2: true }));
    const { message } = await failureOf(findFunctionSpans(tempo, request(['', '  ']), { now: () => clock.nowMs }));
    assert.match(message, /there is no function to ask about \(the file has no function symbols\)/);
    assert.equal(server?.requests.length, 0);
  });
});

describe('TraceService.remoteFunctionSpans', () => {
  it('without the named source: a clear message listing what is configured', async () => {
    const service = new TraceService();
    try {
      await service.configureSources({ sources: [], proxy: {} });
      const error = await rejection(service.remoteFunctionSpans('prod', request(['pay'])));
      assert.ok(error instanceof BackendError);
      assert.match(error.message, /^Trace source "prod" is not configured correctly: there is no source with this name \(no source is configured in spanlens.sources\)/);
    } finally {
      await service.dispose();
    }
  });

  it('spans placed in the file by their code.* join that document’s annotations', async () => {
    // The service runs on the wall clock, so the replayed spans are placed relative to it.
    const tempoServer = await startFakeTempo({ v2: true, search: tempoSearchBody(Date.now()) });
    const service = new TraceService();
    try {
      await service.configureMapping({ folders: [{ name: 'ws', path: '/ws' }], pathMappings: [], serviceFolders: {}, caseInsensitive: false });
      await service.configureAnnotations({ window: '1h', percentiles: [50, 95, 99] });
      await service.configureSources({ sources: [{ config: { name: 'tempo', type: 'tempo', url: tempoServer.url } }], proxy: {} });
      const report = await service.remoteFunctionSpans('tempo', request(['pay']));
      assert.equal(report.functions[0]?.count, 2);
      const annotations = await service.statsForDocument(fsPath);
      // One group under the symbol's name, whatever each span called the function.
      assert.deepEqual(
        annotations.functions.map((f) => [f.function, f.count, f.errorCount]),
        [['pay', 2, 1]],
      );
      assert.match(annotations.functions[0]?.context ?? '', /last hour · tempo/);
      // The same-named span of billing/invoice.ts went nowhere near this document.
      assert.equal(
        annotations.functions.reduce((n, f) => n + f.count, 0),
        2,
      );
    } finally {
      await service.dispose();
      await tempoServer.close();
    }
  });
});
