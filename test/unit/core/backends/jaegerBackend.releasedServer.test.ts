import * as assert from 'node:assert/strict';
import { createTraceBackend } from '../../../../src/core/backends/createTraceBackend';
import type { TraceBackend } from '../../../../src/core/backends/traceBackend';
import { FakeClock, sendJson, sendText, TestServer } from './testServer';

/**
 * Answers as a released Jaeger v2 (v2.12, Go module v1.75.0) gives them, seen on the real server
 * in test/unit/realServers: protojson leaves an empty list out, so an empty server's
 * /api/v3/services is `{}`; and before v2.19 there is no /api/v3/trace-summaries, so the UI's
 * catch-all route answers it with the UI page (200, text/html) rather than a 404.
 */
const clock = new FakeClock();
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const startNs = BigInt(clock.nowMs - 60_000) * 1_000_000n;

const found = {
  result: {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeSpans: [
          { scope: {}, spans: [{ traceId, spanId: '00000000000000b1', name: 'GET /cart', kind: 2, startTimeUnixNano: startNs.toString(), endTimeUnixNano: (startNs + 5_000_000n).toString() }] },
        ],
      },
    ],
  },
};

function releasedJaeger(state: { empty: boolean }): Promise<TestServer> {
  return TestServer.start((request, response) => {
    switch (request.path) {
      case '/api/v3/services':
        return sendJson(response, 200, state.empty ? {} : { services: ['shop'] });
      case '/api/v3/operations':
        return sendJson(response, 200, state.empty ? {} : { operations: [{ name: 'GET /cart', spanKind: 'server' }] });
      case '/api/services':
        return sendJson(response, 200, { data: state.empty ? null : ['shop'], total: 0, limit: 0, offset: 0, errors: null });
      case '/api/v3/traces':
        // query.attributes is not read before v2.19: every trace of the service comes back.
        return sendJson(response, 200, found);
      case '/api/traces':
        // The v1 search does filter by tags; no span here has the one asked for.
        return sendJson(response, 200, { data: [], total: 0, limit: 0, offset: 0, errors: null });
      default:
        return sendText(response, 200, '<!DOCTYPE html><html><title>Jaeger UI</title></html>', { 'content-type': 'text/html; charset=utf-8' });
    }
  });
}

describe('JaegerBackend against a released Jaeger v2', () => {
  let server: TestServer | undefined;
  let backend: TraceBackend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    await server?.close();
  });

  it('detects api_v3 on an empty server, whose service list is {}', async () => {
    const state = { empty: true };
    server = await releasedJaeger(state);
    backend = await createTraceBackend({ name: 'jaeger', type: 'jaeger', url: server.url }, undefined, { clock, retryBaseDelayMs: 1, timeoutMs: 5000 });
    assert.deepEqual(await backend.probe(), { type: 'jaeger', api: 'api_v3' });
    assert.deepEqual(await backend.listServices(), []);
    assert.deepEqual(await backend.listOperations('shop'), []);
    state.empty = false;
    assert.deepEqual(await backend.listServices(), ['shop']);
    assert.equal(server.to('/api/services').length, 0, 'v1 is not asked when api_v3 answered');
  });

  it('searches through /api/v3/traces when trace-summaries answers with the UI page', async () => {
    server = await releasedJaeger({ empty: false });
    backend = await createTraceBackend({ name: 'jaeger', type: 'jaeger', url: server.url }, undefined, { clock, retryBaseDelayMs: 1, timeoutMs: 5000 });
    const results = await backend.search({ service: 'shop' });
    assert.deepEqual(
      results.map((r) => [r.traceId, r.rootName, r.spanCount]),
      [[traceId, 'GET /cart', 1]],
    );
    await backend.search({ service: 'shop' });
    assert.equal(server.to('/api/v3/trace-summaries').length, 1, 'the missing endpoint is remembered');
  });

  it('searches by tags through v1, which filters by them, where api_v3 ignores query.attributes', async () => {
    server = await releasedJaeger({ empty: false });
    backend = await createTraceBackend({ name: 'jaeger', type: 'jaeger', url: server.url }, undefined, { clock, retryBaseDelayMs: 1, timeoutMs: 5000 });
    assert.deepEqual(await backend.search({ service: 'shop', tags: { 'http.route': '/nowhere' } }), []);
    assert.deepEqual((await backend.searchSpans({ service: 'shop', tags: { 'http.route': '/nowhere' } })).spans, []);
    assert.deepEqual(
      server.to('/api/traces').map((r) => JSON.parse(r.query.get('tags') ?? '{}') as unknown),
      [{ 'http.route': '/nowhere' }, { 'http.route': '/nowhere' }],
    );
    assert.equal(server.to('/api/v3/traces').length, 0);
    assert.equal(server.to('/api/v3/trace-summaries').length, 1, 'asked once whether the newer API is there');
    assert.equal(server.to('/api/services').length, 0, 'the API was detected as api_v3');
    // Without tags api_v3 is still used.
    assert.equal((await backend.search({ service: 'shop' })).length, 1);
    assert.equal(server.to('/api/v3/traces').length, 1);
  });
});
