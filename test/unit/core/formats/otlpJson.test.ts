import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind as ApiSpanKind, SpanStatusCode, TraceFlags, trace, type Context, type HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeOtlpJson, looksLikeOtlpJson } from '../../../../src/core/formats/otlpJson';
import { TraceDecodeError, type DecodedSpans, type DecodeFailure } from '../../../../src/core/formats/traceFormat';
import { type AttributeValue } from '../../../../src/core/model/attributes';
import { buildTrace } from '../../../../src/core/model/buildTrace';
import { SpanKind, StatusCode, type Span } from '../../../../src/core/model/span';
import { TraceSetBuilder } from '../../../../src/core/model/traceSetBuilder';
import { readFixtureJson, requireSharedFixtures } from '../../sharedFixtures';

// ---------------------------------------------------------------------------------------------
// Helpers

function byId(decoded: DecodedSpans, spanId: string): Span {
  const found = decoded.spans.filter((s) => s.spanId === spanId);
  assert.equal(found.length, 1, `expected exactly one span ${spanId}, found ${found.length}`);
  return found[0] as Span;
}

function failureOf(run: () => unknown): DecodeFailure {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof TraceDecodeError) return error.failure;
    throw error;
  }
  assert.fail('expected a TraceDecodeError');
}

function detailOf(failure: DecodeFailure): string {
  return 'detail' in failure ? failure.detail : '';
}

type Json = Record<string, unknown>;

/** A minimal valid span; fields are overridden per test. */
function rawSpan(spanId: string, extra: Json = {}): Json {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId,
    name: `op-${spanId.slice(-2)}`,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000500000000',
    ...extra,
  };
}

function doc(spans: Json[], resourceAttributes: Json[] = [{ key: 'service.name', value: { stringValue: 'api' } }]): Json {
  return { resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: 'lib' }, spans }] }] };
}

function attributesOf(pairs: Json[]): Span['attributes'] {
  const decoded = decodeOtlpJson(doc([rawSpan('00f067aa0ba902b7', { attributes: pairs })]));
  return byId(decoded, '00f067aa0ba902b7').attributes;
}

const b64ToHex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

// ---------------------------------------------------------------------------------------------
// Real files written by other projects

