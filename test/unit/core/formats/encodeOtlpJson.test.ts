import * as assert from 'node:assert/strict';
import { encodeOtlpJson, encodeOtlpJsonChunks } from '../../../../src/core/formats/encodeOtlpJson';
import { decodeOtlpJson } from '../../../../src/core/formats/otlpJson';
import { setAttribute, type AttributeValue } from '../../../../src/core/model/attributes';
import { createResource, createSpan, SpanKind, StatusCode, type Span } from '../../../../src/core/model/span';

function hostileAttributes(): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  setAttribute(attributes, '__proto__', 'not a prototype');
  setAttribute(attributes, 'constructor', 'plain');
  setAttribute(attributes, 'code.file.path', 'src/checkout.ts');
  setAttribute(attributes, 'big', 9_007_199_254_740_993n);
  setAttribute(attributes, 'negative.big', -9_223_372_036_854_775_808n);
  setAttribute(attributes, 'count', 42);
  setAttribute(attributes, 'ratio', 0.25);
  setAttribute(attributes, 'huge.double', 1e300);
  setAttribute(attributes, 'nan', Number.NaN);
  setAttribute(attributes, 'inf', Number.NEGATIVE_INFINITY);
  setAttribute(attributes, 'minus.zero', -0);
  setAttribute(attributes, 'flag', false);
  setAttribute(attributes, 'nothing', null);
  setAttribute(attributes, 'bytes', new Uint8Array([0, 1, 254, 255]));
  setAttribute(attributes, 'list', ['a', 1, true, [2n ** 60n]]);
  const nested: Record<string, AttributeValue> = {};
  setAttribute(nested, '__proto__', { inner: 'x' });
  setAttribute(attributes, 'map', nested);
  setAttribute(attributes, '<img src=x onerror=alert(1)>', '</script>');
  return attributes;
}

function sampleSpans(): Span[] {
  const resource = createResource({ 'service.name': 'shop', 'host.name': 'box-1' });
  const other = createResource({ 'service.name': 'inventory' });
  const scope = { name: '@opentelemetry/instrumentation-http', version: '0.52.0', attributes: { 'scope.attr': 1 } };
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  // Beyond 2^53: a float would round these to a multiple of 256 ns.
  const start = 1_732_262_400_123_456_789n;
  return [
    createSpan({
      traceId,
      spanId: '00f067aa0ba902b7',
      name: 'GET /checkout',
      kind: SpanKind.Server,
      startNs: start,
      endNs: start + 1_000_000_001n,
      statusCode: StatusCode.Error,
      statusMessage: 'payment failed',
      attributes: hostileAttributes(),
      events: [
        { timeNs: start + 7n, name: 'exception', attributes: { 'exception.type': 'Error', 'exception.stacktrace': 'Error: x\n    at f (src/checkout.ts:3:5)' } },
        { timeNs: start + 9n, name: 'empty', attributes: {} },
      ],
      links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'vendor=1', attributes: { 'link.kind': 'follows' } }],
      resource,
      scope,
      traceState: 'rojo=00f067aa0ba902b7',
      flags: 257,
    }),
    createSpan({
      traceId,
      spanId: '1111111111111111',
      parentSpanId: '00f067aa0ba902b7',
      name: 'reserve',
      kind: SpanKind.Client,
      startNs: start + 1n,
      endNs: start + 1n,
      statusCode: StatusCode.Ok,
      resource: other,
    }),
    createSpan({ traceId, spanId: '2222222222222222', parentSpanId: '1111111111111111', name: '', startNs: 0n, endNs: 0xffff_ffff_ffff_ffffn, resource }),
  ];
}

/** The model as a comparable value: bigint and bytes become tagged text, -0 and NaN stay visible. */
function comparable(value: unknown): unknown {
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (typeof value === 'number') return Object.is(value, -0) ? 'number:-0' : Number.isNaN(value) ? 'number:NaN' : value;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      Object.defineProperty(out, key, { value: comparable((value as Record<string, unknown>)[key]), enumerable: true });
    }
    return out;
  }
  return value;
}

describe('encodeOtlpJson', () => {
  it('round-trips through decodeOtlpJson to the same spans', () => {
    const spans = sampleSpans();
    const decoded = decodeOtlpJson(JSON.parse(encodeOtlpJson(spans)));
    assert.equal(decoded.format, 'otlp-json');
    assert.deepEqual(decoded.warnings, []);
    assert.equal(decoded.spans.length, spans.length);
    for (const original of spans) {
      const back = decoded.spans.find((span) => span.spanId === original.spanId);
      assert.ok(back, `span ${original.spanId} came back`);
      assert.deepEqual(comparable(back), comparable(original));
    }
  });

  it('keeps nanosecond times beyond 2^53 exact', () => {
    const text = encodeOtlpJson(sampleSpans());
    assert.match(text, /"startTimeUnixNano":"1732262400123456789"/);
    const back = decodeOtlpJson(JSON.parse(text)).spans;
    const first = back[0];
    assert.ok(first);
    assert.equal(first.startNs, 1_732_262_400_123_456_789n);
    assert.equal(first.endNs, 1_732_262_401_123_456_790n);
    assert.equal(back.find((span) => span.spanId === '2222222222222222')?.endNs, 0xffff_ffff_ffff_ffffn);
  });

  it('writes __proto__ as data: the decoded attributes have it as an own key and an ordinary prototype', () => {
    const back = decodeOtlpJson(JSON.parse(encodeOtlpJson(sampleSpans()))).spans[0];
    assert.ok(back);
    assert.ok(Object.hasOwn(back.attributes, '__proto__'));
    assert.equal(Object.getPrototypeOf(back.attributes), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(back.attributes, '__proto__')?.value, 'not a prototype');
    assert.equal(({} as Record<string, unknown>)['inner'], undefined);
  });

  it('groups spans by resource and scope as OTLP nests them', () => {
    const doc = JSON.parse(encodeOtlpJson(sampleSpans())) as { resourceSpans: { scopeSpans: { scope?: unknown; spans: unknown[] }[] }[] };
    assert.equal(doc.resourceSpans.length, 2);
    assert.deepEqual(
      doc.resourceSpans.map((r) => r.scopeSpans.map((s) => s.spans.length)),
      [[1, 1], [1]],
    );
  });

  it('streams big traces in chunks that join into one valid document', () => {
    const resource = createResource({ 'service.name': 'bulk' });
    const spans = Array.from({ length: 5001 }, (_, i) =>
      createSpan({ traceId: 'a'.repeat(32), spanId: (i + 1).toString(16).padStart(16, '0'), name: `op${i}`, startNs: BigInt(i), endNs: BigInt(i + 1), resource }),
    );
    const chunks = [...encodeOtlpJsonChunks(spans)];
    assert.ok(chunks.length > 3);
    const back = decodeOtlpJson(JSON.parse(chunks.join(''))).spans;
    assert.equal(back.length, 5001);
    assert.equal(back[5000]?.name, 'op5000');
  });

  it('writes an empty document for no spans', () => {
    assert.deepEqual(JSON.parse(encodeOtlpJson([])), { resourceSpans: [] });
  });
});
