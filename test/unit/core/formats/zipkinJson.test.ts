import * as assert from 'node:assert/strict';
import { TraceDecodeError, type DecodedSpans } from '../../../../src/core/formats/traceFormat';
import { decodeZipkinJson, looksLikeZipkinJson } from '../../../../src/core/formats/zipkinJson';
import { SpanKind, StatusCode, type Span } from '../../../../src/core/model/span';
import type { Trace } from '../../../../src/core/model/trace';
import { TraceSetBuilder } from '../../../../src/core/model/traceSetBuilder';
import { readFixtureJson, requireSharedFixtures } from '../../sharedFixtures';

const t0 = 1_700_000_000_000_000; // µs

type Json = Record<string, unknown>;

function zspan(over: Json = {}): Json {
  return { traceId: '00000000000000ab', id: '0000000000000001', name: 'get', timestamp: t0, duration: 1000, localEndpoint: { serviceName: 'svc' }, ...over };
}

function only(decoded: DecodedSpans): Span {
  assert.equal(decoded.spans.length, 1);
  return decoded.spans[0] as Span;
}

function build(spans: readonly Span[]): Trace[] {
  const builder = new TraceSetBuilder();
  for (const span of spans) builder.add(span);
  return builder.build();
}

function buildOne(spans: readonly Span[]): Trace {
  const traces = build(spans);
  assert.equal(traces.length, 1);
  return traces[0] as Trace;
}

function named(spans: readonly Span[], name: string, service?: string): Span {
  const found = spans.filter((s) => s.name === name && (service === undefined || s.resource.serviceName === service));
  assert.equal(found.length, 1, `spans named ${name}${service === undefined ? '' : ` in ${service}`}`);
  return found[0] as Span;
}

