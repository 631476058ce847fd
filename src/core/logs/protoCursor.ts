import { InvalidPayloadError } from '../receiver/ingestPayload';

/**
 * A cursor over protobuf bytes that reads the wire format (https://protobuf.dev/programming-guides/encoding/)
 * and says, when the bytes are wrong, which message and field at which byte. The trace decoder's
 * reader (formats/otlpProtobuf.ts) is private to it and tuned for millions of spans; log batches
 * are smaller, so this one favours plain code over caches.
 *
 * Every read takes `end`, the end of the enclosing message, and never reads past it.
 */

export const wireVarint = 0;
export const wireFixed64 = 1;
export const wireLen = 2;
const wireStartGroup = 3;
const wireEndGroup = 4;
export const wireFixed32 = 5;

const wireTypeNames = ['0 (varint)', '1 (fixed64)', '2 (length-delimited)', '3 (start group)', '4 (end group)', '5 (fixed32)', '6 (invalid)', '7 (invalid)'];

/** How deep unknown groups, arrays and kvlists may nest; hostile input must not blow the stack. */
export const maxNesting = 64;

export class ProtoCursor {
  pos = 0;
  private readonly text: Buffer;
  private readonly view: DataView;

  /**
   * `subject` starts every error message, e.g. "the OTLP protobuf logs"; `topMessage` is the
   * message the whole input is. Only there does running out of bytes mean the input was cut
   * short: a nested message whose bytes run out had a length that promised them.
   */
  constructor(
    readonly bytes: Uint8Array,
    private readonly subject: string,
    private readonly topMessage: string,
  ) {
    this.text = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  malformed(detail: string): InvalidPayloadError {
    return new InvalidPayloadError(`${this.subject} are malformed: ${detail}`);
  }

  /** A tag, checked to name a real field (numbers 1 to 2^29 − 1). */
  tag(end: number, message: string): number {
    const at = this.pos;
    const tag = this.varint(end, message);
    if (tag < 8 || tag > 0xffff_ffff) throw this.malformed(`${message} has an invalid tag ${tag} at byte ${at} (field number ${Math.floor(tag / 8)}; field numbers start at 1)`);
    return tag;
  }

  /** Throws unless a field has the wire type its declaration gives it. */
  expect(wireType: number, expected: number, message: string, field: number, name: string, tagPos: number): void {
    if (wireType !== expected) {
      throw this.malformed(`field ${field} of ${message} (${name}) at byte ${tagPos} has wire type ${wireTypeNames[wireType] ?? wireType}, expected ${wireTypeNames[expected] ?? expected}`);
    }
  }

  /** An unsigned varint as a number: exact up to 2^53, which every length, tag, enum and count is. */
  varint(end: number, message: string): number {
    const bytes = this.bytes;
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (let pos = start; pos < start + 10; pos++) {
      if (pos >= end) {
        if (this.atInputEnd(end, message)) throw new InvalidPayloadError(`${this.subject} end too early (truncated?): the data ends at byte ${end} inside a varint of ${message} that starts at byte ${start}`);
        throw this.malformed(`a varint of ${message} at byte ${start} runs past the end of the ${message} (at byte ${end})`);
      }
      const b = bytes[pos] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos + 1;
        return value;
      }
      scale *= 128;
    }
    throw this.malformed(`a varint of ${message} at byte ${start} is longer than 10 bytes`);
  }

  /** An int64 varint (two's complement): a number when it is a safe integer, else an exact bigint. */
  int64(end: number, message: string): number | bigint {
    const start = this.pos;
    const value = this.varint(end, message);
    // Seven bytes or fewer hold less than 2^49: the number is exact and positive.
    if (this.pos - start <= 7) return value;
    let big = 0n;
    for (let pos = this.pos - 1; pos >= start; pos--) big = (big << 7n) | BigInt((this.bytes[pos] as number) & 0x7f);
    const signed = BigInt.asIntN(64, big);
    return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : signed;
  }

  /** The end of a length-delimited field whose length is at the cursor. */
  lengthEnd(end: number, message: string, field: number, tagPos: number): number {
    const length = this.varint(end, message);
    const start = this.pos;
    if (length > end - start) throw this.overrun(`field ${field} of ${message} (tag at byte ${tagPos}, length-delimited)`, start, length, end, message);
    return start + length;
  }

