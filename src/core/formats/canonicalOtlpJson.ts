import { noAttributes, setAttribute, type AttributeValue, type Attributes } from '../model/attributes';
import { createResource, makeSpan, noEvents, noLinks, StatusCode, type Resource, type Scope, type Span, type SpanEvent, type SpanKind } from '../model/span';
import type { DecodedSpans } from './traceFormat';

/**
 * OTLP/HTTP JSON exactly as the OpenTelemetry SDKs' and the Collector's exporters write it,
 * decoded straight from the bytes (≥ 50k spans/s per core). JSON.parse alone cost
 * about 7 µs of a 1.1 kB span, most of it building the {key, value: {stringValue}} objects that
 * the decoder then threw away; this reads the same text once and builds only the spans.
 *
 * It accepts only the canonical shape: ASCII text without escapes, camelCase keys it knows,
 * lower-case hex ids, numeric enums in range, times as digit strings, scalar attribute values,
 * no links, no duplicate keys. Anything else, including every malformed document, returns
 * undefined and the caller decodes with JSON.parse and decodeOtlpJson, which handle every
 * dialect and word every error; for what this accepts, both give the same spans (tested).
 */
export function decodeCanonicalOtlpJson(bytes: Uint8Array): DecodedSpans | undefined {
  const reader = new CanonicalReader(bytes);
  try {
    return { format: 'otlp-json', spans: reader.document(), warnings: [] };
  } catch (error: unknown) {
    if (error === notCanonical) return undefined;
    throw error;
  }
}

/** Thrown to leave the fast path; never escapes decodeCanonicalOtlpJson. */
const notCanonical = new Error('not canonical OTLP JSON');

// Character codes.
const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const minus = 0x2d;
const digit0 = 0x30;
const digit9 = 0x39;

/**
 * The keys this reads, numbered; a key it does not know leaves the fast path. At most 32: the
 * keys seen in an object are the bits of one number (see `once`).
 */
const keyNames = [
  'resourceSpans',
  'resource',
  'scopeSpans',
  'schemaUrl',
  'attributes',
  'droppedAttributesCount',
  'scope',
  'spans',
  'name',
  'version',
  'traceId',
  'spanId',
  'parentSpanId',
  'traceState',
  'kind',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'events',
  'droppedEventsCount',
  'links',
  'droppedLinksCount',
  'status',
  'flags',
  'code',
  'message',
  'timeUnixNano',
  'key',
  'value',
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
] as const;
type KeyName = (typeof keyNames)[number];
const K = Object.fromEntries(keyNames.map((name, i) => [name, i])) as Record<KeyName, number>;

/** Known keys by length, as byte arrays, for matching a key in place without making a string. */
const keysByLength: { readonly id: number; readonly bytes: Uint8Array }[][] = [];
for (const [id, name] of keyNames.entries()) {
  (keysByLength[name.length] ??= []).push({ id, bytes: Uint8Array.from(name, (c) => c.charCodeAt(0)) });
}

const maxUint64 = 0xffff_ffff_ffff_ffffn;
const nanosSplit = 1_000_000_000n;
const maxKind = 5;
const maxStatusCode = 2;
/** Strings up to this long are looked up in the cache; longer ones are rarely repeated. */
const cachedStringBytes = 64;
const stringSlots = 2048;
const traceIdSlots = 256;

/**
 * Recently made short strings (attribute keys and values, names) and trace ids, shared between
 * spans and between requests: the same few hundred strings arrive in every batch, and a cache
 * made per request would cost a tiny request more than it saves. Bounded by their slot counts;
 * decoding is synchronous, so one reader uses them at a time.
 */
const recentStrings: string[] = new Array<string>(stringSlots).fill('');
const recentTraceIds: string[] = new Array<string>(traceIdSlots).fill('');

class CanonicalReader {
  private pos = 0;
  /** Whether the string stringEnd last scanned had escapes. */
  private escaped = false;
  private readonly buf: Buffer;
  private readonly strings = recentStrings;
  private readonly traceIds = recentTraceIds;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  document(): Span[] {
    const spans: Span[] = [];
    this.expect(openBrace);
    let first = true;
    let seen = false;
    for (let key = this.nextKey(first); key >= 0; key = this.nextKey(first)) {
      first = false;
      if (key !== K.resourceSpans || seen) throw notCanonical;
      seen = true;
      for (let more = this.firstItem(); more; more = this.nextItem()) this.resourceSpans(spans);
    }
    if (!seen) throw notCanonical;
    this.skipSpace();
    if (this.pos !== this.buf.length) throw notCanonical;
    return spans;
  }

