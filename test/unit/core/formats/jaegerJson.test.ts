import * as assert from 'node:assert/strict';
import { decodeJaegerJson, jaegerDomainModelDetail, looksLikeJaegerJson } from '../../../../src/core/formats/jaegerJson';
import { decodeOtlpJson } from '../../../../src/core/formats/otlpJson';
import { TraceDecodeError, type DecodedSpans } from '../../../../src/core/formats/traceFormat';
import { buildTrace } from '../../../../src/core/model/buildTrace';
import { SpanKind, StatusCode, type Span } from '../../../../src/core/model/span';
import type { Trace } from '../../../../src/core/model/trace';
import { TraceSetBuilder } from '../../../../src/core/model/traceSetBuilder';
import { readFixtureJson, requireSharedFixtures } from '../../sharedFixtures';

const t0 = 1_700_000_000_000_000; // µs

type Json = Record<string, unknown>;

function jspan(over: Json = {}): Json {
  return {
    traceID: '00000000000000ab',
    spanID: '0000000000000001',
    operationName: 'op',
    references: [],
    startTime: t0,
    duration: 1000,
    tags: [],
    logs: [],
    processID: 'p1',
    warnings: null,
    ...over,
  };
}

function jtrace(spans: Json[], processes: Json = { p1: { serviceName: 'svc', tags: [] } }): Json {
  return { traceID: '00000000000000ab', spans, processes, warnings: null };
}

function only(decoded: DecodedSpans): Span {
  assert.equal(decoded.spans.length, 1);
  return decoded.spans[0] as Span;
}

function spanById(spans: readonly Span[], id: string): Span {
  const span = spans.find((s) => s.spanId === id);
  assert.ok(span, `no span ${id}`);
  return span;
}

function buildOne(spans: readonly Span[]): Trace {
  const builder = new TraceSetBuilder();
  for (const span of spans) builder.add(span);
  const traces = builder.build();
  assert.equal(traces.length, 1);
  return traces[0] as Trace;
}

