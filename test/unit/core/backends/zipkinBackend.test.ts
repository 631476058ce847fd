import * as assert from 'node:assert/strict';
import { BackendError, type BackendFailure } from '../../../../src/core/backends/backendError';
import { createTraceBackend } from '../../../../src/core/backends/createTraceBackend';
import type { SourceConfig, SourceCredentials } from '../../../../src/core/backends/sourceConfig';
import type { TraceBackend } from '../../../../src/core/backends/traceBackend';
import { readFixtureJson, requireSharedFixtures } from '../../sharedFixtures';
import { startFakeZipkin, type FakeZipkinOptions } from './fakeBackends';
import { FakeClock, rejection, type TestServer } from './testServer';

const clock = new FakeClock();
const t0Us = (clock.nowMs - 60_000) * 1000;

function zipkinTrace(traceId: string, startUs: number): Record<string, unknown>[] {
  return [
    { traceId, id: '000000000000000a', name: 'get /api', kind: 'SERVER', timestamp: startUs, duration: 80_000, localEndpoint: { serviceName: 'frontend' }, tags: { 'http.path': '/api' } },
    {
      traceId,
      parentId: '000000000000000a',
      id: '000000000000000b',
      name: 'query',
      kind: 'CLIENT',
      timestamp: startUs + 2000,
      duration: 30_000,
      localEndpoint: { serviceName: 'frontend' },
      tags: { error: 'timeout' },
    },
  ];
}

const options: FakeZipkinOptions = {
  services: ['backend', 'frontend'],
  spanNames: { frontend: ['get /api', 'query'] },
  traces: [zipkinTrace('463ac35c9f6413ad', t0Us), zipkinTrace('48485a3953bb61246b221d5bc9e6496c', t0Us - 5_000_000)],
  autocomplete: { environment: ['prod', 'staging'] },
};

async function failureOf(promise: Promise<unknown>): Promise<BackendFailure> {
  const error = await rejection(promise);
  assert.ok(error instanceof BackendError, `expected BackendError, got ${String(error)}`);
  return error.failure;
}

