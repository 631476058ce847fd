import { bytesToHex } from '../model/ids';
import { AttributeCursor } from './attributeCursor';

/**
 * An attribute cursor that decodes repeated strings and ids once. Strings that repeat (attribute keys,
 * span names, short values) and ids that repeat (a trace's id, a parent's id) come from small
 * caches keyed by their bytes, so each distinct one is decoded once and shared: a million spans
 * hold a few thousand distinct strings.
 */

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

export abstract class InterningCursor extends AttributeCursor {
  /** Ids that were neither 16 (trace) nor 8 (span) bytes long, for a warning. */
  protected oddIds = 0;

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

  /** A length-delimited field as a span id (see spanId). */
  spanIdField(end: number, message: string, name: string): string {
    const fieldEnd = this.length(end, message, name);
    const id = this.spanId(this.pos, fieldEnd);
    this.pos = fieldEnd;
    return id;
  }

  /** A length-delimited field as a trace id (see traceId). */
  traceIdField(end: number, message: string, name: string): string {
    const fieldEnd = this.length(end, message, name);
    const id = this.traceId(this.pos, fieldEnd);
    this.pos = fieldEnd;
    return id;
  }

  /**
   * UTF-8 text. Strings of up to 128 bytes come from the cache when the same bytes were seen
   * before: the slot is chosen by the length and three 4-byte words (first, middle, last), and
   * a hit is confirmed by comparing every byte, four at a time.
   */
  protected textAt(start: number, end: number): string {
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
  protected spanId(start: number, end: number): string {
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
  protected traceId(start: number, end: number): string {
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
    // Spelled out rather than two calls of a helper shared with spanId: a trace id concatenated
    // from two 16-digit halves made the protobuf bench's decode 12% slower.
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
}