function decodeFailure(run: () => unknown): TraceDecodeError {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof TraceDecodeError) return error;
    assert.fail(`expected a TraceDecodeError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  assert.fail('expected a TraceDecodeError, but decoding succeeded');
}

const pad32 = (id: string): string => id.padStart(32, '0');

describe('Jaeger JSON decoder', () => {
  describe('shape detection', () => {
    it('recognises the API wrapper, a bare trace, a span list and a single span', () => {
      assert.equal(looksLikeJaegerJson({ data: [jtrace([jspan()])], total: 0, limit: 0, offset: 0, errors: null }), true);
      assert.equal(looksLikeJaegerJson({ data: null, errors: [{ code: 404, msg: 'trace not found' }] }), true);
      assert.equal(looksLikeJaegerJson(jtrace([jspan()])), true);
      assert.equal(looksLikeJaegerJson([jspan({ processID: undefined, process: { serviceName: 's' } })]), true);
      assert.equal(looksLikeJaegerJson(jspan()), true);
    });

    it('does not claim OTLP, Zipkin, service lists or other JSON', () => {
      assert.equal(looksLikeJaegerJson({ resourceSpans: [] }), false);
      assert.equal(looksLikeJaegerJson([{ traceId: 'a', id: 'b', name: 'x' }]), false);
      assert.equal(looksLikeJaegerJson({ data: ['svc-a', 'svc-b'], total: 2 }), false);
      for (const other of [{}, [], 'text', 42, null, true, { spans: 'no' }]) assert.equal(looksLikeJaegerJson(other), false);
    });

    it("rejects Jaeger's internal domain model JSON, saying what it is", () => {
      const domain = {
        spans: [{ traceId: 'AAAAAAAAAAAAAAAAAAAAAQ==', spanId: 'AAAAAAAAAAI=', operationName: 'x', startTime: '2017-01-26T16:46:31.639875139-05:00', duration: '5000ns' }],
        processMap: [],
      };
      assert.equal(looksLikeJaegerJson(domain), false);
      assert.ok(jaegerDomainModelDetail(domain));
      const failure = decodeFailure(() => decodeJaegerJson(domain));
      assert.equal(failure.failure.kind, 'notATrace');
      assert.match(failure.message, /Jaeger's internal domain model JSON, which no Jaeger HTTP API returns; export the trace from the Jaeger UI \(JSON\) instead/);
    });
  });

  describe('spans', () => {
    it('maps ids, names, µs times and the process to the model', () => {
      const decoded = decodeJaegerJson(jtrace([jspan({ traceID: 'ABCDEF0123456789', spanID: 'FF', startTime: 1_485_467_191_639_875, duration: 5 })]));
      assert.equal(decoded.format, 'jaeger-json');
      const span = only(decoded);
      assert.equal(span.traceId, pad32('abcdef0123456789'), '64-bit trace ids are left-padded to 128 bits and lower-cased');
      assert.equal(span.spanId, '00000000000000ff');
      assert.equal(span.name, 'op');
      assert.equal(span.startNs, 1_485_467_191_639_875_000n);
      assert.equal(span.endNs, 1_485_467_191_639_880_000n);
      assert.equal(span.resource.serviceName, 'svc');
      assert.equal(span.kind, SpanKind.Unspecified);
      assert.equal(span.statusCode, StatusCode.Unset);
      assert.equal(span.parentSpanId, undefined);
    });

    it('keeps non-hex ids verbatim and takes the trace id from the trace when a span has none', () => {
      const decoded = decodeJaegerJson({ traceID: 'trace-123', spans: [jspan({ traceID: undefined, spanID: 'span-1' })], processes: { p1: { serviceName: 's' } } });
      const span = only(decoded);
      assert.equal(span.traceId, 'trace-123');
      assert.equal(span.spanId, 'span-1');
    });

    it('accepts times written as decimal strings', () => {
      const span = only(decodeJaegerJson(jtrace([jspan({ startTime: String(t0), duration: '250' })])));
      assert.equal(span.startNs, BigInt(t0) * 1000n);
      assert.equal(span.endNs - span.startNs, 250_000n);
    });

    it('skips spans without a startTime, as the Jaeger UI does, and says so', () => {
      const decoded = decodeJaegerJson(jtrace([jspan(), jspan({ spanID: '2', startTime: undefined })]));
      assert.equal(decoded.spans.length, 1);
      assert.match(decoded.warnings.join('\n'), /1 span has no startTime and was skipped/);
    });

    it('shares one Resource per process, with its tags as resource attributes', () => {
      const decoded = decodeJaegerJson(
        jtrace([jspan({ spanID: '1' }), jspan({ spanID: '2' }), jspan({ spanID: '3', processID: 'p2' })], {
          p1: {
            serviceName: 'api',
            tags: [
              { key: 'hostname', type: 'string', value: 'h1' },
              { key: 'pid', type: 'int64', value: 42 },
            ],
          },
          p2: { serviceName: 'db', tags: [] },
        }),
      );
      const [a, b, c] = decoded.spans as [Span, Span, Span];
      assert.equal(a.resource, b.resource);
      assert.notEqual(a.resource, c.resource);
      assert.deepEqual(a.resource.attributes, { hostname: 'h1', pid: 42, 'service.name': 'api' });
      assert.equal(c.resource.serviceName, 'db');
    });

    it('shares one Resource between spans whose embedded processes are equal', () => {
      const process = { serviceName: 'emb', tags: [{ key: 'ip', type: 'string', value: '10.0.0.1' }] };
      const decoded = decodeJaegerJson([jspan({ processID: undefined, process, spanID: '1' }), jspan({ processID: undefined, process: structuredClone(process), spanID: '2' })]);
      const [a, b] = decoded.spans as [Span, Span];
      assert.equal(a.resource, b.resource);
      assert.equal(a.resource.serviceName, 'emb');
    });

    it('puts spans whose process is unknown under unknown_service, with a warning', () => {
      const decoded = decodeJaegerJson(jtrace([jspan({ processID: 'p9' })]));
      assert.equal(only(decoded).resource.serviceName, 'unknown_service');
      assert.match(decoded.warnings.join('\n'), /process "p9"/);
      assert.match(decoded.warnings.join('\n'), /unknown_service/);
    });

    it('reads every span of every trace of the API wrapper, and groups them into traces', () => {
      const second = { ...jtrace([jspan({ traceID: '00000000000000cd', spanID: '9' })]), traceID: '00000000000000cd' };
      const decoded = decodeJaegerJson({ data: [jtrace([jspan(), jspan({ spanID: '2', references: [{ refType: 'CHILD_OF', traceID: '00000000000000ab', spanID: '1' }] })]), second], total: 2 });
      assert.equal(decoded.spans.length, 3);
      const builder = new TraceSetBuilder();
      for (const span of decoded.spans) builder.add(span);
      const traces = builder.build();
      assert.deepEqual(
        traces.map((t) => [t.traceId, t.spanCount, t.orphans.length]),
        [
          [pad32('ab'), 2, 0],
          [pad32('cd'), 1, 0],
        ],
      );
    });

    it("warns with the API's error messages, and fails when it holds nothing else", () => {
      const partial = decodeJaegerJson({ data: [jtrace([jspan()])], errors: [{ code: 500, msg: 'storage timeout', traceID: 'ab' }] });
      assert.equal(partial.spans.length, 1);
      assert.match(partial.warnings.join('\n'), /storage timeout \(code 500\) for trace ab/);
      const failure = decodeFailure(() => decodeJaegerJson({ data: null, total: 0, errors: [{ code: 404, msg: 'trace not found' }] }));
      assert.equal(failure.failure.kind, 'malformed');
      assert.match(failure.message, /trace not found/);
    });

    it('returns no spans and no error for an empty search result', () => {
      const decoded = decodeJaegerJson({ data: [], total: 0, limit: 0, offset: 0, errors: null });
      assert.deepEqual(decoded.spans, []);
    });

    it('keeps span and trace warnings as decode warnings', () => {
      const decoded = decodeJaegerJson({ ...jtrace([jspan({ warnings: ['clock skew adjusted'] })]), warnings: ['trace is partial'] });
      assert.match(decoded.warnings.join('\n'), /trace is partial/);
      assert.match(decoded.warnings.join('\n'), /span 0000000000000001: clock skew adjusted/);
    });

    it('keeps only the sampled bit of the Jaeger flags (the one that means the same in W3C)', () => {
      assert.equal(only(decodeJaegerJson(jtrace([jspan({ flags: 3 })]))).flags, 1);
      assert.equal(only(decodeJaegerJson(jtrace([jspan()]))).flags, undefined);
    });
  });

  describe('tags', () => {
    const tagged = (tags: Json[], over: Json = {}): Span => only(decodeJaegerJson(jtrace([jspan({ tags, ...over })])));

    it('reads each declared type', () => {
      const span = tagged([
        { key: 's', type: 'string', value: 'text' },
        { key: 'b', type: 'bool', value: false },
        { key: 'i', type: 'int64', value: 23456 },
        { key: 'f', type: 'float64', value: 72.5 },
        { key: 'blob', type: 'binary', value: 'AAAwOQ==' },
      ]);
      assert.deepEqual(span.attributes, { s: 'text', b: false, i: 23456, f: 72.5, blob: new Uint8Array([0, 0, 0x30, 0x39]) });
      assert.ok(span.attributes['blob'] instanceof Uint8Array && !Buffer.isBuffer(span.attributes['blob']));
    });

    it('reads int64 beyond 2^53, which Jaeger writes as a string, as an exact bigint', () => {
      const span = tagged([
        { key: 'big', type: 'int64', value: '9223372036854775222' },
        { key: 'neg', type: 'int64', value: '-9223372036854775808' },
        { key: 'small', type: 'int64', value: '12' },
      ]);
      assert.equal(span.attributes['big'], 9_223_372_036_854_775_222n);
      assert.equal(span.attributes['neg'], -9_223_372_036_854_775_808n);
      assert.equal(span.attributes['small'], 12);
    });

    it('reads the Elasticsearch form: every value as text, binary as hex', () => {
      const span = only(
        decodeJaegerJson(
          jspan({
            processID: undefined,
            process: { serviceName: 'es', tags: [{ key: 'flag', type: 'bool', value: 'true' }] },
            tags: [
              { key: 'i', type: 'int64', value: '23456' },
              { key: 'f', type: 'float64', value: '72.5' },
              { key: 'nan', type: 'float64', value: 'NaN' },
              { key: 'b', type: 'bool', value: 'false' },
              { key: 'blob', type: 'binary', value: '00003039' },
            ],
          }),
        ),
      );
      assert.deepEqual(span.attributes, { i: 23456, f: 72.5, nan: Number.NaN, b: false, blob: new Uint8Array([0, 0, 0x30, 0x39]) });
      assert.deepEqual(span.resource.attributes, { flag: true, 'service.name': 'es' });
    });

    it("reads Elasticsearch's tags-as-fields object, restoring the dots", () => {
      const span = tagged([], { tag: { 'http@status_code': 200, component: 'net/http' } });
      assert.deepEqual(span.attributes, { 'http.status_code': 200, component: 'net/http' });
    });

    it('keeps values that do not fit their declared type instead of failing', () => {
      const span = tagged([
        { key: 'b', type: 'bool', value: 'maybe' },
        { key: 'i', type: 'int64', value: 'many' },
        { key: 'x', type: 'unknown', value: { a: [1, 'two'] } },
        { key: 'n', value: null },
      ]);
      assert.deepEqual(span.attributes, { b: 'maybe', i: 'many', x: { a: [1, 'two'] }, n: null });
    });

    it('keeps a __proto__ tag as an ordinary attribute', () => {
      const span = tagged([{ key: '__proto__', type: 'string', value: 'polluted' }]);
      assert.equal(Object.getPrototypeOf(span.attributes), Object.prototype);
      assert.deepEqual(Object.keys(span.attributes), ['__proto__']);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });

    it('turns span.kind into the kind and removes it; an unknown value stays a tag', () => {
      for (const [value, kind] of [
        ['server', SpanKind.Server],
        ['client', SpanKind.Client],
        ['producer', SpanKind.Producer],
        ['consumer', SpanKind.Consumer],
        ['internal', SpanKind.Internal],
        ['SERVER', SpanKind.Server],
      ] as const) {
        const span = tagged([{ key: 'span.kind', type: 'string', value }]);
        assert.equal(span.kind, kind, value);
        assert.deepEqual(span.attributes, {});
      }
      const odd = tagged([{ key: 'span.kind', type: 'string', value: 'rpc' }]);
      assert.equal(odd.kind, SpanKind.Unspecified);
      assert.deepEqual(odd.attributes, { 'span.kind': 'rpc' });
    });

    it('turns otel.status_code, otel.status_description and error into the status and removes them', () => {
      const failed = tagged([
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'otel.status_description', type: 'string', value: 'db down' },
        { key: 'error', type: 'bool', value: true },
        { key: 'keep', type: 'string', value: 'me' },
      ]);
      assert.equal(failed.statusCode, StatusCode.Error);
      assert.equal(failed.statusMessage, 'db down');
      assert.deepEqual(failed.attributes, { keep: 'me' });

      const ok = tagged([{ key: 'otel.status_code', type: 'string', value: 'OK' }]);
      assert.equal(ok.statusCode, StatusCode.Ok);
      assert.deepEqual(ok.attributes, {});
    });

    it('reads error=true alone as an error; error=false is removed and leaves the status unset', () => {
      for (const value of [true, 'true']) {
        const span = tagged([{ key: 'error', type: 'bool', value }]);
        assert.equal(span.statusCode, StatusCode.Error);
        assert.equal(span.statusMessage, undefined);
        assert.deepEqual(span.attributes, {});
      }
      const fine = tagged([{ key: 'error', type: 'bool', value: false }]);
      assert.equal(fine.statusCode, StatusCode.Unset);
      assert.deepEqual(fine.attributes, {});
      const text = tagged([{ key: 'error', type: 'string', value: 'connection reset' }]);
      assert.equal(text.statusCode, StatusCode.Error);
      assert.equal(text.statusMessage, 'connection reset');
    });

    it('turns otel.scope.* and the older otel.library.* into one shared scope', () => {
      const decoded = decodeJaegerJson(
        jtrace([
          jspan({
            spanID: '1',
            tags: [
              { key: 'otel.scope.name', type: 'string', value: 'lib' },
              { key: 'otel.scope.version', type: 'string', value: '1.0' },
            ],
          }),
          jspan({
            spanID: '2',
            tags: [
              { key: 'otel.library.name', type: 'string', value: 'lib' },
              { key: 'otel.library.version', type: 'string', value: '1.0' },
            ],
          }),
          jspan({ spanID: '3', tags: [{ key: 'otel.scope.name', type: 'string', value: 'bare' }] }),
          jspan({ spanID: '4' }),
        ]),
      );
      const [a, b, c, d] = decoded.spans as [Span, Span, Span, Span];
      assert.deepEqual(a.scope, { name: 'lib', version: '1.0', attributes: {} });
      assert.equal(a.scope, b.scope);
      assert.deepEqual(c.scope, { name: 'bare', version: undefined, attributes: {} });
      assert.equal(d.scope, undefined);
      for (const span of decoded.spans) assert.deepEqual(span.attributes, {});
    });

    it('turns w3c.tracestate into the trace state', () => {
      const span = tagged([{ key: 'w3c.tracestate', type: 'string', value: 'vendor=1' }]);
      assert.equal(span.traceState, 'vendor=1');
      assert.deepEqual(span.attributes, {});
    });
  });

  describe('logs', () => {
    it('turns logs into events: the event field is the name, the rest are attributes, else "log"', () => {
      const span = only(
        decodeJaegerJson(
          jtrace([
            jspan({
              logs: [
                {
                  timestamp: t0 + 5,
                  fields: [
                    { key: 'event', type: 'string', value: 'exception' },
                    { key: 'exception.type', type: 'string', value: 'TypeError' },
                    { key: 'exception.stacktrace', type: 'string', value: 'TypeError: x\n    at f (/app/a.js:1:2)' },
                  ],
                },
                { timestamp: t0 + 7, fields: [{ key: 'x', type: 'string', value: 'y' }] },
                { timestamp: t0 + 9, fields: [{ key: 'event', type: 'int64', value: '123415' }] },
              ],
            }),
          ]),
        ),
      );
      assert.deepEqual(span.events, [
        {
          timeNs: BigInt(t0 + 5) * 1000n,
          name: 'exception',
          attributes: { 'exception.type': 'TypeError', 'exception.stacktrace': 'TypeError: x\n    at f (/app/a.js:1:2)' },
        },
        { timeNs: BigInt(t0 + 7) * 1000n, name: 'log', attributes: { x: 'y' } },
        { timeNs: BigInt(t0 + 9) * 1000n, name: '123415', attributes: {} },
      ]);
    });
  });

  describe('references', () => {
    const ref = (refType: string, spanID: string, traceID = '00000000000000ab'): Json => ({ refType, traceID, spanID });

    it('takes the first CHILD_OF into the trace as the parent; other references become links', () => {
      const span = only(decodeJaegerJson(jtrace([jspan({ spanID: '4', references: [ref('CHILD_OF', 'ff', 'ff'), ref('CHILD_OF', '2'), ref('FOLLOWS_FROM', '3'), ref('CHILD_OF', '5')] })])));
      assert.equal(span.parentSpanId, '0000000000000002');
      assert.deepEqual(span.links, [
        { traceId: pad32('ff'), spanId: '00000000000000ff', traceState: undefined, attributes: { 'opentracing.ref_type': 'child_of' } },
        { traceId: pad32('ab'), spanId: '0000000000000003', traceState: undefined, attributes: {} },
        { traceId: pad32('ab'), spanId: '0000000000000005', traceState: undefined, attributes: { 'opentracing.ref_type': 'child_of' } },
      ]);
    });

    it('takes a FOLLOWS_FROM target as the parent when there is no CHILD_OF, as jaeger-ui does, and keeps it as a link', () => {
      const decoded = decodeJaegerJson(jtrace([jspan({ spanID: '1' }), jspan({ spanID: '7', references: [ref('FOLLOWS_FROM', '1')] })]));
      const follower = spanById(decoded.spans, '0000000000000007');
      assert.equal(follower.parentSpanId, '0000000000000001');
      assert.deepEqual(follower.links, [{ traceId: pad32('ab'), spanId: '0000000000000001', traceState: undefined, attributes: {} }]);
      const trace = buildOne(decoded.spans);
      assert.deepEqual(trace.orphans, []);
      assert.equal(trace.span(trace.parent[1] ?? -1).spanId, '0000000000000001');
    });

    it('reads the deprecated parentSpanID field', () => {
      const span = only(decodeJaegerJson(jtrace([jspan({ spanID: '2', references: undefined, parentSpanID: '1' })])));
      assert.equal(span.parentSpanId, '0000000000000001');
      const zero = only(decodeJaegerJson(jtrace([jspan({ spanID: '2', parentSpanID: '0000000000000000' })])));
      assert.equal(zero.parentSpanId, undefined);
    });

    it('makes a span whose CHILD_OF parent is missing an orphan, not a lost span', () => {
      const decoded = decodeJaegerJson(jtrace([jspan({ spanID: '1' }), jspan({ spanID: '2', references: [ref('CHILD_OF', 'dead')] })]));
      const trace = buildOne(decoded.spans);
      assert.equal(trace.spanCount, 2);
      assert.deepEqual(
        trace.orphans.map((i) => trace.span(i).spanId),
        ['0000000000000002'],
      );
    });

    it('keeps spans whose ids repeat, and the trace builder warns', () => {
      const decoded = decodeJaegerJson(jtrace([jspan({ spanID: '1' }), jspan({ spanID: '1', operationName: 'again' }), jspan({ spanID: '2', references: [ref('CHILD_OF', '1')] })]));
      assert.equal(decoded.spans.length, 3);
      const trace = buildOne(decoded.spans);
      assert.match(trace.warnings.join('\n'), /repeat an earlier span id/);
      assert.deepEqual(trace.orphans, []);
    });
  });

  describe('bad input', () => {
    const cases: [string, unknown, 'notATrace' | 'malformed', RegExp][] = [
      ['a string', 'hello', 'notATrace', /"hello"/],
      ['a number', 42, 'notATrace', /42/],
      ['null', null, 'notATrace', /null/],
      ['an empty object', {}, 'notATrace', /empty object/],
      ['an unrelated object', { foo: 1 }, 'notATrace', /"foo"/],
      ['data that is not an array', { data: 'x' }, 'malformed', /data is "x", not an array of traces/],
      ['a trace that is not an object', { data: [5] }, 'malformed', /data\[0\] is 5, not a trace object/],
      ['spans that are not an array', { traceID: 'ab', spans: {} }, 'malformed', /spans is an object, not an array/],
      ['a span that is not an object', jtrace([jspan(), 7 as unknown as Json]), 'malformed', /spans\[1\] is 7, not a span object/],
      ['a span without spanID', jtrace([jspan(), jspan({ spanID: undefined })]), 'malformed', /spans\[1\]\.spanID is missing/],
      ['a span id that is a number', jtrace([jspan({ spanID: 12 })]), 'malformed', /spans\[0\]\.spanID is 12, not a string/],
      ['a span without any trace id', { spans: [jspan({ traceID: undefined })], processes: {} }, 'malformed', /spans\[0\]\.traceID is missing/],
      ['a boolean startTime', jtrace([jspan({ startTime: true })]), 'malformed', /spans\[0\]\.startTime is true, not microseconds/],
      ['an RFC 3339 startTime', jtrace([jspan({ startTime: '2017-01-26T16:46:31Z' })]), 'malformed', /startTime is "2017-01-26T16:46:31Z"/],
      ['a text duration', jtrace([jspan({ duration: '5000ns' })]), 'malformed', /spans\[0\]\.duration is "5000ns"/],
      ['a non-string operationName', jtrace([jspan({ operationName: 5 })]), 'malformed', /spans\[0\]\.operationName is 5, not a string/],
      ['tags that are not an array', jtrace([jspan({ tags: {} })]), 'malformed', /spans\[0\]\.tags is an object, not an array/],
      ['a tag without a key', jtrace([jspan({ tags: [{ type: 'string', value: 'x' }] })]), 'malformed', /spans\[0\]\.tags\[0\]\.key is missing/],
      ['a reference without spanID', jtrace([jspan({ references: [{ refType: 'CHILD_OF', traceID: 'ab' }] })]), 'malformed', /spans\[0\]\.references\[0\]\.spanID is missing/],
      ['a log with a text timestamp', jtrace([jspan({ logs: [{ timestamp: 'soon', fields: [] }] })]), 'malformed', /spans\[0\]\.logs\[0\]\.timestamp is "soon"/],
      ['a log field without a key', jtrace([jspan({ logs: [{ timestamp: t0, fields: [{}] }] })]), 'malformed', /spans\[0\]\.logs\[0\]\.fields\[0\]\.key is missing/],
      ['processes that are an array', { ...jtrace([jspan()]), processes: [] }, 'malformed', /processes is an array/],
      ['a process that is text', jtrace([jspan()], { p1: 'svc' }), 'malformed', /processes\["p1"\] is "svc", not a process object/],
      ['process tags that are text', jtrace([jspan()], { p1: { serviceName: 's', tags: 'x' } }), 'malformed', /processes\["p1"\]\.tags is "x"/],
      ['a bad span inside the wrapper', { data: [jtrace([jspan(), jspan(), jspan({ spanID: undefined })])] }, 'malformed', /data\[0\]\.spans\[2\]\.spanID is missing/],
      ['a bad span in a span list', [jspan({ processID: undefined, process: { serviceName: 's' } }), { traceID: 'ab' }], 'malformed', /\[1\]\.spanID is missing/],
      ['a single span with an object startTime', { traceID: 'ab', spanID: 'cd', startTime: {} }, 'malformed', /^it looks like Jaeger JSON but startTime is an object/],
    ];
    for (const [what, doc, kind, pattern] of cases) {
      it(`rejects ${what} with a TraceDecodeError naming the place`, () => {
        const failure = decodeFailure(() => decodeJaegerJson(doc));
        assert.equal(failure.failure.kind, kind);
        assert.match(failure.message, pattern);
      });
    }

    it('throws nothing but TraceDecodeError whatever a field holds', () => {
      const values: unknown[] = [null, true, -1, 1.5, 'x', '', [], {}, [1], [{}], { a: 1 }, '9'.repeat(30), Number.MAX_VALUE];
      const base = {
        data: [jtrace([jspan({ references: [{ refType: 'CHILD_OF', traceID: 'ab', spanID: '2' }], tags: [{ key: 'k', type: 'int64', value: 1 }], logs: [{ timestamp: t0, fields: [] }] })])],
      };
      const paths: string[][] = [
        ['data'],
        ['data', '0'],
        ['data', '0', 'traceID'],
        ['data', '0', 'processes'],
        ['data', '0', 'processes', 'p1'],
        ['data', '0', 'processes', 'p1', 'serviceName'],
        ['data', '0', 'processes', 'p1', 'tags'],
        ['data', '0', 'spans'],
        ['data', '0', 'spans', '0'],
        ...['traceID', 'spanID', 'parentSpanID', 'operationName', 'startTime', 'duration', 'flags', 'processID', 'process', 'warnings', 'references', 'tags', 'tag', 'logs'].map((k) => [
          'data',
          '0',
          'spans',
          '0',
          k,
        ]),
        ['data', '0', 'spans', '0', 'references', '0'],
        ['data', '0', 'spans', '0', 'references', '0', 'refType'],
        ['data', '0', 'spans', '0', 'references', '0', 'spanID'],
        ['data', '0', 'spans', '0', 'references', '0', 'traceID'],
        ['data', '0', 'spans', '0', 'tags', '0'],
        ['data', '0', 'spans', '0', 'tags', '0', 'key'],
        ['data', '0', 'spans', '0', 'tags', '0', 'type'],
        ['data', '0', 'spans', '0', 'tags', '0', 'value'],
        ['data', '0', 'spans', '0', 'logs', '0'],
        ['data', '0', 'spans', '0', 'logs', '0', 'timestamp'],
        ['data', '0', 'spans', '0', 'logs', '0', 'fields'],
      ];
      for (const path of paths) {
        for (const value of values) {
          const doc = structuredClone(base) as Record<string, unknown>;
          let target: Record<string, unknown> = doc;
          for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
          target[path[path.length - 1] as string] = value;
          try {
            decodeJaegerJson(doc);
          } catch (error: unknown) {
            assert.ok(error instanceof TraceDecodeError, `${path.join('.')} = ${JSON.stringify(value)} threw ${String(error)}`);
          }
        }
      }
    });
  });

  describe('shared fixtures', function () {
    before(function () {
      requireSharedFixtures(this);
    });

    interface Expected {
      readonly spans: number;
      readonly errors: number;
      readonly services: readonly string[];
      readonly orphans: number;
    }
    const expected: Record<string, Expected> = {
      'jaeger/ui_01.json': { spans: 5, errors: 1, services: ['service-x', 'service-y'], orphans: 0 },
      'jaeger/es_01.json': { spans: 1, errors: 1, services: ['service-x'], orphans: 1 },
      'jaeger/trace_success.json': { spans: 2, errors: 1, services: ['16af988c443cff37', '3c220036602f839e'], orphans: 1 },
      'jaeger/otlp2jaeger-out.json': { spans: 2, errors: 0, services: ['telemetrygen'], orphans: 2 },
      'jaeger-ui/otlp2jaeger-out.json': { spans: 2, errors: 0, services: ['telemetrygen'], orphans: 2 },
      'jaeger-ui/oltp2jaeger-multi-out.json': { spans: 4, errors: 0, services: ['example-trace'], orphans: 0 },
      'jaeger-ui/testTrace.json': { spans: 11, errors: 1, services: ['service1', 'service2'], orphans: 0 },
      'jaeger-ui/spansAmongEachOther.json': { spans: 12, errors: 0, services: ['api-gateway', 'customers-service'], orphans: 0 },
      'jaeger-ui/spanAmongEachOtherGroupedAndSpans.json': { spans: 17, errors: 0, services: ['api-gateway', 'customers-service'], orphans: 0 },
      'jaeger-ui/testTraceNormal.json': { spans: 5, errors: 0, services: ['api-gateway', 'customers-service'], orphans: 0 },
      'jaeger-ui/traceWithSingleChildLongerThanParentAndStartsAfterParent.json': { spans: 2, errors: 0, services: ['service-one', 'service-two'], orphans: 0 },
    };

    for (const [file, want] of Object.entries(expected)) {
      it(`${file}: ${want.spans} spans, ${want.errors} failed, builds into one trace`, () => {
        const doc = readFixtureJson(file);
        assert.equal(looksLikeJaegerJson(doc), true);
        const decoded = decodeJaegerJson(doc);
        assert.equal(decoded.spans.length, want.spans);
        assert.equal(decoded.spans.filter((s) => s.statusCode === StatusCode.Error).length, want.errors);
        const trace = buildOne(decoded.spans);
        assert.equal(trace.spanCount, want.spans);
        assert.equal(trace.errorCount, want.errors);
        assert.deepEqual([...trace.services].sort(), [...want.services].sort());
        assert.equal(trace.orphans.length, want.orphans);
        for (const span of decoded.spans) {
          assert.ok(span.endNs >= span.startNs);
          assert.ok(span.traceId.length === 32 || span.traceId === 'trace-123', span.traceId);
        }
      });
    }

    it('jaeger/ui_01.json: types, logs, references and warnings', () => {
      const decoded = decodeJaegerJson(readFixtureJson('jaeger/ui_01.json'));
      const spans = decoded.spans;
      assert.ok(spans.every((s) => s.traceId === pad32('1')));
      const [first, second, third, fourth, fifth] = spans as [Span, Span, Span, Span, Span];
      assert.deepEqual(
        first.events.map((e) => [e.name, e.attributes]),
        [
          ['some-event', {}],
          ['log', { x: 'y' }],
        ],
      );
      assert.equal(first.startNs, 1_485_467_191_639_875_000n);
      assert.equal(first.endNs, 1_485_467_191_639_880_000n);
      assert.equal(second.statusCode, StatusCode.Error);
      assert.deepEqual(second.attributes, {
        'peer.service': 'service-y',
        'peer.ipv4': 23456,
        temperature: 72.5,
        javascript_limit: 9_223_372_036_854_775_222n,
        blob: new Uint8Array([0, 0, 0x30, 0x39]),
      });
      assert.equal(third.parentSpanId, '0000000000000002');
      assert.equal(third.resource.serviceName, 'service-y');
      assert.equal(fourth.parentSpanId, '0000000000000002', 'the CHILD_OF into another trace is not the parent');
      assert.deepEqual(
        fourth.links.map((l) => [l.traceId, l.spanId, l.attributes['opentracing.ref_type']]),
        [
          [pad32('ff'), '00000000000000ff', 'child_of'],
          [pad32('1'), '0000000000000002', undefined],
        ],
      );
      assert.equal(fifth.parentSpanId, '0000000000000004');
      assert.equal(first.resource, second.resource);
      assert.equal(third.resource, fourth.resource);
      const warnings = decoded.warnings.join('\n');
      assert.match(warnings, /some trace warning/);
      assert.match(warnings, /span 0000000000000004: some span warning/);
      const trace = buildOne(spans);
      assert.match(trace.warnings.join('\n'), /repeat an earlier span id/);
    });

    it('jaeger/es_01.json: the Elasticsearch single span with its text values', () => {
      const span = only(decodeJaegerJson(readFixtureJson('jaeger/es_01.json')));
      assert.equal(span.spanId, '0000000000000002');
      assert.equal(span.parentSpanId, '0000000000000003');
      assert.equal(span.flags, 1);
      assert.equal(span.statusCode, StatusCode.Error);
      assert.deepEqual(span.attributes, { 'peer.service': 'service-y', 'peer.ipv4': 23456, temperature: 72.5, blob: new Uint8Array([0, 0, 0x30, 0x39]) });
      assert.deepEqual(span.resource.attributes, { 'peer.ipv4': 23456, error: true, 'service.name': 'service-x' });
      assert.deepEqual(
        span.events.map((e) => [e.name, e.attributes]),
        [
          ['123415', {}],
          ['log', { x: 'y' }],
        ],
      );
      assert.deepEqual(
        span.links.map((l) => [l.traceId, l.spanId, l.attributes['opentracing.ref_type']]),
        [
          [pad32('1'), '0000000000000004', undefined],
          [pad32('ff'), '00000000000000ff', 'child_of'],
        ],
      );
    });

    it('jaeger/trace_success.json: the anonymizer span list with embedded processes', () => {
      const spans = decodeJaegerJson(readFixtureJson('jaeger/trace_success.json')).spans;
      const [server, client] = spans as [Span, Span];
      assert.equal(server.traceId, pad32('2be38093ead7a083'));
      assert.equal(server.kind, SpanKind.Server);
      assert.equal(client.kind, SpanKind.Client);
      assert.equal(client.parentSpanId, server.spanId);
      assert.equal(client.statusCode, StatusCode.Error);
      assert.equal(server.startNs, 1_605_223_981_761_425_000n);
      assert.equal(server.endNs - server.startNs, 267_037_000n);
      const trace = buildOne(spans);
      assert.deepEqual(
        trace.orphans.map((i) => trace.span(i).spanId),
        ['7606ddfe69932d34'],
      );
    });

    it('jaeger-ui/testTrace.json: verbatim ids, a FOLLOWS_FROM-only consumer under its producer', () => {
      const spans = decodeJaegerJson(readFixtureJson('jaeger-ui/testTrace.json')).spans;
      assert.ok(spans.every((s) => s.traceId === 'trace-123'));
      const consumer = spanById(spans, 'span-7');
      assert.equal(consumer.parentSpanId, 'span-6');
      assert.equal(consumer.kind, SpanKind.Consumer);
      assert.equal(spanById(spans, 'span-2').statusCode, StatusCode.Error);
      const trace = buildOne(spans);
      assert.equal(trace.rootSpan?.spanId, 'span-1');
      const root = trace.roots[0] ?? -1;
      assert.deepEqual([...trace.children(root)].map((i) => trace.span(i).spanId).sort(), ['span-12', 'span-2', 'span-2_1', 'span-3', 'span-6']);
    });

    it('jaeger-ui/spansAmongEachOther.json: a 31-digit trace id and a 15-digit span id are padded', () => {
      const spans = decodeJaegerJson(readFixtureJson('jaeger-ui/spansAmongEachOther.json')).spans;
      assert.ok(spans.every((s) => s.traceId === '0df84e36b9e2ee3815d07f0867a5be1f'));
      assert.equal(spanById(spans, '0a68c6983a6d81a2').parentSpanId, '6f9bbe751e5fd944');
      const trace = buildOne(spans);
      assert.equal(trace.rootSpan?.spanId, '9afcdf2e24e8d70a');
      assert.equal(trace.rootSpan.kind, SpanKind.Server);
    });

    it('jaeger-ui/oltp2jaeger-multi-out.json: the legacy otel.library.* tags become scopes', () => {
      const spans = decodeJaegerJson(readFixtureJson('jaeger-ui/oltp2jaeger-multi-out.json')).spans;
      const main = spanById(spans, 'eff3153be6b1fb93');
      assert.deepEqual(main.scope, { name: 'widgets', version: '1.2.3', attributes: {} });
      assert.equal(main.kind, SpanKind.Internal);
      assert.deepEqual(spanById(spans, '26f5ef9dbb885479').scope, { name: 'ohboy', version: undefined, attributes: {} });
      const trace = buildOne(spans);
      assert.equal(trace.rootSpan?.name, 'main');
      assert.deepEqual([...trace.depth], [0, 1, 2, 2]);
    });

    it('jaeger/domain_01.json is rejected with a message that says what it is', () => {
      const doc = readFixtureJson('jaeger/domain_01.json');
      assert.equal(looksLikeJaegerJson(doc), false);
      const failure = decodeFailure(() => decodeJaegerJson(doc));
      assert.equal(failure.failure.kind, 'notATrace');
      assert.match(failure.message, /Jaeger's internal domain model JSON, which no Jaeger HTTP API returns; export the trace from the Jaeger UI \(JSON\) instead/);
    });
  });

  describe('golden pairs: OTLP and its Jaeger conversion give the same model', function () {
    before(function () {
      requireSharedFixtures(this);
    });

    /** What both sides must agree on. Jaeger has µs, so times are compared in µs (it truncates). */
    function view(span: Span): unknown {
      return {
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId,
        name: span.name,
        service: span.resource.serviceName,
        resource: span.resource.attributes,
        kind: span.kind,
        statusCode: span.statusCode,
        statusMessage: span.statusMessage,
        startUs: span.startNs / 1000n,
        durationUs: (span.endNs - span.startNs) / 1000n,
        attributes: span.attributes,
        events: span.events.map((e) => ({ timeUs: e.timeNs / 1000n, name: e.name, attributes: e.attributes })),
        links: span.links,
        scope: span.scope,
        traceState: span.traceState,
      };
    }

    function views(spans: readonly Span[]): unknown[] {
      const key = (s: Span): string => `${s.spanId}/${s.startNs}/${s.name}`;
      return [...spans].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).map(view);
    }

    const pairs: [string, string][] = [
      ['jaeger/otlp2jaeger-in.json', 'jaeger/otlp2jaeger-out.json'],
      ['jaeger-ui/otlp2jaeger-in.json', 'jaeger-ui/otlp2jaeger-out.json'],
      ['jaeger-ui/otlp2jaeger-multi-in-combined.json', 'jaeger-ui/oltp2jaeger-multi-out.json'],
    ];
    for (const [otlpFile, jaegerFile] of pairs) {
      it(`${otlpFile} ≡ ${jaegerFile}`, () => {
        const fromOtlp = decodeOtlpJson(readFixtureJson(otlpFile)).spans;
        const fromJaeger = decodeJaegerJson(readFixtureJson(jaegerFile)).spans;
        assert.ok(fromOtlp.length > 0);
        assert.deepEqual(views(fromJaeger), views(fromOtlp));
        const a = buildTrace(fromOtlp[0]?.traceId ?? '', fromOtlp);
        const b = buildTrace(fromJaeger[0]?.traceId ?? '', fromJaeger);
        assert.deepEqual([...b.parent], [...a.parent]);
        assert.deepEqual(b.orphans, a.orphans);
      });
    }
  });
});