  private resourceSpans(spans: Span[]): void {
    this.expect(openBrace);
    let attributes: Attributes = noAttributes;
    let seen = 0;
    let scopesAt = -1;
    for (let key = this.nextKey(true); key >= 0; key = this.nextKey(false)) {
      seen = this.once(seen, key);
      if (key === K.resource) {
        if (scopesAt >= 0) throw notCanonical; // spans need their resource first
        attributes = this.resource();
      } else if (key === K.scopeSpans) {
        scopesAt = spans.length;
        const resource = createResource(attributes);
        for (let more = this.firstItem(); more; more = this.nextItem()) this.scopeSpans(spans, resource);
      } else if (key === K.schemaUrl) this.skipString();
      else throw notCanonical;
    }
    // A resource without a service name gets a warning from the full decoder.
    if (scopesAt >= 0 && spans.length > scopesAt) {
      const service = attributes['service.name'];
      if (typeof service !== 'string' || service === '') throw notCanonical;
    }
  }

  private resource(): Attributes {
    this.expect(openBrace);
    let attributes: Attributes = noAttributes;
    let seen = 0;
    for (let key = this.nextKey(true); key >= 0; key = this.nextKey(false)) {
      seen = this.once(seen, key);
      if (key === K.attributes) attributes = this.attributes();
      else if (key === K.droppedAttributesCount) this.skipNumber();
      else throw notCanonical;
    }
    return attributes;
  }

  private scopeSpans(spans: Span[], resource: Resource): void {
    this.expect(openBrace);
    let scope: Scope | undefined;
    let seen = 0;
    let spansRead = false;
    for (let key = this.nextKey(true); key >= 0; key = this.nextKey(false)) {
      seen = this.once(seen, key);
      if (key === K.scope) {
        if (spansRead) throw notCanonical;
        scope = this.scope();
      } else if (key === K.spans) {
        spansRead = true;
        for (let more = this.firstItem(); more; more = this.nextItem()) spans.push(this.span(resource, scope));
      } else if (key === K.schemaUrl) this.skipString();
      else throw notCanonical;
    }
  }

  private scope(): Scope | undefined {
    this.expect(openBrace);
    let name = '';
    let version = '';
    let attributes: Attributes = noAttributes;
    let seen = 0;
    for (let key = this.nextKey(true); key >= 0; key = this.nextKey(false)) {
      seen = this.once(seen, key);
      if (key === K.name) name = this.string();
      else if (key === K.version) version = this.string();
      else if (key === K.attributes) attributes = this.attributes();
      else if (key === K.droppedAttributesCount) this.skipNumber();
      else throw notCanonical;
    }
    // As the full decoder: `"scope": {}` is no scope at all.
    if (name === '' && version === '' && attributes === noAttributes) return undefined;
    return { name, version: version === '' ? undefined : version, attributes };
  }

  private span(resource: Resource, scope: Scope | undefined): Span {
    this.expect(openBrace);
    let traceId = '';
    let spanId = '';
    let parentSpanId: string | undefined;
    let traceState: string | undefined;
    let name = '';
    let kind = 0;
    let startNs: bigint | undefined;
    let endNs: bigint | undefined;
    let attributes: Attributes = noAttributes;
    let events: readonly SpanEvent[] = noEvents;
    let statusCode: StatusCode = StatusCode.Unset;
    let statusMessage: string | undefined;
    let flags: number | undefined;
    let seen = 0;
    for (let key = this.nextKey(true); key >= 0; key = this.nextKey(false)) {
      seen = this.once(seen, key);
      switch (key) {
        case K.traceId:
          traceId = this.id(32);
          break;
        case K.spanId:
          spanId = this.id(16);
          break;
        case K.parentSpanId:
          parentSpanId = this.optionalId(16);
          break;
        case K.traceState: {
          const state = this.string();
          traceState = state === '' ? undefined : state;
          break;
        }
        case K.name:
          name = this.string();
          break;
        case K.kind:
          kind = this.smallInteger(maxKind);
          break;
        case K.startTimeUnixNano:
          startNs = this.nanos();
          break;
        case K.endTimeUnixNano:
          endNs = this.nanos();
          break;
        case K.attributes:
          attributes = this.attributes();
          break;
        case K.events:
          events = this.events();
          break;
        case K.links:
          this.emptyArray();
          break;
        case K.status: {
          this.expect(openBrace);
          let statusSeen = 0;
          for (let inner = this.nextKey(true); inner >= 0; inner = this.nextKey(false)) {
            statusSeen = this.once(statusSeen, inner);
            if (inner === K.code) statusCode = this.smallInteger(maxStatusCode) as StatusCode;
            else if (inner === K.message) {
              const message = this.string();
              statusMessage = message === '' ? undefined : message;
            } else throw notCanonical;
          }
          break;
        }
        case K.flags:
          flags = this.smallInteger(0xffff_ffff);
          break;
        case K.droppedAttributesCount:
        case K.droppedEventsCount:
        case K.droppedLinksCount:
          this.skipNumber();
          break;
        default:
          throw notCanonical;
      }
    }
    // Spans without ids or a start time are skipped or warned about by the full decoder.
    if (traceId === '' || spanId === '' || startNs === undefined) throw notCanonical;
    return makeSpan(traceId, spanId, parentSpanId, name, kind as SpanKind, startNs, endNs ?? startNs, statusCode, statusMessage, attributes, events, noLinks, resource, scope, traceState, flags);
  }

