import * as assert from 'node:assert/strict';
import { parseSearchFilter } from '../../../../src/core/backends/parseSearchFilter';
import { traceIdFromText } from '../../../../src/core/backends/traceIdFromText';

describe('trace ids from the clipboard', () => {
  it('accepts 32 and 16 hex ids in any case, with quotes and spaces', () => {
    assert.equal(traceIdFromText('4BF92F3577B34DA6A3CE929D0E0E4736'), '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(traceIdFromText('  "a3ce929d0e0e4736"\n'), '0000000000000000a3ce929d0e0e4736');
  });

  it('takes the trace id out of a W3C traceparent', () => {
    assert.equal(traceIdFromText('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(traceIdFromText('traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), '4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('refuses text that is not clearly an id', () => {
    for (const text of ['', 'hello', '4bf92f3577b34da6a3ce929d0e0e473', 'https://jaeger/trace/4bf92f3577b34da6a3ce929d0e0e4736', '00000000000000000000000000000000', 'S/kvNXezTaajzpKdDg5HNg==']) {
      assert.equal(traceIdFromText(text), undefined, text);
    }
  });
});

describe('search filters typed in the quick-pick flow', () => {
  it('reads key=value tags, quoted values, and TraceQL for Tempo only', () => {
    assert.deepEqual(parseSearchFilter('', false), {});
    assert.deepEqual(parseSearchFilter('http.status_code=500 region="eu west"', false), { tags: { 'http.status_code': '500', region: 'eu west' } });
    assert.deepEqual(parseSearchFilter('{ status = error }', true), { query: '{ status = error }' });
    assert.equal(parseSearchFilter('{ status = error }', false), undefined);
    assert.equal(parseSearchFilter('justaword', false), undefined);
  });
});