describe('decodeOtlpJson on real OTLP files (../shared/fixtures)', function () {
  before(function () {
    requireSharedFixtures(this);
  });

  it('jaeger/example_trace.json: 5 spans of 3 services, kinds, events, exact times', function () {
    const decoded = decodeOtlpJson(readFixtureJson('jaeger/example_trace.json'));
    assert.equal(decoded.format, 'otlp-json');
    assert.equal(decoded.spans.length, 5);
    assert.deepEqual(
      decoded.spans.map((s) => [s.spanId, s.name, s.resource.serviceName, s.kind]),
      [
        ['0000000000000004', 'example-operation-2', 'example-service-2', SpanKind.Unspecified],
        ['0000000000000005', 'example-operation-1', 'example-service-3', SpanKind.Unspecified],
        ['0000000000000003', 'example-operation-1', 'example-service-1', SpanKind.Unspecified],
        ['0000000000000006', 'example-operation-3', 'example-service-1', SpanKind.Server],
        ['0000000000000007', 'example-operation-4', 'example-service-1', SpanKind.Client],
      ],
    );
    for (const span of decoded.spans) {
      assert.equal(span.traceId, '00000000000000000000000000000011');
      assert.equal(span.parentSpanId, undefined);
      assert.equal(span.startNs, 1485449191639875000n);
      assert.equal(span.endNs, 1485449191639975000n);
      assert.equal(span.statusCode, StatusCode.Unset);
      assert.equal(span.scope, undefined, '"scope": {} is no scope');
      assert.deepEqual(span.events, [
        { timeNs: 1485449191639875000n, name: '', attributes: {} },
        { timeNs: 1485449191639875000n, name: '', attributes: {} },
      ]);
    }
    // The three spans of the third resourceSpans entry share one Resource object.
    const [, , a, b, c] = decoded.spans;
    assert.ok(a?.resource === b?.resource && b?.resource === c?.resource);
    assert.notEqual(decoded.spans[0]?.resource, a?.resource);
    assert.deepEqual(decoded.warnings, []);
  });

  it('jaeger/span_tags_trace.json: string, int, bool, double and bytes attributes', function () {
    const decoded = decodeOtlpJson(readFixtureJson('jaeger/span_tags_trace.json'));
    const span = byId(decoded, '0000000000000002');
    assert.equal(span.traceId, '00000000000000000000000000000001');
    assert.equal(span.name, 'some-operation');
    assert.equal(span.resource.serviceName, 'query01-service');
    assert.equal(span.endNs - span.startNs, 7000n);
    assert.deepEqual(span.attributes, {
      sameplacetag1: 'sameplacevalue',
      sameplacetag2: 123,
      sameplacetag4: true,
      sameplacetag3: 72.5,
      blob: new Uint8Array([0x00, 0x00, 0x30, 0x39]),
    });
  });

  it('jaeger/log_tags_trace.json: event attributes of every type', function () {
    const span = byId(decodeOtlpJson(readFixtureJson('jaeger/log_tags_trace.json')), '0000000000000001');
    assert.equal(span.resource.serviceName, 'query02-service');
    assert.equal(span.events.length, 2);
    assert.deepEqual(span.events[0], {
      timeNs: 1485449191639875000n,
      name: '',
      attributes: { sameplacetag1: 'sameplacevalue', sameplacetag2: 123, sameplacetag4: true, sameplacetag3: 72.5, blob: new Uint8Array([0, 0, 0x30, 0x39]) },
    });
    assert.deepEqual(span.attributes, {});
  });

  it('jaeger/link_attributes_trace.json: links with ids and attributes', function () {
    const span = byId(decodeOtlpJson(readFixtureJson('jaeger/link_attributes_trace.json')), '0000000000000004');
    assert.equal(span.traceId, '00000000000000000000000000000226');
    assert.deepEqual(span.attributes, { sameplacespanattribute1: 'sameplacevalue' });
    assert.deepEqual(span.links, [
      {
        traceId: '000000000000000000000000000000ff',
        spanId: '00000000000000ff',
        traceState: undefined,
        attributes: {
          'opentracing.ref_type': 'child_of',
          sameplacelinkattribute1: 'sameplacevalue',
          sameplacelinkattribute2: 123,
          sameplacelinkattribute4: true,
          sameplacelinkattribute3: 72.5,
          linkblob: new Uint8Array([0, 0, 0x30, 0x39]),
        },
      },
      { traceId: '00000000000000000000000000000001', spanId: '0000000000000002', traceState: undefined, attributes: { 'opentracing.ref_type': 'child_of' } },
      { traceId: '00000000000000000000000000000001', spanId: '0000000000000002', traceState: undefined, attributes: { 'opentracing.ref_type': 'follows_from' } },
    ]);
  });

  it('jaeger/scope_attributes_trace.json: the scope with name, version and attributes', function () {
    const span = byId(decodeOtlpJson(readFixtureJson('jaeger/scope_attributes_trace.json')), '0000000000000002');
    assert.deepEqual(span.scope, {
      name: 'testing-library',
      version: '1.1.1',
      attributes: {
        sameplacescopeattribute1: 'sameplacevalue',
        sameplacescopeattribute2: 123,
        sameplacescopeattribute4: true,
        sameplacescopeattribute3: 72.5,
        scopeblob: new Uint8Array([0, 0, 0x30, 0x39]),
      },
    });
    assert.equal(span.resource.serviceName, 'query24-service');
  });

  it('jaeger/otel_traces_01.json: 2 traces, kinds 2–5, errors, traceState, flags, events and links', function () {
    const decoded = decodeOtlpJson(readFixtureJson('jaeger/otel_traces_01.json'));
    assert.equal(decoded.spans.length, 4);
    assert.deepEqual(
      decoded.spans.map((s) => [s.traceId, s.spanId, s.parentSpanId, s.kind, s.traceState, s.flags, s.statusCode]),
      [
        ['00000000000000010000000000000000', '0000000000000002', '0000000000000003', SpanKind.Server, 'state.2', 1, StatusCode.Error],
        ['00000000000000020000000000000000', '0000000000000003', '0000000000000010', SpanKind.Client, 'state.3', 1, StatusCode.Error],
        ['00000000000000010000000000000000', '0000000000000004', '0000000000000011', SpanKind.Producer, 'state.4', 1, StatusCode.Error],
        ['00000000000000020000000000000000', '0000000000000005', '0000000000000010', SpanKind.Consumer, 'state.5', 1, StatusCode.Error],
      ],
    );
    const first = decoded.spans[0] as Span;
    assert.deepEqual(first.attributes, { 'peer.service': 'service-y', 'peer.ipv4': 23456, blob: new Uint8Array([0, 0, 0x30, 0x39]), temperature: 72.5 });
    assert.deepEqual(first.events, [
      { timeNs: 1485467191639875000n, name: 'testing-event', attributes: { 'event-x': 'event-y' } },
      { timeNs: 1485467191639875000n, name: '', attributes: { x: 'y' } },
    ]);
    assert.deepEqual(
      first.links.map((l) => [l.traceId, l.spanId]),
      [
        ['00000000000000010000000000000000', '0000000000000004'],
        ['00000000000000ff0000000000000000', '00000000000000ff'],
      ],
    );
    assert.deepEqual(
      decoded.spans.map((s) => s.scope?.name),
      ['testing-library-2', 'testing-library-2', 'testing-library-3', 'testing-library-3'],
    );
    assert.equal(decoded.spans[0]?.scope, decoded.spans[1]?.scope, 'one Scope object per scopeSpans entry');
    const builder = new TraceSetBuilder();
    for (const span of decoded.spans) builder.add(span);
    assert.equal(builder.traceCount, 2);
  });

  for (const file of ['jaeger/otlp2jaeger-in.json', 'jaeger-ui/otlp2jaeger-in.json']) {
    it(`${file}: telemetrygen's two server spans`, function () {
      const decoded = decodeOtlpJson(readFixtureJson(file));
      assert.equal(decoded.spans.length, 2);
      for (const span of decoded.spans) {
        assert.equal(span.traceId, '83a9efd15c1c98a977e0711cc93ee28b');
        assert.equal(span.spanId, 'e127af99e3b3e074');
        assert.equal(span.parentSpanId, '909541b92cf05311');
        assert.equal(span.name, 'okey-dokey-0');
        assert.equal(span.kind, SpanKind.Server);
        assert.equal(span.resource.serviceName, 'telemetrygen');
        assert.equal(span.scope?.name, 'telemetrygen');
        assert.equal(span.startNs, 1706678909209712000n);
        assert.equal(span.endNs, 1706678909209835000n);
        assert.deepEqual(span.attributes, { 'net.peer.ip': '1.2.3.4', 'peer.service': 'telemetrygen-client' });
      }
    });
  }

  it('jaeger-ui/otlp2jaeger-multi-in-combined.json: one trace over 4 resources and 2 scopes, ns beyond 2^53', function () {
    const decoded = decodeOtlpJson(readFixtureJson('jaeger-ui/otlp2jaeger-multi-in-combined.json'));
    assert.equal(decoded.spans.length, 4);
    const root = byId(decoded, 'eff3153be6b1fb93');
    assert.equal(root.parentSpanId, undefined, 'parentSpanId "" is a root');
    assert.equal(root.name, 'main');
    assert.equal(root.kind, SpanKind.Internal);
    assert.equal(root.endNs, 1711138247116321958n);
    assert.deepEqual(root.scope, { name: 'widgets', version: '1.2.3', attributes: {} });
    assert.equal(byId(decoded, '26f5ef9dbb885479').scope?.version, undefined);
    assert.equal(byId(decoded, '26f5ef9dbb885479').endNs, 1711138247024460625n);
    for (const span of decoded.spans) {
      assert.equal(span.resource.serviceName, 'example-trace');
      assert.equal(span.resource.attributes['telemetry.sdk.version'], '1.22.0');
    }
    const built = buildTrace('c620759e5d60fafb8ee0922b30e06bc6', decoded.spans);
    assert.deepEqual(
      built.spans.map((s, i) => `${'  '.repeat(built.depth[i] ?? 0)}${s.name}`),
      ['main', '  info', '    ohboy.do', '    ohboy.do'],
    );
    assert.deepEqual(built.orphans, []);
  });

  it('opentelemetry-proto/trace.json: upper-case hex ids, parent not in the file', function () {
    const decoded = decodeOtlpJson(readFixtureJson('opentelemetry-proto/trace.json'));
    assert.equal(decoded.format, 'otlp-json');
    const span = byId(decoded, 'eee19b7ec3c1b174');
    assert.equal(span.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(span.parentSpanId, 'eee19b7ec3c1b173');
    assert.equal(span.name, "I'm a server span");
    assert.equal(span.kind, SpanKind.Server);
    assert.equal(span.startNs, 1544712660000000000n);
    assert.equal(span.endNs, 1544712661000000000n);
    assert.equal(span.resource.serviceName, 'my.service');
    assert.deepEqual(span.scope, { name: 'my.library', version: '1.0.0', attributes: { 'my.scope.attribute': 'some scope attribute' } });
    assert.deepEqual(span.attributes, { 'my.span.attr': 'some value' });
    const built = buildTrace(span.traceId, decoded.spans);
    assert.deepEqual(built.orphans, [0], 'the span whose parent is missing is an orphan');
  });

  it('tempo/trace.json: Tempo batches with hex ids are read as Tempo JSON without mangling the ids', function () {
    const decoded = decodeOtlpJson(readFixtureJson('tempo/trace.json'));
    assert.equal(decoded.format, 'tempo-json');
    assert.equal(decoded.spans.length, 1);
    const span = byId(decoded, 'eee19b7ec3c1b174');
    assert.equal(span.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(span.parentSpanId, 'eee19b7ec3c1b173');
    assert.equal(span.resource.serviceName, 'my.service');
    assert.equal(span.kind, SpanKind.Server);
  });

  for (const file of ['jaeger/GetTrace.json', 'jaeger/FindTraces.json']) {
    it(`${file}: the api_v3 result wrapper`, function () {
      const decoded = decodeOtlpJson(readFixtureJson(file));
      assert.equal(decoded.format, 'jaeger-api-v3');
      assert.equal(decoded.spans.length, 1);
      const span = byId(decoded, '0000000000000002');
      assert.equal(span.traceId, '00000000000000000000000000000001');
      assert.equal(span.name, 'foobar');
      assert.equal(span.kind, SpanKind.Server);
      assert.equal(span.statusCode, StatusCode.Error);
      assert.equal(span.startNs, 0n);
      assert.equal(span.resource.serviceName, 'unknown_service');
      assert.match(decoded.warnings.join('\n'), /1 span has no startTimeUnixNano/);
      assert.match(decoded.warnings.join('\n'), /1 resource has no service\.name/);
    });
  }

  for (const file of ['opentelemetry-proto/logs.json', 'opentelemetry-proto/events.json']) {
    it(`${file} is rejected as OTLP logs, not traces`, function () {
      const doc = readFixtureJson(file);
      assert.equal(looksLikeOtlpJson(doc), false);
      const failure = failureOf(() => decodeOtlpJson(doc));
      assert.equal(failure.kind, 'notATrace');
      assert.match(detailOf(failure), /OTLP logs, not traces/);
    });
  }

  it('jaeger-ui/otlp2jaeger-in-error.json: a resource without service.name still opens, with a warning that says so', function () {
    // Jaeger UI refuses this file because it cannot name the service. A person opening it
    // would rather see the span than an error: it is shown under OTLP's "unknown_service".
    const decoded = decodeOtlpJson(readFixtureJson('jaeger-ui/otlp2jaeger-in-error.json'));
    assert.equal(decoded.spans.length, 1);
    const span = byId(decoded, 'e127af99e3b3e074');
    assert.equal(span.resource.serviceName, 'unknown_service');
    assert.deepEqual(span.resource.attributes, {});
    assert.equal(span.name, 'okey-dokey-0');
    assert.deepEqual(decoded.warnings, ['1 resource has no service.name attribute; its spans are shown under "unknown_service".']);
  });
});

// ---------------------------------------------------------------------------------------------
// Shapes and encodings, inline

describe('decodeOtlpJson', () => {
  it('reads a plain ExportTraceServiceRequest: ids, parent, kind, status, events, links, traceState, flags', () => {
    const decoded = decodeOtlpJson(
      doc([
        rawSpan('00f067aa0ba902b7', { kind: 2 }),
        rawSpan('53995c3f42cd8ad8', {
          parentSpanId: '00f067aa0ba902b7',
          kind: 3,
          traceState: 'congo=t61rcWkgMzE',
          flags: 0x301,
          status: { code: 2, message: 'connection refused' },
          events: [{ timeUnixNano: '1700000000100000001', name: 'retry', attributes: [{ key: 'attempt', value: { intValue: '2' } }] }],
          links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'a=b', attributes: [{ key: 'why', value: { stringValue: 'batch' } }] }],
          droppedAttributesCount: 3,
          somethingFromTheFuture: { x: 1 },
        }),
      ]),
    );
    assert.equal(decoded.format, 'otlp-json');
    assert.deepEqual(decoded.warnings, []);
    const root = byId(decoded, '00f067aa0ba902b7');
    assert.equal(root.parentSpanId, undefined);
    assert.equal(root.kind, SpanKind.Server);
    assert.equal(root.statusCode, StatusCode.Unset);
    assert.equal(root.flags, undefined);
    const child = byId(decoded, '53995c3f42cd8ad8');
    assert.equal(child.parentSpanId, '00f067aa0ba902b7');
    assert.equal(child.kind, SpanKind.Client);
    assert.equal(child.statusCode, StatusCode.Error);
    assert.equal(child.statusMessage, 'connection refused');
    assert.equal(child.traceState, 'congo=t61rcWkgMzE');
    assert.equal(child.flags, 0x301);
    assert.deepEqual(child.events, [{ timeNs: 1700000000100000001n, name: 'retry', attributes: { attempt: 2 } }]);
    assert.deepEqual(child.links, [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'a=b', attributes: { why: 'batch' } }]);
    assert.equal(child.resource, root.resource);
    assert.equal(child.scope, root.scope);
    assert.deepEqual(child.scope, { name: 'lib', version: undefined, attributes: {} });
  });

  it('keeps times exact: nanosecond strings beyond 2^53 never pass through a float', () => {
    const span = byId(decodeOtlpJson(doc([rawSpan('00f067aa0ba902b7', { startTimeUnixNano: '1700000000123456789', endTimeUnixNano: '18446744073709551615' })])), '00f067aa0ba902b7');
    assert.equal(span.startNs, 1700000000123456789n);
    assert.equal(span.endNs, 18446744073709551615n);
  });

  it('accepts times as JSON numbers too', () => {
    const span = byId(decodeOtlpJson(doc([rawSpan('00f067aa0ba902b7', { startTimeUnixNano: 1000, endTimeUnixNano: 2500 })])), '00f067aa0ba902b7');
    assert.equal(span.startNs, 1000n);
    assert.equal(span.endNs, 2500n);
  });

  it('treats an absent end as the start (no length) and an absent start as the epoch, with a warning', () => {
    const decoded = decodeOtlpJson(doc([{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', name: 'x' }, rawSpan('53995c3f42cd8ad8', { endTimeUnixNano: undefined })]));
    assert.equal(byId(decoded, '00f067aa0ba902b7').startNs, 0n);
    assert.equal(byId(decoded, '53995c3f42cd8ad8').endNs, 1700000000000000000n);
    assert.deepEqual(decoded.warnings, ['1 span has no startTimeUnixNano and is placed at the Unix epoch (1970-01-01).']);
  });

  it('lower-cases upper-case hex ids and left-pads 64-bit trace ids', () => {
    const span = byId(decodeOtlpJson(doc([rawSpan('00F067AA0BA902B7', { traceId: '4BF92F3577B34DA6', parentSpanId: 'B7AD6B7169203331' })])), '00f067aa0ba902b7');
    assert.equal(span.traceId, '00000000000000004bf92f3577b34da6');
    assert.equal(span.parentSpanId, 'b7ad6b7169203331');
  });

  it('treats an empty or all-zero parentSpanId as a root', () => {
    const decoded = decodeOtlpJson(doc([rawSpan('00f067aa0ba902b7', { parentSpanId: '' }), rawSpan('53995c3f42cd8ad8', { parentSpanId: '0000000000000000' })]));
    assert.deepEqual(
      decoded.spans.map((s) => s.parentSpanId),
      [undefined, undefined],
    );
  });

  it('skips spans without a traceId or spanId, counts them and says where the first was', () => {
    const decoded = decodeOtlpJson(
      doc([rawSpan('00f067aa0ba902b7'), rawSpan('53995c3f42cd8ad8', { traceId: undefined }), rawSpan('', {}), rawSpan('b7ad6b7169203331', { traceId: '00000000000000000000000000000000' })]),
    );
    assert.deepEqual(
      decoded.spans.map((s) => s.spanId),
      ['00f067aa0ba902b7'],
    );
    assert.deepEqual(decoded.warnings, ['3 spans have no traceId or spanId and were skipped (the first at resourceSpans[0].scopeSpans[0].spans[1]).']);
  });

  it('gives a span without a name the empty name', () => {
    const raw = rawSpan('00f067aa0ba902b7');
    delete raw['name'];
    assert.equal(decodeOtlpJson(doc([raw])).spans[0]?.name, '');
  });

  describe('attribute values', () => {
    it('decodes string, bool, int, double, bytes, array and kvlist', () => {
      const attributes = attributesOf([
        { key: 's', value: { stringValue: 'text' } },
        { key: 'b', value: { boolValue: false } },
        { key: 'i', value: { intValue: '-42' } },
        { key: 'iNumber', value: { intValue: 7 } },
        { key: 'd', value: { doubleValue: 0.25 } },
        { key: 'dInt', value: { doubleValue: 3 } },
        { key: 'bytes', value: { bytesValue: 'AAAwOQ==' } },
        { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, { boolValue: true }] } } },
        { key: 'emptyArr', value: { arrayValue: {} } },
      ]);
      assert.deepEqual(attributes, {
        s: 'text',
        b: false,
        i: -42,
        iNumber: 7,
        d: 0.25,
        dInt: 3,
        bytes: new Uint8Array([0, 0, 0x30, 0x39]),
        arr: ['a', 1, true],
        emptyArr: [],
      });
      assert.equal(Object.getPrototypeOf(attributes['bytes']), Uint8Array.prototype, 'bytes are a plain Uint8Array, not a Buffer');
    });

    it('keeps int64 beyond ±2^53 exact as bigint, and safe ones as numbers', () => {
      const attributes = attributesOf([
        { key: 'big', value: { intValue: '9007199254740993' } },
        { key: 'min', value: { intValue: '-9223372036854775808' } },
        { key: 'max', value: { intValue: '9223372036854775807' } },
        { key: 'safe', value: { intValue: '9007199254740991' } },
        { key: 'safeNegative', value: { intValue: '-9007199254740991' } },
      ]);
      assert.deepEqual(attributes, {
        big: 9007199254740993n,
        min: -9223372036854775808n,
        max: 9223372036854775807n,
        safe: 9007199254740991,
        safeNegative: -9007199254740991,
      });
    });

    it('reads proto3 JSON special doubles', () => {
      const attributes = attributesOf([
        { key: 'nan', value: { doubleValue: 'NaN' } },
        { key: 'inf', value: { doubleValue: 'Infinity' } },
        { key: 'ninf', value: { doubleValue: '-Infinity' } },
        { key: 'quoted', value: { doubleValue: '1.5' } },
      ]);
      assert.ok(Number.isNaN(attributes['nan']));
      assert.equal(attributes['inf'], Number.POSITIVE_INFINITY);
      assert.equal(attributes['ninf'], Number.NEGATIVE_INFINITY);
      assert.equal(attributes['quoted'], 1.5);
    });

    it('nests kvlists and arrays into plain objects and arrays', () => {
      const attributes = attributesOf([
        {
          key: 'http.request.header',
          value: {
            kvlistValue: {
              values: [
                { key: 'accept', value: { arrayValue: { values: [{ stringValue: 'text/html' }, { stringValue: 'application/json' }] } } },
                { key: 'nested', value: { kvlistValue: { values: [{ key: 'deep', value: { arrayValue: { values: [{ kvlistValue: { values: [{ key: 'x', value: { intValue: '1' } }] } }] } } }] } } },
                { key: 'empty', value: {} },
              ],
            },
          },
        },
      ]);
      assert.deepEqual(attributes, {
        'http.request.header': { accept: ['text/html', 'application/json'], nested: { deep: [{ x: 1 }] }, empty: null },
      });
    });

    it('reads an empty AnyValue, a null one and a missing one as null', () => {
      const attributes = attributesOf([
        { key: 'empty', value: {} },
        { key: 'missing' },
        { key: 'nullValue', value: null },
        { key: 'arr', value: { arrayValue: { values: [{}, { stringValue: 'x' }] } } },
      ]);
      assert.deepEqual(attributes, { empty: null, missing: null, nullValue: null, arr: [null, 'x'] });
    });

    it('keeps a __proto__ key as an ordinary attribute without touching any prototype', () => {
      const attributes = attributesOf([
        { key: '__proto__', value: { kvlistValue: { values: [{ key: 'polluted', value: { boolValue: true } }] } } },
        { key: 'constructor', value: { stringValue: 'c' } },
        { key: 'inner', value: { kvlistValue: { values: [{ key: '__proto__', value: { stringValue: 'p' } }] } } },
      ]);
      assert.equal(Object.getPrototypeOf(attributes), Object.prototype);
      assert.deepEqual(Object.keys(attributes), ['__proto__', 'constructor', 'inner']);
      assert.deepEqual(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value, { polluted: true });
      assert.equal(attributes['constructor'], 'c');
      const inner = attributes['inner'] as Record<string, AttributeValue>;
      assert.equal(Object.getOwnPropertyDescriptor(inner, '__proto__')?.value, 'p');
      assert.equal(Object.getPrototypeOf(inner), Object.prototype);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });

    it('ignores AnyValue variants it does not know', () => {
      assert.deepEqual(
        attributesOf([
          { key: 'k', value: { stringValueStrindex: 3 } },
          { key: 'j', value: { futureValue: 1, stringValue: 'v' } },
        ]),
        { k: null, j: 'v' },
      );
    });
  });

  describe('dialects', () => {
    it('reads snake_case keys throughout', () => {
      const decoded = decodeOtlpJson({
        resource_spans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
            scope_spans: [
              {
                scope: { name: 'lib', version: '1' },
                spans: [
                  {
                    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
                    span_id: '53995c3f42cd8ad8',
                    parent_span_id: '00f067aa0ba902b7',
                    trace_state: 'k=v',
                    name: 'snaky',
                    kind: 4,
                    start_time_unix_nano: '1700000000000000001',
                    end_time_unix_nano: '1700000000000000002',
                    attributes: [
                      { key: 'i', value: { int_value: '5' } },
                      { key: 'kv', value: { kvlist_value: { values: [{ key: 'd', value: { double_value: 1.5 } }] } } },
                      { key: 'a', value: { array_value: { values: [{ bool_value: true }, { bytes_value: 'AQI=' }] } } },
                    ],
                    events: [{ time_unix_nano: '1700000000000000001', name: 'e' }],
                    links: [{ trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_state: 'l=1' }],
                  },
                ],
              },
            ],
          },
        ],
      });
      assert.equal(decoded.format, 'otlp-json');
      const span = byId(decoded, '53995c3f42cd8ad8');
      assert.equal(span.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
      assert.equal(span.parentSpanId, '00f067aa0ba902b7');
      assert.equal(span.traceState, 'k=v');
      assert.equal(span.kind, SpanKind.Producer);
      assert.equal(span.startNs, 1700000000000000001n);
      assert.equal(span.endNs, 1700000000000000002n);
      assert.equal(span.resource.serviceName, 'snake');
      assert.deepEqual(span.attributes, { i: 5, kv: { d: 1.5 }, a: [true, new Uint8Array([1, 2])] });
      assert.deepEqual(span.events, [{ timeNs: 1700000000000000001n, name: 'e', attributes: {} }]);
      assert.deepEqual(span.links, [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'l=1', attributes: {} }]);
    });

    it('reads Tempo v1 JSON: batches, base64 ids, enum names, instrumentationLibrarySpans', () => {
      const decoded = decodeOtlpJson({
        batches: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop-backend' } }] },
            instrumentationLibrarySpans: [
              {
                instrumentationLibrary: { name: 'io.opentelemetry.http', version: '1.2' },
                spans: [
                  {
                    traceId: '6Lbf+fjUSyjxsivDvS9naA==',
                    spanId: 'kAf+pIRVStc=',
                    parentSpanId: 'AAAAAAAAAAE',
                    name: 'GET /cart',
                    kind: 'SPAN_KIND_CLIENT',
                    startTimeUnixNano: '1684778327699392724',
                    endTimeUnixNano: '1684778328146372221',
                    status: { code: 'STATUS_CODE_ERROR', message: 'timeout' },
                    links: [{ traceId: 'CvdlGRbNQ92ESOshHIAxnA==', spanId: 't61rcWkgMzE=' }],
                  },
                ],
              },
            ],
          },
        ],
      });
      assert.equal(decoded.format, 'tempo-json');
      const span = byId(decoded, b64ToHex('kAf+pIRVStc='));
      assert.equal(span.traceId, b64ToHex('6Lbf+fjUSyjxsivDvS9naA=='));
      assert.equal(span.traceId, 'e8b6dff9f8d44b28f1b22bc3bd2f6768');
      // 'AAAAAAAAAAE' is hex digits only, but in Tempo's dialect it is unpadded base64.
      assert.equal(span.parentSpanId, '0000000000000001');
      assert.equal(span.kind, SpanKind.Client);
      assert.equal(span.statusCode, StatusCode.Error);
      assert.equal(span.statusMessage, 'timeout');
      assert.deepEqual(span.scope, { name: 'io.opentelemetry.http', version: '1.2', attributes: {} });
      assert.equal(span.resource.serviceName, 'shop-backend');
      assert.deepEqual(span.links[0], { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: undefined, attributes: {} });
      assert.equal(span.endNs - span.startNs, 446979497n);
    });

    it('reads the same hex-digit-only id as hex in plain OTLP JSON', () => {
      const span = decodeOtlpJson(doc([rawSpan('00f067aa0ba902b7', { parentSpanId: 'AAAAAAAAAAE' })])).spans[0];
      assert.equal(span?.parentSpanId, '00000aaaaaaaaaae');
    });

    it('recognises Tempo enum names in a resourceSpans document and decodes every name', () => {
      const kinds = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
      const codes = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
      const spans = kinds.map((kind, i) => rawSpan(`00f067aa0ba902b${i}`, { kind, status: { code: codes[i % 3] } }));
      const decoded = decodeOtlpJson(doc(spans));
      assert.equal(decoded.format, 'tempo-json');
      assert.deepEqual(
        decoded.spans.map((s) => [s.kind, s.statusCode]),
        [
          [0, 0],
          [1, 1],
          [2, 2],
          [3, 0],
          [4, 1],
          [5, 2],
        ],
      );
    });

    it('recognises base64 ids in a resourceSpans document as Tempo/proto3 JSON', () => {
      const decoded = decodeOtlpJson(doc([rawSpan('kAf+pIRVStc=', { traceId: '6Lbf+fjUSyjxsivDvS9naA==', parentSpanId: 'AAAAAAAAAAA=' })]));
      assert.equal(decoded.format, 'tempo-json');
      const span = decoded.spans[0] ?? assert.fail('no span');
      assert.equal(span.spanId, '9007fea484554ad7');
      assert.equal(span.traceId, 'e8b6dff9f8d44b28f1b22bc3bd2f6768');
      assert.equal(span.parentSpanId, undefined, 'an all-zero base64 parent is no parent');
    });

    it('reads Tempo v2 {trace, status: PARTIAL, message} and warns that the trace is partial', () => {
      const decoded = decodeOtlpJson({
        trace: { resourceSpans: doc([rawSpan('kAf+pIRVStc=', { traceId: '6Lbf+fjUSyjxsivDvS9naA==', kind: 'SPAN_KIND_SERVER' })])['resourceSpans'] },
        metrics: { inspectedBytes: '1024' },
        status: 'PARTIAL',
        message: 'response larger than the max (50 MB)',
      });
      assert.equal(decoded.format, 'tempo-json');
      assert.equal(decoded.spans.length, 1);
      assert.equal(decoded.spans[0]?.kind, SpanKind.Server);
      assert.deepEqual(decoded.warnings, ['Tempo returned only part of this trace (status PARTIAL): response larger than the max (50 MB).']);
    });

    it('reads Tempo v2 with batches inside and no status (COMPLETE) without warnings', () => {
      const decoded = decodeOtlpJson({ trace: { batches: doc([rawSpan('00f067aa0ba902b7')])['resourceSpans'] } });
      assert.equal(decoded.format, 'tempo-json');
      assert.equal(decoded.spans.length, 1);
      assert.deepEqual(decoded.warnings, []);
      assert.deepEqual(decodeOtlpJson({ trace: {} }).spans, [], 'an empty Tempo trace has no spans');
    });

    it('reads the Jaeger api_v3 {result: {resourceSpans}} wrapper, several traces in one array', () => {
      const inner = doc([rawSpan('00f067aa0ba902b7'), rawSpan('53995c3f42cd8ad8', { traceId: '0af7651916cd43dd8448eb211c80319c' })]);
      const decoded = decodeOtlpJson({ result: inner });
      assert.equal(decoded.format, 'jaeger-api-v3');
      assert.deepEqual(
        decoded.spans.map((s) => s.traceId),
        ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'],
      );
    });

    it('says a Jaeger api_v3 error body is an error from the server, not a trace', () => {
      const failure = failureOf(() => decodeOtlpJson({ error: { httpCode: 404, message: 'No traces found' } }));
      assert.deepEqual(failure, { kind: 'notATrace', detail: 'it is an error response from the server (404: No traces found)' });
    });

    it('gives one Resource per resourceSpans entry and one Scope per scopeSpans entry', () => {
      const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] };
      const decoded = decodeOtlpJson({
        resourceSpans: [
          {
            resource,
            scopeSpans: [
              { scope: { name: 'a' }, spans: [rawSpan('0000000000000001'), rawSpan('0000000000000002')] },
              { scope: { name: 'a' }, spans: [rawSpan('0000000000000003')] },
            ],
          },
          { resource, scopeSpans: [{ scope: { name: 'a' }, spans: [rawSpan('0000000000000004')] }] },
        ],
      });
      const [s1, s2, s3, s4] = decoded.spans;
      assert.ok(s1 && s2 && s3 && s4);
      assert.equal(s1.resource, s2.resource);
      assert.equal(s1.resource, s3.resource);
      assert.notEqual(s1.resource, s4.resource);
      assert.deepEqual(s1.resource, s4.resource);
      assert.equal(s1.scope, s2.scope);
      assert.notEqual(s1.scope, s3.scope);
    });

    it('maps unknown kind and status numbers to unspecified/unset with a warning', () => {
      const decoded = decodeOtlpJson(doc([rawSpan('00f067aa0ba902b7', { kind: 9, status: { code: 7 } })]));
      const span = decoded.spans[0] ?? assert.fail('no span');
      assert.equal(span.kind, SpanKind.Unspecified);
      assert.equal(span.statusCode, StatusCode.Unset);
      assert.deepEqual(decoded.warnings, ['1 span has an unknown kind number, shown as unspecified.', '1 span has an unknown status code number, shown as unset.']);
    });

    it('drops links without ids and says how many', () => {
      const decoded = decodeOtlpJson(
        doc([rawSpan('00f067aa0ba902b7', { links: [{ traceId: '0af7651916cd43dd8448eb211c80319c' }, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }] })]),
      );
      assert.equal(decoded.spans[0]?.links.length, 1);
      assert.deepEqual(decoded.warnings, ['1 link has no traceId or spanId and was dropped.']);
    });

    it('accepts null for absent repeated fields and messages (proto3 JSON)', () => {
      const decoded = decodeOtlpJson({
        resourceSpans: [{ resource: null, scopeSpans: [{ scope: null, spans: [rawSpan('00f067aa0ba902b7', { attributes: null, events: null, links: null, status: null, kind: null })] }] }],
      });
      assert.equal(decoded.spans.length, 1);
      assert.equal(decoded.spans[0]?.scope, undefined);
      assert.deepEqual(decodeOtlpJson({ resourceSpans: [] }).spans, []);
    });
  });

  describe('failures say what is wrong and where', () => {
    function malformed(input: unknown): string {
      const failure = failureOf(() => decodeOtlpJson(input));
      assert.equal(failure.kind, 'malformed', JSON.stringify(failure));
      return detailOf(failure);
    }

    function nested(span: Json): Json {
      return {
        resourceSpans: [
          {
            scopeSpans: [{ spans: [] }, { spans: [rawSpan('0000000000000001'), rawSpan('0000000000000002'), rawSpan('0000000000000003'), span] }],
          },
        ],
      };
    }

    it('a time that is not an integer', () => {
      const failure = failureOf(() => decodeOtlpJson(nested(rawSpan('0000000000000004', { startTimeUnixNano: 'abc' }))));
      assert.deepEqual(failure, { kind: 'malformed', format: 'otlp-json', detail: 'resourceSpans[0].scopeSpans[1].spans[3].startTimeUnixNano is "abc", not an integer' });
      const error = new TraceDecodeError(failure);
      assert.equal(error.message, 'it looks like OTLP JSON but resourceSpans[0].scopeSpans[1].spans[3].startTimeUnixNano is "abc", not an integer');
    });

    it('times that are fractional, negative, empty or too large', () => {
      assert.equal(malformed(nested(rawSpan('0000000000000004', { endTimeUnixNano: 1.5 }))), 'resourceSpans[0].scopeSpans[1].spans[3].endTimeUnixNano is 1.5, not an integer');
      assert.equal(malformed(nested(rawSpan('0000000000000004', { endTimeUnixNano: -5 }))), 'resourceSpans[0].scopeSpans[1].spans[3].endTimeUnixNano is -5, a negative time');
      assert.equal(malformed(nested(rawSpan('0000000000000004', { endTimeUnixNano: '' }))), 'resourceSpans[0].scopeSpans[1].spans[3].endTimeUnixNano is "", not an integer');
      assert.equal(malformed(nested(rawSpan('0000000000000004', { endTimeUnixNano: ' 12' }))), 'resourceSpans[0].scopeSpans[1].spans[3].endTimeUnixNano is " 12", not an integer');
      assert.equal(
        malformed(nested(rawSpan('0000000000000004', { endTimeUnixNano: '18446744073709551616' }))),
        'resourceSpans[0].scopeSpans[1].spans[3].endTimeUnixNano is "18446744073709551616", beyond the 64-bit range of nanosecond times',
      );
    });

    it('names the snake_case key the document used', () => {
      const detail = malformed({ resource_spans: [{ scope_spans: [{ spans: [{ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', start_time_unix_nano: 'soon' }] }] }] });
      assert.equal(detail, 'resource_spans[0].scope_spans[0].spans[0].start_time_unix_nano is "soon", not an integer');
    });

    it('an attribute value deep inside a kvlist', () => {
      const span = rawSpan('0000000000000004', {
        attributes: [
          { key: 'ok', value: { stringValue: 'x' } },
          {
            key: 'kv',
            value: {
              kvlistValue: {
                values: [
                  { key: 'a', value: { intValue: '1' } },
                  { key: 'b', value: { boolValue: 'yes' } },
                ],
              },
            },
          },
        ],
      });
      assert.equal(malformed(nested(span)), 'resourceSpans[0].scopeSpans[1].spans[3].attributes[1].value.kvlistValue.values[1].value.boolValue is "yes", not true or false');
    });

    it('attribute values of the wrong type', () => {
      const at = (value: Json): string => malformed(doc([rawSpan('0000000000000001', { attributes: [{ key: 'k', value }] })]));
      const prefix = 'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value';
      assert.equal(at({ intValue: '1.5' }), `${prefix}.intValue is "1.5", not a 64-bit integer`);
      assert.equal(at({ intValue: '9223372036854775808' }), `${prefix}.intValue is "9223372036854775808", not a 64-bit integer`);
      assert.equal(at({ stringValue: 5 }), `${prefix}.stringValue is 5, not a string`);
      assert.equal(at({ doubleValue: 'lots' }), `${prefix}.doubleValue is "lots", not a number`);
      assert.equal(at({ bytesValue: 'not base64!' }), `${prefix}.bytesValue is "not base64!", not base64 text`);
      assert.equal(at({ arrayValue: { values: [{ stringValue: 'a' }, { intValue: true }] } }), `${prefix}.arrayValue.values[1].intValue is true, not a 64-bit integer`);
      assert.equal(at({ arrayValue: [] }), `${prefix}.arrayValue is an array, not an object with "values"`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { attributes: { k: 'v' } })])), 'resourceSpans[0].scopeSpans[0].spans[0].attributes is an object, not an array of {key, value} pairs');
      assert.equal(malformed(doc([rawSpan('0000000000000001', { attributes: [{ key: 3, value: {} }] })])), 'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].key is 3, not a string');
      assert.equal(malformed(doc([rawSpan('0000000000000001', { attributes: ['k=v'] })])), 'resourceSpans[0].scopeSpans[0].spans[0].attributes[0] is "k=v", not a {key, value} pair');
    });

    it('ids, names, kinds and status of the wrong type', () => {
      const prefix = 'resourceSpans[0].scopeSpans[0].spans[0]';
      assert.equal(malformed(doc([rawSpan('0000000000000001', { traceId: 12 })])), `${prefix}.traceId is 12, not a hex or base64 id string`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { parentSpanId: ['a'] })])), `${prefix}.parentSpanId is an array, not a hex or base64 id string`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { name: { en: 'x' } })])), `${prefix}.name is an object, not a string`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { kind: 'SERVER' })])), `${prefix}.kind is "SERVER", not a span kind (0–5 or a name such as "SPAN_KIND_SERVER")`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { kind: 1.5 })])), `${prefix}.kind is 1.5, not a span kind (0–5 or a name such as "SPAN_KIND_SERVER")`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { status: { code: 'ERROR' } })])), `${prefix}.status.code is "ERROR", not a status code (0–2 or a name such as "STATUS_CODE_ERROR")`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { status: 'error' })])), `${prefix}.status is "error", not an object`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { flags: -1 })])), `${prefix}.flags is -1, not a 32-bit unsigned integer`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { events: [{ timeUnixNano: 'later' }] })])), `${prefix}.events[0].timeUnixNano is "later", not an integer`);
      assert.equal(malformed(doc([rawSpan('0000000000000001', { links: [{ traceId: 1, spanId: 'b7ad6b7169203331' }] })])), `${prefix}.links[0].traceId is 1, not a hex or base64 id string`);
    });

    it('containers of the wrong type', () => {
      assert.equal(malformed({ resourceSpans: { scopeSpans: [] } }), 'resourceSpans is an object, not an array');
      assert.equal(malformed({ resourceSpans: [{ scopeSpans: 'none' }] }), 'resourceSpans[0].scopeSpans is "none", not an array');
      assert.equal(malformed({ resourceSpans: [{ scopeSpans: [{ spans: {} }] }] }), 'resourceSpans[0].scopeSpans[0].spans is an object, not an array');
      assert.equal(malformed({ resourceSpans: [{ scopeSpans: [{ spans: [7] }] }] }), 'resourceSpans[0].scopeSpans[0].spans[0] is 7, not an object');
      assert.equal(malformed({ resourceSpans: [{ resource: [] }] }), 'resourceSpans[0].resource is an array, not an object');
      assert.equal(
        malformed({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 1 } }] } }] }),
        'resourceSpans[0].resource.attributes[0].value.stringValue is 1, not a string',
      );
      assert.equal(malformed({ resourceSpans: [{ scopeSpans: [{ scope: { name: 1 } }] }] }), 'resourceSpans[0].scopeSpans[0].scope.name is 1, not a string');
      assert.equal(malformed({ resourceSpans: [null] }), 'resourceSpans[0] is null, not an object');
    });

    it('reports the dialect in the failure', () => {
      const tempo = failureOf(() => decodeOtlpJson({ batches: [{ scopeSpans: [{ spans: [{ traceId: 'x', spanId: 'y', startTimeUnixNano: true }] }] }] }));
      assert.deepEqual(tempo, { kind: 'malformed', format: 'tempo-json', detail: 'batches[0].scopeSpans[0].spans[0].startTimeUnixNano is true, not an integer' });
      const jaeger = failureOf(() => decodeOtlpJson({ result: { resourceSpans: 'none' } }));
      assert.deepEqual(jaeger, { kind: 'malformed', format: 'jaeger-api-v3', detail: 'result.resourceSpans is "none", not an array' });
      const tempoV2 = failureOf(() => decodeOtlpJson({ trace: { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'x', spanId: 'y', kind: {} }] }] }] } }));
      assert.equal(detailOf(tempoV2), 'trace.resourceSpans[0].scopeSpans[0].spans[0].kind is an object, not a span kind (0–5 or a name such as "SPAN_KIND_SERVER")');
    });

    it('rejects OTLP logs, metrics and profiles as not traces', () => {
      assert.deepEqual(
        failureOf(() => decodeOtlpJson({ resourceLogs: [] })),
        { kind: 'notATrace', detail: 'it holds OTLP logs, not traces' },
      );
      assert.deepEqual(
        failureOf(() => decodeOtlpJson({ resource_metrics: [] })),
        { kind: 'notATrace', detail: 'it holds OTLP metrics, not traces' },
      );
      assert.deepEqual(
        failureOf(() => decodeOtlpJson({ resourceProfiles: [] })),
        { kind: 'notATrace', detail: 'it holds OTLP profiles, not traces' },
      );
    });

    it('rejects documents that are not OTLP at all, saying what they are', () => {
      assert.deepEqual(
        failureOf(() => decodeOtlpJson([1, 2])),
        { kind: 'notATrace', detail: 'the JSON document is an array, not an object with resourceSpans' },
      );
      assert.deepEqual(
        failureOf(() => decodeOtlpJson('hello')),
        { kind: 'notATrace', detail: 'the JSON document is a single string' },
      );
      assert.deepEqual(
        failureOf(() => decodeOtlpJson(null)),
        { kind: 'notATrace', detail: 'the JSON document is null' },
      );
      assert.deepEqual(
        failureOf(() => decodeOtlpJson({})),
        { kind: 'notATrace', detail: 'the JSON document is an empty object' },
      );
      assert.deepEqual(
        failureOf(() => decodeOtlpJson({ data: [], total: 0 })),
        { kind: 'notATrace', detail: 'the JSON object has the keys "data", "total" but no resourceSpans' },
      );
    });
  });

  describe('looksLikeOtlpJson', () => {
    it('accepts every OTLP-family wrapper', () => {
      for (const shape of [{ resourceSpans: [] }, { resource_spans: [] }, { batches: [] }, { result: { resourceSpans: [] } }, { trace: { resourceSpans: [] } }, { trace: { batches: [] } }]) {
        assert.equal(looksLikeOtlpJson(shape), true, JSON.stringify(shape));
      }
    });

    it('rejects other JSON', () => {
      for (const shape of [null, 3, 'x', [], [{ traceId: 'a' }], {}, { data: [{ spans: [] }] }, { resourceLogs: [] }, { result: { services: [] } }, { resourceSpans: 'x' }]) {
        assert.equal(looksLikeOtlpJson(shape), false, JSON.stringify(shape));
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
// A real SDK's output, end to end

function hrToNs(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

interface Recorded {
  readonly spans: ReadableSpan[];
  readonly remoteParent: Context;
}

/** Records a small but complete set of spans with the real OpenTelemetry JS SDK. */
function recordWithSdk(): Recorded {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.4.0', 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('checkout-instrumentation', '2.0.1');
  const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=abc,other=1'),
  });

  const t0: HrTime = [1_700_000_000, 123_456_789];
  const at = (ms: number): HrTime => [t0[0] + Math.floor((t0[1] + ms * 1e6) / 1e9), (t0[1] + ms * 1e6) % 1e9];

  const root = tracer.startSpan(
    'POST /checkout',
    {
      kind: ApiSpanKind.SERVER,
      startTime: t0,
      attributes: {
        'http.request.method': 'POST',
        'http.response.status_code': 500,
        'server.duration_ratio': 0.75,
        'feature.enabled': true,
        tags: ['a', 'b'],
        ports: [80, 443],
        flags: [true, false],
        sparse: ['x', null, 'z'],
        empty: '',
        negative: -17,
        maxSafe: Number.MAX_SAFE_INTEGER,
      },
    },
    ROOT_CONTEXT,
  );
  const rootContext = trace.setSpan(ROOT_CONTEXT, root);

  const query = tracer.startSpan('SELECT orders', { kind: ApiSpanKind.CLIENT, startTime: at(5), attributes: { 'db.system.name': 'postgresql' } }, rootContext);
  query.addEvent('cache miss', { 'cache.key': 'order:42', attempt: 2 }, at(6));
  query.recordException(new TypeError('connection reset by peer'), at(9));
  query.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset by peer' });
  const serialize = tracer.startSpan('serialize', {}, trace.setSpan(rootContext, query));
  serialize.end();
  query.end(at(10));

  const publish = tracer.startSpan(
    'orders publish',
    { kind: ApiSpanKind.PRODUCER, startTime: at(11), links: [{ context: trace.getSpanContext(remoteParent) ?? assert.fail(), attributes: { 'link.reason': 'batch' } }] },
    rootContext,
  );
  publish.end(at(12));
  root.setStatus({ code: SpanStatusCode.OK });
  root.end(at(20));

  const consume = tracer.startSpan('orders process', { kind: ApiSpanKind.CONSUMER, startTime: at(30), links: [{ context: publish.spanContext() }] }, remoteParent);
  consume.end(at(31));
  return { spans: exporter.getFinishedSpans(), remoteParent };
}

function serialize(spans: ReadableSpan[]): unknown {
  const bytes = JsonTraceSerializer.serializeRequest(spans) ?? assert.fail('serializer returned nothing');
  return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
}

/** What the SDK recorded, in SpanLens' model terms, computed from the SDK's own fields. */
function expectedFromSdk(sdk: ReadableSpan): Record<string, unknown> {
  const ctx = sdk.spanContext();
  const flags = (ctx.traceFlags & 0xff) | 0x100 | (sdk.parentSpanContext?.isRemote === true ? 0x200 : 0);
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: sdk.parentSpanContext?.spanId,
    name: sdk.name,
    kind: sdk.kind + 1,
    startNs: hrToNs(sdk.startTime),
    endNs: hrToNs(sdk.endTime),
    statusCode: sdk.status.code,
    statusMessage: sdk.status.message === '' ? undefined : sdk.status.message,
    attributes: sdk.attributes,
    events: sdk.events.map((e) => ({ timeNs: hrToNs(e.time), name: e.name, attributes: e.attributes ?? {} })),
    links: sdk.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, traceState: l.context.traceState?.serialize(), attributes: l.attributes ?? {} })),
    serviceName: sdk.resource.attributes['service.name'],
    resourceAttributes: sdk.resource.attributes,
    scope: { name: sdk.instrumentationScope.name, version: sdk.instrumentationScope.version },
    traceState: ctx.traceState?.serialize(),
    flags,
  };
}