  private events(): readonly SpanEvent[] {
    if (!this.firstItem()) return noEvents;
    const events: SpanEvent[] = [];
    do {
      this.expect(openBrace);
      let timeNs = 0n;
      let name = '';
      let attributes: Attributes = noAttributes;
      let seen = 0;
      for (let key = this.nextKey(true); key >= 0; key = this.nextKey(false)) {
        seen = this.once(seen, key);
        if (key === K.timeUnixNano) timeNs = this.nanos();
        else if (key === K.name) name = this.string();
        else if (key === K.attributes) attributes = this.attributes();
        else if (key === K.droppedAttributesCount) this.skipNumber();
        else throw notCanonical;
      }
      events.push({ timeNs, name, attributes });
    } while (this.nextItem());
    return events;
  }

  /** A KeyValue list, built as the full decoder builds it: a plain object filled in order. */
  private attributes(): Attributes {
    if (!this.firstItem()) return noAttributes;
    const out: Record<string, AttributeValue> = {};
    do {
      this.expect(openBrace);
      let key: string | undefined;
      let value: AttributeValue | undefined;
      let seen = 0;
      for (let field = this.nextKey(true); field >= 0; field = this.nextKey(false)) {
        seen = this.once(seen, field);
        if (field === K.key) key = this.string();
        else if (field === K.value) value = this.anyValue();
        else throw notCanonical;
      }
      if (key === undefined || value === undefined) throw notCanonical;
      setAttribute(out, key, value);
    } while (this.nextItem());
    return out;
  }

  /** A scalar AnyValue with exactly one variant set; arrays, kvlists, bytes and `{}` leave. */
  private anyValue(): AttributeValue {
    this.expect(openBrace);
    const variant = this.nextKey(true);
    let value: AttributeValue;
    if (variant === K.stringValue) value = this.string();
    else if (variant === K.boolValue) value = this.boolean();
    else if (variant === K.intValue) value = this.int64();
    else if (variant === K.doubleValue) value = this.double();
    else throw notCanonical;
    if (this.nextKey(false) >= 0) throw notCanonical;
    return value;
  }

  // ---- tokens ------------------------------------------------------------------------------

  /** Marks `key` seen in the object; a key seen twice (JSON.parse keeps the last) leaves. */
  private once(seen: number, key: number): number {
    const bit = 1 << key;
    if ((seen & bit) !== 0) throw notCanonical;
    return seen | bit;
  }

