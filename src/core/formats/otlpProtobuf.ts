import { attributesOf, noAttributes, type Attributes, type AttributeValue } from '../model/attributes';
import { bytesToHex } from '../model/ids';
import { createResource, makeSpan, SpanKind, StatusCode, type Resource, type Scope, type Span, type SpanEvent, type SpanLink } from '../model/span';
import { TraceDecodeError, type DecodedSpans, type TraceFormat } from './traceFormat';

/**
 * OTLP traces in binary protobuf, decoded by hand: an `ExportTraceServiceRequest` (the same
 * bytes as `TracesData`: field 1 is `repeated ResourceSpans`), whole, in chunks, or as the
 * collector file exporter's length-prefixed records.
 *
 * Field numbers are those of opentelemetry-proto (trace/v1/trace.proto, common/v1/common.proto,
 * resource/v1/resource.proto). The decoder walks the bytes once with one cursor, keeps no
 * closures and builds no objects besides the model's; strings that repeat (attribute keys, span
 * names, short values) and ids that repeat (a trace's id, a parent's id) come from small caches
 * keyed by their bytes, so each distinct one is decoded once and shared.
 *
 * Errors say which message and field, at which byte of the input, and what was expected. Data
 * that ends inside a top-level entry is 'truncated'; anything inconsistent inside an entry whose
 * bytes are all there is 'malformed'.
 */

// Wire types (protobuf encoding spec).
const wtVarint = 0;
const wtFixed64 = 1;
const wtLen = 2;
const wtStartGroup = 3;
const wtEndGroup = 4;
const wtFixed32 = 5;

const wireTypeKinds = ['varint', 'fixed64', 'length-delimited', 'start group', 'end group', 'fixed32', 'invalid', 'invalid'];
const wireTypeNames = wireTypeKinds.map((kind, type) => `${type} (${kind})`);

/** How deep arrays and kvlists (and unknown groups) may nest; hostile input must not blow the stack. */
const maxDepth = 64;
// Exported in a list, not as `export const`: tsc's CommonJS output would read an exported const
// through `exports.` everywhere in this file, the decode loops included.
export { maxDepth, wireTypeNames, wtFixed32, wtFixed64, wtLen, wtVarint };
/** The largest single entry or record SpanLens will hold in one buffer. */
const maxEntryBytes = 0x7fff_ffff;
/** The first buffer for an entry that spans chunks; it doubles as the entry's bytes arrive. */
const initialEntryBytes = 1 << 20;
/** The largest record a plausible collector file starts with (for detection only). */
const maxPlausibleRecord = 1 << 30;

const noEvents: readonly SpanEvent[] = Object.freeze([]);
const noLinks: readonly SpanLink[] = Object.freeze([]);

// Hex digits of each byte value, as two char codes: the 256-entry table ids are built from.
const hexCodes = new Uint16Array(512);
for (let i = 0; i < 256; i++) {
  const text = i.toString(16).padStart(2, '0');
  hexCodes[2 * i] = text.charCodeAt(0);
  hexCodes[2 * i + 1] = text.charCodeAt(1);
}

// Caches. Sizes are powers of two; each slot keeps the last value that hashed there.
const stringSlots = 4096;
const stringSlotBytes = 128;
/**
 * Words per string slot: the string's length and its last four bytes, then its whole 4-byte
 * words. Length and last word come first so that a miss is decided on one cache line.
 */
const stringSlotWords = stringSlotBytes / 4 + 2;
const spanIdBits = 14;
const traceIdBits = 14;
const spanIdSlots = 1 << spanIdBits;
const traceIdSlots = 1 << traceIdBits;

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The decoder proper: one cursor over one buffer at a time (a whole input, one record, one chunk
 * or one reassembled entry), with `base` the input offset of the buffer's first byte so every
 * message names a position in the input as a whole. It collects spans and the counts that
 * become warnings across any number of buffers.
 */
class ProtoTraceReader {
  readonly spans: Span[] = [];
  /** The first top-level field other than resource_spans (0: none), for "not a trace" messages. */
  otherField = 0;

