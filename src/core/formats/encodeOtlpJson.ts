import { isAttributeMap, type AttributeValue, type Attributes } from '../model/attributes';
import { StatusCode, type Resource, type Scope, type Span, type SpanEvent, type SpanLink } from '../model/span';

/*
 * OTLP JSON as the OTLP/HTTP JSON encoding specifies it
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase keys, hex
 * ids, int64 and fixed64 as decimal strings so nanosecond times stay exact past 2^53, enums as
 * numbers. decodeOtlpJson reads it back to the same spans (test/unit/core/formats/encodeOtlpJson.test.ts).
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type AnyValueJson = { [key: string]: JsonValue };

export function anyValueJson(value: AttributeValue): AnyValueJson {
  if (value === null) return {};
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      return { intValue: value.toString() };
    case 'number':
      return numberValue(value);
    default:
      break;
  }
  if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (isAttributeMap(value)) return { kvlistValue: { values: keyValuesJson(value) } };
  return { arrayValue: { values: value.map(anyValueJson) } };
}

/**
 * The model keeps OTLP ints and doubles both as `number` (bigint beyond 2^53), so a safe integer
 * goes out as intValue and reads back as the same number; anything else is a double. JSON has no
 * NaN, ±Infinity or −0, which proto3 JSON writes as strings.
 */
function numberValue(value: number): AnyValueJson {
  if (Object.is(value, -0)) return { doubleValue: '-0' };
  if (Number.isSafeInteger(value)) return { intValue: String(value) };
  if (Number.isNaN(value)) return { doubleValue: 'NaN' };
  if (!Number.isFinite(value)) return { doubleValue: value > 0 ? 'Infinity' : '-Infinity' };
  return { doubleValue: value };
}

/** Object.keys includes a `__proto__` the decoder defined as an own property; it is written as data. */
export function keyValuesJson(attributes: Attributes): JsonValue[] {
  return Object.keys(attributes).map((key) => ({ key, value: anyValueJson(attributes[key] as AttributeValue) }));
}

function eventJson(event: SpanEvent): JsonValue {
  return { timeUnixNano: event.timeNs.toString(), name: event.name, attributes: keyValuesJson(event.attributes) };
}

function linkJson(link: SpanLink): JsonValue {
  const out: { [key: string]: JsonValue } = { traceId: link.traceId, spanId: link.spanId };
  if (link.traceState !== undefined) out['traceState'] = link.traceState;
  out['attributes'] = keyValuesJson(link.attributes);
  return out;
}

function spanJson(span: Span): JsonValue {
  const out: { [key: string]: JsonValue } = { traceId: span.traceId, spanId: span.spanId };
  if (span.parentSpanId !== undefined) out['parentSpanId'] = span.parentSpanId;
  if (span.traceState !== undefined) out['traceState'] = span.traceState;
  if (span.flags !== undefined) out['flags'] = span.flags;
  out['name'] = span.name;
  out['kind'] = span.kind;
  out['startTimeUnixNano'] = span.startNs.toString();
  out['endTimeUnixNano'] = span.endNs.toString();
  if (Object.keys(span.attributes).length > 0) out['attributes'] = keyValuesJson(span.attributes);
  if (span.events.length > 0) out['events'] = span.events.map(eventJson);
  if (span.links.length > 0) out['links'] = span.links.map(linkJson);
  if (span.statusCode !== StatusCode.Unset || span.statusMessage !== undefined) {
    const status: { [key: string]: JsonValue } = { code: span.statusCode };
    if (span.statusMessage !== undefined) status['message'] = span.statusMessage;
    out['status'] = status;
  }
  return out;
}

export function scopeJson(scope: Scope): JsonValue {
  const out: { [key: string]: JsonValue } = { name: scope.name };
  if (scope.version !== undefined) out['version'] = scope.version;
  if (Object.keys(scope.attributes).length > 0) out['attributes'] = keyValuesJson(scope.attributes);
  return out;
}

/** Spans grouped as OTLP nests them; decoders share one Resource and Scope object per batch. */
function group(spans: Iterable<Span>): Map<Resource, Map<Scope | undefined, Span[]>> {
  const byResource = new Map<Resource, Map<Scope | undefined, Span[]>>();
  for (const span of spans) {
    let byScope = byResource.get(span.resource);
    if (!byScope) {
      byScope = new Map();
      byResource.set(span.resource, byScope);
    }
    let list = byScope.get(span.scope);
    if (!list) {
      list = [];
      byScope.set(span.scope, list);
    }
    list.push(span);
  }
  return byResource;
}

/** Spans per chunk: keeps each string small for a million-span trace. */
const spansPerChunk = 2000;

/**
 * The document as text chunks, so a million-span trace is written without one giant string
 * (V8 caps strings at ~512 MB). Concatenated they are one `ExportTraceServiceRequest`.
 */
export function* encodeOtlpJsonChunks(spans: Iterable<Span>): Generator<string> {
  yield '{"resourceSpans":[';
  let firstResource = true;
  for (const [resource, byScope] of group(spans)) {
    yield `${firstResource ? '' : ','}{"resource":${JSON.stringify({ attributes: keyValuesJson(resource.attributes) })},"scopeSpans":[`;
    firstResource = false;
    let firstScope = true;
    for (const [scope, list] of byScope) {
      yield `${firstScope ? '' : ','}{${scope === undefined ? '' : `"scope":${JSON.stringify(scopeJson(scope))},`}"spans":[`;
      firstScope = false;
      for (let i = 0; i < list.length; i += spansPerChunk) {
        const text = list
          .slice(i, i + spansPerChunk)
          .map((span) => JSON.stringify(spanJson(span)))
          .join(',');
        yield i === 0 ? text : `,${text}`;
      }
      yield ']}';
    }
    yield ']}';
  }
  yield ']}';
}

/** The spans as one OTLP JSON document (`ExportTraceServiceRequest`). */
export function encodeOtlpJson(spans: Iterable<Span>): string {
  return [...encodeOtlpJsonChunks(spans)].join('');
}