function actual(span: Span): Record<string, unknown> {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: span.kind,
    startNs: span.startNs,
    endNs: span.endNs,
    statusCode: span.statusCode,
    statusMessage: span.statusMessage,
    attributes: span.attributes,
    events: span.events,
    links: span.links,
    serviceName: span.resource.serviceName,
    resourceAttributes: span.resource.attributes,
    scope: { name: span.scope?.name, version: span.scope?.version },
    traceState: span.traceState,
    flags: span.flags,
  };
}

describe('decodeOtlpJson on the real OpenTelemetry JS SDK output (JsonTraceSerializer)', () => {
  let recorded: Recorded;
  let decoded: DecodedSpans;
  before(() => {
    recorded = recordWithSdk();
    decoded = decodeOtlpJson(serialize(recorded.spans));
  });

  it('decodes every recorded span exactly as the SDK recorded it', () => {
    assert.equal(recorded.spans.length, 5);
    assert.equal(decoded.format, 'otlp-json');
    assert.deepEqual(decoded.warnings, []);
    assert.equal(decoded.spans.length, recorded.spans.length);
    for (const sdk of recorded.spans) {
      assert.deepEqual(actual(byId(decoded, sdk.spanContext().spanId)), expectedFromSdk(sdk), `span ${sdk.name}`);
    }
  });

  it('keeps what a person looks at: the tree, the error, the exception, the link and the remote parent', () => {
    const query = decoded.spans.find((s) => s.name === 'SELECT orders') ?? assert.fail();
    assert.equal(query.statusCode, StatusCode.Error);
    assert.equal(query.kind, SpanKind.Client);
    const exception = query.events.find((e) => e.name === 'exception') ?? assert.fail('no exception event');
    assert.equal(exception.attributes['exception.type'], 'TypeError');
    assert.equal(exception.attributes['exception.message'], 'connection reset by peer');
    const stack = exception.attributes['exception.stacktrace'];
    assert.equal(typeof stack, 'string');
    assert.match(stack as string, /TypeError: connection reset by peer\n\s+at /);
    assert.equal(exception.timeNs, 1_700_000_000_132_456_789n);

    const root = decoded.spans.find((s) => s.name === 'POST /checkout') ?? assert.fail();
    assert.equal(root.startNs, 1_700_000_000_123_456_789n);
    assert.equal(root.endNs, 1_700_000_000_143_456_789n);
    assert.equal(root.attributes['sparse'] instanceof Array, true);
    assert.deepEqual(root.attributes['sparse'], ['x', null, 'z']);

    const local = decoded.spans.filter((s) => s.traceId === root.traceId);
    const built = buildTrace(root.traceId, local);
    assert.deepEqual(
      built.spans.map((s, i) => `${'  '.repeat(built.depth[i] ?? 0)}${s.name}`),
      ['POST /checkout', '  SELECT orders', '    serialize', '  orders publish'],
    );
    assert.equal(built.errorCount, 1);
    assert.deepEqual(built.services, ['checkout']);

    const consume = decoded.spans.find((s) => s.name === 'orders process') ?? assert.fail();
    assert.equal(consume.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(consume.parentSpanId, 'b7ad6b7169203331');
    assert.equal(consume.traceState, 'vendor=abc,other=1');
    assert.equal(consume.flags, 0x301, 'sampled, has-is-remote and is-remote');
    const publish = decoded.spans.find((s) => s.name === 'orders publish') ?? assert.fail();
    assert.equal(consume.links[0]?.spanId, publish.spanId);
    const link = publish.links[0] ?? assert.fail('no link');
    assert.equal(link.traceState, 'vendor=abc,other=1');
    assert.deepEqual(link.attributes, { 'link.reason': 'batch' });
  });

  it('shares one Resource object among all spans of the request', () => {
    const resources = new Set(decoded.spans.map((s) => s.resource));
    assert.equal(resources.size, 1);
    assert.equal(decoded.spans[0]?.resource.serviceName, 'checkout');
  });
});
