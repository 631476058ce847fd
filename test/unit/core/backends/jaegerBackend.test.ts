import * as assert from 'node:assert/strict';
import { BackendError, type BackendFailure } from '../../../../src/core/backends/backendError';
import { createTraceBackend, type CreateBackendOptions } from '../../../../src/core/backends/createTraceBackend';
import type { SourceConfig, SourceCredentials } from '../../../../src/core/backends/sourceConfig';
import type { TraceBackend } from '../../../../src/core/backends/traceBackend';
import { readFixtureJson, requireSharedFixtures } from '../../sharedFixtures';
import { startFakeJaeger, type FakeJaegerOptions } from './fakeBackends';
import { FakeClock, rejection, TestServer } from './testServer';

const clock = new FakeClock();
const traceA = '4bf92f3577b34da6a3ce929d0e0e4736';
const t0Us = (clock.nowMs - 5 * 60_000) * 1000;

function v1Trace(traceID: string, startUs: number): Record<string, unknown> {
  return {
    traceID,
    spans: [
      {
        traceID,
        spanID: '00000000000000a1',
        operationName: 'GET /cart',
        references: [],
        startTime: startUs,
        duration: 120_000,
        tags: [{ key: 'span.kind', type: 'string', value: 'server' }],
        logs: [],
        processID: 'p1',
        warnings: null,
      },
      {
        traceID,
        spanID: '00000000000000a2',
        operationName: 'SELECT cart',
        references: [{ refType: 'CHILD_OF', traceID, spanID: '00000000000000a1' }],
        startTime: startUs + 1000,
        duration: 50_000,
        tags: [{ key: 'error', type: 'bool', value: true }],
        logs: [],
        processID: 'p2',
        warnings: null,
      },
    ],
    processes: { p1: { serviceName: 'frontend', tags: [] }, p2: { serviceName: 'cartdb', tags: [] } },
    warnings: null,
  };
}

function otlpTrace(traceId: string, startUs: number): Record<string, unknown> {
  const ns = (us: number): string => (BigInt(us) * 1000n).toString();
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'frontend' } }] },
        scopeSpans: [
          {
            scope: {},
            spans: [
              { traceId, spanId: '00000000000000b1', name: 'GET /cart', kind: 2, startTimeUnixNano: ns(startUs), endTimeUnixNano: ns(startUs + 120_000) },
              {
                traceId,
                spanId: '00000000000000b2',
                parentSpanId: '00000000000000b1',
                name: 'SELECT cart',
                kind: 3,
                startTimeUnixNano: ns(startUs + 1000),
                endTimeUnixNano: ns(startUs + 51_000),
                status: { code: 2 },
              },
            ],
          },
        ],
      },
    ],
  };
}

const operations = {
  frontend: [
    { name: 'GET /cart', spanKind: 'server' },
    { name: 'POST /checkout', spanKind: 'server' },
  ],
};

const v3Options: FakeJaegerOptions = {
  api: 'api_v3',
  services: ['frontend', 'cartdb'],
  operations,
  summaries: {
    summaries: [
      {
        traceId: traceA,
        rootServiceName: 'frontend',
        rootOperationName: 'GET /cart',
        minStartTimeUnixNano: (BigInt(t0Us) * 1000n).toString(),
        maxEndTimeUnixNano: ((BigInt(t0Us) + 120_000n) * 1000n).toString(),
        spanCount: 2,
        errorSpanCount: 1,
      },
    ],
  },
  findTraces: { result: otlpTrace(traceA, t0Us) },
  v3Traces: { [traceA]: { result: otlpTrace(traceA, t0Us) } },
  v1Traces: { [traceA]: { data: [v1Trace(traceA, t0Us)], total: 0, limit: 0, offset: 0, errors: null } },
  v1Search: { data: [v1Trace(traceA, t0Us)], total: 0, limit: 0, offset: 0, errors: null },
};

async function failureOf(promise: Promise<unknown>): Promise<BackendFailure> {
  const error = await rejection(promise);
  assert.ok(error instanceof BackendError, `expected BackendError, got ${String(error)}`);
  return error.failure;
}

