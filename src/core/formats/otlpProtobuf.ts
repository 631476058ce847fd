import { readUint32, recordPlausible } from './looksLikeOtlpProtobuf';
import { ProtoTraceReader } from './protoTraceReader';
import { TraceDecodeError, type DecodedSpans, type TraceFormat } from './traceFormat';

/**
 * OTLP traces in binary protobuf, decoded by hand: an `ExportTraceServiceRequest` (the same
 * bytes as `TracesData`: field 1 is `repeated ResourceSpans`), whole, or as the collector file
 * exporter's length-prefixed records. The schema is read by ProtoTraceReader; a request that
 * arrives in chunks goes through OtlpProtobufStreamDecoder.
 */

/** Decodes one binary ExportTraceServiceRequest (or TracesData), all in memory. */
export function decodeOtlpProtobuf(bytes: Uint8Array): DecodedSpans {
  if (bytes.length === 0) throw new TraceDecodeError({ kind: 'empty' });
  const reader = new ProtoTraceReader('otlp-protobuf');
  reader.setBuffer(bytes, 0);
  const entries = reader.decodeRequest(0, bytes.length, true);
  if (entries === 0 && reader.otherField !== 0) throw reader.noResourceSpans('it holds');
  return { format: 'otlp-protobuf', spans: reader.spans, warnings: reader.warnings() };
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
  if (entries === 0 && reader.otherField !== 0) throw reader.noResourceSpans('its records hold');
  return { format, spans: reader.spans, warnings: [...reader.warnings(), ...warnings] };
}