  fixed32(end: number, message: string, field: number, tagPos: number): number {
    const pos = this.pos;
    if (end - pos < 4) throw this.overrun(`field ${field} of ${message} (tag at byte ${tagPos}, fixed32)`, pos, 4, end, message);
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  /** A fixed64 straight into a bigint, never through a float, so nanosecond times stay exact. */
  fixed64(end: number, message: string, field: number, tagPos: number): bigint {
    const pos = this.pos;
    if (end - pos < 8) throw this.overrun(`field ${field} of ${message} (tag at byte ${tagPos}, fixed64)`, pos, 8, end, message);
    this.pos = pos + 8;
    return this.view.getBigUint64(pos, true);
  }

  double(end: number, message: string, field: number, tagPos: number): number {
    const pos = this.pos;
    if (end - pos < 8) throw this.overrun(`field ${field} of ${message} (tag at byte ${tagPos}, double)`, pos, 8, end, message);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** UTF-8 text in [start, end); invalid sequences become U+FFFD, as proto3 parsers in other languages do. */
  string(start: number, end: number): string {
    return start === end ? '' : this.text.toString('utf8', start, end);
  }

  /** The bytes in [start, end) as lower-case hex; undefined when there are none or all are zero (OTLP's "no id"). */
  hexId(start: number, end: number): string | undefined {
    const bytes = this.bytes;
    let pos = start;
    while (pos < end && bytes[pos] === 0) pos++;
    return pos === end ? undefined : this.text.toString('hex', start, end);
  }

  /** Skips the value of a field the decoder does not read, whatever its wire type. */
  skip(wireType: number, field: number, end: number, message: string, tagPos: number, depth: number): void {
    switch (wireType) {
      case wireVarint:
        this.varint(end, message);
        return;
      case wireFixed64:
      case wireFixed32: {
        const size = wireType === wireFixed64 ? 8 : 4;
        if (end - this.pos < size) throw this.overrun(`field ${field} of ${message} (tag at byte ${tagPos}, ${wireType === wireFixed64 ? 'fixed64' : 'fixed32'})`, this.pos, size, end, message);
        this.pos += size;
        return;
      }
      case wireLen:
        this.pos = this.lengthEnd(end, message, field, tagPos);
        return;
      case wireStartGroup:
        this.skipGroup(field, end, message, tagPos, depth);
        return;
      case wireEndGroup:
        throw this.malformed(`${message} has an end-group tag for field ${field} at byte ${tagPos} without a matching start-group tag`);
      default:
        throw this.malformed(`field ${field} of ${message} at byte ${tagPos} has wire type ${wireType}, which does not exist`);
    }
  }

  private skipGroup(field: number, end: number, message: string, tagPos: number, depth: number): void {
    if (depth >= maxNesting) throw this.malformed(`groups in ${message} nest more than ${maxNesting} levels deep at byte ${tagPos}`);
    while (this.pos < end) {
      const innerPos = this.pos;
      const tag = this.tag(end, message);
      if ((tag & 7) === wireEndGroup) {
        if (tag >>> 3 !== field) throw this.malformed(`group field ${field} of ${message} (started at byte ${tagPos}) is closed by an end-group tag for field ${tag >>> 3} at byte ${innerPos}`);
        return;
      }
      this.skip(tag & 7, tag >>> 3, end, message, innerPos, depth + 1);
    }
    throw this.malformed(`group field ${field} of ${message} at byte ${tagPos} has no end-group tag before the ${message} ends (at byte ${end})`);
  }

  private atInputEnd(end: number, message: string): boolean {
    return message === this.topMessage && end === this.bytes.length;
  }

  /**
   * `what` needs `needed` bytes from `start` but `end` comes first: the body was cut short when
   * that is the end of the input, else the lengths of the messages disagree.
   */
  private overrun(what: string, start: number, needed: number, end: number, message: string): InvalidPayloadError {
    if (this.atInputEnd(end, message)) return new InvalidPayloadError(`${this.subject} end too early (truncated?): ${what} needs ${needed} bytes from byte ${start}, but the data ends at byte ${end}`);
    return this.malformed(`${what} needs ${needed} bytes from byte ${start}, but its enclosing ${message} ends at byte ${end}`);
  }
}