  private buf: Uint8Array = new Uint8Array(0);
  private text: Buffer = Buffer.alloc(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private base = 0;
  private pos = 0;
  /** While reading the top-level fields of a request whose end is the end of the data. */
  private atInputEnd = false;

  // Results of the last Status and int64 read, kept here instead of in returned objects.
  private statusCode: StatusCode = StatusCode.Unset;
  private statusMessage: string | undefined = undefined;
  private lo = 0;
  private hi = 0;

  // String cache: slot i holds `strings[i]`, described from `stringWords[i * stringSlotWords]`.
  private readonly stringWords = new Int32Array(stringSlots * stringSlotWords);
  private readonly strings: string[] = new Array<string>(stringSlots).fill('');
  // Id caches, keyed by the id's bytes read as little-endian int32s.
  private readonly spanIdWords = new Int32Array(spanIdSlots * 2);
  private readonly spanIds: string[] = new Array<string>(spanIdSlots).fill('');
  private readonly traceIdWords = new Int32Array(traceIdSlots * 4);
  private readonly traceIds: string[] = new Array<string>(traceIdSlots).fill('');
  // The last trace id, checked before the cache: neighbouring spans mostly share their trace,
  // and the cache's tables are large enough that a lookup is a cache miss.
  private readonly lastTraceWords = new Int32Array(4);
  private lastTraceId = '';
  // Attributes being decoded, as a stack of key/value pairs: each message that has attributes
  // notes the depth it started at, and takes its own pairs off as one object when it ends
  // (nested messages such as events and kvlists push and take theirs in between).
  private readonly kvKeys: string[] = [];
  private readonly kvValues: AttributeValue[] = [];
  private kvCount = 0;

  // What was tolerated, for warnings.
  private skippedSpans = 0;
  private firstSkippedAt = 0;
  private oddIds = 0;
  private droppedLinks = 0;
  private spansWithoutStart = 0;
  private unknownKinds = 0;
  private unknownStatusCodes = 0;
  private resourcesWithoutService = 0;
  // dropped_*_count totals: what the sender's limits cut before export.
  private droppedAttributes = 0;
  private droppedEvents = 0;
  private droppedSenderLinks = 0;

  constructor(readonly format: TraceFormat) {}

  /** Points the cursor at `bytes`, whose first byte is byte `base` of the input. */
  setBuffer(bytes: Uint8Array, base: number): void {
    this.buf = bytes;
    this.text = bufferOf(bytes);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = base;
    this.pos = 0;
  }

  warnings(): string[] {
    const out: string[] = [];
    const n = this.skippedSpans;
    if (n > 0) {
      out.push(
        `${n} ${plural(n, 'span has', 'spans have')} an empty or all-zero trace_id or span_id and ${plural(n, 'was', 'were')} skipped (the first at byte ${this.firstSkippedAt}).`,
      );
    }
    const o = this.oddIds;
    if (o > 0) out.push(`${o} ${plural(o, 'id is', 'ids are')} not 16 (trace) or 8 (span) bytes long; ${plural(o, 'it is', 'they are')} shown as hex as found.`);
    const r = this.resourcesWithoutService;
    if (r > 0) {
      out.push(`${r} ${plural(r, 'resource has', 'resources have')} no service.name attribute; ${plural(r, 'its', 'their')} spans are shown under "unknown_service".`);
    }
    const s = this.spansWithoutStart;
    if (s > 0) out.push(`${s} ${plural(s, 'span has', 'spans have')} no start_time_unix_nano and ${plural(s, 'is', 'are')} placed at the Unix epoch (1970-01-01).`);
    const k = this.unknownKinds;
    if (k > 0) out.push(`${k} ${plural(k, 'span has', 'spans have')} an unknown kind number, shown as unspecified.`);
    const c = this.unknownStatusCodes;
    if (c > 0) out.push(`${c} ${plural(c, 'span has', 'spans have')} an unknown status code number, shown as unset.`);
    const l = this.droppedLinks;
    if (l > 0) out.push(`${l} ${plural(l, 'link has', 'links have')} an empty or all-zero trace_id or span_id and ${plural(l, 'was', 'were')} dropped.`);
    const da = this.droppedAttributes;
    const de = this.droppedEvents;
    const dl = this.droppedSenderLinks;
    if (da + de + dl > 0) {
      const parts: string[] = [];
      if (da > 0) parts.push(`${da} ${plural(da, 'attribute', 'attributes')}`);
      if (de > 0) parts.push(`${de} ${plural(de, 'event', 'events')}`);
      if (dl > 0) parts.push(`${dl} ${plural(dl, 'link', 'links')}`);
      out.push(`The sender dropped ${parts.join(', ')} before export (its limits); they are not in the file.`);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Errors

  private malformed(detail: string): TraceDecodeError {
    return new TraceDecodeError({ kind: 'malformed', format: this.format, detail });
  }

  private wrongWireType(message: string, field: number, tagPos: number, found: number, expected: number): TraceDecodeError {
    return this.malformed(
      `field ${field} of ${message} at byte ${this.base + tagPos} has wire type ${wireTypeNames[found] ?? found}, expected ${wireTypeNames[expected] ?? expected}`,
    );
  }

  /**
   * `what` needs `needed` bytes from `start` but `end` comes first: the data was cut short when
   * this is the top level of a whole input, else the lengths disagree (malformed).
   */
  private overrun(what: string, start: number, needed: number, end: number, message: string): TraceDecodeError {
    const detail = `${what} needs ${needed} bytes from byte ${this.base + start}, but ${this.atInputEnd ? 'the data' : `its enclosing ${message}`} ends after ${end - start} (at byte ${this.base + end})`;
    return this.atInputEnd ? new TraceDecodeError({ kind: 'truncated', detail }) : this.malformed(detail);
  }

  // -------------------------------------------------------------------------------------------
  // Primitives. `end` is the end of the enclosing message; nothing may be read past it.

  /** A varint as a number: exact up to 2^53, which every length, tag, enum and count is. */
  private varint(end: number, message: string): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < end) {
      const b0 = buf[pos] as number;
      if (b0 < 0x80) {
        this.pos = pos + 1;
        return b0;
      }
      if (pos + 1 < end) {
        const b1 = buf[pos + 1] as number;
        if (b1 < 0x80) {
          this.pos = pos + 2;
          return (b0 & 0x7f) | (b1 << 7);
        }
      }
    }
    return this.varintSlow(end, message);
  }

  private varintSlow(end: number, message: string): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) {
        if (this.atInputEnd) {
          throw new TraceDecodeError({ kind: 'truncated', detail: `the data ends at byte ${this.base + end} inside a varint of ${message} that starts at byte ${this.base + start}` });
        }
        throw this.malformed(`a varint of ${message} at byte ${this.base + start} runs past the end of the ${message} (at byte ${this.base + end})`);
      }
      const b = buf[pos++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos;
        return value;
      }
      scale *= 128;
    }
    throw this.malformed(`a varint of ${message} at byte ${this.base + start} is longer than 10 bytes`);
  }

  /** A 64-bit varint into `lo` and `hi` (two uint32 halves), exactly. */
  private varint64(end: number, message: string): void {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (i === 10) throw this.malformed(`a varint of ${message} at byte ${this.base + start} is longer than 10 bytes`);
      if (pos >= end) throw this.malformed(`a varint of ${message} at byte ${this.base + start} runs past the end of the ${message} (at byte ${this.base + end})`);
      const b = buf[pos++] as number;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) break;
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** The end of a length-delimited field whose length varint is at the cursor. */
  private lengthEnd(end: number, message: string, field: number, tagPos: number): number {
    const length = this.varint(end, message);
    const start = this.pos;
    if (length > end - start) throw this.overrun(`field ${field} of ${message} (tag at byte ${this.base + tagPos}, length-delimited)`, start, length, end, message);
    return start + length;
  }

  private fixed32(end: number, message: string, field: number, tagPos: number): number {
    const pos = this.pos;
    if (end - pos < 4) throw this.overrun(`field ${field} of ${message} (tag at byte ${this.base + tagPos}, fixed32)`, pos, 4, end, message);
    const buf = this.buf;
    this.pos = pos + 4;
    return ((buf[pos] as number) | ((buf[pos + 1] as number) << 8) | ((buf[pos + 2] as number) << 16) | ((buf[pos + 3] as number) << 24)) >>> 0;
  }

  /** A fixed64 time, exactly: DataView reads the 64 bits straight into a BigInt, never through a float. */
  private fixed64(end: number, message: string, field: number, tagPos: number): bigint {
    const pos = this.pos;
    if (end - pos < 8) throw this.overrun(`field ${field} of ${message} (tag at byte ${this.base + tagPos}, fixed64)`, pos, 8, end, message);
    this.pos = pos + 8;
    return this.view.getBigUint64(pos, true);
  }

  private double(end: number, field: number, tagPos: number): number {
    const pos = this.pos;
    if (end - pos < 8) throw this.overrun(`field ${field} of AnyValue (tag at byte ${this.base + tagPos}, double)`, pos, 8, end, 'AnyValue');
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Skips the value of an unknown field, whatever its wire type. */
  private skip(wireType: number, field: number, end: number, message: string, tagPos: number, depth: number): void {
    switch (wireType) {
      case wtVarint:
        this.varint(end, message);
        return;
      case wtFixed64:
        if (end - this.pos < 8) throw this.overrun(`field ${field} of ${message} (tag at byte ${this.base + tagPos}, fixed64)`, this.pos, 8, end, message);
        this.pos += 8;
        return;
      case wtLen:
        this.pos = this.lengthEnd(end, message, field, tagPos);
        return;
      case wtFixed32:
        if (end - this.pos < 4) throw this.overrun(`field ${field} of ${message} (tag at byte ${this.base + tagPos}, fixed32)`, this.pos, 4, end, message);
        this.pos += 4;
        return;
      case wtStartGroup:
        this.skipGroup(field, end, message, tagPos, depth);
        return;
      case wtEndGroup:
        throw this.malformed(`${message} has an end-group tag for field ${field} at byte ${this.base + tagPos} without a matching start-group tag`);
      default:
        throw this.malformed(`field ${field} of ${message} at byte ${this.base + tagPos} has wire type ${wireType}, which does not exist`);
    }
  }

  private skipGroup(field: number, end: number, message: string, tagPos: number, depth: number): void {
    if (depth >= maxDepth) throw this.malformed(`groups in ${message} nest more than ${maxDepth} levels deep at byte ${this.base + tagPos}`);
    while (this.pos < end) {
      const innerPos = this.pos;
      const tag = this.tag(end, message);
      const inner = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === wtEndGroup) {
        if (inner !== field) {
          throw this.malformed(`group field ${field} of ${message} (started at byte ${this.base + tagPos}) is closed by an end-group tag for field ${inner} at byte ${this.base + innerPos}`);
        }
        return;
      }
      this.skip(wireType, inner, end, message, innerPos, depth + 1);
    }
    if (this.atInputEnd) {
      throw new TraceDecodeError({ kind: 'truncated', detail: `the data ends at byte ${this.base + end} inside group field ${field} of ${message} that starts at byte ${this.base + tagPos}` });
    }
    throw this.malformed(`group field ${field} of ${message} at byte ${this.base + tagPos} has no end-group tag before the end of the ${message} (at byte ${this.base + end})`);
  }

  /** A tag, checked to name a real field. */
  private tag(end: number, message: string): number {
    const tagPos = this.pos;
    const tag = this.varint(end, message);
    if (tag < 8 || tag > 0xffff_ffff) {
      throw this.malformed(`${message} has an invalid tag ${tag} at byte ${this.base + tagPos} (field number ${Math.floor(tag / 8)}; field numbers start at 1)`);
    }
    return tag;
  }

  // -------------------------------------------------------------------------------------------
  // Strings and ids

  /**
   * UTF-8 text. Strings of up to 128 bytes come from the cache when the same bytes were seen
   * before: the slot is chosen by the length and three 4-byte words (first, middle, last), and
   * a hit is confirmed by comparing every byte, four at a time.
   */
  private string(start: number, end: number): string {
    const n = end - start;
    if (n === 0) return '';
    if (n > stringSlotBytes) return this.text.toString('utf8', start, end);
    const view = this.view;
    let last: number;
    let h: number;
    if (n >= 4) {
      last = view.getInt32(end - 4, true);
      const first = view.getInt32(start, true);
      const middle = view.getInt32(start + ((n - 4) >> 1), true);
      h = Math.imul(first ^ Math.imul(middle ^ Math.imul(last ^ n, 0x85ebca6b), 0xc2b2ae35), 0x9e3779b1);
    } else {
      const buf = this.buf;
      last = (buf[start] as number) | (n > 1 ? (buf[start + 1] as number) << 8 : 0) | (n > 2 ? (buf[start + 2] as number) << 16 : 0);
      h = Math.imul(last ^ n, 0x9e3779b1);
    }
    h = (h ^ (h >>> 16)) & (stringSlots - 1);
    const words = this.stringWords;
    const slot = h * stringSlotWords;
    // Whole words cover bytes [0, 4 × full); `last` covers the final 4 (or all of a shorter string).
    const full = n >> 2;
    if (words[slot] === n && words[slot + 1] === last) {
      let k = 0;
      while (k < full && words[slot + 2 + k] === view.getInt32(start + 4 * k, true)) k++;
      if (k === full) return this.strings[h] as string;
    }
    const text = this.text.toString('utf8', start, end);
    words[slot] = n;
    words[slot + 1] = last;
    for (let k = 0; k < full; k++) words[slot + 2 + k] = view.getInt32(start + 4 * k, true);
    this.strings[h] = text;
    return text;
  }

  /** A span id: '' when empty or all zeros (OTLP's "no id"), else 16 hex digits. */
  private spanId(start: number, end: number): string {
    if (end - start !== 8) return this.oddId(start, end, 16);
    const b = this.buf;
    const w0 = (b[start] as number) | ((b[start + 1] as number) << 8) | ((b[start + 2] as number) << 16) | ((b[start + 3] as number) << 24);
    const w1 = (b[start + 4] as number) | ((b[start + 5] as number) << 8) | ((b[start + 6] as number) << 16) | ((b[start + 7] as number) << 24);
    if (w0 === 0 && w1 === 0) return '';
    const h = Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b), 0x9e3779b1) >>> (32 - spanIdBits);
    const words = this.spanIdWords;
    if (words[2 * h] === w0 && words[2 * h + 1] === w1) {
      const cached = this.spanIds[h] as string;
      if (cached !== '') return cached;
    }
    const t = hexCodes;
    const c0 = 2 * (b[start] as number);
    const c1 = 2 * (b[start + 1] as number);
    const c2 = 2 * (b[start + 2] as number);
    const c3 = 2 * (b[start + 3] as number);
    const c4 = 2 * (b[start + 4] as number);
    const c5 = 2 * (b[start + 5] as number);
    const c6 = 2 * (b[start + 6] as number);
    const c7 = 2 * (b[start + 7] as number);
    // prettier-ignore
    const id = String.fromCharCode(
      t[c0] as number, t[c0 + 1] as number, t[c1] as number, t[c1 + 1] as number, t[c2] as number, t[c2 + 1] as number, t[c3] as number, t[c3 + 1] as number,
      t[c4] as number, t[c4 + 1] as number, t[c5] as number, t[c5 + 1] as number, t[c6] as number, t[c6 + 1] as number, t[c7] as number, t[c7 + 1] as number,
    );
    words[2 * h] = w0;
    words[2 * h + 1] = w1;
    this.spanIds[h] = id;
    return id;
  }

  /** A trace id: '' when empty or all zeros, else 32 hex digits. */
  private traceId(start: number, end: number): string {
    if (end - start !== 16) return this.oddId(start, end, 32);
    const b = this.buf;
    const w0 = (b[start] as number) | ((b[start + 1] as number) << 8) | ((b[start + 2] as number) << 16) | ((b[start + 3] as number) << 24);
    const w1 = (b[start + 4] as number) | ((b[start + 5] as number) << 8) | ((b[start + 6] as number) << 16) | ((b[start + 7] as number) << 24);
    const w2 = (b[start + 8] as number) | ((b[start + 9] as number) << 8) | ((b[start + 10] as number) << 16) | ((b[start + 11] as number) << 24);
    const w3 = (b[start + 12] as number) | ((b[start + 13] as number) << 8) | ((b[start + 14] as number) << 16) | ((b[start + 15] as number) << 24);
    if ((w0 | w1 | w2 | w3) === 0) return '';
    const last = this.lastTraceWords;
    if (w0 === last[0] && w1 === last[1] && w2 === last[2] && w3 === last[3] && this.lastTraceId !== '') return this.lastTraceId;
    last[0] = w0;
    last[1] = w1;
    last[2] = w2;
    last[3] = w3;
    const h = Math.imul(w0 ^ Math.imul(w1 ^ Math.imul(w2 ^ Math.imul(w3, 0x85ebca6b), 0xc2b2ae35), 0x85ebca6b), 0x9e3779b1) >>> (32 - traceIdBits);
    const words = this.traceIdWords;
    const k = 4 * h;
    if (words[k] === w0 && words[k + 1] === w1 && words[k + 2] === w2 && words[k + 3] === w3) {
      const cached = this.traceIds[h] as string;
      if (cached !== '') {
        this.lastTraceId = cached;
        return cached;
      }
    }
    const t = hexCodes;
    const c0 = 2 * (b[start] as number);
    const c1 = 2 * (b[start + 1] as number);
    const c2 = 2 * (b[start + 2] as number);
    const c3 = 2 * (b[start + 3] as number);
    const c4 = 2 * (b[start + 4] as number);
    const c5 = 2 * (b[start + 5] as number);
    const c6 = 2 * (b[start + 6] as number);
    const c7 = 2 * (b[start + 7] as number);
    const c8 = 2 * (b[start + 8] as number);
    const c9 = 2 * (b[start + 9] as number);
    const c10 = 2 * (b[start + 10] as number);
    const c11 = 2 * (b[start + 11] as number);
    const c12 = 2 * (b[start + 12] as number);
    const c13 = 2 * (b[start + 13] as number);
    const c14 = 2 * (b[start + 14] as number);
    const c15 = 2 * (b[start + 15] as number);
    // prettier-ignore
    const id = String.fromCharCode(
      t[c0] as number, t[c0 + 1] as number, t[c1] as number, t[c1 + 1] as number, t[c2] as number, t[c2 + 1] as number, t[c3] as number, t[c3 + 1] as number,
      t[c4] as number, t[c4 + 1] as number, t[c5] as number, t[c5 + 1] as number, t[c6] as number, t[c6 + 1] as number, t[c7] as number, t[c7 + 1] as number,
      t[c8] as number, t[c8 + 1] as number, t[c9] as number, t[c9 + 1] as number, t[c10] as number, t[c10 + 1] as number, t[c11] as number, t[c11 + 1] as number,
      t[c12] as number, t[c12 + 1] as number, t[c13] as number, t[c13 + 1] as number, t[c14] as number, t[c14 + 1] as number, t[c15] as number, t[c15 + 1] as number,
    );
    words[k] = w0;
    words[k + 1] = w1;
    words[k + 2] = w2;
    words[k + 3] = w3;
    this.traceIds[h] = id;
    this.lastTraceId = id;
    return id;
  }

  /**
   * An id of an unexpected length: '' when empty or all zeros; a shorter one (a 64-bit trace id)
   * left-padded to the canonical width; a longer one kept whole.
   */
  private oddId(start: number, end: number, width: number): string {
    const bytes = this.buf.subarray(start, end);
    let zero = true;
    for (const byte of bytes) {
      if (byte !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) return '';
    if (!(width === 32 && bytes.length === 8)) this.oddIds++;
    return bytesToHex(bytes).padStart(width, '0');
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  /**
   * The top-level fields of an ExportTraceServiceRequest in [start, end): each resource_spans
   * entry is decoded, anything else skipped. `endIsInputEnd` says that running past `end` means
   * the data was cut short. Returns how many resource_spans entries there were; the number of
   * the first other top-level field goes to `otherField`.
   */
  decodeRequest(start: number, end: number, endIsInputEnd: boolean): number {
    this.pos = start;
    let entries = 0;
    while (this.pos < end) {
      this.atInputEnd = endIsInputEnd;
      const tagPos = this.pos;
      const tag = this.tag(end, 'ExportTraceServiceRequest');
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1) {
        if (wireType !== wtLen) throw this.wrongWireType('ExportTraceServiceRequest (resource_spans)', 1, tagPos, wireType, wtLen);
        const entryEnd = this.lengthEnd(end, 'ExportTraceServiceRequest', 1, tagPos);
        this.atInputEnd = false;
        this.decodeResourceSpans(this.pos, entryEnd);
        entries++;
      } else {
        if (this.otherField === 0) this.otherField = field;
        this.skip(wireType, field, end, 'ExportTraceServiceRequest', tagPos, 0);
      }
    }
    this.atInputEnd = false;
    return entries;
  }

  /** One ResourceSpans in [start, end) of the current buffer. */
  decodeResourceSpans(start: number, end: number): void {
    const message = 'ResourceSpans';
    // The resource may follow the spans on the wire, and spans need it: find it first.
    const kvBase = this.kvCount;
    this.pos = start;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1) {
        if (wireType !== wtLen) throw this.wrongWireType(`${message} (resource)`, 1, tagPos, wireType, wtLen);
        const resourceEnd = this.lengthEnd(end, message, 1, tagPos);
        this.decodeResource(resourceEnd);
      } else if (field === 2 || field === 1000) {
        if (wireType !== wtLen) throw this.wrongWireType(`${message} (${field === 2 ? 'scope_spans' : 'instrumentation_library_spans'})`, field, tagPos, wireType, wtLen);
        this.pos = this.lengthEnd(end, message, field, tagPos);
      } else if (field === 3) {
        if (wireType !== wtLen) throw this.wrongWireType(`${message} (schema_url)`, 3, tagPos, wireType, wtLen);
        this.pos = this.lengthEnd(end, message, field, tagPos);
      } else {
        this.skip(wireType, field, end, message, tagPos, 0);
      }
    }
    const attributes = this.takeAttributes(kvBase);
    const resource: Resource = createResource(attributes);
    const before = this.spans.length;
    // Second pass: the scope_spans (and the deprecated instrumentation_library_spans, which
    // has the same layout). Wire types were checked by the first pass.
    this.pos = start;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.varint(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === wtLen) {
        const length = this.varint(end, message);
        const fieldEnd = this.pos + length;
        if (field === 2 || field === 1000) this.decodeScopeSpans(fieldEnd, resource);
        this.pos = fieldEnd;
      } else {
        this.skip(wireType, field, end, message, tagPos, 0);
      }
    }
    const serviceName = attributes['service.name'];
    if (this.spans.length > before && (typeof serviceName !== 'string' || serviceName === '')) this.resourcesWithoutService++;
  }

  /** A Resource's attributes go onto the attribute stack; a repeated resource field merges. */
  private decodeResource(end: number): void {
    const message = 'Resource';
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1) {
        if (wireType !== wtLen) throw this.wrongWireType(`${message} (attributes)`, 1, tagPos, wireType, wtLen);
        const kvEnd = this.lengthEnd(end, message, 1, tagPos);
        this.pushKeyValue(kvEnd, 0);
      } else if (field === 2) {
        if (wireType !== wtVarint) throw this.wrongWireType(`${message} (dropped_attributes_count)`, 2, tagPos, wireType, wtVarint);
        this.droppedAttributes += this.varint(end, message);
      } else {
        this.skip(wireType, field, end, message, tagPos, 0);
      }
    }
  }

  private decodeScopeSpans(end: number, resource: Resource): void {
    const message = 'ScopeSpans';
    const start = this.pos;
    // First pass: the scope, which may follow the spans on the wire.
    let name = '';
    let version = '';
    const kvBase = this.kvCount;
    let hasScope = false;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1) {
        if (wireType !== wtLen) throw this.wrongWireType(`${message} (scope)`, 1, tagPos, wireType, wtLen);
        const scopeEnd = this.lengthEnd(end, message, 1, tagPos);
        hasScope = true;
        // InstrumentationScope {1 name, 2 version, 3 attributes, 4 dropped_attributes_count}
        while (this.pos < scopeEnd) {
          const innerPos = this.pos;
          const innerTag = this.tag(scopeEnd, 'InstrumentationScope');
          const inner = innerTag >>> 3;
          const innerType = innerTag & 7;
          if (inner === 1 || inner === 2 || inner === 3) {
            if (innerType !== wtLen) {
              throw this.wrongWireType(`InstrumentationScope (${inner === 1 ? 'name' : inner === 2 ? 'version' : 'attributes'})`, inner, innerPos, innerType, wtLen);
            }
            const fieldEnd = this.lengthEnd(scopeEnd, 'InstrumentationScope', inner, innerPos);
            if (inner === 1) name = this.string(this.pos, fieldEnd);
            else if (inner === 2) version = this.string(this.pos, fieldEnd);
            else this.pushKeyValue(fieldEnd, 0);
            this.pos = fieldEnd;
          } else if (inner === 4) {
            if (innerType !== wtVarint) throw this.wrongWireType('InstrumentationScope (dropped_attributes_count)', 4, innerPos, innerType, wtVarint);
            this.varint(scopeEnd, 'InstrumentationScope');
          } else {
            this.skip(innerType, inner, scopeEnd, 'InstrumentationScope', innerPos, 0);
          }
        }
      } else if (field === 2 || field === 3) {
        if (wireType !== wtLen) throw this.wrongWireType(`${message} (${field === 2 ? 'spans' : 'schema_url'})`, field, tagPos, wireType, wtLen);
        this.pos = this.lengthEnd(end, message, field, tagPos);
      } else {
        this.skip(wireType, field, end, message, tagPos, 0);
      }
    }
    const attributes = this.kvCount > kvBase ? this.takeAttributes(kvBase) : undefined;
    // As in OTLP JSON, an empty scope (no name, version or attributes) is no scope at all.
    const scope: Scope | undefined =
      hasScope && (name !== '' || version !== '' || attributes !== undefined)
        ? { name, version: version === '' ? undefined : version, attributes: attributes ?? noAttributes }
        : undefined;
    // Second pass: the spans.
    this.pos = start;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.varint(end, message);
      const wireType = tag & 7;
      if (wireType === wtLen) {
        const length = this.varint(end, message);
        const fieldEnd = this.pos + length;
        if (tag === 0x12) this.decodeSpan(fieldEnd, resource, scope, tagPos);
        this.pos = fieldEnd;
      } else {
        this.skip(wireType, tag >>> 3, end, message, tagPos, 0);
      }
    }
  }

  private decodeSpan(end: number, resource: Resource, scope: Scope | undefined, spanTagPos: number): void {
    const message = 'Span';
    let traceId = '';
    let spanId = '';
    let traceState = '';
    let parentSpanId = '';
    let flags: number | undefined;
    let name = '';
    let kind = 0;
    let startNs = 0n;
    let startMissing = true;
    let endNs: bigint | undefined;
    const kvBase = this.kvCount;
    let events: SpanEvent[] | undefined;
    let links: SpanLink[] | undefined;
    this.statusCode = StatusCode.Unset;
    this.statusMessage = undefined;
    let hasStatus = false;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      switch (field) {
        case 1: {
          if (wireType !== wtLen) throw this.wrongWireType('Span (trace_id)', 1, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          traceId = this.traceId(this.pos, fieldEnd);
          this.pos = fieldEnd;
          break;
        }
        case 2: {
          if (wireType !== wtLen) throw this.wrongWireType('Span (span_id)', 2, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          spanId = this.spanId(this.pos, fieldEnd);
          this.pos = fieldEnd;
          break;
        }
        case 3: {
          if (wireType !== wtLen) throw this.wrongWireType('Span (trace_state)', 3, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          traceState = this.string(this.pos, fieldEnd);
          this.pos = fieldEnd;
          break;
        }
        case 4: {
          if (wireType !== wtLen) throw this.wrongWireType('Span (parent_span_id)', 4, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          parentSpanId = this.spanId(this.pos, fieldEnd);
          this.pos = fieldEnd;
          break;
        }
        case 5: {
          if (wireType !== wtLen) throw this.wrongWireType('Span (name)', 5, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          name = this.string(this.pos, fieldEnd);
          this.pos = fieldEnd;
          break;
        }
        case 6:
          if (wireType !== wtVarint) throw this.wrongWireType('Span (kind)', 6, tagPos, wireType, wtVarint);
          kind = this.varint(end, message);
          break;
        case 7: {
          if (wireType !== wtFixed64) throw this.wrongWireType('Span (start_time_unix_nano)', 7, tagPos, wireType, wtFixed64);
          const at = this.pos;
          startNs = this.fixed64(end, message, field, tagPos);
          // Decided on the bytes: a bigint comparison is a call, once per span.
          startMissing = (this.view.getInt32(at, true) | this.view.getInt32(at + 4, true)) === 0;
          break;
        }
        case 8:
          if (wireType !== wtFixed64) throw this.wrongWireType('Span (end_time_unix_nano)', 8, tagPos, wireType, wtFixed64);
          endNs = this.fixed64(end, message, field, tagPos);
          break;
        case 9: {
          if (wireType !== wtLen) throw this.wrongWireType('Span (attributes)', 9, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          this.pushKeyValue(fieldEnd, 0);
          break;
        }
        case 10:
        case 12:
        case 14: {
          if (wireType !== wtVarint) {
            const names = { 10: 'dropped_attributes_count', 12: 'dropped_events_count', 14: 'dropped_links_count' } as const;
            throw this.wrongWireType(`Span (${names[field]})`, field, tagPos, wireType, wtVarint);
          }
          const dropped = this.varint(end, message);
          if (field === 10) this.droppedAttributes += dropped;
          else if (field === 12) this.droppedEvents += dropped;
          else this.droppedSenderLinks += dropped;
          break;
        }
        case 11: {
          if (wireType !== wtLen) throw this.wrongWireType('Span (events)', 11, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          const event = this.decodeEvent(fieldEnd);
          if (events === undefined) events = [event];
          else events.push(event);
          break;
        }
        case 13: {
          if (wireType !== wtLen) throw this.wrongWireType('Span (links)', 13, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          const link = this.decodeLink(fieldEnd);
          if (link !== undefined) {
            if (links === undefined) links = [link];
            else links.push(link);
          }
          break;
        }
        case 15: {
          if (wireType !== wtLen) throw this.wrongWireType('Span (status)', 15, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          this.decodeStatus(fieldEnd);
          hasStatus = true;
          break;
        }
        case 16:
          if (wireType !== wtFixed32) throw this.wrongWireType('Span (flags)', 16, tagPos, wireType, wtFixed32);
          flags = this.fixed32(end, message, field, tagPos);
          break;
        default:
          this.skip(wireType, field, end, message, tagPos, 0);
      }
    }
    if (traceId === '' || spanId === '') {
      this.kvCount = kvBase;
      if (this.skippedSpans++ === 0) this.firstSkippedAt = this.base + spanTagPos;
      return;
    }
    const attributes = this.takeAttributes(kvBase);
    if (kind > 5) {
      this.unknownKinds++;
      kind = SpanKind.Unspecified;
    }
    if (startMissing) this.spansWithoutStart++;
    let statusCode = StatusCode.Unset as StatusCode;
    let statusMessage: string | undefined;
    if (hasStatus) {
      statusCode = this.statusCode;
      statusMessage = this.statusMessage;
    }
    this.spans.push(
      makeSpan(
        traceId,
        spanId,
        parentSpanId === '' ? undefined : parentSpanId,
        name,
        kind as SpanKind,
        startNs,
        endNs ?? startNs,
        statusCode,
        statusMessage,
        attributes,
        events ?? noEvents,
        links ?? noLinks,
        resource,
        scope,
        traceState === '' ? undefined : traceState,
        flags,
      ),
    );
  }

  private decodeStatus(end: number): void {
    const message = 'Status';
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 2) {
        if (wireType !== wtLen) throw this.wrongWireType('Status (message)', 2, tagPos, wireType, wtLen);
        const fieldEnd = this.lengthEnd(end, message, field, tagPos);
        const text = this.string(this.pos, fieldEnd);
        this.statusMessage = text === '' ? undefined : text;
        this.pos = fieldEnd;
      } else if (field === 3) {
        if (wireType !== wtVarint) throw this.wrongWireType('Status (code)', 3, tagPos, wireType, wtVarint);
        const code = this.varint(end, message);
        if (code <= 2) this.statusCode = code as StatusCode;
        else {
          this.unknownStatusCodes++;
          this.statusCode = StatusCode.Unset;
        }
      } else {
        this.skip(wireType, field, end, message, tagPos, 0);
      }
    }
  }

  private decodeEvent(end: number): SpanEvent {
    const message = 'Span.Event';
    let timeNs = 0n;
    let name = '';
    const kvBase = this.kvCount;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1) {
        if (wireType !== wtFixed64) throw this.wrongWireType('Span.Event (time_unix_nano)', 1, tagPos, wireType, wtFixed64);
        timeNs = this.fixed64(end, message, field, tagPos);
      } else if (field === 2) {
        if (wireType !== wtLen) throw this.wrongWireType('Span.Event (name)', 2, tagPos, wireType, wtLen);
        const fieldEnd = this.lengthEnd(end, message, field, tagPos);
        name = this.string(this.pos, fieldEnd);
        this.pos = fieldEnd;
      } else if (field === 3) {
        if (wireType !== wtLen) throw this.wrongWireType('Span.Event (attributes)', 3, tagPos, wireType, wtLen);
        const fieldEnd = this.lengthEnd(end, message, field, tagPos);
        this.pushKeyValue(fieldEnd, 0);
      } else if (field === 4) {
        if (wireType !== wtVarint) throw this.wrongWireType('Span.Event (dropped_attributes_count)', 4, tagPos, wireType, wtVarint);
        this.droppedAttributes += this.varint(end, message);
      } else {
        this.skip(wireType, field, end, message, tagPos, 0);
      }
    }
    return { timeNs, name, attributes: this.takeAttributes(kvBase) };
  }

  /** A link, or undefined when it has no ids to point at (counted, as in OTLP JSON). */
  private decodeLink(end: number): SpanLink | undefined {
    const message = 'Span.Link';
    let traceId = '';
    let spanId = '';
    let traceState = '';
    const kvBase = this.kvCount;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      switch (field) {
        case 1:
        case 2:
        case 3:
        case 4: {
          if (wireType !== wtLen) {
            const names = { 1: 'trace_id', 2: 'span_id', 3: 'trace_state', 4: 'attributes' } as const;
            throw this.wrongWireType(`Span.Link (${names[field]})`, field, tagPos, wireType, wtLen);
          }
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          if (field === 1) traceId = this.traceId(this.pos, fieldEnd);
          else if (field === 2) spanId = this.spanId(this.pos, fieldEnd);
          else if (field === 3) traceState = this.string(this.pos, fieldEnd);
          else this.pushKeyValue(fieldEnd, 0);
          this.pos = fieldEnd;
          break;
        }
        case 5:
          if (wireType !== wtVarint) throw this.wrongWireType('Span.Link (dropped_attributes_count)', 5, tagPos, wireType, wtVarint);
          this.droppedAttributes += this.varint(end, message);
          break;
        case 6:
          // flags: read to check it, but the model has no place for a link's flags.
          if (wireType !== wtFixed32) throw this.wrongWireType('Span.Link (flags)', 6, tagPos, wireType, wtFixed32);
          this.fixed32(end, message, field, tagPos);
          break;
        default:
          this.skip(wireType, field, end, message, tagPos, 0);
      }
    }
    const attributes = this.takeAttributes(kvBase);
    if (traceId === '' || spanId === '') {
      this.droppedLinks++;
      return undefined;
    }
    return { traceId, spanId, traceState: traceState === '' ? undefined : traceState, attributes };
  }

  /** One KeyValue in [pos, end), pushed on the attribute stack; a missing value is null, as an empty AnyValue. */
  private pushKeyValue(end: number, depth: number): void {
    // Fast path for the layout every encoder writes: key (field 1), then value (field 2) to
    // the end, both with one-byte lengths.
    const buf = this.buf;
    const pos = this.pos;
    const keyLength = buf[pos + 1] as number;
    if (buf[pos] === 0x0a && keyLength < 0x80) {
      const keyEnd = pos + 2 + keyLength;
      const valueLength = buf[keyEnd + 1] as number;
      if (keyEnd + 2 <= end && buf[keyEnd] === 0x12 && valueLength < 0x80 && keyEnd + 2 + valueLength === end) {
        const key = this.string(pos + 2, keyEnd);
        this.pos = keyEnd + 2;
        const value = this.decodeAnyValue(end, depth);
        const at = this.kvCount++;
        this.kvKeys[at] = key;
        this.kvValues[at] = value;
        return;
      }
    }
    const message = 'KeyValue';
    let key = '';
    let value: AttributeValue = null;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1) {
        if (wireType !== wtLen) throw this.wrongWireType('KeyValue (key)', 1, tagPos, wireType, wtLen);
        const fieldEnd = this.lengthEnd(end, message, field, tagPos);
        key = this.string(this.pos, fieldEnd);
        this.pos = fieldEnd;
      } else if (field === 2) {
        if (wireType !== wtLen) throw this.wrongWireType('KeyValue (value)', 2, tagPos, wireType, wtLen);
        const fieldEnd = this.lengthEnd(end, message, field, tagPos);
        value = this.decodeAnyValue(fieldEnd, depth);
      } else {
        this.skip(wireType, field, end, message, tagPos, depth);
      }
    }
    const at = this.kvCount++;
    this.kvKeys[at] = key;
    this.kvValues[at] = value;
  }

  /** The pairs pushed since `base`, as one object, taken off the stack. */
  private takeAttributes(base: number): Attributes {
    const attributes = attributesOf(this.kvKeys, this.kvValues, base, this.kvCount);
    this.kvCount = base;
    return attributes;
  }

  /** An AnyValue in [pos, end); the last variant on the wire wins (oneof), none is null. */
  private decodeAnyValue(end: number, depth: number): AttributeValue {
    const message = 'AnyValue';
    let value: AttributeValue = null;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      switch (field) {
        case 1: {
          if (wireType !== wtLen) throw this.wrongWireType('AnyValue (string_value)', 1, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          value = this.string(this.pos, fieldEnd);
          this.pos = fieldEnd;
          break;
        }
        case 2:
          if (wireType !== wtVarint) throw this.wrongWireType('AnyValue (bool_value)', 2, tagPos, wireType, wtVarint);
          value = this.varint(end, message) !== 0;
          break;
        case 3:
          if (wireType !== wtVarint) throw this.wrongWireType('AnyValue (int_value)', 3, tagPos, wireType, wtVarint);
          value = this.int64(end);
          break;
        case 4:
          if (wireType !== wtFixed64) throw this.wrongWireType('AnyValue (double_value)', 4, tagPos, wireType, wtFixed64);
          value = this.double(end, field, tagPos);
          break;
        case 5:
        case 6: {
          if (wireType !== wtLen) throw this.wrongWireType(`AnyValue (${field === 5 ? 'array_value' : 'kvlist_value'})`, field, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          if (depth >= maxDepth) throw this.malformed(`an AnyValue at byte ${this.base + tagPos} nests arrays or kvlists more than ${maxDepth} levels deep`);
          value = field === 5 ? this.decodeArray(fieldEnd, depth + 1) : this.decodeKvList(fieldEnd, depth + 1);
          break;
        }
        case 7: {
          if (wireType !== wtLen) throw this.wrongWireType('AnyValue (bytes_value)', 7, tagPos, wireType, wtLen);
          const fieldEnd = this.lengthEnd(end, message, field, tagPos);
          // A copy, so an attribute does not keep the whole input alive.
          value = new Uint8Array(this.buf.subarray(this.pos, fieldEnd));
          this.pos = fieldEnd;
          break;
        }
        default:
          this.skip(wireType, field, end, message, tagPos, depth);
      }
    }
    return value;
  }

  private int64(end: number): number | bigint {
    this.varint64(end, 'AnyValue');
    const lo = this.lo;
    const hi = this.hi | 0;
    // Int32 values (ports, status codes, counts: nearly all) leave as small integers. Through
    // the float arithmetic below they would be heap numbers, and V8 would then box that
    // attribute's field in every object of the same shape: 32 bytes more per value.
    if ((hi === 0 && lo < 0x8000_0000) || (hi === -1 && lo >= 0x8000_0000)) return lo | 0;
    // |value| < 2^53 exactly when the high half is within ±2^21.
    if (hi >= -0x20_0000 && hi < 0x20_0000) {
      const value = hi * 0x1_0000_0000 + lo;
      if (Number.isSafeInteger(value)) return value;
    }
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(lo));
  }

  private decodeArray(end: number, depth: number): AttributeValue[] {
    const out: AttributeValue[] = [];
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, 'ArrayValue');
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1) {
        if (wireType !== wtLen) throw this.wrongWireType('ArrayValue (values)', 1, tagPos, wireType, wtLen);
        const fieldEnd = this.lengthEnd(end, 'ArrayValue', field, tagPos);
        out.push(this.decodeAnyValue(fieldEnd, depth));
      } else {
        this.skip(wireType, field, end, 'ArrayValue', tagPos, depth);
      }
    }
    return out;
  }

  private decodeKvList(end: number, depth: number): Attributes {
    const kvBase = this.kvCount;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.tag(end, 'KeyValueList');
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1) {
        if (wireType !== wtLen) throw this.wrongWireType('KeyValueList (values)', 1, tagPos, wireType, wtLen);
        const fieldEnd = this.lengthEnd(end, 'KeyValueList', field, tagPos);
        this.pushKeyValue(fieldEnd, depth);
      } else {
        this.skip(wireType, field, end, 'KeyValueList', tagPos, depth);
      }
    }
    return this.takeAttributes(kvBase);
  }
}

