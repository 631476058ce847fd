import { setAttribute, type AttributeValue, type Attributes } from '../model/attributes';
import { createSpan, type Resource, type Scope, type Span, type SpanEvent, type SpanKind, type SpanLink, type StatusCode } from '../model/span';

/**
 * The store's own encoding of model spans, used when compaction rewrites the live spans of a
 * partly evicted batch and for spans that have no wire bytes (received batches are logged as the
 * bytes they arrived in, see tracePayload.ts). It is
 * JSON because the model has values JSON lacks, and those are tagged: every JSON object in the
 * encoding is a tag, never a plain map, so an attribute named "$b" cannot be misread.
 *   {"b":"123"} bigint · {"x":"base64"} bytes · {"m":[[k,v],…]} kvlist · {"n":"NaN"} non-finite
 * Resources and scopes are written once per record and referred to by index, as spans share them.
 */

type Encoded = string | number | boolean | null | Encoded[] | { readonly [tag: string]: Encoded };

interface RecordJson {
  readonly v: 1;
  readonly r: [string, Encoded][];
  readonly c: ([string, string | null, Encoded] | null)[];
  readonly s: SpanJson[];
}

/** traceId, spanId, parent, name, kind, start, end, status, message, attrs, events, links, resource, scope, traceState, flags */
type SpanJson = [
  string,
  string,
  string | null,
  string,
  number,
  string,
  string,
  number,
  string | null,
  Encoded,
  [string, string, Encoded][],
  [string, string, string | null, Encoded][],
  number,
  number,
  string | null,
  number | null,
];

function encodeValue(value: AttributeValue): Encoded {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { n: String(value) };
  if (typeof value === 'bigint') return { b: value.toString() };
  if (value instanceof Uint8Array) return { x: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return (value as readonly AttributeValue[]).map(encodeValue);
  return encodeAttributes(value as Attributes);
}

function encodeAttributes(attributes: Attributes): Encoded {
  return { m: Object.keys(attributes).map((key) => [key, encodeValue(attributes[key] ?? null)]) };
}

export class SpanRecordDecodeError extends Error {
  constructor(detail: string) {
    super(`a compacted span record is unreadable: ${detail}`);
    this.name = 'SpanRecordDecodeError';
  }
}

function decodeValue(value: Encoded): AttributeValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map(decodeValue);
  const tagged = value as Readonly<Record<string, Encoded>>;
  const b = tagged['b'];
  if (typeof b === 'string') return BigInt(b);
  const x = tagged['x'];
  if (typeof x === 'string') return new Uint8Array(Buffer.from(x, 'base64'));
  const n = tagged['n'];
  if (typeof n === 'string') return Number(n);
  return decodeAttributes(value);
}

function decodeAttributes(value: Encoded): Attributes {
  const entries = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Readonly<Record<string, Encoded>>)['m'] : undefined;
  if (!Array.isArray(entries)) throw new SpanRecordDecodeError('an attribute map is not tagged "m"');
  const out: Record<string, AttributeValue> = {};
  for (const entry of entries) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[1] === undefined) throw new SpanRecordDecodeError('an attribute is not a [key, value] pair');
    setAttribute(out, entry[0], decodeValue(entry[1]));
  }
  return out;
}

/** Encodes spans (of any traces) as one record payload. */
export function encodeSpanRecord(spans: readonly Span[]): Uint8Array {
  const resources = new Map<Resource, number>();
  const scopes = new Map<Scope, number>();
  const record: RecordJson = { v: 1, r: [], c: [], s: [] };
  for (const span of spans) {
    let r = resources.get(span.resource);
    if (r === undefined) {
      r = record.r.push([span.resource.serviceName, encodeAttributes(span.resource.attributes)]) - 1;
      resources.set(span.resource, r);
    }
    let c = -1;
    if (span.scope) {
      c = scopes.get(span.scope) ?? -1;
      if (c < 0) {
        c = record.c.push([span.scope.name, span.scope.version ?? null, encodeAttributes(span.scope.attributes)]) - 1;
        scopes.set(span.scope, c);
      }
    }
    record.s.push([
      span.traceId,
      span.spanId,
      span.parentSpanId ?? null,
      span.name,
      span.kind,
      span.startNs.toString(),
      span.endNs.toString(),
      span.statusCode,
      span.statusMessage ?? null,
      encodeAttributes(span.attributes),
      span.events.map((e) => [e.timeNs.toString(), e.name, encodeAttributes(e.attributes)]),
      span.links.map((l) => [l.traceId, l.spanId, l.traceState ?? null, encodeAttributes(l.attributes)]),
      r,
      c,
      span.traceState ?? null,
      span.flags ?? null,
    ]);
  }
  return Buffer.from(JSON.stringify(record), 'utf8');
}

/** Reads a record written by encodeSpanRecord; throws SpanRecordDecodeError when it is not one. */
export function decodeSpanRecord(bytes: Uint8Array): Span[] {
  let record: RecordJson;
  try {
    record = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as RecordJson;
  } catch (error: unknown) {
    throw new SpanRecordDecodeError(error instanceof Error ? error.message : String(error));
  }
  if (typeof record !== 'object' || (record as { v?: unknown }).v !== 1) throw new SpanRecordDecodeError('unknown version');
  const resources: Resource[] = record.r.map(([serviceName, attributes]) => ({ serviceName, attributes: decodeAttributes(attributes) }));
  const scopes: Scope[] = record.c.map((scope) =>
    scope === null ? { name: '', version: undefined, attributes: {} } : { name: scope[0], version: scope[1] ?? undefined, attributes: decodeAttributes(scope[2]) },
  );
  return record.s.map((s) => {
    const resource = resources[s[12]];
    if (!resource) throw new SpanRecordDecodeError(`span ${s[1]} refers to resource ${s[12]}, which the record does not hold`);
    const events: SpanEvent[] = s[10].map(([timeNs, name, attributes]) => ({ timeNs: BigInt(timeNs), name, attributes: decodeAttributes(attributes) }));
    const links: SpanLink[] = s[11].map(([traceId, spanId, traceState, attributes]) => ({ traceId, spanId, traceState: traceState ?? undefined, attributes: decodeAttributes(attributes) }));
    return createSpan({
      traceId: s[0],
      spanId: s[1],
      parentSpanId: s[2] ?? undefined,
      name: s[3],
      kind: s[4] as SpanKind,
      startNs: BigInt(s[5]),
      endNs: BigInt(s[6]),
      statusCode: s[7] as StatusCode,
      statusMessage: s[8] ?? undefined,
      attributes: decodeAttributes(s[9]),
      events,
      links,
      resource,
      scope: s[13] < 0 ? undefined : scopes[s[13]],
      traceState: s[14] ?? undefined,
      flags: s[15] ?? undefined,
    });
  });
}
