import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind as ApiSpanKind, SpanStatusCode, TraceFlags, createTraceState, trace, type AttributeValue as ApiAttributeValue, type HrTime } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { looksLikeOtlpProtobuf, looksLikeOtlpProtobufRecords } from '../../../../src/core/formats/looksLikeOtlpProtobuf';
import { decodeOtlpProtobuf, decodeOtlpProtobufRecords } from '../../../../src/core/formats/otlpProtobuf';
import { OtlpProtobufStreamDecoder } from '../../../../src/core/formats/otlpProtobufStreamDecoder';
import { TraceDecodeError, type DecodedSpans, type DecodeFailure } from '../../../../src/core/formats/traceFormat';
import { noAttributes, type AttributeValue, type Attributes } from '../../../../src/core/model/attributes';
import { createResource, createSpan, SpanKind, StatusCode, type Span } from '../../../../src/core/model/span';
import { seededRandom } from '../../../seededRandom';

// ---------------------------------------------------------------------------------------------
// A tiny protobuf writer for hand-built messages (varints as bigint, so any 64-bit value fits).

type Part = Uint8Array;

function varint(value: bigint | number): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

function concat(...parts: Part[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

function tag(field: number, wireType: number): Uint8Array {
  return varint(field * 8 + wireType);
}

/** A length-delimited field (a message, string or bytes). */
function ld(field: number, ...parts: Part[]): Uint8Array {
  const body = concat(...parts);
  return concat(tag(field, 2), varint(body.length), body);
}

function str(field: number, text: string): Uint8Array {
  return ld(field, Buffer.from(text, 'utf8'));
}

function uint(field: number, value: bigint | number): Uint8Array {
  return concat(tag(field, 0), varint(value));
}

function fixed64(field: number, value: bigint): Uint8Array {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(value);
  return concat(tag(field, 1), bytes);
}

function fixed32(field: number, value: number): Uint8Array {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return concat(tag(field, 5), bytes);
}

function double(field: number, value: number): Uint8Array {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return concat(tag(field, 1), bytes);
}

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

// OTLP messages by field number (opentelemetry-proto trace/v1, common/v1, resource/v1).
const av = {
  string: (s: string) => str(1, s),
  bool: (b: boolean) => uint(2, b ? 1 : 0),
  int: (n: bigint | number) => uint(3, n),
  double: (n: number) => double(4, n),
  array: (...values: Part[]) => ld(5, ...values.map((v) => ld(1, v))),
  kvlist: (...pairs: Part[]) => ld(6, ...pairs.map((p) => ld(1, p))),
  bytes: (b: Uint8Array) => ld(7, b),
};
/** KeyValue body. */
const kv = (key: string, value?: Part): Uint8Array => concat(str(1, key), ...(value === undefined ? [] : [ld(2, value)]));

const traceIdHex = '5b8efff798038103d269b633813fc60c';
const rootIdHex = 'eee19b7ec3c1b174';
const childIdHex = 'eee19b7ec3c1b173';
const t0 = 1_700_000_000_123_456_789n;

function spanBody(spanIdHex: string, ...extra: Part[]): Uint8Array {
  return concat(ld(1, hex(traceIdHex)), ld(2, hex(spanIdHex)), str(5, `op-${spanIdHex.slice(-2)}`), fixed64(7, t0), fixed64(8, t0 + 1_000_000n), ...extra);
}

function request(...resourceSpans: Part[]): Uint8Array {
  return concat(...resourceSpans.map((rs) => ld(1, rs)));
}

/** A ResourceSpans body with one scope holding the given span bodies. */
function resourceSpans(service: string, ...spans: Part[]): Uint8Array {
  return concat(ld(1, ld(1, kv('service.name', av.string(service)))), ld(2, ld(1, str(1, 'scope-a'), str(2, '1.0')), ...spans.map((s) => ld(2, s))));
}

// ---------------------------------------------------------------------------------------------
// Helpers

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

function byId(decoded: DecodedSpans, spanId: string): Span {
  const found = decoded.spans.filter((s) => s.spanId === spanId);
  assert.equal(found.length, 1, `expected exactly one span ${spanId}, found ${found.length}`);
  return found[0] as Span;
}

function streamDecode(bytes: Uint8Array, chunkSize: number): DecodedSpans {
  const decoder = new OtlpProtobufStreamDecoder();
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize));
  return decoder.finish();
}

function withRecordLengths(requests: readonly Uint8Array[], littleEndian = false): Uint8Array {
  const parts: Buffer[] = [];
  for (const body of requests) {
    const prefix = Buffer.alloc(4);
    if (littleEndian) prefix.writeUInt32LE(body.length);
    else prefix.writeUInt32BE(body.length);
    parts.push(prefix, Buffer.from(body));
  }
  return Uint8Array.from(Buffer.concat(parts));
}

// ---------------------------------------------------------------------------------------------
// The real SDK: what it records is what we must decode.

function ns(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

function expectedValue(value: ApiAttributeValue | undefined | null): AttributeValue {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return (value as readonly unknown[]).map((v) => expectedValue(v as ApiAttributeValue | null));
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return BigInt(value);
  return value;
}

function expectedAttributes(attributes: Readonly<Record<string, ApiAttributeValue | undefined>> | undefined): Attributes {
  const entries = Object.entries(attributes ?? {});
  if (entries.length === 0) return noAttributes;
  return Object.fromEntries(entries.map(([key, value]) => [key, expectedValue(value)]));
}

/** The model span the SDK's recording must decode to, built from the SDK's own data. */
function expectedSpan(sdk: ReadableSpan): Span {
  const ctx = sdk.spanContext();
  const isRemote = sdk.parentSpanContext?.isRemote === true;
  return createSpan({
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: sdk.parentSpanContext?.spanId,
    name: sdk.name,
    kind: (sdk.kind + 1) as SpanKind, // the API counts from INTERNAL = 0, OTLP from UNSPECIFIED = 0
    startNs: ns(sdk.startTime),
    endNs: ns(sdk.endTime),
    statusCode: sdk.status.code as number as StatusCode,
    statusMessage: sdk.status.message,
    attributes: expectedAttributes(sdk.attributes),
    events: sdk.events.map((e) => ({ timeNs: ns(e.time), name: e.name, attributes: expectedAttributes(e.attributes) })),
    links: sdk.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, traceState: l.context.traceState?.serialize(), attributes: expectedAttributes(l.attributes) })),
    resource: createResource(expectedAttributes(sdk.resource.attributes)),
    scope: { name: sdk.instrumentationScope.name, version: sdk.instrumentationScope.version, attributes: noAttributes },
    traceState: ctx.traceState?.serialize(),
    // OTLP flags: W3C trace flags in bits 0–7, "has is-remote" (0x100) and "is remote" (0x200).
    flags: (ctx.traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0),
  });
}

