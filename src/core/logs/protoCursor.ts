import { maxDepth, wireTypeNames, wtFixed32, wtFixed64, wtLen, wtVarint } from '../formats/otlpProtobuf';
import { InvalidPayloadError } from '../receiver/ingestPayload';

/**
 * A cursor over protobuf bytes that reads the wire format (https://protobuf.dev/programming-guides/encoding/)
 * and says, when the bytes are wrong, which message and field at which byte. The trace decoder's
 * reader (formats/otlpProtobuf.ts) is private to it and tuned for millions of spans; log batches
 * are smaller, so this one favours plain code over caches. The two share the wire constants, but
 * not their reads: the trace reader's errors are TraceDecodeErrors with byte offsets into a
 * stream, these are the receiver's InvalidPayloadErrors and name the field.
 *
 * Every read takes `end`, the end of the enclosing message, and never reads past it. `tag` reads
 * a field's tag; the reads after it check the field's wire type and name it in their errors.
 */

const wireStartGroup = 3;
const wireEndGroup = 4;

export class ProtoCursor {
  pos = 0;
  /** The field whose tag `tag` read last: its number, its wire type and where its tag starts. */
  field = 0;
  wireType = 0;
  tagPos = 0;
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

  /** A tag, checked to name a real field (numbers 1 to 2^29 − 1); returns the field number. */
  tag(end: number, message: string): number {
    const at = this.pos;
    const tag = this.varint(end, message);
    if (tag < 8 || tag > 0xffff_ffff) throw this.malformed(`${message} has an invalid tag ${tag} at byte ${at} (field number ${Math.floor(tag / 8)}; field numbers start at 1)`);
    this.tagPos = at;
    this.wireType = tag & 7;
    this.field = tag >>> 3;
    return this.field;
  }

  /** Throws unless the field has the wire type its declaration gives it. */
  private expect(expected: number, message: string, name: string): void {
    const wireType = this.wireType;
    if (wireType !== expected) {
      throw this.malformed(`field ${this.field} of ${message} (${name}) at byte ${this.tagPos} has wire type ${wireTypeNames[wireType] ?? wireType}, expected ${wireTypeNames[expected] ?? expected}`);
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

  /** A varint field (an enum, a bool) as a number. */
  uint(end: number, message: string, name: string): number {
    this.expect(wtVarint, message, name);
    return this.varint(end, message);
  }

  /** An int64 varint (two's complement): a number when it is a safe integer, else an exact bigint. */
  int64(end: number, message: string, name: string): number | bigint {
    this.expect(wtVarint, message, name);
    const start = this.pos;
    const value = this.varint(end, message);
    // Seven bytes or fewer hold less than 2^49: the number is exact and positive.
    if (this.pos - start <= 7) return value;
    let big = 0n;
    for (let pos = this.pos - 1; pos >= start; pos--) big = (big << 7n) | BigInt((this.bytes[pos] as number) & 0x7f);
    const signed = BigInt.asIntN(64, big);
    return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : signed;
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

  /** A length-delimited field as UTF-8 text; invalid sequences become U+FFFD, as proto3 parsers in other languages do. */
  string(end: number, message: string, name: string): string {
    const fieldEnd = this.length(end, message, name);
    const start = this.pos;
    this.pos = fieldEnd;
    return start === fieldEnd ? '' : this.text.toString('utf8', start, fieldEnd);
  }

  /** A length-delimited field's bytes, copied, so a value does not keep the whole request alive. */
  bytesField(end: number, message: string, name: string): Uint8Array {
    const fieldEnd = this.length(end, message, name);
    const start = this.pos;
    this.pos = fieldEnd;
    return new Uint8Array(this.bytes.subarray(start, fieldEnd));
  }

  /** A length-delimited field's bytes as lower-case hex; undefined when there are none or all are zero (OTLP's "no id"). */
  hexId(end: number, message: string, name: string): string | undefined {
    const fieldEnd = this.length(end, message, name);
    const start = this.pos;
    const bytes = this.bytes;
    this.pos = fieldEnd;
    let pos = start;
    while (pos < fieldEnd && bytes[pos] === 0) pos++;
    return pos === fieldEnd ? undefined : this.text.toString('hex', start, fieldEnd);
  }

  /** Skips the value of the field whose tag was read last, whatever its wire type. */
  skipField(end: number, message: string, depth: number): void {
    this.skip(this.wireType, this.field, end, message, this.tagPos, depth);
  }

  /** The position of a fixed-size value of the current field, the cursor moved past it. */
  private advance(size: number, kind: string, end: number, message: string): number {
    const pos = this.pos;
    if (end - pos < size) throw this.overrun(`field ${this.field} of ${message} (tag at byte ${this.tagPos}, ${kind})`, pos, size, end, message);
    this.pos = pos + size;
    return pos;
  }

  private lengthEnd(end: number, message: string, field: number, tagPos: number): number {
    const length = this.varint(end, message);
    const start = this.pos;
    if (length > end - start) throw this.overrun(`field ${field} of ${message} (tag at byte ${tagPos}, length-delimited)`, start, length, end, message);
    return start + length;
  }

  private skip(wireType: number, field: number, end: number, message: string, tagPos: number, depth: number): void {
    switch (wireType) {
      case wtVarint:
        this.varint(end, message);
        return;
      case wtFixed64:
      case wtFixed32: {
        const size = wireType === wtFixed64 ? 8 : 4;
        if (end - this.pos < size) throw this.overrun(`field ${field} of ${message} (tag at byte ${tagPos}, ${wireType === wtFixed64 ? 'fixed64' : 'fixed32'})`, this.pos, size, end, message);
        this.pos += size;
        return;
      }
      case wtLen:
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
    if (depth >= maxDepth) throw this.malformed(`groups in ${message} nest more than ${maxDepth} levels deep at byte ${tagPos}`);
    while (this.pos < end) {
      const innerPos = this.pos;
      const inner = this.tag(end, message);
      if (this.wireType === wireEndGroup) {
        if (inner !== field) throw this.malformed(`group field ${field} of ${message} (started at byte ${tagPos}) is closed by an end-group tag for field ${inner} at byte ${innerPos}`);
        return;
      }
      this.skip(this.wireType, inner, end, message, innerPos, depth + 1);
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