/** The failure for a request that held no resource_spans at all. */
function noResourceSpans(reader: ProtoTraceReader, subject: string): TraceDecodeError {
  const other = reader.otherField;
  return new TraceDecodeError({
    kind: 'notATrace',
    detail: `${subject} no resource_spans (field 1 of ExportTraceServiceRequest)${other === 0 ? '' : `, only field ${other}`}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Decodes one binary ExportTraceServiceRequest (or TracesData), all in memory. */
export function decodeOtlpProtobuf(bytes: Uint8Array): DecodedSpans {
  if (bytes.length === 0) throw new TraceDecodeError({ kind: 'empty' });
  const reader = new ProtoTraceReader('otlp-protobuf');
  reader.setBuffer(bytes, 0);
  const entries = reader.decodeRequest(0, bytes.length, true);
  if (entries === 0 && reader.otherField !== 0) throw noResourceSpans(reader, 'it holds');
  return { format: 'otlp-protobuf', spans: reader.spans, warnings: reader.warnings() };
}

function readUint32(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  const b0 = bytes[at] as number;
  const b1 = bytes[at + 1] as number;
  const b2 = bytes[at + 2] as number;
  const b3 = bytes[at + 3] as number;
  return littleEndian ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0 : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}

/**
 * Decodes the collector file exporter's `format: proto` output: records, each a 4-byte length
 * then one ExportTraceServiceRequest of that length. The length is big-endian:
 * opentelemetry-collector-contrib exporter/fileexporter/file_writer.go, exportMessageAsBuffer,
 * writes it with `binary.BigEndian.PutUint32(data, uint32(len(buf)))`. A file whose first
 * prefix only makes sense little-endian is read little-endian throughout (other writers).
 *
 * A file cut inside its last record (the collector was writing) gives the earlier records and
 * a warning.
 */
export function decodeOtlpProtobufRecords(bytes: Uint8Array): DecodedSpans {
  const format: TraceFormat = 'otlp-protobuf-records';
  const total = bytes.length;
  if (total === 0) throw new TraceDecodeError({ kind: 'empty' });
  const littleEndian = !recordPlausible(bytes, 0, false) && recordPlausible(bytes, 0, true);
  const reader = new ProtoTraceReader(format);
  reader.setBuffer(bytes, 0);
  const warnings: string[] = [];
  let pos = 0;
  let record = 0;
  let entries = 0;
  while (pos < total) {
    record++;
    if (total - pos < 4) {
      if (record === 1) throw new TraceDecodeError({ kind: 'truncated', detail: `the file is only ${total} bytes, too short for the 4-byte length of its first record` });
      warnings.push(`The file ends inside the length of record ${record} (at byte ${pos}, ${total - pos} of 4 bytes); the ${record - 1} records before it were read.`);
      break;
    }
    const length = readUint32(bytes, pos, littleEndian);
    const start = pos + 4;
    if (length > total - start) {
      if (record === 1) {
        throw new TraceDecodeError({
          kind: 'truncated',
          detail: `the first record says it is ${length} bytes but only ${total - start} follow its length (at byte 0)`,
        });
      }
      warnings.push(
        `The file ends inside record ${record} (at byte ${pos}: ${length} bytes long, ${total - start} present; the collector was probably still writing it); the ${record - 1} records before it were read.`,
      );
      break;
    }
    try {
      entries += reader.decodeRequest(start, start + length, false);
    } catch (error: unknown) {
      if (error instanceof TraceDecodeError && error.failure.kind === 'malformed') {
        throw new TraceDecodeError({ kind: 'malformed', format, detail: `record ${record} (at byte ${pos}): ${error.failure.detail}` });
      }
      throw error;
    }
    pos = start + length;
  }
  if (entries === 0 && reader.otherField !== 0) throw noResourceSpans(reader, 'its records hold');
  return { format, spans: reader.spans, warnings: [...reader.warnings(), ...warnings] };
}

const stTag = 0;
const stLength = 1;
const stSkipVarint = 2;
const stSkipBytes = 3;
const stEntry = 4;

/**
 * Decodes one ExportTraceServiceRequest that arrives in chunks (a file too large for one
 * Buffer). Each top-level resource_spans entry is decoded as soon as its last byte arrives; an
 * entry that lies inside one chunk is decoded in place, one that spans chunks is gathered into
 * one buffer. So it holds at most one entry and one chunk besides the spans. The buffer grows
 * as bytes arrive rather than trusting the declared length up front, so a corrupt length
 * cannot make it allocate gigabytes for data that never comes.
 */
export class OtlpProtobufStreamDecoder {
  private readonly reader = new ProtoTraceReader('otlp-protobuf');
  /** Input offset of the next byte to consume. */
  private offset = 0;
  private state = stTag;
  // A varint being read across chunks.
  private varValue = 0;
  private varScale = 1;
  private varBytes = 0;
  private varStart = 0;
  // The field being read.
  private tagAt = 0;
  private field = 0;
  private remaining = 0;
  private skipTotal = 0;
  private skipWireType = 0;
  private entry: Uint8Array | undefined;
  private entryLength = 0;
  private entryFilled = 0;
  private entryStart = 0;
  /** Field numbers of unknown top-level groups being skipped, innermost last. */
  private readonly groups: number[] = [];
  private entries = 0;

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case stTag:
        case stLength:
        case stSkipVarint: {
          if (this.varBytes === 0) this.varStart = this.offset + i;
          const b = chunk[i++] as number;
          this.varValue += (b & 0x7f) * this.varScale;
          this.varScale *= 128;
          this.varBytes++;
          if (b >= 0x80) {
            if (this.varBytes === 10) throw this.malformed(`the varint at byte ${this.varStart} of ExportTraceServiceRequest is longer than 10 bytes`);
            continue;
          }
          const value = this.varValue;
          this.varValue = 0;
          this.varScale = 1;
          this.varBytes = 0;
          if (this.state === stTag) this.onTag(value);
          else if (this.state === stLength) i = this.onLength(value, chunk, i);
          else this.state = stTag;
          break;
        }
        case stSkipBytes: {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = stTag;
          break;
        }
        case stEntry: {
          let entry = this.entry as Uint8Array;
          const take = Math.min(this.entryLength - this.entryFilled, n - i);
          if (this.entryFilled + take > entry.length) {
            const grown = new Uint8Array(Math.min(this.entryLength, Math.max(2 * entry.length, this.entryFilled + take)));
            grown.set(entry.subarray(0, this.entryFilled));
            this.entry = entry = grown;
          }
          entry.set(chunk.subarray(i, i + take), this.entryFilled);
          this.entryFilled += take;
          i += take;
          if (this.entryFilled === this.entryLength) {
            this.entry = undefined;
            this.decodeEntry(entry, 0, this.entryLength, this.entryStart);
            this.state = stTag;
          }
          break;
        }
      }
    }
    this.offset += n;
  }

  finish(): DecodedSpans {
    const reader = this.reader;
    if (this.offset === 0) throw new TraceDecodeError({ kind: 'empty' });
    const end = this.offset;
    if (this.state === stEntry || this.state === stSkipBytes) {
      const needed = this.state === stEntry ? this.entryLength : this.skipTotal;
      const have = this.state === stEntry ? this.entryFilled : this.skipTotal - this.remaining;
      const kind = wireTypeKinds[this.state === stEntry ? wtLen : this.skipWireType] ?? '';
      throw new TraceDecodeError({
        kind: 'truncated',
        detail: `field ${this.field} of ExportTraceServiceRequest (tag at byte ${this.tagAt}, ${kind}) needs ${needed} bytes from byte ${end - have}, but the data ends after ${have} (at byte ${end})`,
      });
    }
    if (this.varBytes > 0) {
      throw new TraceDecodeError({ kind: 'truncated', detail: `the data ends at byte ${end} inside a varint of ExportTraceServiceRequest that starts at byte ${this.varStart}` });
    }
    if (this.state !== stTag) {
      throw new TraceDecodeError({ kind: 'truncated', detail: `the data ends at byte ${end}, after the tag of field ${this.field} of ExportTraceServiceRequest at byte ${this.tagAt}` });
    }
    if (this.groups.length > 0) {
      throw new TraceDecodeError({ kind: 'truncated', detail: `the data ends at byte ${end} inside group field ${this.groups[this.groups.length - 1]} of ExportTraceServiceRequest` });
    }
    if (this.entries === 0 && reader.otherField !== 0) throw noResourceSpans(reader, 'it holds');
    return { format: 'otlp-protobuf', spans: reader.spans, warnings: reader.warnings() };
  }

  private malformed(detail: string): TraceDecodeError {
    return new TraceDecodeError({ kind: 'malformed', format: 'otlp-protobuf', detail });
  }

  private onTag(tag: number): void {
    const at = this.varStart;
    if (tag < 8 || tag > 0xffff_ffff) {
      throw this.malformed(`ExportTraceServiceRequest has an invalid tag ${tag} at byte ${at} (field number ${Math.floor(tag / 8)}; field numbers start at 1)`);
    }
    const field = tag >>> 3;
    const wireType = tag & 7;
    this.tagAt = at;
    this.field = field;
    const inGroup = this.groups.length > 0;
    if (field === 1 && !inGroup) {
      if (wireType !== wtLen) {
        throw this.malformed(`field 1 of ExportTraceServiceRequest (resource_spans) at byte ${at} has wire type ${wireTypeNames[wireType]}, expected ${wireTypeNames[wtLen]}`);
      }
      this.state = stLength;
      return;
    }
    if (!inGroup && this.reader.otherField === 0) this.reader.otherField = field;
    switch (wireType) {
      case wtVarint:
        this.state = stSkipVarint;
        return;
      case wtFixed64:
      case wtFixed32:
        this.remaining = this.skipTotal = wireType === wtFixed64 ? 8 : 4;
        this.skipWireType = wireType;
        this.state = stSkipBytes;
        return;
      case wtLen:
        this.state = stLength;
        return;
      case wtStartGroup:
        if (this.groups.length >= maxDepth) throw this.malformed(`groups in ExportTraceServiceRequest nest more than ${maxDepth} levels deep at byte ${at}`);
        this.groups.push(field);
        this.state = stTag;
        return;
      case wtEndGroup: {
        const open = this.groups.pop();
        if (open !== field) {
          throw this.malformed(
            open === undefined
              ? `ExportTraceServiceRequest has an end-group tag for field ${field} at byte ${at} without a matching start-group tag`
              : `group field ${open} of ExportTraceServiceRequest is closed by an end-group tag for field ${field} at byte ${at}`,
          );
        }
        this.state = stTag;
        return;
      }
      default:
        throw this.malformed(`field ${field} of ExportTraceServiceRequest at byte ${at} has wire type ${wireType}, which does not exist`);
    }
  }

  /** After a length: decode the entry in place if all of it is in this chunk, else start gathering it. */
  private onLength(length: number, chunk: Uint8Array, i: number): number {
    const isEntry = this.field === 1 && this.groups.length === 0;
    if (!isEntry) {
      this.remaining = this.skipTotal = length;
      this.skipWireType = wtLen;
      this.state = length === 0 ? stTag : stSkipBytes;
      return i;
    }
    this.entries++;
    if (length <= chunk.length - i) {
      this.decodeEntry(chunk, i, i + length, this.offset);
      this.state = stTag;
      return i + length;
    }
    if (length > maxEntryBytes) {
      throw new TraceDecodeError({ kind: 'tooLarge', bytes: length, limit: maxEntryBytes });
    }
    this.entryLength = length;
    this.entry = new Uint8Array(Math.min(length, Math.max(initialEntryBytes, 2 * chunk.length)));
    this.entryFilled = 0;
    this.entryStart = this.offset + i;
    this.state = stEntry;
    return i;
  }

  private decodeEntry(bytes: Uint8Array, start: number, end: number, base: number): void {
    this.reader.setBuffer(bytes, base);
    this.reader.decodeResourceSpans(start, end);
  }
}

/** Whether a ResourceSpans can start with this byte: a tag of field 1, 2, 3 or 1000 (length-delimited). */
function isResourceSpansTagByte(byte: number): boolean {
  return byte === 0x0a || byte === 0x12 || byte === 0x1a || byte === 0xc2;
}

/**
 * Whether bytes (the whole input or just its first chunk) start like an ExportTraceServiceRequest:
 * field 1 length-delimited, a varint length that ends within 5 bytes, and, when its first byte
 * is there, a ResourceSpans that starts with one of its own fields.
 */
export function looksLikeOtlpProtobuf(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || bytes[0] !== 0x0a) return false;
  let length = 0;
  let scale = 1;
  let i = 1;
  for (; ; i++) {
    if (i >= bytes.length || i > 5) return false;
    const b = bytes[i] as number;
    length += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) break;
  }
  if (length > 0xffff_ffff) return false;
  const next = bytes[i + 1];
  if (next === undefined) return true;
  return length === 0 ? next === 0x0a : isResourceSpansTagByte(next);
}

function recordPlausible(bytes: Uint8Array, at: number, littleEndian: boolean): boolean {
  if (bytes.length - at < 6) return false;
  const length = readUint32(bytes, at, littleEndian);
  return length > 0 && length <= maxPlausibleRecord && looksLikeOtlpProtobuf(bytes.subarray(at + 4));
}

/**
 * Whether bytes start like the collector file exporter's proto records: a 4-byte length
 * (big-endian as the collector writes it, or little-endian) followed by an
 * ExportTraceServiceRequest. A plain request starting with 0x0a could read as a record of
 * more than 160 MiB; then it counts as records only if that record ends exactly at the end of
 * the data or another record follows it.
 */
export function looksLikeOtlpProtobufRecords(bytes: Uint8Array): boolean {
  for (const littleEndian of [false, true]) {
    if (!recordPlausible(bytes, 0, littleEndian)) continue;
    if (bytes[0] !== 0x0a && bytes[3] !== 0x0a) return true;
    const next = 4 + readUint32(bytes, 0, littleEndian);
    if (next === bytes.length || recordPlausible(bytes, next, littleEndian)) return true;
  }
  return false;
}