function recordWithSdk(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '2.3.4', 'host.cpu.count': 8 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    spanLimits: { eventCountLimit: 3 },
  });
  const tracer = provider.getTracer('spanlens-test', '0.9.0');

  const root = tracer.startSpan('GET /cart', {
    kind: ApiSpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'app.negative': -42,
      'app.huge': 2 ** 60,
      'app.ratio': 0.25,
      'app.flag': true,
      'app.off': false,
      'app.names': ['a', 'b', 'ü€😀'],
      'app.numbers': [1, 2.5, -3],
      'app.flags': [true, false],
      'app.holes': ['x', null, 'z'],
      'app.empty': '',
      'app.unicode': 'grüße, 世界 😀',
    },
  });
  const rootContext = trace.setSpan(ROOT_CONTEXT, root);
  const child = tracer.startSpan('SELECT cart', { kind: ApiSpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, rootContext);
  child.addEvent('query sent', { 'db.rows': 3 });
  child.recordException(new TypeError('connection reset'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'db timeout' });
  child.end();

  const producer = tracer.startSpan('publish', { kind: ApiSpanKind.PRODUCER }, rootContext);
  producer.setStatus({ code: SpanStatusCode.OK });
  producer.end();

  const consumer = tracer.startSpan(
    'consume',
    {
      kind: ApiSpanKind.CONSUMER,
      links: [{ context: producer.spanContext(), attributes: { 'messaging.batch.index': 0, 'link.reason': 'follows' } }, { context: child.spanContext() }],
    },
    rootContext,
  );
  for (let i = 0; i < 5; i++) consumer.addEvent(`tick ${i}`); // two over the limit: dropped
  consumer.end();

  // A span under a remote parent that carries trace state.
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=opaque,other=1'),
  });
  tracer.startSpan('remote child', { kind: ApiSpanKind.INTERNAL }, remote).end();

  root.end();
  return exporter.getFinishedSpans();
}

function serialize(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  assert.ok(bytes, 'the SDK serializer returned nothing');
  return bytes;
}