describe('ZipkinBackend', () => {
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

  async function start(fake: FakeZipkinOptions, config: Partial<SourceConfig> = {}, credentials?: SourceCredentials): Promise<TraceBackend> {
    server = await startFakeZipkin(fake, clock.nowMs);
    backend = await createTraceBackend({ name: 'zipkin', type: 'zipkin', url: server.url, ...config }, credentials, { clock, retryBaseDelayMs: 1, timeoutMs: 5000 });
    return backend;
  }

  it('lists services and span names', async () => {
    const zipkin = await start(options);
    assert.deepEqual(await zipkin.probe(), { type: 'zipkin', api: 'v2' });
    assert.deepEqual(await zipkin.listServices(), ['backend', 'frontend']);
    assert.deepEqual(await zipkin.listOperations('frontend'), ['get /api', 'query']);
    assert.equal(fake().last().query.get('serviceName'), 'frontend');
  });

  it('searches with endTs/lookback in ms, durations in µs and an annotationQuery', async () => {
    const zipkin = await start(options);
    const found = await zipkin.search({
      service: 'frontend',
      operation: 'get /api',
      tags: { 'http.path': '/api', error: '' },
      minDurationMs: 1.5,
      maxDurationMs: 2000,
      lookbackMinutes: 120,
      limit: 10,
    });
    const q = fake().to('/api/v2/traces')[0]?.query;
    assert.ok(q);
    assert.equal(q.get('serviceName'), 'frontend');
    assert.equal(q.get('spanName'), 'get /api');
    assert.equal(q.get('annotationQuery'), 'http.path=/api and error');
    assert.equal(q.get('minDuration'), '1500');
    assert.equal(q.get('maxDuration'), '2000000');
    assert.equal(q.get('endTs'), String(clock.nowMs));
    assert.equal(q.get('lookback'), String(120 * 60_000));
    assert.equal(q.get('limit'), '10');
    assert.equal(found.length, 2);
    assert.deepEqual(found[0], {
      traceId: '0000000000000000463ac35c9f6413ad',
      rootService: 'frontend',
      rootName: 'get /api',
      startTime: t0Us / 1000,
      startTimeNs: (BigInt(t0Us) * 1000n).toString(),
      durationMs: 80,
      spanCount: 2,
      errorCount: 1,
    });
    assert.equal(found[1]?.traceId, '48485a3953bb61246b221d5bc9e6496c');
  });

  it('refuses TraceQL', async () => {
    const zipkin = await start(options);
    assert.equal((await failureOf(zipkin.search({ query: '{}' }))).kind, 'invalidQuery');
  });

  it('opens 64-bit and 128-bit trace ids, and reports an unknown one', async () => {
    const zipkin = await start(options);
    const short = await zipkin.getTrace('463AC35C9F6413AD');
    assert.equal(short.traceId, '0000000000000000463ac35c9f6413ad');
    assert.equal(fake().last().path, '/api/v2/trace/463ac35c9f6413ad', 'a zero high half is sent as 16 characters');
    assert.equal(short.spans.length, 2);
    const long = await zipkin.getTrace('48485a3953bb61246b221d5bc9e6496c');
    assert.equal(long.spans.length, 2);
    assert.deepEqual(await failureOf(zipkin.getTrace('00000000000000000000000000000042')), { kind: 'traceNotFound', traceId: '00000000000000000000000000000042' });
  });

  it('offers autocomplete keys and values', async () => {
    const zipkin = await start(options);
    assert.deepEqual(await zipkin.tagNames?.(), ['environment']);
    assert.deepEqual(await zipkin.tagValues?.('environment'), ['prod', 'staging']);
  });

  it('sends bearer credentials and reports a missing one', async () => {
    const zipkin = await start({ ...options, authorization: 'Bearer zk' }, { auth: 'bearer' }, { token: 'zk' });
    assert.deepEqual(await zipkin.listServices(), ['backend', 'frontend']);
    await zipkin.dispose();
    await server?.close();
    const anonymous = await start({ ...options, authorization: 'Bearer zk' });
    const failure = await failureOf(anonymous.listServices());
    assert.equal(failure.kind === 'auth' && failure.sentCredentials, false);
  });

  describe('replaying the recorded Zipkin traces (../shared/fixtures/zipkin)', () => {
    before(function () {
      requireSharedFixtures(this);
    });

    it('searches and opens the zipkin-lens test traces', async () => {
      const names = ['skew.json', 'messaging-kafka.json', 'yelp.json', 'simple-db-p6.json'];
      const traces = names.map((name) => readFixtureJson(`zipkin/${name}`) as Record<string, unknown>[]);
      const zipkin = await start({ services: ['x'], traces });
      const found = await zipkin.search({ limit: 10, lookbackMinutes: 60 * 24 * 365 * 5 });
      assert.equal(found.length, names.length);
      const kafka = found.find((s) => s.spanCount === 28);
      assert.ok(kafka, 'messaging-kafka.json has 28 spans');
      assert.equal(kafka.errorCount, 3);
      for (const spans of traces) {
        const id = spans[0]?.['traceId'];
        assert.ok(typeof id === 'string');
        const trace = await zipkin.getTrace(id);
        assert.ok(trace.spans.length >= spans.length - 1, `${id}: ${trace.spans.length} spans`);
      }
    });
  });

  describe('the fake refuses what Zipkin refuses', () => {
    it('endTs in µs, durations as Go strings, a trace id that is not hex', async () => {
      server = await startFakeZipkin(options, clock.nowMs);
      assert.equal((await fetch(`${server.url}/api/v2/traces?endTs=${clock.nowMs * 1000}`)).status, 400);
      assert.equal((await fetch(`${server.url}/api/v2/traces?minDuration=100ms`)).status, 400);
      assert.equal((await fetch(`${server.url}/api/v2/trace/xyz`)).status, 400);
      assert.equal((await fetch(`${server.url}/api/v2/spans`)).status, 400);
    });
  });
});
