/**
 * Whether bytes look like OTLP protobuf traces, decided on their first bytes (the whole input or
 * just its first chunk) without decoding them.
 */

/** The largest record a plausible collector file starts with. */
const maxPlausibleRecord = 1 << 30;

/** The 4-byte length before each record of the collector file exporter's proto output. */
export function readUint32(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  const b0 = bytes[at] as number;
  const b1 = bytes[at + 1] as number;
  const b2 = bytes[at + 2] as number;
  const b3 = bytes[at + 3] as number;
  return littleEndian ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0 : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
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

export function recordPlausible(bytes: Uint8Array, at: number, littleEndian: boolean): boolean {
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