describe('OTLP protobuf decoder', () => {
  describe('round trip through the OpenTelemetry SDK', () => {
    const sdkSpans = recordWithSdk();
    const bytes = serialize(sdkSpans);

    it('decodes exactly what the SDK recorded', () => {
      assert.equal(sdkSpans.length, 5);
      const decoded = decodeOtlpProtobuf(bytes);
      assert.equal(decoded.format, 'otlp-protobuf');
      assert.equal(decoded.spans.length, sdkSpans.length);
      for (const sdk of sdkSpans) {
        const span = byId(decoded, sdk.spanContext().spanId);
        assert.deepStrictEqual(span, expectedSpan(sdk), `span ${sdk.name}`);
      }
    });

    it('keeps parents, kinds, status, exceptions and links as recorded', () => {
      const decoded = decodeOtlpProtobuf(bytes);
      const [root, child, producer, consumer, remoteChild] = ['GET /cart', 'SELECT cart', 'publish', 'consume', 'remote child'].map((name) => decoded.spans.find((s) => s.name === name) as Span) as [
        Span,
        Span,
        Span,
        Span,
        Span,
      ];
      assert.equal(root.parentSpanId, undefined);
      assert.equal(child.parentSpanId, root.spanId);
      assert.equal(remoteChild.parentSpanId, 'b7ad6b7169203331');
      assert.equal(remoteChild.traceState, 'vendor=opaque,other=1');
      assert.equal(remoteChild.flags, 0x301);
      assert.deepEqual(
        [root, child, producer, consumer].map((s) => s.kind),
        [SpanKind.Server, SpanKind.Client, SpanKind.Producer, SpanKind.Consumer],
      );
      assert.equal(remoteChild.kind, SpanKind.Internal);
      assert.equal(child.statusCode, StatusCode.Error);
      assert.equal(child.statusMessage, 'db timeout');
      assert.equal(producer.statusCode, StatusCode.Ok);
      const exception = child.events.find((e) => e.name === 'exception');
      assert.equal(exception?.attributes['exception.type'], 'TypeError');
      assert.equal(exception.attributes['exception.message'], 'connection reset');
      const stacktrace = exception.attributes['exception.stacktrace'];
      assert.ok(typeof stacktrace === 'string' && stacktrace.startsWith('TypeError: connection reset'));
      assert.deepEqual(
        consumer.links.map((l) => [l.spanId, l.attributes]),
        [
          [producer.spanId, { 'messaging.batch.index': 0, 'link.reason': 'follows' }],
          [child.spanId, {}],
        ],
      );
      assert.equal(root.attributes['app.huge'], 2n ** 60n);
      assert.deepEqual(root.attributes['app.holes'], ['x', null, 'z']);
      assert.equal(root.attributes['app.unicode'], 'grüße, 世界 😀');
      assert.equal(root.resource.serviceName, 'checkout');
      assert.equal(root.resource.attributes['host.cpu.count'], 8);
    });

    it('shares one Resource per ResourceSpans and one Scope per ScopeSpans', () => {
      const decoded = decodeOtlpProtobuf(bytes);
      const first = decoded.spans[0] as Span;
      for (const span of decoded.spans) {
        assert.equal(span.resource, first.resource);
        assert.equal(span.scope, first.scope);
      }
      assert.deepEqual(first.scope, { name: 'spanlens-test', version: '0.9.0', attributes: {} });
    });

    it('warns about what the sender dropped', () => {
      const decoded = decodeOtlpProtobuf(bytes);
      assert.equal((decoded.spans.find((s) => s.name === 'consume') as Span).events.length, 3);
      assert.deepEqual(decoded.warnings, ['The sender dropped 2 events before export (its limits); they are not in the file.']);
    });

    it('is recognized as protobuf and not as records', () => {
      assert.equal(looksLikeOtlpProtobuf(bytes), true);
      assert.equal(looksLikeOtlpProtobuf(bytes.subarray(0, 3)), true, 'from its first bytes only');
      assert.equal(looksLikeOtlpProtobufRecords(bytes), false);
      assert.equal(looksLikeOtlpProtobuf(Buffer.from('{"resourceSpans":[]}')), false);
      assert.equal(looksLikeOtlpProtobuf(new Uint8Array(0)), false);
      assert.equal(looksLikeOtlpProtobuf(Uint8Array.of(0x0a, 0x05, 0x99)), false, 'a ResourceSpans cannot start with 0x99');
    });
  });

  describe('collector file exporter records', () => {
    const batches = [0, 1, 2].map((i) => {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': `svc-${i}` }),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
      const tracer = provider.getTracer('records');
      for (let j = 0; j <= i; j++) tracer.startSpan(`op ${i}.${j}`, { attributes: { j } }).end();
      return exporter.getFinishedSpans();
    });
    const requests = batches.map(serialize);
    const file = withRecordLengths(requests);
    const allIds = batches.flat().map((s) => s.spanContext().spanId);

    it('decodes every record, in order (big-endian lengths, as the collector writes them)', () => {
      assert.equal(looksLikeOtlpProtobufRecords(file), true);
      assert.equal(looksLikeOtlpProtobuf(file), false);
      const decoded = decodeOtlpProtobufRecords(file);
      assert.equal(decoded.format, 'otlp-protobuf-records');
      assert.deepEqual(
        decoded.spans.map((s) => s.spanId),
        allIds,
      );
      assert.deepEqual(
        decoded.spans.map((s) => s.resource.serviceName),
        ['svc-0', 'svc-1', 'svc-1', 'svc-2', 'svc-2', 'svc-2'],
      );
      assert.deepEqual(decoded.warnings, []);
      for (const sdk of batches.flat()) assert.deepStrictEqual(byId(decoded, sdk.spanContext().spanId), expectedSpan(sdk));
    });

    it('reads little-endian lengths too', () => {
      const le = withRecordLengths(requests, true);
      assert.equal(looksLikeOtlpProtobufRecords(le), true);
      assert.deepEqual(
        decodeOtlpProtobufRecords(le).spans.map((s) => s.spanId),
        allIds,
      );
    });

    it('returns the earlier records and a warning when the last one is torn', () => {
      const lastStart = file.length - (requests[2] as Uint8Array).length - 4;
      for (const cut of [lastStart + 2, lastStart + 4, lastStart + 10, file.length - 1]) {
        const decoded = decodeOtlpProtobufRecords(file.subarray(0, cut));
        assert.deepEqual(
          decoded.spans.map((s) => s.spanId),
          allIds.slice(0, 3),
          `cut at ${cut}`,
        );
        assert.equal(decoded.warnings.length, 1);
        assert.match(decoded.warnings[0] as string, new RegExp(`record 3 \\(at byte ${lastStart}|length of record 3 \\(at byte ${lastStart}`));
        assert.match(decoded.warnings[0] as string, /the 2 records before it were read/);
      }
    });

    it('fails as truncated when even the first record is torn', () => {
      const failure = failureOf(() => decodeOtlpProtobufRecords(file.subarray(0, 20)));
      assert.equal(failure.kind, 'truncated');
      assert.match(detailOf(failure), /the first record says it is \d+ bytes but only 16 follow/);
    });

    it('names the record and the byte of a malformed one', () => {
      const bad = withRecordLengths([requests[0] as Uint8Array, request(resourceSpans('x', spanBody(rootIdHex, ld(7, Uint8Array.of(1)))))]);
      const failure = failureOf(() => decodeOtlpProtobufRecords(bad));
      assert.equal(failure.kind, 'malformed');
      assert.match(detailOf(failure), /^record 2 \(at byte \d+\): field 7 of Span \(start_time_unix_nano\) at byte \d+ has wire type 2 \(length-delimited\), expected 1 \(fixed64\)$/);
    });
  });

  describe('stream decoder', () => {
    // A bigger request: several ResourceSpans, hundreds of spans, so entries cross chunk borders.
    const big = (() => {
      const all: ReadableSpan[] = [];
      for (let s = 0; s < 4; s++) {
        const exporter = new InMemorySpanExporter();
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': `svc-${s}` }),
          spanProcessors: [new SimpleSpanProcessor(exporter)],
        });
        const tracer = provider.getTracer(`scope-${s}`);
        for (let i = 0; i < 150; i++) {
          const span = tracer.startSpan(`op-${i % 7}`, { attributes: { i, 'http.route': `/r/${i % 5}`, 'long.text': 'x'.repeat(i * 3) } });
          if (i % 10 === 0) span.addEvent('e', { n: i });
          span.end();
        }
        all.push(...exporter.getFinishedSpans());
      }
      return serialize(all);
    })();
    const small = serialize(recordWithSdk());

    for (const chunkSize of [1, 7, 65536]) {
      it(`decodes ${chunkSize}-byte chunks to the same spans as the one-shot decoder`, () => {
        for (const bytes of [small, big]) {
          const expected = decodeOtlpProtobuf(bytes);
          const streamed = streamDecode(bytes, chunkSize);
          assert.equal(streamed.format, 'otlp-protobuf');
          assert.deepStrictEqual(streamed.spans, expected.spans);
          assert.deepStrictEqual(streamed.warnings, expected.warnings);
        }
      });
    }

    it('accepts chunks that are views into larger buffers', () => {
      const padded = Buffer.concat([Buffer.alloc(13, 0xff), Buffer.from(big), Buffer.alloc(5, 0xff)]);
      const decoder = new OtlpProtobufStreamDecoder();
      const view = padded.subarray(13, 13 + big.length);
      for (let i = 0; i < view.length; i += 4099) decoder.push(view.subarray(i, i + 4099));
      assert.deepStrictEqual(decoder.finish().spans, decodeOtlpProtobuf(big).spans);
    });

    it('fails as truncated, like the one-shot decoder, when the stream stops mid-entry', () => {
      for (const cut of [1, 2, 3, 100, big.length - 1]) {
        const cutBytes = big.subarray(0, cut);
        assert.equal(failureOf(() => decodeOtlpProtobuf(cutBytes)).kind, 'truncated', `one-shot, cut at ${cut}`);
        const failure = failureOf(() => streamDecode(cutBytes, 7));
        assert.equal(failure.kind, 'truncated', `stream, cut at ${cut}`);
      }
      // The first entry's length is a three-byte varint at bytes 1–3.
      const [b1, b2, b3] = [big[1], big[2], big[3]] as [number, number, number];
      assert.ok(b1 >= 0x80 && b2 >= 0x80 && b3 < 0x80);
      const entryLength = (b1 & 0x7f) | ((b2 & 0x7f) << 7) | (b3 << 14);
      const expected = `field 1 of ExportTraceServiceRequest (tag at byte 0, length-delimited) needs ${entryLength} bytes from byte 4, but the data ends after 96 (at byte 100)`;
      assert.equal(detailOf(failureOf(() => streamDecode(big.subarray(0, 100), 7))), expected);
      assert.equal(detailOf(failureOf(() => decodeOtlpProtobuf(big.subarray(0, 100)))), expected);
    });

    it('skips unknown top-level fields of every wire type, even across chunks', () => {
      const group = concat(tag(9, 3), uint(1, 5), str(2, 'inside a group'), tag(9, 4));
      const extras = concat(uint(5, 300), fixed64(6, 7n), str(7, 'unknown'), fixed32(8, 9), group);
      const bytes = concat(extras, small, extras);
      const expected = decodeOtlpProtobuf(small).spans;
      assert.deepStrictEqual(decodeOtlpProtobuf(bytes).spans, expected);
      for (const size of [1, 3, 64]) assert.deepStrictEqual(streamDecode(bytes, size).spans, expected);
    });

    it('decodes each entry as soon as its last byte arrives', () => {
      // A malformed first entry fails in push(), before the rest of the stream arrives.
      const bad = request(resourceSpans('a', spanBody(rootIdHex, ld(8, Uint8Array.of(0)))));
      const decoder = new OtlpProtobufStreamDecoder();
      decoder.push(bad.subarray(0, bad.length - 1));
      assert.throws(
        () => decoder.push(bad.subarray(bad.length - 1)),
        (error: unknown) => error instanceof TraceDecodeError && /field 8 of Span \(end_time_unix_nano\)/.test(error.message),
      );
    });

    it('does not trust a huge declared length before the bytes arrive', () => {
      // An entry that claims 1.9 GB, of which 100 bytes come.
      const bytes = concat(tag(1, 2), varint(1_900_000_000), new Uint8Array(100));
      const before = process.memoryUsage().arrayBuffers;
      const decoder = new OtlpProtobufStreamDecoder();
      decoder.push(bytes.subarray(0, 50));
      decoder.push(bytes.subarray(50));
      assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, 'it allocated for bytes that never came');
      const failure = failureOf(() => decoder.finish());
      assert.equal(failure.kind, 'truncated');
      assert.equal(detailOf(failure), 'field 1 of ExportTraceServiceRequest (tag at byte 0, length-delimited) needs 1900000000 bytes from byte 6, but the data ends after 100 (at byte 106)');
    });

    it('rejects an empty stream and one with no resource_spans', () => {
      assert.equal(failureOf(() => new OtlpProtobufStreamDecoder().finish()).kind, 'empty');
      const failure = failureOf(() => streamDecode(concat(uint(4, 1), str(2, 'x')), 1));
      assert.equal(failure.kind, 'notATrace');
      assert.match(detailOf(failure), /no resource_spans \(field 1 of ExportTraceServiceRequest\), only field 4/);
    });
  });

  describe('bad input', () => {
    const good = request(resourceSpans('api', spanBody(rootIdHex), spanBody(childIdHex, ld(4, hex(rootIdHex)))));

    it('decodes the well-formed baseline', () => {
      assert.deepEqual(
        decodeOtlpProtobuf(good).spans.map((s) => [s.spanId, s.parentSpanId]),
        [
          [rootIdHex, undefined],
          [childIdHex, rootIdHex],
        ],
      );
    });

    it('names the field, the byte and the wire types of a field with the wrong wire type', () => {
      const span = spanBody(rootIdHex, ld(7, Uint8Array.of(1, 2, 3)));
      const bytes = request(resourceSpans('api', span));
      const failure = failureOf(() => decodeOtlpProtobuf(bytes));
      assert.equal(failure.kind, 'malformed');
      const tagAt = Buffer.from(bytes).lastIndexOf(Buffer.from([0x3a, 0x03, 1, 2, 3]));
      assert.equal(detailOf(failure), `field 7 of Span (start_time_unix_nano) at byte ${tagAt} has wire type 2 (length-delimited), expected 1 (fixed64)`);
      assert.match(new TraceDecodeError(failure).message, /^it looks like OTLP protobuf but field 7 of Span/);
    });

    it('checks the wire type of every known field', () => {
      const cases: [Part, RegExp][] = [
        [request(concat(uint(1, 5))), /field 1 of ResourceSpans \(resource\) at byte \d+ has wire type 0 \(varint\), expected 2/],
        [request(resourceSpans('a', spanBody(rootIdHex, uint(2, 1)))), /field 2 of Span \(span_id\) at byte \d+ has wire type 0/],
        [request(resourceSpans('a', spanBody(rootIdHex, str(6, 'x')))), /field 6 of Span \(kind\) .* expected 0 \(varint\)/],
        [request(resourceSpans('a', spanBody(rootIdHex, uint(16, 1)))), /field 16 of Span \(flags\) .* expected 5 \(fixed32\)/],
        [request(resourceSpans('a', spanBody(rootIdHex, ld(11, uint(1, 5))))), /field 1 of Span.Event \(time_unix_nano\) .* expected 1 \(fixed64\)/],
        [request(resourceSpans('a', spanBody(rootIdHex, ld(9, kv('k', fixed32(3, 1)))))), /field 3 of AnyValue \(int_value\) .* has wire type 5 \(fixed32\), expected 0 \(varint\)/],
        [request(resourceSpans('a', spanBody(rootIdHex, ld(15, str(3, 'x'))))), /field 3 of Status \(code\)/],
        [uint(1, 1), /field 1 of ExportTraceServiceRequest \(resource_spans\) at byte 0 has wire type 0/],
      ];
      for (const [bytes, pattern] of cases) {
        const failure = failureOf(() => decodeOtlpProtobuf(bytes));
        assert.equal(failure.kind, 'malformed', pattern.source);
        assert.match(detailOf(failure), pattern);
      }
    });

    it('fails as truncated at every place the data can be cut', () => {
      for (let cut = 1; cut < good.length; cut++) {
        const failure = failureOf(() => decodeOtlpProtobuf(good.subarray(0, cut)));
        assert.equal(failure.kind, 'truncated', `cut at ${cut}`);
        assert.equal(failureOf(() => streamDecode(good.subarray(0, cut), 3)).kind, 'truncated', `stream, cut at ${cut}`);
      }
    });

    it('says where a length runs past the end of its enclosing message', () => {
      // The span claims 200 bytes inside a ScopeSpans that has far fewer.
      const scope = concat(tag(2, 2), varint(200), spanBody(rootIdHex));
      const bytes = request(concat(ld(2, scope)));
      const failure = failureOf(() => decodeOtlpProtobuf(bytes));
      assert.equal(failure.kind, 'malformed');
      assert.match(detailOf(failure), /^field 2 of ScopeSpans \(tag at byte 4, length-delimited\) needs 200 bytes from byte 7, but its enclosing ScopeSpans ends after \d+ \(at byte \d+\)$/);
      // And past the end of the data itself: truncated.
      const top = concat(tag(1, 2), varint(1000), resourceSpans('a'));
      const cut = failureOf(() => decodeOtlpProtobuf(top));
      assert.equal(cut.kind, 'truncated');
      assert.match(detailOf(cut), /needs 1000 bytes from byte 3, but the data ends after/);
    });

    it('rejects invalid tags and wire types', () => {
      assert.match(
        detailOf(failureOf(() => decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, Uint8Array.of(0x00, 0x01))))))),
        /Span has an invalid tag 0 at byte \d+ \(field number 0/,
      );
      assert.match(
        detailOf(failureOf(() => decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, Uint8Array.of(0x7e, 0x01))))))),
        /field 15 of Span \(status\) at byte \d+ has wire type 6 \(invalid\)/,
      );
      assert.match(detailOf(failureOf(() => decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, tag(99, 7))))))), /field 99 of Span at byte \d+ has wire type 7, which does not exist/);
      assert.match(detailOf(failureOf(() => decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, tag(99, 4))))))), /end-group tag for field 99 .* without a matching start-group tag/);
      assert.match(detailOf(failureOf(() => decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, tag(99, 3))))))), /group field 99 of Span at byte \d+ has no end-group tag/);
      assert.match(
        detailOf(failureOf(() => decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, tag(99, 3), tag(98, 4))))))),
        /group field 99 of Span .* closed by an end-group tag for field 98/,
      );
      const longVarint = concat(tag(50, 0), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
      assert.match(detailOf(failureOf(() => decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, longVarint)))))), /varint of Span at byte \d+ is longer than 10 bytes/);
    });

    it('refuses values nested deeper than 64 levels instead of overflowing the stack', () => {
      let value = av.string('bottom');
      for (let i = 0; i < 3000; i++) value = av.array(value);
      const bytes = request(resourceSpans('a', spanBody(rootIdHex, ld(9, kv('deep', value)))));
      const failure = failureOf(() => decodeOtlpProtobuf(bytes));
      assert.equal(failure.kind, 'malformed');
      assert.match(detailOf(failure), /nests arrays or kvlists more than 64 levels deep/);
      let shallow = av.string('bottom');
      for (let i = 0; i < 60; i++) shallow = av.kvlist(kv('k', shallow));
      assert.equal(decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, ld(9, kv('ok', shallow)))))).spans.length, 1);
    });

    it('rejects an empty buffer, and bytes that hold no resource_spans', () => {
      assert.equal(failureOf(() => decodeOtlpProtobuf(new Uint8Array(0))).kind, 'empty');
      assert.equal(failureOf(() => decodeOtlpProtobufRecords(new Uint8Array(0))).kind, 'empty');
      const failure = failureOf(() => decodeOtlpProtobuf(concat(uint(3, 7))));
      assert.equal(failure.kind, 'notATrace');
      assert.match(detailOf(failure), /holds no resource_spans .*only field 3/);
    });

    it('throws only TraceDecodeErrors for random bytes', () => {
      const next = seededRandom(7);
      let failures = 0;
      for (let i = 0; i < 500; i++) {
        const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 3000) }, () => Math.floor(next() * 256));
        if (i % 2 === 0) bytes[0] = 0x0a; // half of them look like a request at first sight
        for (const decode of [decodeOtlpProtobuf, decodeOtlpProtobufRecords, (b: Uint8Array) => streamDecode(b, 97)]) {
          try {
            decode(bytes);
          } catch (error: unknown) {
            assert.ok(error instanceof TraceDecodeError, `input ${i}: ${String(error)}`);
            failures++;
            continue;
          }
          assert.fail(`random input ${i} decoded without error`);
        }
      }
      assert.equal(failures, 1500);
    });

    it('throws only TraceDecodeErrors for corrupted real requests', () => {
      const real = serialize(recordWithSdk());
      const next = seededRandom(11);
      for (let i = 0; i < 2000; i++) {
        const bytes = Uint8Array.from(real);
        const flips = 1 + Math.floor(next() * 4);
        for (let f = 0; f < flips; f++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        for (const decode of [decodeOtlpProtobuf, (b: Uint8Array) => streamDecode(b, 13)]) {
          try {
            decode(bytes);
          } catch (error: unknown) {
            assert.ok(error instanceof TraceDecodeError, `corruption ${i}: ${String(error)}`);
          }
        }
      }
    });
  });

  describe('hand-built edge cases', () => {
    function attributesOf(...pairs: Part[]): Attributes {
      const decoded = decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, ...pairs.map((p) => ld(9, p))))));
      return (decoded.spans[0] as Span).attributes;
    }

    it('keeps int64 exact: numbers when safe, bigints beyond 2^53, negatives in two’s complement', () => {
      const attributes = attributesOf(
        kv('small', av.int(42)),
        kv('safe', av.int(2n ** 53n - 1n)),
        kv('beyond', av.int(2n ** 53n + 1n)),
        kv('max', av.int(2n ** 63n - 1n)),
        kv('minusOne', av.int(-1n)),
        kv('minSafe', av.int(-(2n ** 53n - 1n))),
        kv('belowSafe', av.int(-(2n ** 53n))),
        kv('min', av.int(-(2n ** 63n))),
        kv('zero', av.int(0)),
      );
      assert.deepStrictEqual(attributes, {
        small: 42,
        safe: Number.MAX_SAFE_INTEGER,
        beyond: 9007199254740993n,
        max: 9223372036854775807n,
        minusOne: -1,
        minSafe: Number.MIN_SAFE_INTEGER,
        belowSafe: -9007199254740992n,
        min: -9223372036854775808n,
        zero: 0,
      });
    });

    it('decodes bytes, doubles, bools, kvlists, arrays and empty values', () => {
      const attributes = attributesOf(
        kv('bytes', av.bytes(Uint8Array.of(0, 1, 254, 255))),
        kv('emptyBytes', av.bytes(new Uint8Array(0))),
        kv('double', av.double(-1.5e-300)),
        kv('nan', av.double(Number.NaN)),
        kv('bool', av.bool(true)),
        kv('map', av.kvlist(kv('inner', av.string('v')), kv('n', av.int(-7)), kv('nested', av.kvlist(kv('deep', av.bool(false)))))),
        kv('list', av.array(av.string('a'), av.int(1), concat(), av.array(av.double(0.5)))),
        kv('emptyList', av.array()),
        kv('emptyValue', concat()),
        kv('noValue'),
      );
      assert.deepStrictEqual(attributes, {
        bytes: Uint8Array.of(0, 1, 254, 255),
        emptyBytes: new Uint8Array(0),
        double: -1.5e-300,
        nan: Number.NaN,
        bool: true,
        map: { inner: 'v', n: -7, nested: { deep: false } },
        list: ['a', 1, null, [0.5]],
        emptyList: [],
        emptyValue: null,
        noValue: null,
      });
      assert.equal(Object.getPrototypeOf(attributes['bytes']), Uint8Array.prototype, 'a plain Uint8Array, not a Buffer view');
    });

    it('keeps hostile keys as ordinary own properties', () => {
      const attributes = attributesOf(kv('__proto__', av.kvlist(kv('polluted', av.bool(true)))), kv('constructor', av.string('c')));
      assert.ok(Object.prototype.hasOwnProperty.call(attributes, '__proto__'));
      assert.deepStrictEqual(attributes['__proto__'], { polluted: true });
      assert.equal(Object.getPrototypeOf(attributes), Object.prototype);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      assert.equal(attributes['constructor'], 'c');
    });

    it('keeps integers around the 32-bit boundaries exact', () => {
      const attributes = attributesOf(
        kv('int32Max', av.int(2 ** 31 - 1)),
        kv('int32MaxPlusOne', av.int(2 ** 31)),
        kv('uint32Max', av.int(2 ** 32 - 1)),
        kv('uint32MaxPlusOne', av.int(2 ** 32)),
        kv('int32Min', av.int(-(2n ** 31n))),
        kv('int32MinMinusOne', av.int(-(2n ** 31n) - 1n)),
        kv('minusUint32Max', av.int(-(2n ** 32n) + 1n)),
      );
      assert.deepStrictEqual(attributes, {
        int32Max: 2147483647,
        int32MaxPlusOne: 2147483648,
        uint32Max: 4294967295,
        uint32MaxPlusOne: 4294967296,
        int32Min: -2147483648,
        int32MinMinusOne: -2147483649,
        minusUint32Max: -4294967295,
      });
    });

    it('builds attribute objects of any size equal to plain objects, the last repeat of a key winning', () => {
      for (let count = 1; count <= 13; count++) {
        const pairs = Array.from({ length: count }, (_, i) => kv(`attr.${i}`, i % 2 === 0 ? av.int(i) : av.string(`v${i}`)));
        const expected = Object.fromEntries(Array.from({ length: count }, (_, i) => [`attr.${i}`, i % 2 === 0 ? i : `v${i}`]));
        assert.deepStrictEqual(attributesOf(...pairs), expected, `${count} attributes`);
      }
      assert.deepStrictEqual(attributesOf(kv('k', av.string('first')), kv('other', av.bool(true)), kv('k', av.string('last'))), { k: 'last', other: true });
    });

    it('keeps span, event, link and kvlist attributes apart when their fields interleave on the wire', () => {
      const body = spanBody(
        rootIdHex,
        ld(9, kv('span.before', av.string('a'))),
        ld(11, fixed64(1, t0), str(2, 'ev'), ld(3, kv('event.attr', av.int(1))), ld(3, kv('event.map', av.kvlist(kv('inner', av.bool(true)))))),
        ld(13, ld(1, hex(traceIdHex)), ld(2, hex(childIdHex)), ld(4, kv('link.attr', av.string('l')))),
        ld(9, kv('span.map', av.kvlist(kv('x', av.int(2)), kv('y', av.kvlist(kv('z', av.string('deep'))))))),
        ld(13, ld(4, kv('dropped.link', av.string('no ids')))),
        ld(9, kv('span.after', av.string('b'))),
      );
      const decoded = decodeOtlpProtobuf(request(resourceSpans('svc', body)));
      const span = decoded.spans[0] as Span;
      assert.deepStrictEqual(span.attributes, { 'span.before': 'a', 'span.map': { x: 2, y: { z: 'deep' } }, 'span.after': 'b' });
      assert.deepStrictEqual(
        span.events.map((e) => e.attributes),
        [{ 'event.attr': 1, 'event.map': { inner: true } }],
      );
      assert.deepStrictEqual(
        span.links.map((l) => l.attributes),
        [{ 'link.attr': 'l' }],
      );
      assert.deepStrictEqual(span.resource.attributes, { 'service.name': 'svc' });
    });

    it('gives each span its own trace id when neighbouring spans alternate between traces', () => {
      const other = '0af7651916cd43dd8448eb211c80319c';
      const third = '0af7651916cd43dd8448eb211c80319d';
      const ids = [traceIdHex, traceIdHex, other, traceIdHex, third, other];
      const spans = ids.map((traceId, i) => concat(ld(1, hex(traceId)), ld(2, hex(`00000000000000${(i + 1).toString(16).padStart(2, '0')}`)), fixed64(7, t0)));
      const decoded = decodeOtlpProtobuf(request(resourceSpans('a', ...spans)));
      assert.deepEqual(
        decoded.spans.map((s) => s.traceId),
        ids,
      );
    });

    it('counts a start of zero as missing, and one whose low 32 bits are zero as present', () => {
      const whole = 5n * 2n ** 32n;
      const decoded = decodeOtlpProtobuf(
        request(resourceSpans('a', concat(ld(1, hex(traceIdHex)), ld(2, hex(rootIdHex)), fixed64(7, whole)), concat(ld(1, hex(traceIdHex)), ld(2, hex(childIdHex)), fixed64(7, 0n)))),
      );
      assert.equal((decoded.spans[0] as Span).startNs, whole);
      assert.deepEqual(decoded.warnings, ['1 span has no start_time_unix_nano and is placed at the Unix epoch (1970-01-01).']);
    });

    it('takes the last variant of an AnyValue, as protobuf oneofs do', () => {
      assert.deepStrictEqual(attributesOf(kv('k', concat(av.string('first'), av.int(2)))), { k: 2 });
    });

    it('reads fixed64 times exactly, to the last nanosecond', () => {
      const max = 2n ** 64n - 1n;
      const span = decodeOtlpProtobuf(request(resourceSpans('a', concat(ld(1, hex(traceIdHex)), ld(2, hex(rootIdHex)), fixed64(7, t0), fixed64(8, max))))).spans[0] as Span;
      assert.equal(span.startNs, 1_700_000_000_123_456_789n);
      assert.equal(span.endNs, max);
    });

    it('decodes the deprecated instrumentation_library_spans (field 1000) as scope_spans', () => {
      const library = ld(1000, ld(1, str(1, 'old-library'), str(2, '0.1')), ld(2, spanBody(rootIdHex)));
      const decoded = decodeOtlpProtobuf(request(concat(ld(1, ld(1, kv('service.name', av.string('legacy')))), library)));
      assert.equal(decoded.spans.length, 1);
      const span = decoded.spans[0] as Span;
      assert.deepStrictEqual(span.scope, { name: 'old-library', version: '0.1', attributes: {} });
      assert.equal(span.resource.serviceName, 'legacy');
    });

    it('skips unknown fields of every wire type in every message', () => {
      const unknown = (field: number): Uint8Array =>
        concat(uint(field, 2n ** 63n), fixed64(field + 1, 5n), str(field + 2, 'x'), fixed32(field + 3, 1), tag(field + 4, 3), uint(1, 1), tag(7, 3), tag(7, 4), tag(field + 4, 4));
      const value = (v: Part): Uint8Array => concat(unknown(20), v, unknown(30));
      const pair = (k: string, v: Part): Uint8Array => concat(unknown(20), kv(k, value(v)), unknown(30));
      const span = concat(
        unknown(40),
        spanBody(rootIdHex),
        ld(9, pair('list', av.array(value(av.string('a'))))),
        ld(9, pair('map', av.kvlist(pair('x', av.int(1))))),
        ld(11, fixed64(1, t0), str(2, 'evt'), unknown(20), ld(3, pair('e', av.bool(true)))),
        ld(13, ld(1, hex(traceIdHex)), ld(2, hex(childIdHex)), unknown(20), fixed32(6, 0x101)),
        ld(15, str(2, 'msg'), uint(3, 2), unknown(20)),
        unknown(50),
      );
      const scope = ld(1, str(1, 's'), unknown(20), uint(4, 0));
      const rs = concat(
        unknown(10),
        ld(1, unknown(20), ld(1, pair('service.name', av.string('svc'))), uint(2, 0)),
        ld(2, unknown(20), scope, ld(2, span), str(3, 'https://schema')),
        str(3, 'https://schema'),
      );
      const decoded = decodeOtlpProtobuf(concat(unknown(10), ld(1, rs), unknown(20)));
      assert.equal(decoded.spans.length, 1);
      const s = decoded.spans[0] as Span;
      assert.equal(s.resource.serviceName, 'svc');
      assert.deepStrictEqual(s.attributes, { list: ['a'], map: { x: 1 } });
      assert.deepStrictEqual(s.events, [{ timeNs: t0, name: 'evt', attributes: { e: true } }]);
      assert.deepStrictEqual(s.links, [{ traceId: traceIdHex, spanId: childIdHex, traceState: undefined, attributes: {} }]);
      assert.equal(s.statusCode, StatusCode.Error);
      assert.equal(s.statusMessage, 'msg');
      assert.deepStrictEqual(s.scope, { name: 's', version: undefined, attributes: {} });
      assert.deepStrictEqual(decoded.warnings, []);
    });

    it('finds the resource and the scope even when they come after the spans', () => {
      const rs = concat(ld(2, ld(2, spanBody(rootIdHex)), ld(1, str(1, 'late-scope'))), ld(1, ld(1, kv('service.name', av.string('late')))));
      const span = decodeOtlpProtobuf(request(rs)).spans[0] as Span;
      assert.equal(span.resource.serviceName, 'late');
      assert.equal(span.scope?.name, 'late-scope');
    });

    it('treats an empty or all-zero parent_span_id as a root', () => {
      const decoded = decodeOtlpProtobuf(request(resourceSpans('a', spanBody(rootIdHex, ld(4, new Uint8Array(8))), spanBody(childIdHex, ld(4, new Uint8Array(0))))));
      assert.deepEqual(
        decoded.spans.map((s) => s.parentSpanId),
        [undefined, undefined],
      );
    });

    it('makes ids canonical: lower-case hex, short trace ids left-padded', () => {
      const span = concat(ld(1, hex('00000000000000000123456789abcdef').subarray(8)), ld(2, hex('ABCDEF0123456789')), fixed64(7, t0));
      const decoded = decodeOtlpProtobuf(request(resourceSpans('a', span)));
      assert.equal((decoded.spans[0] as Span).traceId, '00000000000000000123456789abcdef');
      assert.equal((decoded.spans[0] as Span).spanId, 'abcdef0123456789');
      assert.deepEqual(decoded.warnings, []);
      const odd = decodeOtlpProtobuf(request(resourceSpans('a', concat(ld(1, hex(traceIdHex)), ld(2, hex('0102030405')), fixed64(7, t0)))));
      assert.equal((odd.spans[0] as Span).spanId, '0000000102030405');
      assert.match(odd.warnings[0] as string, /^1 id is not 16 \(trace\) or 8 \(span\) bytes long/);
    });

    it('skips spans without ids and links without ids, and says so', () => {
      const noTrace = concat(ld(2, hex(rootIdHex)), str(5, 'orphan'));
      const zeroSpan = concat(ld(1, hex(traceIdHex)), ld(2, new Uint8Array(8)));
      const withLink = spanBody(childIdHex, ld(13, ld(2, hex(rootIdHex))));
      const decoded = decodeOtlpProtobuf(request(resourceSpans('a', noTrace, zeroSpan, withLink)));
      assert.deepEqual(
        decoded.spans.map((s) => s.spanId),
        [childIdHex],
      );
      assert.deepEqual((decoded.spans[0] as Span).links, []);
      assert.match(decoded.warnings[0] as string, /^2 spans have an empty or all-zero trace_id or span_id and were skipped \(the first at byte \d+\)\.$/);
      assert.match(decoded.warnings[1] as string, /^1 link has an empty or all-zero trace_id or span_id and was dropped\.$/);
    });

    it('maps unknown kinds and status codes to unspecified and unset, with warnings', () => {
      const span = spanBody(rootIdHex, uint(6, 9), ld(15, uint(3, 7)));
      const decoded = decodeOtlpProtobuf(request(resourceSpans('a', span)));
      const s = decoded.spans[0] as Span;
      assert.equal(s.kind, SpanKind.Unspecified);
      assert.equal(s.statusCode, StatusCode.Unset);
      assert.deepEqual(decoded.warnings, ['1 span has an unknown kind number, shown as unspecified.', '1 span has an unknown status code number, shown as unset.']);
    });

    it('defaults a missing end to the start, and warns about a missing start', () => {
      const decoded = decodeOtlpProtobuf(request(resourceSpans('a', concat(ld(1, hex(traceIdHex)), ld(2, hex(rootIdHex)), fixed64(7, t0)), concat(ld(1, hex(traceIdHex)), ld(2, hex(childIdHex))))));
      assert.equal((decoded.spans[0] as Span).endNs, t0);
      assert.equal((decoded.spans[1] as Span).startNs, 0n);
      assert.deepEqual(decoded.warnings, ['1 span has no start_time_unix_nano and is placed at the Unix epoch (1970-01-01).']);
    });

    it('uses unknown_service for a resource without service.name, and says so', () => {
      const decoded = decodeOtlpProtobuf(request(concat(ld(2, ld(2, spanBody(rootIdHex))))));
      assert.equal((decoded.spans[0] as Span).resource.serviceName, 'unknown_service');
      assert.equal((decoded.spans[0] as Span).scope, undefined);
      assert.deepEqual(decoded.warnings, ['1 resource has no service.name attribute; its spans are shown under "unknown_service".']);
    });

    it('decodes a request with an empty ResourceSpans to no spans', () => {
      assert.deepEqual(decodeOtlpProtobuf(Uint8Array.of(0x0a, 0x00)).spans, []);
    });

    it('keeps many distinct short strings apart (the string cache must never mix them up)', () => {
      const pairs: Part[] = [];
      const expected: Record<string, string> = {};
      for (let i = 0; i < 5000; i++) {
        const key = `k${i.toString(36)}`;
        const value = i % 3 === 0 ? `v${i}` : `välue-${(i * 7919) % 1000}`;
        pairs.push(kv(key, av.string(value)));
        expected[key] = value;
      }
      assert.deepStrictEqual(attributesOf(...pairs), expected);
    });
  });
});
