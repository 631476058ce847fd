import * as assert from 'node:assert/strict';
import { BackendError } from '../../../../src/core/backends/backendError';
import { createTraceBackend } from '../../../../src/core/backends/createTraceBackend';
import { traceqlForFunctions } from '../../../../src/core/backends/functionSpanQuery';
import type { TraceBackend } from '../../../../src/core/backends/traceBackend';
import { readFixtureJson, requireSharedFixtures } from '../../sharedFixtures';
import { startFakeTempo, type FakeTempoOptions } from './fakeBackends';
import { FakeClock, rejection, type TestServer } from './testServer';
import { traceqlProblem } from './traceqlCheck';

const clock = new FakeClock(Date.now());
const fixtureTraceId = '5b8efff798038103d269b633813fc60c';

function options(extra: Partial<FakeTempoOptions> = {}): FakeTempoOptions {
  return {
    v2: true,
    search: { traces: [{ traceID: fixtureTraceId, rootServiceName: 'my.service', rootTraceName: 'GET /', startTimeUnixNano: String(BigInt(clock.nowMs) * 1_000_000n), durationMs: 12 }] },
    scopes: [{ name: 'resource', tags: ['service.name'] }],
    tagValues: { 'resource.service.name': ['my.service'], name: ['GET /'] },
    ...extra,
  };
}

