import * as assert from 'node:assert/strict';
import { BackendError } from '../../../../src/core/backends/backendError';
import { createTraceBackend } from '../../../../src/core/backends/createTraceBackend';
import { FakeClock, sendJson, TestServer } from './testServer';

/**
 * Zipkin reads `annotationQuery` as terms joined by " and ", each split at its first "="
 * (zipkin2 QueryRequest). A tag that cannot be written that way is refused before any request,
 * rather than searched as other terms that find nothing or the wrong spans.
 */
describe('ZipkinBackend annotationQuery terms', () => {
  let server: TestServer | undefined;
  afterEach(async () => server?.close());

  for (const [label, tags] of [
    ['a value containing " and "', { 'payment.note': 'cash and card' }],
    ['a name containing " and "', { 'cash and card': 'yes' }],
    ['a name containing "="', { 'a=b': 'c' }],
    ['a value with a line break', { note: 'one\ntwo' }],
  ] as const) {
    it(`refuses ${label}`, async () => {
      server = await TestServer.start((_request, response) => sendJson(response, 200, []));
      const zipkin = await createTraceBackend({ name: 'zipkin', type: 'zipkin', url: server.url }, undefined, { clock: new FakeClock(), timeoutMs: 5000 });
      for (const search of [() => zipkin.search({ service: 'shop', tags }), () => zipkin.searchSpans({ service: 'shop', tags })]) {
        const error = await search().catch((e: unknown) => e);
        assert.ok(error instanceof BackendError, String(error));
        assert.equal(error.failure.kind, 'invalidQuery');
      }
      assert.equal(server.to('/api/v2/traces').length, 0);
      await zipkin.dispose();
    });
  }

  it('still sends a value containing "and" inside a word, and a bare key', async () => {
    server = await TestServer.start((_request, response) => sendJson(response, 200, []));
    const zipkin = await createTraceBackend({ name: 'zipkin', type: 'zipkin', url: server.url }, undefined, { clock: new FakeClock(), timeoutMs: 5000 });
    await zipkin.search({ service: 'shop', tags: { brand: 'sandbox', error: '' } });
    assert.equal(server.last().query.get('annotationQuery'), 'brand=sandbox and error');
    await zipkin.dispose();
  });
});