  private skipSpace(): void {
    const buf = this.buf;
    let pos = this.pos;
    for (;;) {
      const c = buf[pos];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.pos = pos;
  }

  private expect(code: number): void {
    this.skipSpace();
    if (this.buf[this.pos] !== code) throw notCanonical;
    this.pos++;
  }

  /**
   * After `{` (first) or a member: the next member's key, with its colon read, or −1 at `}`.
   * Keys are matched in place against the known ones.
   */
  private nextKey(first: boolean): number {
    this.skipSpace();
    const buf = this.buf;
    if (buf[this.pos] === closeBrace) {
      this.pos++;
      return -1;
    }
    if (!first) {
      if (buf[this.pos] !== comma) throw notCanonical;
      this.pos++;
      this.skipSpace();
    }
    if (buf[this.pos] !== quote) throw notCanonical;
    const start = this.pos + 1;
    const end = this.stringEnd(start);
    if (this.escaped) throw notCanonical;
    this.pos = end + 1;
    this.expect(colon);
    const candidates = keysByLength[end - start];
    if (candidates !== undefined) {
      for (const { id, bytes } of candidates) {
        let i = 0;
        while (i < bytes.length && buf[start + i] === bytes[i]) i++;
        if (i === bytes.length) return id;
      }
    }
    throw notCanonical;
  }

  /** After `[`: whether an item follows. */
  private firstItem(): boolean {
    this.expect(openBracket);
    this.skipSpace();
    if (this.buf[this.pos] === closeBracket) {
      this.pos++;
      return false;
    }
    return true;
  }

  /** After an item: whether another follows (its comma read). */
  private nextItem(): boolean {
    this.skipSpace();
    const c = this.buf[this.pos];
    this.pos++;
    if (c === comma) return true;
    if (c === closeBracket) return false;
    throw notCanonical;
  }

  private emptyArray(): void {
    if (this.firstItem()) throw notCanonical;
  }

  /**
   * The index of the closing quote of a string whose text starts at `start`; control and
   * non-ASCII characters leave. Sets `escaped` when the text has backslash escapes.
   */
  private stringEnd(start: number): number {
    const buf = this.buf;
    let i = start;
    this.escaped = false;
    for (;;) {
      const c = buf[i];
      if (c === quote) return i;
      if (c === undefined || c < 0x20 || c > 0x7e) throw notCanonical;
      if (c === backslash) {
        this.escaped = true;
        i++;
        if (buf[i] === undefined) throw notCanonical;
      }
      i++;
    }
  }

  private string(): string {
    this.skipSpace();
    const buf = this.buf;
    if (buf[this.pos] !== quote) throw notCanonical;
    const start = this.pos + 1;
    const end = this.stringEnd(start);
    this.pos = end + 1;
    const n = end - start;
    if (n === 0) return '';
    // Escapes (a stack trace's line breaks) are rare: JSON.parse reads that one token exactly.
    if (this.escaped) return unescape(buf.toString('latin1', start - 1, end + 1));
    if (n > cachedStringBytes) return buf.toString('latin1', start, end);
    // Slot from the length and three bytes; a hit is confirmed character by character.
    const h = (Math.imul(n ^ ((buf[start] as number) << 8) ^ ((buf[start + (n >> 1)] as number) << 16) ^ ((buf[end - 1] as number) << 24), 0x9e3779b1) >>> 21) & (stringSlots - 1);
    const known = this.strings[h] as string;
    if (known.length === n) {
      let i = 0;
      while (i < n && known.charCodeAt(i) === buf[start + i]) i++;
      if (i === n) return known;
    }
    const text = buf.toString('latin1', start, end);
    this.strings[h] = text;
    return text;
  }

  private skipString(): void {
    this.skipSpace();
    if (this.buf[this.pos] !== quote) throw notCanonical;
    this.pos = this.stringEnd(this.pos + 1) + 1;
  }

  /**
   * A lower-case hex id of `width` digits, not all zeros (the full decoder handles the rest).
   * The spans of a trace usually travel in one batch, so trace ids come from a small cache.
   */
  private id(width: number): string {
    this.skipSpace();
    const buf = this.buf;
    if (buf[this.pos] !== quote) throw notCanonical;
    const start = this.pos + 1;
    const end = start + width;
    if (buf[end] !== quote) throw notCanonical;
    let nonZero = false;
    let h = 0;
    for (let i = start; i < end; i++) {
      const c = buf[i] as number;
      h = (Math.imul(h, 31) + c) | 0;
      if (c === digit0) continue;
      if ((c > digit0 && c <= digit9) || (c >= 0x61 && c <= 0x66)) nonZero = true;
      else throw notCanonical;
    }
    if (!nonZero) throw notCanonical;
    this.pos = end + 1;
    if (width !== 32) return buf.toString('latin1', start, end);
    const slot = (h ^ (h >>> 13)) & (traceIdSlots - 1);
    const known = this.traceIds[slot] as string;
    let i = 0;
    if (known.length === width) while (i < width && known.charCodeAt(i) === buf[start + i]) i++;
    if (i === width) return known;
    const id = buf.toString('latin1', start, end);
    this.traceIds[slot] = id;
    return id;
  }

  /** A parent span id: absent when empty. */
  private optionalId(width: number): string | undefined {
    this.skipSpace();
    if (this.buf[this.pos] === quote && this.buf[this.pos + 1] === quote) {
      this.pos += 2;
      return undefined;
    }
    return this.id(width);
  }

  /** A fixed64 time as the SDKs write it: a string of digits. */
  private nanos(): bigint {
    this.skipSpace();
    const buf = this.buf;
    if (buf[this.pos] !== quote) throw notCanonical;
    const start = this.pos + 1;
    let i = start;
    while ((buf[i] as number) >= digit0 && (buf[i] as number) <= digit9) i++;
    if (buf[i] !== quote || i === start || i - start > 20) throw notCanonical;
    this.pos = i + 1;
    // Epoch nanoseconds have 19 digits: the first ten and the last nine are exact doubles, and
    // two small bigints cost a third of parsing a string into one (no string is made either).
    if (i - start <= 19) {
      const split = Math.max(start, i - 9);
      let high = 0;
      for (let k = start; k < split; k++) high = high * 10 + ((buf[k] as number) - digit0);
      let low = 0;
      for (let k = split; k < i; k++) low = low * 10 + ((buf[k] as number) - digit0);
      return split === start ? BigInt(low) : BigInt(high) * nanosSplit + BigInt(low);
    }
    const ns = BigInt(buf.toString('latin1', start, i));
    if (ns > maxUint64) throw notCanonical;
    return ns;
  }

  /** A JSON integer from 0 to `max` (enums, flags). */
  private smallInteger(max: number): number {
    this.skipSpace();
    const buf = this.buf;
    let i = this.pos;
    let value = 0;
    if (buf[i] === digit0) i++;
    else {
      while ((buf[i] as number) >= digit0 && (buf[i] as number) <= digit9 && i - this.pos < 10) value = value * 10 + ((buf[i++] as number) - digit0);
    }
    if (i === this.pos || value > max || isNumberPart(buf[i])) throw notCanonical;
    this.pos = i;
    return value;
  }

  /** Any JSON number, validated by its grammar and ignored (dropped counts). */
  private skipNumber(): void {
    this.skipSpace();
    this.pos = this.numberEnd(this.pos);
  }

  /** The end of a JSON number starting at `start` (RFC 8259 §6), or not canonical. */
  private numberEnd(start: number): number {
    const buf = this.buf;
    let i = start;
    if (buf[i] === minus) i++;
    if (buf[i] === digit0) i++;
    else if (isDigit(buf[i])) while (isDigit(buf[i])) i++;
    else throw notCanonical;
    if (buf[i] === 0x2e) {
      i++;
      if (!isDigit(buf[i])) throw notCanonical;
      while (isDigit(buf[i])) i++;
    }
    if (buf[i] === 0x65 || buf[i] === 0x45) {
      i++;
      if (buf[i] === 0x2b || buf[i] === minus) i++;
      if (!isDigit(buf[i])) throw notCanonical;
      while (isDigit(buf[i])) i++;
    }
    return i;
  }

  private boolean(): boolean {
    this.skipSpace();
    const buf = this.buf;
    const p = this.pos;
    if (buf[p] === 0x74 && buf[p + 1] === 0x72 && buf[p + 2] === 0x75 && buf[p + 3] === 0x65) {
      this.pos = p + 4;
      return true;
    }
    if (buf[p] === 0x66 && buf[p + 1] === 0x61 && buf[p + 2] === 0x6c && buf[p + 3] === 0x73 && buf[p + 4] === 0x65) {
      this.pos = p + 5;
      return false;
    }
    throw notCanonical;
  }

  /** An int64 as JSON number or decimal string, read as the full decoder reads it; safe integers only. */
  private int64(): number {
    this.skipSpace();
    const buf = this.buf;
    const quoted = buf[this.pos] === quote;
    const start = quoted ? this.pos + 1 : this.pos;
    let i = start;
    if (buf[i] === minus) i++;
    const digits = i;
    while (isDigit(buf[i])) i++;
    // 15 digits stay below 2^53; longer ones (and leading zeros' oddities) go the full way.
    if (i === digits || i - digits > 15) throw notCanonical;
    if (quoted) {
      if (buf[i] !== quote) throw notCanonical;
      this.pos = i + 1;
    } else {
      if (isNumberPart(buf[i]) || (buf[digits] === digit0 && i - digits > 1)) throw notCanonical;
      this.pos = i;
    }
    let value = 0;
    for (let k = digits; k < i; k++) value = value * 10 + ((buf[k] as number) - digit0);
    return buf[start] === minus ? -value : value;
  }

  private double(): number {
    this.skipSpace();
    const start = this.pos;
    const end = this.numberEnd(start);
    this.pos = end;
    return Number(this.buf.toString('latin1', start, end));
  }
}

/** A quoted JSON string token with escapes, decoded by JSON.parse; invalid escapes leave. */
function unescape(token: string): string {
  try {
    return JSON.parse(token) as string;
  } catch {
    throw notCanonical;
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= digit0 && c <= digit9;
}

/** A character that would continue a number token past an integer. */
function isNumberPart(c: number | undefined): boolean {
  return c === 0x2e || c === 0x65 || c === 0x45 || isDigit(c);
}
