import { ProtoTraceReader } from './protoTraceReader';
import { TraceDecodeError, type DecodedSpans } from './traceFormat';
import { maxDepth, wireTypeKinds, wireTypeNames, wtEndGroup, wtFixed32, wtFixed64, wtLen, wtStartGroup, wtVarint } from './wireCursor';

/** The largest single entry SpanLens will hold in one buffer. */
const maxEntryBytes = 0x7fff_ffff;
/** The first buffer for an entry that spans chunks; it doubles as the entry's bytes arrive. */
const initialEntryBytes = 1 << 20;

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
    if (this.entries === 0 && reader.otherField !== 0) throw reader.noResourceSpans('it holds');
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
