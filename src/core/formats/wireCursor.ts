/**
 * A cursor over protobuf bytes that reads the wire format
 * (https://protobuf.dev/programming-guides/encoding/) and says, when the bytes are wrong, which
 * message and field at which byte. The trace decoder and the logs decoder both read through it;
 * each subclass decides what its errors are (the trace decoder's name a position in a stream of
 * chunks, the receiver's are InvalidPayloadErrors) and when running out of bytes means the input
 * was cut short rather than that two lengths disagree.
 *
 * Every read takes `end`, the end of the enclosing message, and never reads past it. `tag` reads
 * a field's tag; the reads after it check the field's wire type and name it in their errors.
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
// through `exports.` everywhere in the importing decode loops.
export { maxDepth, wireTypeKinds, wireTypeNames, wtEndGroup, wtFixed32, wtFixed64, wtLen, wtStartGroup, wtVarint };

export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export abstract class WireCursor {
  pos = 0;
  /** The field whose tag `tag` read last: its number, its wire type and where its tag starts. */
  field = 0;
  wireType = 0;
  tagPos = 0;
  protected buf: Uint8Array = new Uint8Array(0);
  protected text: Buffer = Buffer.alloc(0);
  protected view: DataView = new DataView(new ArrayBuffer(0));
  /** The input offset of the buffer's first byte, so every message names a position in the input as a whole. */
  protected base = 0;

  // The last int64 read, as two uint32 halves, kept here instead of in a returned object.
  private lo = 0;
  private hi = 0;

  abstract malformed(detail: string): Error;
  /** The error for data that ends early; `detail` says where. */
  protected abstract truncated(detail: string): Error;
  /** Whether running out of bytes at `end` of `message` means the input was cut short (else the lengths disagree). */
  protected abstract atInputEnd(end: number, message: string): boolean;
  /** `what` needs `needed` bytes from `start` but `end` comes first. */
  protected abstract overrun(what: string, start: number, needed: number, end: number, message: string): Error;

  /** Points the cursor at `bytes`, whose first byte is byte `base` of the input. */
  setBuffer(bytes: Uint8Array, base: number): void {
    this.buf = bytes;
    this.text = bufferOf(bytes);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = base;
    this.pos = 0;
  }

  /** A tag, checked to name a real field (numbers 1 to 2^29 − 1); returns the field number. */
  tag(end: number, message: string): number {
    const at = this.pos;
    const tag = this.varint(end, message);
    if (tag < 8 || tag > 0xffff_ffff) {
      throw this.malformed(`${message} has an invalid tag ${tag} at byte ${this.base + at} (field number ${Math.floor(tag / 8)}; field numbers start at 1)`);
    }
    this.tagPos = at;
    this.wireType = tag & 7;
    return (this.field = tag >>> 3);
  }

  /** Throws unless the field whose tag was read last has the wire type its declaration gives it. */
  expect(expected: number, message: string, name: string): void {
    const wireType = this.wireType;
    if (wireType !== expected) {
      throw this.malformed(
        `field ${this.field} of ${message} (${name}) at byte ${this.base + this.tagPos} has wire type ${wireTypeNames[wireType] ?? wireType}, expected ${wireTypeNames[expected] ?? expected}`,
      );
    }
  }

  /** A varint as a number: exact up to 2^53, which every length, tag, enum and count is. */
  varint(end: number, message: string): number {
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
      if (pos >= end) throw this.varintPastEnd(start, end, message);
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

  private varintPastEnd(start: number, end: number, message: string): Error {
    if (this.atInputEnd(end, message)) return this.truncated(`the data ends at byte ${this.base + end} inside a varint of ${message} that starts at byte ${this.base + start}`);
    return this.malformed(`a varint of ${message} at byte ${this.base + start} runs past the end of the ${message} (at byte ${this.base + end})`);
  }

  /** A varint field (an enum, a bool, a count) as a number. */
  uint(end: number, message: string, name: string): number {
    this.expect(wtVarint, message, name);
    return this.varint(end, message);
  }

  /** An int64 varint (two's complement): a number when it is a safe integer, else an exact bigint. */
  int64(end: number, message: string, name: string): number | bigint {
    this.expect(wtVarint, message, name);
    this.varint64(end, message);
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

  /** A 64-bit varint into `lo` and `hi` (two uint32 halves), exactly. */
  private varint64(end: number, message: string): void {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (i === 10) throw this.malformed(`a varint of ${message} at byte ${this.base + start} is longer than 10 bytes`);
      if (pos >= end) throw this.varintPastEnd(start, end, message);
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

  /** The end of a length-delimited field, whose length is at the cursor. */
  length(end: number, message: string, name: string): number {
    this.expect(wtLen, message, name);
    return this.lengthEnd(end, message, this.field, this.tagPos);
  }

  fixed32(end: number, message: string, name: string): number {
    this.expect(wtFixed32, message, name);
    return this.view.getUint32(this.advance(4, 'fixed32', end, message), true);
  }

  /** A fixed64 straight into a bigint, never through a float, so nanosecond times stay exact. */
  fixed64(end: number, message: string, name: string): bigint {
    this.expect(wtFixed64, message, name);
    return this.view.getBigUint64(this.advance(8, 'fixed64', end, message), true);
  }

  double(end: number, message: string, name: string): number {
    this.expect(wtFixed64, message, name);
    return this.view.getFloat64(this.advance(8, 'double', end, message), true);
  }

  /** A length-delimited field's bytes, copied, so a value does not keep the whole input alive. */
  bytesField(end: number, message: string, name: string): Uint8Array {
    const fieldEnd = this.length(end, message, name);
    const start = this.pos;
    this.pos = fieldEnd;
    return new Uint8Array(this.buf.subarray(start, fieldEnd));
  }

  /** Skips the value of the field whose tag was read last, whatever its wire type. */
  skipField(end: number, message: string, depth: number): void {
    this.skip(this.wireType, this.field, end, message, this.tagPos, depth);
  }

  /** The position of a fixed-size value of the current field, the cursor moved past it. */
  private advance(size: number, kind: string, end: number, message: string): number {
    const pos = this.pos;
    if (end - pos < size) throw this.overrun(`field ${this.field} of ${message} (tag at byte ${this.base + this.tagPos}, ${kind})`, pos, size, end, message);
    this.pos = pos + size;
    return pos;
  }

  /** The end of a length-delimited field whose length varint is at the cursor. */
  protected lengthEnd(end: number, message: string, field: number, tagPos: number): number {
    const length = this.varint(end, message);
    const start = this.pos;
    if (length > end - start) throw this.overrun(`field ${field} of ${message} (tag at byte ${this.base + tagPos}, length-delimited)`, start, length, end, message);
    return start + length;
  }

  /** Skips the value of a field whose tag was read by hand, whatever its wire type. */
  protected skip(wireType: number, field: number, end: number, message: string, tagPos: number, depth: number): void {
    switch (wireType) {
      case wtVarint:
        this.varint(end, message);
        return;
      case wtFixed64:
      case wtFixed32: {
        const size = wireType === wtFixed64 ? 8 : 4;
        if (end - this.pos < size) {
          throw this.overrun(`field ${field} of ${message} (tag at byte ${this.base + tagPos}, ${wireType === wtFixed64 ? 'fixed64' : 'fixed32'})`, this.pos, size, end, message);
        }
        this.pos += size;
        return;
      }
      case wtLen:
        this.pos = this.lengthEnd(end, message, field, tagPos);
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
      const inner = this.tag(end, message);
      if (this.wireType === wtEndGroup) {
        if (inner !== field) {
          throw this.malformed(`group field ${field} of ${message} (started at byte ${this.base + tagPos}) is closed by an end-group tag for field ${inner} at byte ${this.base + innerPos}`);
        }
        return;
      }
      this.skip(this.wireType, inner, end, message, innerPos, depth + 1);
    }
    if (this.atInputEnd(end, message)) {
      throw this.truncated(`the data ends at byte ${this.base + end} inside group field ${field} of ${message} that starts at byte ${this.base + tagPos}`);
    }
    throw this.malformed(`group field ${field} of ${message} at byte ${this.base + tagPos} has no end-group tag before the end of the ${message} (at byte ${this.base + end})`);
  }
}
