import * as assert from 'node:assert/strict';
import { createResource, createSpan, type Span } from '../../../../src/core/model/span';
import { boundSpans, truncateText } from '../../../../src/core/store/boundSpans';

const resource = createResource({ 'service.name': 'chat' });

function span(attributes: Span['attributes'], extra: Partial<Span> = {}): Span {
  return createSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'llm.call', startNs: 1n, endNs: 2n, resource, attributes, ...extra });
}

describe('boundSpans', () => {
  it('cuts a string over the limit to the limit, with a marker saying how much was cut, and counts it', () => {
    const prompt = 'p'.repeat(64 * 1024);
    const { spans, truncatedValues } = boundSpans([span({ 'gen_ai.prompt': prompt, short: 'kept' })], 16 * 1024);
    const value = spans[0]?.attributes['gen_ai.prompt'] as string;
    assert.equal(truncatedValues, 1);
    assert.ok(value.length <= 16 * 1024, `${value.length} characters`);
    assert.match(value, /^p+\.\.\.\[truncated 48 KiB\]$/);
    assert.equal(spans[0]?.attributes['short'], 'kept');
  });

  it('hands back the very same spans, and counts nothing, when nothing is over the limit', () => {
    const input = [span({ a: 'x'.repeat(1000), n: 5, list: ['y', 1] })];
    const bounded = boundSpans(input, 1024);
    assert.equal(bounded.spans, input);
    assert.equal(bounded.truncatedValues, 0);
    assert.equal(bounded.spanBytes.length, 1);
    assert.ok((bounded.spanBytes[0] ?? 0) > 1000, 'the estimate includes the string');
  });

  it('cuts values in events, links, nested lists and maps, names, messages and the resource', () => {
    const big = 'z'.repeat(5000);
    const shared = createResource({ 'service.name': 'svc', 'host.description': big });
    const input = [
      span(
        { list: ['ok', big], map: { inner: big, fine: 1 } },
        {
          name: big,
          statusMessage: big,
          resource: shared,
          events: [{ timeNs: 1n, name: 'exception', attributes: { 'exception.stacktrace': big } }],
          links: [{ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceState: undefined, attributes: { note: big } }],
        },
      ),
      span({}, { resource: shared, spanId: 'e'.repeat(16) }),
    ];
    const { spans, truncatedValues } = boundSpans(input, 1024);
    const [first, second] = spans as [Span, Span];
    // Six in the first span, one in the resource the two spans share.
    assert.equal(truncatedValues, 7);
    const all = JSON.stringify([first, second], (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    assert.ok(!all.includes('z'.repeat(1025)), 'no value over the limit is left');
    assert.equal(first.resource, second.resource, 'spans that shared a resource still share its cut copy');
    assert.equal(first.resource.attributes['service.name'], 'svc');
    assert.equal((first.attributes['map'] as Record<string, unknown>)['fine'], 1);
  });

  it('cuts no further when applied again to what it kept, so replay keeps the same value', () => {
    const { spans } = boundSpans([span({ v: 'q'.repeat(100_000) })], 2048);
    const again = boundSpans(spans, 2048);
    assert.equal(again.truncatedValues, 0);
    assert.equal(again.spans, spans);
  });

  it('never splits a surrogate pair, and reports bytes, not characters', () => {
    const text = '😀'.repeat(3000);
    const cut = truncateText(text, 1000);
    assert.ok(cut.length <= 1000);
    assert.ok(!/[\ud800-\udbff]\.\.\./.test(cut), 'no lone high surrogate before the marker');
    // 3000 four-byte characters, of which fewer than 500 are kept.
    assert.match(cut, /\.\.\.\[truncated 10 KiB\]$/);
  });

  it('estimates a two-byte string at twice the bytes of a one-byte one', () => {
    const latin = boundSpans([span({ v: 'a'.repeat(8000) })], 16 * 1024).totalBytes;
    const cjk = boundSpans([span({ v: '字'.repeat(8000) })], 16 * 1024).totalBytes;
    assert.ok(cjk - latin >= 7900, `${latin} and ${cjk} bytes`);
  });
});
