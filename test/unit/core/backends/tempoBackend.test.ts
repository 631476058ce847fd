import * as assert from 'node:assert/strict';
import { BackendError, describeBackendFailure, type BackendFailure } from '../../../../src/core/backends/backendError';
import { createTraceBackend } from '../../../../src/core/backends/createTraceBackend';
import type { SourceConfig, SourceCredentials } from '../../../../src/core/backends/sourceConfig';
import { logfmt } from '../../../../src/core/backends/tempoBackend';
import type { TraceBackend } from '../../../../src/core/backends/traceBackend';
import { readFixtureJson, requireSharedFixtures } from '../../sharedFixtures';
import { startFakeTempo, type FakeTempoOptions } from './fakeBackends';
import { FakeClock, rejection, type TestServer } from './testServer';

const clock = new FakeClock();
const traceId = '2f3e0cee77ae5dc9c17ade3689eb2e54';
const startNs = BigInt(clock.nowMs - 120_000) * 1_000_000n;
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** What Tempo's /api/traces/{id} really sends: `batches`, base64 ids, enum names (backends.md §2.1). */
const tempoV1Trace = {
  batches: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop-backend' } }] },
      scopeSpans: [
        {
          scope: { name: 'io.opentelemetry.http' },
          spans: [
            {
              traceId: b64(traceId),
              spanId: b64('563d623c76514f8e'),
              name: 'update-billing',
              kind: 'SPAN_KIND_SERVER',
              startTimeUnixNano: startNs.toString(),
              endTimeUnixNano: (startNs + 557_000_000n).toString(),
            },
            {
              traceId: b64(traceId),
              spanId: b64('0000000000000abc'),
              parentSpanId: b64('563d623c76514f8e'),
              name: 'charge',
              kind: 'SPAN_KIND_CLIENT',
              startTimeUnixNano: (startNs + 1_000_000n).toString(),
              endTimeUnixNano: (startNs + 400_000_000n).toString(),
              status: { code: 'STATUS_CODE_ERROR', message: 'card declined' },
            },
          ],
        },
      ],
    },
  ],
};

const searchBody = {
  traces: [
    {
      traceID: traceId,
      rootServiceName: 'shop-backend',
      rootTraceName: 'update-billing',
      startTimeUnixNano: startNs.toString(),
      durationMs: 557,
      spanSets: [{ spans: [{ spanID: '563d623c76514f8e', startTimeUnixNano: startNs.toString(), durationNanos: '557000000' }], matched: 1 }],
      serviceStats: { 'shop-backend': { spanCount: 2, errorCount: 1 }, billing: { spanCount: 3 } },
    },
    // Leading zeros stripped, no durationMs (it was 0) and no serviceStats: as older Tempo sends.
    { traceID: 'd6e9329d67b6146a', rootServiceName: '<root span not yet received>', startTimeUnixNano: (startNs - 10_000_000_000n).toString() },
  ],
  metrics: { inspectedTraces: 2, inspectedBytes: '1024', completedJobs: 1, totalJobs: 1 },
};

const baseOptions: FakeTempoOptions = {
  v2: true,
  traces: { [traceId]: tempoV1Trace },
  search: searchBody,
  tagValues: {
    'resource.service.name': ['shop-backend', 'billing'],
    'service.name': ['shop-backend', 'billing'],
    name: ['update-billing', 'charge'],
    'span.http.method': ['GET', 'POST'],
    'http.method': ['GET'],
  },
  scopes: [
    { name: 'resource', tags: ['service.name', 'k8s.pod.name'] },
    { name: 'span', tags: ['http.method'] },
    { name: 'intrinsic', tags: ['duration', 'name', 'status'] },
  ],
};

async function failureOf(promise: Promise<unknown>): Promise<BackendFailure> {
  const error = await rejection(promise);
  assert.ok(error instanceof BackendError, `expected BackendError, got ${String(error)}`);
  return error.failure;
}

