import { InvalidPayloadError } from '../receiver/ingestPayload';
import { AttributeCursor } from '../formats/attributeCursor';

/**
 * The attribute cursor for payloads the receiver takes in one piece (log batches): its errors are
 * the receiver's InvalidPayloadErrors. Log batches are small, so strings are decoded as they
 * come, without the trace reader's caches.
 */
export class ProtoCursor extends AttributeCursor {
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
    super();
    this.setBuffer(bytes, 0);
  }

  malformed(detail: string): InvalidPayloadError {
    return new InvalidPayloadError(`${this.subject} are malformed: ${detail}`);
  }

  protected truncated(detail: string): InvalidPayloadError {
    return new InvalidPayloadError(`${this.subject} end too early (truncated?): ${detail}`);
  }

  protected atInputEnd(end: number, message: string): boolean {
    return message === this.topMessage && end === this.bytes.length;
  }

  protected overrun(what: string, start: number, needed: number, end: number, message: string): InvalidPayloadError {
    if (this.atInputEnd(end, message)) return this.truncated(`${what} needs ${needed} bytes from byte ${start}, but the data ends at byte ${end}`);
    return this.malformed(`${what} needs ${needed} bytes from byte ${start}, but its enclosing ${message} ends at byte ${end}`);
  }

  /** Invalid UTF-8 sequences become U+FFFD, as proto3 parsers in other languages do. */
  protected textAt(start: number, end: number): string {
    return start === end ? '' : this.text.toString('utf8', start, end);
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
}