function withId(spans: readonly Span[], id: string, service?: string): Span {
  const found = spans.filter((s) => s.spanId === id && (service === undefined || s.resource.serviceName === service));
  assert.equal(found.length, 1, `spans with id ${id}${service === undefined ? '' : ` in ${service}`}`);
  return found[0] as Span;
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

describe('Zipkin JSON decoder', () => {
  describe('shape detection', () => {
    it('recognises a span array, a list of traces and a single span', () => {
      assert.equal(looksLikeZipkinJson([zspan()]), true);
      assert.equal(looksLikeZipkinJson([[zspan()], [zspan({ traceId: 'cd' })]]), true);
      assert.equal(looksLikeZipkinJson([[], [zspan()]]), true);
      assert.equal(looksLikeZipkinJson(zspan()), true);
    });

    it('does not claim OTLP or Jaeger spans or other JSON', () => {
      assert.equal(looksLikeZipkinJson({ traceId: 'ab', spanId: 'cd', name: 'x' }), false);
      assert.equal(looksLikeZipkinJson([{ traceID: 'ab', spanID: 'cd', operationName: 'x' }]), false);
      assert.equal(looksLikeZipkinJson({ resourceSpans: [] }), false);
      for (const other of [{}, [], [[]], 'text', 42, null, [1, 2]]) assert.equal(looksLikeZipkinJson(other), false);
    });
  });

  describe('spans', () => {
    it('maps ids, name, µs times and kind', () => {
      const decoded = decodeZipkinJson([zspan({ traceId: 'ABCDEF0123456789', id: 'A', parentId: 'b', kind: 'SERVER', timestamp: 1_470_150_004_008_761, duration: 93_577 })]);
      assert.equal(decoded.format, 'zipkin-json');
      const span = only(decoded);
      assert.equal(span.traceId, pad32('abcdef0123456789'), '64-bit trace ids are left-padded to 128 bits');
      assert.equal(span.spanId, '000000000000000a');
      assert.equal(span.parentSpanId, '000000000000000b');
      assert.equal(span.name, 'get');
      assert.equal(span.kind, SpanKind.Server);
      assert.equal(span.startNs, 1_470_150_004_008_761_000n);
      assert.equal(span.endNs - span.startNs, 93_577_000n);
    });

    it('keeps 128-bit trace ids and treats an all-zero parentId as none', () => {
      const span = only(decodeZipkinJson(zspan({ traceId: '4d1e00c0db9010db86154a4ba6e91385', parentId: '0000000000000000' })));
      assert.equal(span.traceId, '4d1e00c0db9010db86154a4ba6e91385');
      assert.equal(span.parentSpanId, undefined);
    });

    it('maps each kind; an absent kind is INTERNAL (a local span), or what a span.kind tag says', () => {
      for (const [kind, expected] of [
        ['CLIENT', SpanKind.Client],
        ['SERVER', SpanKind.Server],
        ['PRODUCER', SpanKind.Producer],
        ['CONSUMER', SpanKind.Consumer],
        [undefined, SpanKind.Internal],
      ] as const) {
        assert.equal(only(decodeZipkinJson(zspan({ kind }))).kind, expected, String(kind));
      }
      const tagged = only(decodeZipkinJson(zspan({ tags: { 'span.kind': 'producer' } })));
      assert.equal(tagged.kind, SpanKind.Producer);
      assert.deepEqual(tagged.attributes, {});
      const odd = decodeZipkinJson(zspan({ kind: 'PROXY' }));
      assert.equal(only(odd).kind, SpanKind.Unspecified);
      assert.match(odd.warnings.join('\n'), /unknown kind/);
    });

    it('reads every trace of a list of traces, as /api/v2/traces returns it', () => {
      const decoded = decodeZipkinJson([[zspan({ id: '1' }), zspan({ id: '2', parentId: '1' })], [zspan({ traceId: '00000000000000cd', id: '3' })]]);
      assert.equal(decoded.spans.length, 3);
      const traces = build(decoded.spans);
      assert.deepEqual(
        traces.map((t) => [t.traceId, t.spanCount, t.orphans.length]),
        [
          [pad32('ab'), 2, 0],
          [pad32('cd'), 1, 0],
        ],
      );
    });

    it('gives one shared Resource per distinct local endpoint, with its address as attributes', () => {
      const decoded = decodeZipkinJson([
        zspan({ id: '1', localEndpoint: { serviceName: 'api', ipv4: '10.0.0.1', ipv6: '::1', port: 8080 } }),
        zspan({ id: '2', localEndpoint: { serviceName: 'api', ipv4: '10.0.0.1', ipv6: '::1', port: 8080 } }),
        zspan({ id: '3', localEndpoint: { serviceName: 'api', ipv4: '10.0.0.1', ipv6: '::1', port: 8081 } }),
        zspan({ id: '4', localEndpoint: undefined }),
        zspan({ id: '5', localEndpoint: { ipv4: '10.0.0.2' } }),
      ]);
      const [a, b, c, d, e] = decoded.spans as [Span, Span, Span, Span, Span];
      assert.equal(a.resource, b.resource);
      assert.notEqual(a.resource, c.resource);
      assert.deepEqual(a.resource.attributes, { 'service.name': 'api', 'host.ip': ['10.0.0.1', '::1'], 'net.host.port': 8080 });
      assert.equal(d.resource.serviceName, 'unknown_service');
      assert.deepEqual(d.resource.attributes, {});
      assert.equal(e.resource.serviceName, 'unknown_service');
      assert.deepEqual(e.resource.attributes, { 'host.ip': ['10.0.0.2'] });
    });

    it('turns the remote endpoint into peer attributes, letting tags of the same name win', () => {
      const span = only(decodeZipkinJson(zspan({ kind: 'CLIENT', remoteEndpoint: { serviceName: 'backend', ipv4: '192.168.99.101', port: 9000 } })));
      assert.deepEqual(span.attributes, { 'peer.service': 'backend', 'network.peer.address': '192.168.99.101', 'network.peer.port': 9000 });
      const v6 = only(decodeZipkinJson(zspan({ remoteEndpoint: { ipv6: '2001:db8::1' }, tags: { 'peer.service': 'from-tag' } })));
      assert.deepEqual(v6.attributes, { 'peer.service': 'from-tag', 'network.peer.address': '2001:db8::1' });
    });

    it('keeps tags as string attributes, writing other JSON values as text', () => {
      const span = only(decodeZipkinJson(zspan({ tags: { 'http.path': '/api', 'http.status_code': 200, retry: true, obj: { a: 1 } } })));
      assert.deepEqual(span.attributes, { 'http.path': '/api', 'http.status_code': '200', retry: 'true', obj: '{"a":1}' });
    });

    it('keeps a __proto__ tag as an ordinary attribute', () => {
      const span = only(decodeZipkinJson(JSON.parse('{"traceId":"ab","id":"cd","timestamp":1,"tags":{"__proto__":"x"}}') as unknown));
      assert.equal(Object.getPrototypeOf(span.attributes), Object.prototype);
      assert.deepEqual(Object.keys(span.attributes), ['__proto__']);
    });

    it('turns otel.scope.* and otel.library.* tags into one shared scope', () => {
      const decoded = decodeZipkinJson([
        zspan({ id: '1', tags: { 'otel.scope.name': 'io.opentelemetry.okhttp', 'otel.scope.version': '1.0' } }),
        zspan({ id: '2', tags: { 'otel.library.name': 'io.opentelemetry.okhttp', 'otel.library.version': '1.0' } }),
      ]);
      const [a, b] = decoded.spans as [Span, Span];
      assert.deepEqual(a.scope, { name: 'io.opentelemetry.okhttp', version: '1.0', attributes: {} });
      assert.equal(a.scope, b.scope);
      assert.deepEqual(a.attributes, {});
      assert.deepEqual(b.attributes, {});
    });

    it('places a span without timestamp at its first annotation, and skips one with neither', () => {
      const decoded = decodeZipkinJson([
        zspan({
          id: '1',
          timestamp: undefined,
          annotations: [
            { timestamp: t0 + 9, value: 'b' },
            { timestamp: t0 + 3, value: 'a' },
          ],
        }),
        zspan({ id: '2', timestamp: undefined }),
      ]);
      assert.equal(only(decoded).startNs, BigInt(t0 + 3) * 1000n);
      assert.match(decoded.warnings.join('\n'), /1 span has no timestamp and no annotations and was skipped/);
    });
  });

  describe('status', () => {
    const cases: [string, Json, StatusCode, string | undefined][] = [
      ['no tags', {}, StatusCode.Unset, undefined],
      ['an empty error tag', { error: '' }, StatusCode.Error, undefined],
      ['error=true', { error: 'true' }, StatusCode.Error, undefined],
      ['an error message', { error: 'connection refused' }, StatusCode.Error, 'connection refused'],
      ['error=false (any value means failed)', { error: 'false' }, StatusCode.Error, 'false'],
      ['otel.status_code=ERROR with a description', { 'otel.status_code': 'ERROR', 'otel.status_description': 'bad' }, StatusCode.Error, 'bad'],
      ['otel.status_code=ERROR with the description in error', { 'otel.status_code': 'ERROR', error: 'bad' }, StatusCode.Error, 'bad'],
      ['otel.status_code=OK', { 'otel.status_code': 'OK' }, StatusCode.Ok, undefined],
    ];
    for (const [what, tags, code, message] of cases) {
      it(`reads ${what}, removing the status tags`, () => {
        const span = only(decodeZipkinJson(zspan({ tags: { ...tags, keep: 'me' } })));
        assert.equal(span.statusCode, code);
        assert.equal(span.statusMessage, message);
        assert.deepEqual(span.attributes, { keep: 'me' });
      });
    }

    it('keeps an otel.status_code it does not know as a tag', () => {
      const span = only(decodeZipkinJson(zspan({ tags: { 'otel.status_code': 'MAYBE' } })));
      assert.equal(span.statusCode, StatusCode.Unset);
      assert.deepEqual(span.attributes, { 'otel.status_code': 'MAYBE' });
    });
  });

  describe('annotations', () => {
    const events = (annotations: Json[]): Span['events'] => only(decodeZipkinJson(zspan({ annotations }))).events;

    it('turns plain annotations into events named by their value', () => {
      assert.deepEqual(
        events([
          { timestamp: t0 + 1, value: 'ws' },
          { timestamp: t0 + 2, value: 'wr' },
        ]),
        [
          { timeNs: BigInt(t0 + 1) * 1000n, name: 'ws', attributes: {} },
          { timeNs: BigInt(t0 + 2) * 1000n, name: 'wr', attributes: {} },
        ],
      );
    });

    it('unpacks the OTel→Zipkin form "name": {json}, which is how exceptions arrive', () => {
      const attributes = {
        'exception.type': 'java.lang.IllegalStateException',
        'exception.message': 'no "quota" left',
        'exception.stacktrace': 'java.lang.IllegalStateException: no quota\n\tat com.example.Api.call(Api.java:42)',
        'exception.escaped': false,
        retries: 3,
        nested: { list: [1, 'two', null] },
      };
      const value = `"exception": ${JSON.stringify(attributes)}`;
      assert.deepEqual(events([{ timestamp: t0, value }]), [{ timeNs: BigInt(t0) * 1000n, name: 'exception', attributes }]);
      assert.deepEqual(events([{ timestamp: t0, value: '"a \\"quoted\\" name":{}' }]), [{ timeNs: BigInt(t0) * 1000n, name: 'a "quoted" name', attributes: {} }]);
    });

    it("unpacks the collector's name|{json}|dropped form", () => {
      assert.deepEqual(events([{ timestamp: t0, value: 'exception|{"exception.type":"Error","exception.message":"a|b"}|0' }]), [
        { timeNs: BigInt(t0) * 1000n, name: 'exception', attributes: { 'exception.type': 'Error', 'exception.message': 'a|b' } },
      ]);
    });

    it('keeps values that only look like the encodings as plain names', () => {
      for (const value of ['"broken": {', '"quoted"', '"a": 1', '"a": {"b": 1}, "c": {}', 'x|{not json}|0', 'pipe|{}|']) {
        assert.deepEqual(events([{ timestamp: t0, value }]), [{ timeNs: BigInt(t0) * 1000n, name: value, attributes: {} }], value);
      }
    });

    it('keeps a __proto__ key inside event attributes as an ordinary attribute', () => {
      const [event] = events([{ timestamp: t0, value: '"e": {"__proto__": {"polluted": true}}' }]);
      assert.ok(event);
      assert.equal(Object.getPrototypeOf(event.attributes), Object.prototype);
      assert.deepEqual(Object.keys(event.attributes), ['__proto__']);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });
  });

  describe('shared spans', () => {
    // skew.json's shape: servicea's client and serviceb's server report under one span id.
    const rpc = (): Json[] => [
      zspan({ id: '43210ae0c10d1234', parentId: '74280ae0c10d8062', name: 'async', localEndpoint: { serviceName: 'serviceb' } }),
      zspan({ id: '74280ae0c10d8062', parentId: 'bf396325699c84bf', kind: 'SERVER', name: 'post', shared: true, localEndpoint: { serviceName: 'serviceb' } }),
      zspan({ id: 'bf396325699c84bf', kind: 'SERVER', name: 'get', localEndpoint: { serviceName: 'servicea' } }),
      zspan({ id: '74280ae0c10d8062', parentId: 'bf396325699c84bf', kind: 'CLIENT', name: 'post', localEndpoint: { serviceName: 'servicea' } }),
      zspan({ id: '1111111111111111', parentId: '74280ae0c10d8062', name: 'client-side retry timer', localEndpoint: { serviceName: 'servicea' } }),
    ];

    it('gives the server half a derived id, puts it under the client, and re-points its children', () => {
      const decoded = decodeZipkinJson(rpc());
      const spans = decoded.spans;
      const client = named(spans, 'post', 'servicea');
      const server = named(spans, 'post', 'serviceb');
      assert.equal(client.spanId, '74280ae0c10d8062');
      assert.match(server.spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(server.spanId, client.spanId);
      assert.equal(new Set(spans.map((s) => s.spanId)).size, spans.length, 'ids are unique');
      assert.equal(server.parentSpanId, client.spanId);
      assert.equal(client.parentSpanId, 'bf396325699c84bf');
      assert.equal(named(spans, 'async').parentSpanId, server.spanId, 'server-side work moves under the server half');
      assert.equal(named(spans, 'client-side retry timer').parentSpanId, client.spanId, 'client-side work stays under the client');
      assert.match(decoded.warnings.join('\n'), /shared server span/);

      const trace = buildOne(spans);
      assert.deepEqual(trace.orphans, []);
      assert.deepEqual(
        trace.spans.map((s, i) => `${'  '.repeat(trace.depth[i] ?? 0)}${s.name}@${s.resource.serviceName}`),
        ['get@servicea', '  post@servicea', '    post@serviceb', '      async@serviceb', '    client-side retry timer@servicea'],
      );
    });

    it('derives the same id every time', () => {
      const a = named(decodeZipkinJson(rpc()).spans, 'post', 'serviceb').spanId;
      const b = named(decodeZipkinJson(structuredClone(rpc()).reverse()).spans, 'post', 'serviceb').spanId;
      assert.equal(a, b);
    });

    it('gives two server halves of one id (two services) distinct ids and their own children', () => {
      const spans = decodeZipkinJson([
        zspan({ id: 'aa', kind: 'CLIENT', name: 'call', localEndpoint: { serviceName: 'front' } }),
        zspan({ id: 'aa', kind: 'SERVER', name: 'call', shared: true, localEndpoint: { serviceName: 'back1' } }),
        zspan({ id: 'aa', kind: 'SERVER', name: 'call', shared: true, localEndpoint: { serviceName: 'back2' } }),
        zspan({ id: 'b1', parentId: 'aa', name: 'work1', localEndpoint: { serviceName: 'back1' } }),
        zspan({ id: 'b2', parentId: 'aa', name: 'work2', localEndpoint: { serviceName: 'back2' } }),
      ]).spans;
      const s1 = named(spans, 'call', 'back1');
      const s2 = named(spans, 'call', 'back2');
      assert.notEqual(s1.spanId, s2.spanId);
      assert.equal(named(spans, 'work1').parentSpanId, s1.spanId);
      assert.equal(named(spans, 'work2').parentSpanId, s2.spanId);
      assert.deepEqual(buildOne(spans).orphans, []);
    });

    it('leaves a shared server span alone when its client is not in the data', () => {
      const span = only(decodeZipkinJson([zspan({ id: '978883983d506fa5', kind: 'SERVER', shared: true })]));
      assert.equal(span.spanId, '978883983d506fa5');
    });

    it('separates shared spans per trace', () => {
      const spans = decodeZipkinJson([
        zspan({ id: 'aa', kind: 'CLIENT', localEndpoint: { serviceName: 'a' } }),
        zspan({ traceId: 'cd', id: 'aa', kind: 'SERVER', shared: true, localEndpoint: { serviceName: 'b' } }),
      ]).spans;
      assert.ok(spans.every((s) => s.spanId === '00000000000000aa'));
    });
  });

  describe('bad input', () => {
    const cases: [string, unknown, 'notATrace' | 'malformed', RegExp][] = [
      ['a string', 'hello', 'notATrace', /"hello"/],
      ['a number', 42, 'notATrace', /42/],
      ['null', null, 'notATrace', /null/],
      ['an empty object', {}, 'notATrace', /empty object/],
      ['an unrelated object', { foo: 1 }, 'notATrace', /"foo"/],
      ['an array of numbers', [1], 'malformed', /\[0\] is 1, not a span object/],
      ['a span without id', [zspan(), zspan({ id: undefined })], 'malformed', /\[1\]\.id is missing/],
      ['a span without traceId', [zspan({ traceId: undefined })], 'malformed', /\[0\]\.traceId is missing/],
      ['a numeric traceId', [zspan({ traceId: 17 })], 'malformed', /\[0\]\.traceId is 17, not a hex id/],
      ['a single span without id', { traceId: 'ab', timestamp: 1 }, 'malformed', /^it looks like Zipkin v2 JSON but id is missing/],
      ['a text timestamp', [zspan({ timestamp: 'yesterday' })], 'malformed', /\[0\]\.timestamp is "yesterday", not microseconds/],
      ['a boolean timestamp', [zspan({ timestamp: true })], 'malformed', /\[0\]\.timestamp is true/],
      ['an object duration', [zspan({ duration: {} })], 'malformed', /\[0\]\.duration is an object/],
      ['a numeric name', [zspan({ name: 5 })], 'malformed', /\[0\]\.name is 5, not a string/],
      ['a numeric parentId', [zspan({ parentId: 5 })], 'malformed', /\[0\]\.parentId is 5, not a string/],
      ['a numeric kind', [zspan({ kind: 2 })], 'malformed', /\[0\]\.kind is 2/],
      ['a text shared flag', [zspan({ shared: 'yes' })], 'malformed', /\[0\]\.shared is "yes"/],
      ['tags as an array', [zspan({ tags: [] })], 'malformed', /\[0\]\.tags is an array, not an object/],
      ['annotations as an object', [zspan({ annotations: {} })], 'malformed', /\[0\]\.annotations is an object, not an array/],
      ['an annotation with a text timestamp', [zspan({ annotations: [{ timestamp: 'x', value: 'y' }] })], 'malformed', /\[0\]\.annotations\[0\]\.timestamp is "x"/],
      ['an annotation without a value', [zspan({ annotations: [{ timestamp: t0 }] })], 'malformed', /\[0\]\.annotations\[0\]\.value is missing/],
      ['a text local endpoint', [zspan({ localEndpoint: 'svc' })], 'malformed', /\[0\]\.localEndpoint is "svc", not an endpoint object/],
      ['a text remote port', [zspan({ remoteEndpoint: { port: 'http' } })], 'malformed', /\[0\]\.remoteEndpoint\.port is "http", not a port number/],
      ['a numeric service name', [zspan({ localEndpoint: { serviceName: 1 } })], 'malformed', /\[0\]\.localEndpoint\.serviceName is 1/],
      ['a bad span in a list of traces', [[zspan()], [zspan({ id: undefined })]], 'malformed', /\[1\]\[0\]\.id is missing/],
    ];
    for (const [what, doc, kind, pattern] of cases) {
      it(`rejects ${what} with a TraceDecodeError naming the place`, () => {
        const failure = decodeFailure(() => decodeZipkinJson(doc));
        assert.equal(failure.failure.kind, kind);
        assert.match(failure.message, pattern);
      });
    }

    it('throws nothing but TraceDecodeError whatever a field holds', () => {
      const values: unknown[] = [null, true, -1, 1.5, 'x', '', [], {}, [1], [{}], { a: 1 }, '9'.repeat(30), Number.MAX_VALUE];
      const base = [
        [
          zspan({ id: 'aa', kind: 'CLIENT', remoteEndpoint: { serviceName: 'b', ipv4: '1.2.3.4', port: 80 }, annotations: [{ timestamp: t0, value: 'x' }], tags: { error: '' } }),
          zspan({ id: 'aa', kind: 'SERVER', shared: true, localEndpoint: { serviceName: 'b' } }),
        ],
      ];
      const spanKeys = ['traceId', 'id', 'parentId', 'name', 'kind', 'timestamp', 'duration', 'shared', 'debug', 'localEndpoint', 'remoteEndpoint', 'annotations', 'tags'];
      const paths: string[][] = [
        ['0'],
        ['0', '0'],
        ...spanKeys.map((k) => ['0', '0', k]),
        ...spanKeys.map((k) => ['0', '1', k]),
        ['0', '0', 'annotations', '0'],
        ['0', '0', 'annotations', '0', 'timestamp'],
        ['0', '0', 'annotations', '0', 'value'],
        ['0', '0', 'remoteEndpoint', 'serviceName'],
        ['0', '0', 'remoteEndpoint', 'ipv4'],
        ['0', '0', 'remoteEndpoint', 'port'],
        ['0', '1', 'localEndpoint', 'serviceName'],
        ['0', '0', 'tags', 'error'],
      ];
      for (const path of paths) {
        for (const value of values) {
          const doc = structuredClone(base) as unknown as Record<string, unknown>;
          let target: Record<string, unknown> = doc;
          for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
          target[path[path.length - 1] as string] = value;
          try {
            decodeZipkinJson(doc);
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
      'zipkin/ascend.json': { spans: 8, errors: 0, services: ['auth-service', 'content-service', 'mobile-gateway'], orphans: 0 },
      'zipkin/envoy.json': { spans: 1, errors: 0, services: ['unknown_service'], orphans: 0 },
      'zipkin/messaging-kafka.json': { spans: 28, errors: 3, services: ['servicea', 'serviceb'], orphans: 0 },
      'zipkin/messaging.json': { spans: 4, errors: 0, services: ['backend', 'frontend'], orphans: 0 },
      // Its transfer-service and notification-service spans point at parents the file lacks.
      'zipkin/messaging2.json': { spans: 11, errors: 0, services: ['auth-service', 'mobile-gateway', 'notification-service', 'transfer-service'], orphans: 6 },
      'zipkin/simple-db-p6.json': { spans: 5, errors: 0, services: ['bootifulmeters'], orphans: 0 },
      'zipkin/skew.json': { spans: 4, errors: 0, services: ['servicea', 'serviceb'], orphans: 0 },
      'zipkin/yelp.json': { spans: 16, errors: 0, services: ['mobile_api', 'routing', 'spectre', 'unknown', 'yelp-main', 'yelp_main/api_proxy'], orphans: 0 },
      // Single spans cut out of a bigger trace: their parent is elsewhere.
      'zipkin/zipkin2-chinese.json': { spans: 1, errors: 1, services: ['订单维护服务'], orphans: 1 },
      'zipkin/zipkin2-client.json': { spans: 1, errors: 0, services: ['frontend'], orphans: 1 },
      'otel-collector-contrib/sample3.json': { spans: 1, errors: 1, services: ['unknown_service'], orphans: 1 },
    };

    for (const [file, want] of Object.entries(expected)) {
      it(`${file}: ${want.spans} spans, ${want.errors} failed, builds into one trace`, () => {
        const doc = readFixtureJson(file);
        assert.equal(looksLikeZipkinJson(doc), true);
        const decoded = decodeZipkinJson(doc);
        assert.equal(decoded.spans.length, want.spans);
        assert.equal(decoded.spans.filter((s) => s.statusCode === StatusCode.Error).length, want.errors);
        assert.equal(new Set(decoded.spans.map((s) => s.spanId)).size, want.spans, 'span ids are unique once shared spans are separated');
        const trace = buildOne(decoded.spans);
        assert.equal(trace.spanCount, want.spans);
        assert.deepEqual([...trace.services].sort(), [...want.services].sort());
        assert.equal(trace.orphans.length, want.orphans);
        assert.deepEqual(trace.warnings, []);
        for (const span of decoded.spans) {
          assert.equal(span.traceId.length, 32);
          assert.match(span.spanId, /^[0-9a-f]{16}$/);
          assert.ok(span.endNs >= span.startNs);
        }
      });
    }

    it('zipkin/skew.json: the shared server half sits under its client, the async span under it', () => {
      const spans = decodeZipkinJson(readFixtureJson('zipkin/skew.json')).spans;
      const client = named(spans, 'post', 'servicea');
      const server = named(spans, 'post', 'serviceb');
      assert.equal(client.spanId, '74280ae0c10d8062');
      assert.equal(client.kind, SpanKind.Client);
      assert.equal(server.kind, SpanKind.Server);
      assert.equal(server.parentSpanId, client.spanId);
      assert.equal(named(spans, 'async').parentSpanId, server.spanId);
      assert.equal(named(spans, 'async').kind, SpanKind.Internal);
      assert.equal(server.startNs, 1_470_150_004_008_761_000n);
      const trace = buildOne(spans);
      assert.equal(trace.rootSpan?.name, 'get');
      assert.deepEqual([...trace.depth], [0, 1, 2, 3]);
      // serviceb's clock is behind: the trace builder moves the server half inside its client.
      const at = (s: Span): number => trace.spans.indexOf(s);
      assert.ok(trace.offsetNs(at(server)) >= trace.offsetNs(at(client)));
    });

    it('zipkin/ascend.json: server-side children move under each shared server half', () => {
      const spans = decodeZipkinJson(readFixtureJson('zipkin/ascend.json')).spans;
      const auth = withId(spans, 'ecc00062ceef4bf0', 'mobile-gateway');
      const authServer = named(spans, 'http:/parent/auth-service/v1/authentications/');
      assert.equal(withId(spans, '52b1ab4956917c39').resource.serviceName, 'mobile-gateway');
      assert.equal(authServer.parentSpanId, '52b1ab4956917c39');
      assert.equal(named(spans, 'extend-token-life').parentSpanId, authServer.spanId);
      const contentServer = named(spans, 'get /content/personal');
      assert.equal(contentServer.parentSpanId, auth.spanId);
      assert.equal(named(spans, 'hystrix').parentSpanId, contentServer.spanId);
      assert.equal(withId(spans, 'c21c6c51ac71b3ba').parentSpanId, contentServer.spanId);
      assert.equal(buildOne(spans).rootSpan?.spanId, 'ef86c83c0a05a6d6');
    });

    it("zipkin/yelp.json: children from another service than the server half stay with the client, as in Zipkin's UI", () => {
      const spans = decodeZipkinJson(readFixtureJson('zipkin/yelp.json')).spans;
      const proxyClient = withId(spans, '668ed78ad94b35a1', 'unknown');
      const proxyServer = named(spans, 'post api proxy proxy');
      assert.equal(proxyServer.parentSpanId, proxyClient.spanId);
      assert.equal(named(spans, 'txn: user_get_basic_and_scout_info').parentSpanId, proxyClient.spanId);
      assert.deepEqual(
        proxyServer.events.map((e) => e.name),
        ['py_zipkin.logging_end'],
      );
      const routing = named(spans, 'post /location/update/v4', 'routing');
      assert.equal(routing.spanId, '2e8cfb154b59a41f', 'a shared root without a client keeps its id');
    });

    it('zipkin/messaging-kafka.json: error tags, with and without a message', () => {
      const failed = decodeZipkinJson(readFixtureJson('zipkin/messaging-kafka.json')).spans.filter((s) => s.statusCode === StatusCode.Error);
      assert.deepEqual(failed.map((s) => s.statusMessage).sort(), ['some error', 'some error', undefined]);
      assert.ok(failed.every((s) => s.attributes['error'] === undefined));
      const kinds = new Set(decodeZipkinJson(readFixtureJson('zipkin/messaging-kafka.json')).spans.map((s) => s.kind));
      assert.deepEqual([...kinds].sort(), [SpanKind.Internal, SpanKind.Producer, SpanKind.Consumer].sort());
    });

    it('otel-collector-contrib/sample3.json: OTel status tags, no service name, an IPv6 local endpoint', () => {
      const span = only(decodeZipkinJson(readFixtureJson('otel-collector-contrib/sample3.json')));
      assert.equal(span.statusCode, StatusCode.Error);
      assert.equal(span.statusMessage, 'Something failed');
      assert.equal(span.resource.serviceName, 'unknown_service');
      assert.deepEqual(span.resource.attributes, { 'host.ip': ['7::0.128.128.127'] });
      assert.deepEqual(span.attributes, {
        'http.path': '/api',
        'clnt/finagle.version': '6.45.0',
        'peer.service': 'backend',
        'network.peer.address': '192.168.99.101',
        'network.peer.port': 9000,
      });
      assert.deepEqual(
        span.events.map((e) => [e.name, e.timeNs]),
        [
          ['foo', 1_472_470_996_238_000_000n],
          ['bar', 1_472_470_996_403_000_000n],
        ],
      );
      assert.equal(span.traceId, '4d1e00c0db9010db86154a4ba6e91385');
      assert.equal(span.parentSpanId, '86154a4ba6e91385');
    });

    it('zipkin/zipkin2-chinese.json: non-ASCII names survive and the error tag is the message', () => {
      const span = only(decodeZipkinJson(readFixtureJson('zipkin/zipkin2-chinese.json')));
      assert.equal(span.name, '个人信息查询');
      assert.equal(span.resource.serviceName, '订单维护服务');
      assert.equal(span.attributes['peer.service'], '个人信息服务');
      assert.equal(span.statusMessage, '此用户没有操作权限');
    });

    it('zipkin/zipkin2-client.json: a single span object', () => {
      const span = only(decodeZipkinJson(readFixtureJson('zipkin/zipkin2-client.json')));
      assert.equal(span.kind, SpanKind.Client);
      assert.equal(span.resource.serviceName, 'frontend');
      assert.deepEqual(span.resource.attributes, { 'service.name': 'frontend', 'host.ip': ['2001:db8::c001'] });
      assert.equal(span.startNs, 1_472_470_996_199_000_000n);
      assert.equal(span.endNs, 1_472_470_996_406_000_000n);
    });
  });
});