describe('the Tempo replay server refuses what Tempo refuses', () => {
  let server: TestServer;
  const open: TraceBackend[] = [];
  async function start(extra: Partial<FakeTempoOptions> = {}, tenant?: string): Promise<TraceBackend> {
    server = await startFakeTempo(options(extra));
    const backend = await createTraceBackend({ name: 'tempo', type: 'tempo', url: server.url, ...(tenant === undefined ? {} : { tenant }) }, undefined, {
      clock,
      retryBaseDelayMs: 1,
      timeoutMs: 5000,
    });
    open.push(backend);
    return backend;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.dispose()));
    await server.close();
  });

  /** A raw GET to the replay server: status and body text. */
  async function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<[number, string]> {
    const response = await fetch(`${server.url}${pathAndQuery}`, { headers });
    return [response.status, await response.text()];
  }

  describe("SpanLens's own requests are accepted", () => {
    it('search by tags, by TraceQL and by function, with a time window in unix seconds', async () => {
      const tempo = await start();
      const hits = [
        await tempo.search({ service: 'my.service', operation: 'GET /', tags: { 'http.status_code': '500' }, minDurationMs: 100, maxDurationMs: 5000, lookbackMinutes: 15, limit: 50 }),
        await tempo.search({ query: '{ status = error && span.http.method = "POST" } | select(span.http.route)', limit: 3 }),
        await tempo.search({ query: traceqlForFunctions(['pay', 'Checkout.pay', 'a$b.c'], 'my.service'), lookbackMinutes: 60 }),
        await tempo.search({ query: traceqlForFunctions(['line\nbreak "quoted" \\ back']) }),
      ];
      for (const found of hits)
        assert.deepEqual(
          found.map((h) => h.traceId),
          [fixtureTraceId],
        );
      const searches = server.to('/api/search');
      assert.equal(searches.length, 4);
      for (const request of searches) {
        const start = Number(request.query.get('start'));
        const end = Number(request.query.get('end'));
        assert.ok(start > 1e9 && start < 2 ** 31 && end > start, `start=${start} end=${end} are unix seconds in order`);
      }
    });

    it('trace by id, services, span names, tag names and values', async function () {
      requireSharedFixtures(this);
      const tempo = await start({ traces: { [fixtureTraceId]: readFixtureJson('tempo/trace.json') } });
      assert.equal((await tempo.getTrace(fixtureTraceId)).spans.length, 1);
      assert.deepEqual(await tempo.listServices(), ['my.service']);
      assert.deepEqual(await tempo.listOperations('my.service'), ['GET /']);
      assert.ok((await tempo.tagNames?.())?.includes('resource.service.name'));
    });

    it('the same against a multi-tenant Tempo with the tenant set', async () => {
      const tempo = await start({ tenant: 'team-a' }, 'team-a');
      assert.equal((await tempo.search({ query: '{ resource.service.name = "my.service" }' })).length, 1);
      assert.equal(server.last().headers['x-scope-orgid'], 'team-a');
    });
  });

  describe('a deliberately wrong request is rejected with the real text', () => {
    it('TraceQL syntax errors: 400 with the parser position, and SpanLens shows it', async () => {
      const tempo = await start();
      assert.deepEqual(await get(`/api/search?q=${encodeURIComponent('{ service.name = "shop" }')}`), [
        400,
        'invalid TraceQL query: parse error at line 1, col 3: syntax error: unexpected IDENTIFIER',
      ]);
      assert.deepEqual(await get(`/api/search?q=${encodeURIComponent('{ .a = "b }')}`), [400, 'invalid TraceQL query: parse error at line 1, col 8: literal not terminated']);
      assert.deepEqual(await get(`/api/search?q=${encodeURIComponent('{ .a = 1')}`), [400, 'invalid TraceQL query: parse error at line 1, col 9: syntax error: unexpected $end']);
      assert.deepEqual(await get(`/api/search?q=${encodeURIComponent('{ duration > 1s } | count() >')}`), [400, 'invalid TraceQL query: parse error at line 1, col 30: syntax error: unexpected $end']);
      const error = await rejection(tempo.search({ query: '{ status == error }' }));
      assert.ok(error instanceof BackendError);
      assert.equal(error.failure.kind, 'badRequest');
      assert.match(error.message, /rejected the request \(HTTP 400\): invalid TraceQL query: parse error at line 1, col 11: syntax error: unexpected EQ/);
    });

    it('start and end: not integers, milliseconds, or not in order', async () => {
      await start();
      assert.deepEqual(await get('/api/search?start=yesterday&end=1700000000'), [400, 'invalid start: strconv.ParseInt: parsing "yesterday": invalid syntax']);
      assert.deepEqual(await get('/api/search?start=1700000000000&end=1700000600000'), [400, 'invalid start: strconv.ParseInt: parsing "1700000000000": value out of range']);
      assert.deepEqual(await get('/api/search?start=1700000600'), [400, 'http parameter start must be before end. received start=1700000600 end=0']);
      assert.deepEqual(await get('/api/search?start=1700000600&end=1700000000'), [400, 'http parameter start must be before end. received start=1700000600 end=1700000000']);
      assert.deepEqual(await get(`/api/traces/${fixtureTraceId}?start=1700000600&end=1700000000`), [400, 'http parameter start must be before end. received start=1700000600 end=1700000000']);
      // No window at all is fine: Tempo then searches recent data only.
      assert.equal((await get('/api/search'))[0], 200);
    });

    it('other parameters: tags with q, limits, durations, unknown names', async () => {
      await start();
      assert.deepEqual(await get('/api/search?q=%7B%7D&tags=a%3Db'), [400, "invalid request: can't specify tags and q in the same query"]);
      assert.deepEqual(await get('/api/search?limit=0'), [400, 'invalid limit: must be a positive number']);
      assert.deepEqual(await get('/api/search?limit=ten'), [400, 'invalid limit: strconv.Atoi: parsing "ten": invalid syntax']);
      assert.deepEqual(await get('/api/search?minDuration=100'), [400, 'invalid minDuration: time: invalid duration "100"']);
      assert.deepEqual(await get('/api/search?minDuration=2s&maxDuration=1s'), [400, 'invalid maxDuration: must be greater than minDuration']);
      assert.deepEqual(await get('/api/search?lookback=1h'), [400, 'unknown parameter lookback']);
    });

    it('a missing tenant on a multi-tenant Tempo, and another tenant sees nothing', async () => {
      await start({ tenant: 'team-a' });
      assert.deepEqual(await get('/api/search'), [401, 'no org id']);
      const [status, body] = await get('/api/search', { 'X-Scope-OrgID': 'team-b' });
      assert.equal(status, 200);
      assert.deepEqual((JSON.parse(body) as { traces: unknown[] }).traces, []);
    });

    it('wrong paths: 404 page not found, as Tempo’s router answers', async () => {
      await start({ v2: false });
      for (const path of ['/api/traces', '/api/trace/abc', '/api/v1/search', '/search', '/api/v2/traces/' + fixtureTraceId]) {
        assert.deepEqual(await get(path), [404, '404 page not found'], path);
      }
      assert.deepEqual(await get('/api/traces/not-hex'), [400, 'invalid trace id: not-hex']);
    });
  });

  describe('the TraceQL check', () => {
    it('accepts the TraceQL forms of the Tempo docs', () => {
      for (const query of [
        '{}',
        '{ }',
        '{ status = error }',
        '{ span.http.status_code >= 400 && duration > 1.5s }',
        '{ resource.service.name = "shop" } >> { name = "SELECT" }',
        '{ .http.method = "GET" } | count() > 2',
        '{ } | select(span.http.route, resource.service.name)',
        '{ span:status = error } && { trace:rootService = "a" }',
        '{ kind = server } | avg(duration) > 20ms',
        '{ span."name with space" = "x" }',
        '{ !(.a = 1) || .b != nil }',
        '({ .a = 1 } | count() > 1) && { .b = 2 }',
        '{ .a =~ "^x.*" && .b !~ `raw\\d` }',
        '{ span.count * 2 + 1 > -3 }',
        '{ .k8s.pod-name = "api-0" } ~ { .b = 2 }',
        '{ } | by(resource.service.name) | coalesce()',
      ]) {
        assert.equal(traceqlProblem(query), undefined, query);
      }
    });

    it('refuses broken TraceQL with the token and its column', () => {
      const cases: [string, string][] = [
        ['status = error', 'col 1: syntax error: unexpected IDENTIFIER'],
        ['{ status = error', 'col 17: syntax error: unexpected $end'],
        ['{ .a = 1 }}', 'col 11: syntax error: unexpected CLOSE_BRACE'],
        ['{ .a = "x\\q" }', 'col 10: invalid syntax: unknown escape \\q'],
        ['{ .a = 1 } | rate()', 'col 14: syntax error: unexpected IDENTIFIER'],
        ['{ .a = 1 } && && { }', 'col 15: syntax error: unexpected AND'],
      ];
      for (const [query, problem] of cases) assert.equal(traceqlProblem(query), `parse error at line 1, ${problem}`, query);
    });
  });
});