describe('TempoBackend', () => {
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

  async function start(options: FakeTempoOptions, config: Partial<SourceConfig> = {}, credentials?: SourceCredentials, path = ''): Promise<TraceBackend> {
    server = await startFakeTempo(options);
    backend = await createTraceBackend({ name: 'tempo', type: 'tempo', url: server.url + path, ...config }, credentials, { clock, retryBaseDelayMs: 1, timeoutMs: 5000 });
    return backend;
  }

  it('probes /api/echo and lists services and span names from tag values', async () => {
    const tempo = await start(baseOptions);
    assert.deepEqual(await tempo.probe(), { type: 'tempo', api: 'v2' });
    assert.deepEqual(await tempo.listServices(), ['billing', 'shop-backend']);
    assert.deepEqual(await tempo.listOperations('shop-backend'), ['charge', 'update-billing']);
    assert.equal(fake().last().path, '/api/v2/search/tag/name/values');
    assert.equal(fake().last().query.get('q'), '{ resource.service.name = "shop-backend" }');
  });

  it('searches by tags with logfmt, Go durations and unix seconds', async () => {
    const tempo = await start(baseOptions);
    const found = await tempo.search({
      service: 'shop-backend',
      operation: 'update billing',
      tags: { 'http.status_code': '500' },
      minDurationMs: 100,
      maxDurationMs: 5000,
      lookbackMinutes: 15,
      limit: 50,
    });
    const q = fake().to('/api/search')[0]?.query;
    assert.ok(q);
    assert.equal(q.get('tags'), 'service.name=shop-backend name="update billing" http.status_code=500');
    assert.equal(q.get('minDuration'), '100ms');
    assert.equal(q.get('maxDuration'), '5000ms');
    assert.equal(q.get('start'), String(Math.floor((clock.nowMs - 15 * 60_000) / 1000)));
    assert.equal(q.get('end'), String(Math.ceil(clock.nowMs / 1000)));
    assert.equal(q.get('limit'), '50');
    assert.equal(q.get('q'), null);
    assert.deepEqual(found[0], {
      traceId,
      rootService: 'shop-backend',
      rootName: 'update-billing',
      startTime: Number(startNs / 1_000_000n),
      startTimeNs: startNs.toString(),
      durationMs: 557,
      spanCount: 5,
      errorCount: 1,
    });
    assert.deepEqual([found[1]?.traceId, found[1]?.durationMs, found[1]?.spanCount], ['0000000000000000d6e9329d67b6146a', 0, undefined], 'stripped leading zeros are restored');
  });

  it('searches by TraceQL, and refuses TraceQL mixed with tags', async () => {
    const tempo = await start(baseOptions);
    await tempo.search({ query: '{ status = error && span.http.method = "POST" }', limit: 3 });
    const q = fake().to('/api/search')[0]?.query;
    assert.ok(q);
    assert.equal(q.get('q'), '{ status = error && span.http.method = "POST" }');
    assert.equal(q.get('tags'), null);
    assert.equal((await failureOf(tempo.search({ query: '{ }', service: 'x' }))).kind, 'invalidQuery');
  });

  it('opens a trace through /api/v2/traces, decoding base64 ids and enum names', async () => {
    const tempo = await start(baseOptions);
    const trace = await tempo.getTrace(traceId);
    assert.equal(trace.spans.length, 2);
    assert.deepEqual(trace.spans.map((s) => s.spanId).sort(), ['0000000000000abc', '563d623c76514f8e']);
    assert.equal(fake().to(`/api/v2/traces/${traceId}`).length, 1);
    assert.equal(fake().to(`/api/traces/${traceId}`).length, 0);
    assert.deepEqual(await failureOf(tempo.getTrace('00000000000000000000000000000bad')), { kind: 'traceNotFound', traceId: '00000000000000000000000000000bad' });
  });

  it('falls back to /api/traces on a Tempo without /api/v2, and remembers it', async () => {
    const tempo = await start({ ...baseOptions, v2: false });
    const trace = await tempo.getTrace(traceId);
    assert.equal(trace.spans.length, 2);
    assert.equal(trace.format, 'tempo-json');
    await tempo.getTrace(traceId);
    assert.equal(fake().to(`/api/v2/traces/${traceId}`).length, 1, 'v2 is tried once');
    assert.equal(fake().to(`/api/traces/${traceId}`).length, 2);
    assert.deepEqual(await tempo.listServices(), ['billing', 'shop-backend']);
    assert.equal(fake().last().path, '/api/search/tag/service.name/values');
  });

  it('warns when Tempo returns a partial trace', async () => {
    const tempo = await start({ ...baseOptions, v2Traces: { [traceId]: { trace: { resourceSpans: tempoV1Trace.batches }, status: 'PARTIAL', message: 'response too large' } } });
    const trace = await tempo.getTrace(traceId);
    assert.ok(trace.warnings.some((w) => /part of this trace: response too large/.test(w)));
  });

  it('offers scoped tag names and values for TraceQL completion', async () => {
    const tempo = await start(baseOptions);
    assert.deepEqual(await tempo.tagNames?.(), ['duration', 'name', 'resource.k8s.pod.name', 'resource.service.name', 'span.http.method', 'status']);
    assert.deepEqual(await tempo.tagValues?.('span.http.method'), ['GET', 'POST']);
  });

  it('sends X-Scope-OrgID and says when a tenant is required', async () => {
    const withTenant = await start({ ...baseOptions, tenant: 'team-a' }, { tenant: 'team-a' });
    assert.equal((await withTenant.search({})).length, 2);
    assert.equal(fake().last().headers['x-scope-orgid'], 'team-a');
    await withTenant.dispose();
    await server?.close();

    const without = await start({ ...baseOptions, tenant: 'team-a' });
    const failure = await failureOf(without.search({}));
    assert.deepEqual(failure, { kind: 'tenantRequired' });
    assert.match(describeBackendFailure('tempo', failure), /X-Scope-OrgID/);
  });

  it('uses basic auth under a path prefix, as Grafana Cloud Traces does', async () => {
    const authorization = `Basic ${Buffer.from('812345:glc_token').toString('base64')}`;
    const tempo = await start({ ...baseOptions, authorization, basePath: '/tempo' }, { auth: 'basic' }, { username: '812345', password: 'glc_token' }, '/tempo');
    assert.deepEqual(await tempo.probe(), { type: 'tempo', api: 'v2' });
    assert.equal((await tempo.getTrace(traceId)).spans.length, 2);
    assert.equal(fake().last().path, `/tempo/api/v2/traces/${traceId}`);
    await tempo.dispose();
    await server?.close();

    const wrong = await start({ ...baseOptions, authorization, basePath: '/tempo' }, { auth: 'basic' }, { username: '812345', password: 'nope' }, '/tempo');
    const failure = await failureOf(wrong.search({}));
    assert.equal(failure.kind, 'auth');
    assert.ok(!JSON.stringify(failure).includes('nope'));
  });

  it('reports a non-Tempo URL at probe time', async () => {
    server = await startFakeTempo(baseOptions);
    backend = await createTraceBackend({ name: 'tempo', type: 'tempo', url: `${server.url}/grafana` }, undefined, { clock });
    assert.equal((await failureOf(backend.probe())).kind, 'endpointNotFound');
  });

  it('quotes logfmt values', () => {
    assert.equal(
      logfmt([
        ['a', 'plain'],
        ['b', 'two words'],
        ['c', 'x="y"'],
        ['d', ''],
      ]),
      'a=plain b="two words" c="x=\\"y\\"" d=""',
    );
  });

  describe('replaying the recorded Tempo trace (../shared/fixtures/tempo/trace.json)', () => {
    before(function () {
      requireSharedFixtures(this);
    });

    it('opens it through the v1 fallback', async () => {
      const doc = readFixtureJson('tempo/trace.json');
      const id = '5b8efff798038103d269b633813fc60c';
      const tempo = await start({ v2: false, traces: { [id]: doc } });
      const trace = await tempo.getTrace(id.toUpperCase());
      assert.equal(trace.spans.length, 1);
      assert.equal(trace.spans[0]?.resource.serviceName, 'my.service');
    });
  });

  describe('the fake refuses what Tempo refuses', () => {
    it('start in milliseconds, start after end, q with tags', async () => {
      server = await startFakeTempo(baseOptions);
      assert.equal((await fetch(`${server.url}/api/search?start=${clock.nowMs - 1000}&end=${clock.nowMs}`)).status, 400);
      assert.equal((await fetch(`${server.url}/api/search?start=20&end=10`)).status, 400);
      assert.equal((await fetch(`${server.url}/api/search?q=%7B%7D&tags=a%3Db`)).status, 400);
    });
  });
});