describe('JaegerBackend', () => {
  let server: TestServer | undefined;
  let backend: TraceBackend | undefined;
  function fake(): TestServer {
    assert.ok(server, 'the fake server is running');
    return server;
  }
  afterEach(async () => {
    await backend?.dispose();
    await server?.close();
    server = undefined;
    backend = undefined;
  });

  async function start(options: FakeJaegerOptions, config: Partial<SourceConfig> = {}, credentials?: SourceCredentials, extra: CreateBackendOptions = {}): Promise<TraceBackend> {
    server = await startFakeJaeger(options, clock.nowMs);
    backend = await createTraceBackend({ name: 'jaeger', type: 'jaeger', url: server.url, ...config }, credentials, { clock, retryBaseDelayMs: 1, timeoutMs: 5000, ...extra });
    return backend;
  }

  describe('api_v3 (preferred)', () => {
    it('detects api_v3 and lists services and operations', async () => {
      const jaeger = await start(v3Options);
      assert.deepEqual(await jaeger.probe(), { type: 'jaeger', api: 'api_v3' });
      assert.deepEqual(await jaeger.listServices(), ['cartdb', 'frontend']);
      assert.deepEqual(await jaeger.listOperations('frontend'), ['GET /cart', 'POST /checkout']);
      assert.equal(fake().to('/api/services').length, 0, 'v1 is not touched when api_v3 answers');
      assert.equal(fake().to('/api/v3/operations')[0]?.query.get('service'), 'frontend');
    });

    it('searches trace-summaries with the api_v3 parameter names and units', async () => {
      const jaeger = await start(v3Options);
      const results = await jaeger
        .search({ service: 'frontend', operation: 'GET /cart', tags: { 'http.status_code': '500' }, minDurationMs: 100, maxDurationMs: 2.5, lookbackMinutes: 30, limit: 5 })
        .catch((e: unknown) => e);
      // max < min is refused before any request
      assert.ok(results instanceof BackendError && results.failure.kind === 'invalidQuery');
      assert.equal(fake().requests.filter((r) => r.path.includes('trace')).length, 0);

      const found = await jaeger.search({ service: 'frontend', operation: 'GET /cart', tags: { 'http.status_code': '500' }, minDurationMs: 100, maxDurationMs: 2500.5, lookbackMinutes: 30, limit: 5 });
      const q = fake().to('/api/v3/trace-summaries')[0]?.query;
      assert.ok(q);
      assert.equal(q.get('query.service_name'), 'frontend');
      assert.equal(q.get('query.operation_name'), 'GET /cart');
      assert.equal(q.get('query.start_time_min'), new Date(clock.nowMs - 30 * 60_000).toISOString());
      assert.equal(q.get('query.start_time_max'), new Date(clock.nowMs).toISOString());
      assert.equal(q.get('query.duration_min'), '100ms');
      assert.equal(q.get('query.duration_max'), '2500500us');
      assert.equal(q.get('query.num_traces'), '5');
      assert.deepEqual(JSON.parse(q.get('query.attributes') ?? ''), { 'http.status_code': '500' });
      assert.deepEqual(found, [
        { traceId: traceA, rootService: 'frontend', rootName: 'GET /cart', startTime: t0Us / 1000, startTimeNs: (BigInt(t0Us) * 1000n).toString(), durationMs: 120, spanCount: 2, errorCount: 1 },
      ]);
    });

    it('returns no results for api_v3 404 "No traces found"', async () => {
      const jaeger = await start(v3Options);
      assert.deepEqual(await jaeger.search({ service: 'nobody' }), []);
    });

    it('falls back to /api/v3/traces where trace-summaries is missing (before v2.19)', async () => {
      const jaeger = await start({ ...v3Options, api: 'v3-no-summaries' });
      const found = await jaeger.search({ service: 'frontend' });
      assert.equal(found.length, 1);
      assert.deepEqual(
        { ...found[0] },
        { traceId: traceA, rootService: 'frontend', rootName: 'GET /cart', startTime: t0Us / 1000, startTimeNs: (BigInt(t0Us) * 1000n).toString(), durationMs: 120, spanCount: 2, errorCount: 1 },
      );
      await jaeger.search({ service: 'frontend' });
      assert.equal(fake().to('/api/v3/trace-summaries').length, 1, 'the missing endpoint is remembered');
      assert.equal(fake().to('/api/v3/traces').length, 2);
    });

    it('opens a trace by id (any case, 16 or 32 hex) and reports an unknown id', async () => {
      const jaeger = await start({ ...v3Options, api: 'v3-only' });
      const trace = await jaeger.getTrace(traceA.toUpperCase());
      assert.equal(trace.traceId, traceA);
      assert.equal(trace.spans.length, 2);
      assert.equal(trace.format, 'jaeger-api-v3');
      assert.deepEqual(await failureOf(jaeger.getTrace('00000000000000000000000000000abc')), { kind: 'traceNotFound', traceId: '00000000000000000000000000000abc' });
      const before = fake().requests.length;
      assert.equal((await failureOf(jaeger.getTrace('not-an-id'))).kind, 'invalidQuery');
      assert.equal(fake().requests.length, before, 'a bad id sends nothing');
    });

    it('refuses TraceQL', async () => {
      const jaeger = await start(v3Options);
      assert.equal((await failureOf(jaeger.search({ query: '{ status = error }' }))).kind, 'invalidQuery');
    });
  });

  describe('v1 (Jaeger 1.x without api_v3 over HTTP)', () => {
    it('detects v1 even though /api/v3 paths answer with the UI page', async () => {
      const jaeger = await start({ ...v3Options, api: 'v1' });
      assert.deepEqual(await jaeger.probe(), { type: 'jaeger', api: 'v1' });
      assert.deepEqual(await jaeger.listServices(), ['cartdb', 'frontend']);
      assert.deepEqual(await jaeger.listOperations('frontend'), ['GET /cart', 'POST /checkout']);
    });

    it('searches with start/end in microseconds, Go durations and JSON tags', async () => {
      const jaeger = await start({ ...v3Options, api: 'v1' });
      const found = await jaeger.search({ service: 'frontend', tags: { error: 'true' }, minDurationMs: 0.25, lookbackMinutes: 60, limit: 10 });
      const q = fake().to('/api/traces')[0]?.query;
      assert.ok(q);
      assert.equal(q.get('service'), 'frontend');
      assert.equal(q.get('start'), String((clock.nowMs - 3_600_000) * 1000));
      assert.equal(q.get('end'), String(clock.nowMs * 1000));
      assert.equal(q.get('minDuration'), '250us');
      assert.equal(q.get('limit'), '10');
      assert.equal(q.get('tags'), '{"error":"true"}');
      assert.equal(found.length, 1);
      const [first] = found;
      assert.ok(first);
      assert.equal(first.rootService, 'frontend');
      assert.equal(first.rootName, 'GET /cart');
      assert.equal(first.spanCount, 2);
      assert.equal(first.errorCount, 1);
      assert.equal(first.durationMs, 120);
    });

    it('needs a service, as the v1 search does', async () => {
      const jaeger = await start({ ...v3Options, api: 'v1' });
      assert.equal((await failureOf(jaeger.search({}))).kind, 'invalidQuery');
    });

    it('opens a trace by id', async () => {
      const jaeger = await start({ ...v3Options, api: 'v1' });
      const trace = await jaeger.getTrace(traceA);
      assert.equal(trace.format, 'jaeger-json');
      assert.deepEqual(trace.spans.map((s) => s.resource.serviceName).sort(), ['cartdb', 'frontend']);
      assert.equal((await failureOf(jaeger.getTrace('1234'))).kind, 'traceNotFound');
    });

    it('says clearly when the URL is not a Jaeger query service', async () => {
      server = await TestServer.start((_req, res) => {
        res.writeHead(404);
        res.end('not here');
      });
      backend = await createTraceBackend({ name: 'jaeger', type: 'jaeger', url: server.url }, undefined, { clock });
      const failure = await failureOf(backend.listServices());
      assert.equal(failure.kind, 'undecodable');
      assert.match(JSON.stringify(failure), /16686/);
    });
  });

  describe('auth and base path', () => {
    it('sends a bearer token and reports a rejected one', async () => {
      const good = await start({ ...v3Options, authorization: 'Bearer t0k3n' }, { auth: 'bearer' }, { token: 't0k3n' });
      assert.deepEqual(await good.listServices(), ['cartdb', 'frontend']);
      await good.dispose();
      await server?.close();

      const bad = await start({ ...v3Options, authorization: 'Bearer t0k3n' }, { auth: 'bearer' }, { token: 'wrong' });
      const failure = await failureOf(bad.listServices());
      assert.deepEqual(failure, { kind: 'auth', status: 401, sentCredentials: true, detail: 'Unauthorized' });
    });

    it('reports that a protected server needs credentials when none are configured', async () => {
      const jaeger = await start({ ...v3Options, authorization: 'Bearer t0k3n' });
      const failure = await failureOf(jaeger.listServices());
      assert.equal(failure.kind === 'auth' && failure.sentCredentials, false);
    });

    it('works under a base path (query.base-path)', async () => {
      server = await startFakeJaeger({ ...v3Options, basePath: '/jaeger' }, clock.nowMs);
      backend = await createTraceBackend({ name: 'jaeger', type: 'jaeger', url: `${server.url}/jaeger/` }, undefined, { clock });
      assert.deepEqual(await backend.listServices(), ['cartdb', 'frontend']);
      assert.equal(server.last().path, '/jaeger/api/v3/services');
    });
  });

  describe('replaying the recorded Jaeger responses (../shared/fixtures/jaeger)', () => {
    before(function () {
      requireSharedFixtures(this);
    });

    it('api_v3: GetServices, GetOperations, FindTraceSummaries, GetTrace', async () => {
      const services = readFixtureJson('jaeger/GetServices.json') as { services: string[] };
      const ops = readFixtureJson('jaeger/GetOperations.json') as { operations: { name: string; spanKind: string }[] };
      const summaries = readFixtureJson('jaeger/FindTraceSummaries.json');
      const getTrace = readFixtureJson('jaeger/GetTrace.json');
      const id = '00000000000000000000000000000001';
      const jaeger = await start({
        api: 'api_v3',
        services: services.services,
        operations: { foo: ops.operations },
        summaries,
        findTraces: readFixtureJson('jaeger/FindTraces.json'),
        v3Traces: { [id]: getTrace },
      });
      assert.deepEqual(await jaeger.listServices(), ['foo']);
      assert.deepEqual(await jaeger.listOperations('foo'), ['get_users']);
      const found = await jaeger.search({ service: 'foo' });
      assert.deepEqual(found, [{ traceId: id, rootService: 'frontend', rootName: 'HTTP GET /', startTime: 1_000_000, startTimeNs: '1000000000000', durationMs: 1000, spanCount: 2, errorCount: 1 }]);
      const trace = await jaeger.getTrace('1');
      assert.equal(trace.traceId, id);
      assert.equal(trace.spans.length, 1);
      assert.equal(trace.spans[0]?.name, 'foobar');
    });

    it('api_v3 without trace-summaries: FindTraces', async () => {
      const jaeger = await start({ api: 'v3-no-summaries', services: ['foo'], findTraces: readFixtureJson('jaeger/FindTraces.json') });
      const found = await jaeger.search({ service: 'foo' });
      assert.equal(found.length, 1);
      assert.deepEqual([found[0]?.traceId, found[0]?.rootName, found[0]?.errorCount], ['00000000000000000000000000000001', 'foobar', 1]);
    });

    it('v1: /api/traces/{id} and search with the recorded Jaeger-UI JSON', async () => {
      const out = readFixtureJson('jaeger/otlp2jaeger-out.json');
      const ui01 = readFixtureJson('jaeger/ui_01.json');
      const id = '83a9efd15c1c98a977e0711cc93ee28b';
      const ui01Id = '00000000000000000000000000000001';
      const jaeger = await start({ api: 'v1', services: ['x'], v1Traces: { [id]: out, [ui01Id]: { data: [ui01] } }, v1Search: out });
      const trace = await jaeger.getTrace(id);
      assert.equal(trace.spans.length, 2);
      const legacy = await jaeger.getTrace('0000000000000001');
      assert.equal(legacy.spans.length, 5);
      const found = await jaeger.search({ service: 'x' });
      assert.equal(found.length, 1);
      assert.deepEqual([found[0]?.traceId, found[0]?.spanCount], [id, 2]);
    });
  });

  describe('the fake refuses what Jaeger refuses', () => {
    it('v1 start in milliseconds, api_v3 without a time range', async () => {
      server = await startFakeJaeger(v3Options, clock.nowMs);
      const ms = await fetch(`${server.url}/api/traces?service=frontend&start=${clock.nowMs - 60_000}&end=${clock.nowMs}`);
      assert.equal(ms.status, 400);
      const noRange = await fetch(`${server.url}/api/v3/trace-summaries?query.service_name=frontend`);
      assert.equal(noRange.status, 400);
      assert.match(await noRange.text(), /startTimeMin and query.startTimeMax are required/);
      const badName = await fetch(`${server.url}/api/v3/traces?query.service=frontend&query.start_time_min=2026-01-01T00:00:00Z&query.start_time_max=2026-01-02T00:00:00Z`);
      assert.equal(badName.status, 400);
    });
  });
});
