/**
 * The few protobuf messages the receiver writes, encoded by hand (they are tiny):
 * ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
 * ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
 * (opentelemetry-proto, collector/trace/v1/trace_service.proto) and
 * google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }.
 * An empty message is zero bytes, which is also the empty ExportLogsServiceResponse and
 * ExportMetricsServiceResponse the receiver answers logs and metrics with.
 */

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) the receiver uses. */
export const GrpcStatus = {
  Ok: 0,
  InvalidArgument: 3,
  NotFound: 5,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
} as const;
export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus];

export interface PartialSuccess {
  readonly rejectedSpans: number;
  /** Empty for a full success; a message with rejectedSpans 0 is a warning (OTLP spec). */
  readonly errorMessage: string;
}

function varint(value: number, out: number[]): void {
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function lengthDelimited(field: number, bytes: Uint8Array, out: number[]): void {
  varint((field << 3) | 2, out);
  varint(bytes.length, out);
  for (const b of bytes) out.push(b);
}

export function encodeExportResponseProto(partial: PartialSuccess | undefined): Uint8Array {
  if (!partial || (partial.rejectedSpans === 0 && partial.errorMessage === '')) return new Uint8Array(0);
  const inner: number[] = [];
  if (partial.rejectedSpans > 0) {
    varint(1 << 3, inner);
    varint(partial.rejectedSpans, inner);
  }
  if (partial.errorMessage !== '') lengthDelimited(2, Buffer.from(partial.errorMessage, 'utf8'), inner);
  const out: number[] = [];
  lengthDelimited(1, Uint8Array.from(inner), out);
  return Uint8Array.from(out);
}

export function encodeExportResponseJson(partial: PartialSuccess | undefined): string {
  if (!partial || (partial.rejectedSpans === 0 && partial.errorMessage === '')) return '{}';
  // int64 is a decimal string in OTLP JSON (backends.md §4.1).
  return JSON.stringify({ partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } });
}

export function encodeStatusProto(code: GrpcStatus, message: string): Uint8Array {
  const out: number[] = [];
  if (code !== 0) {
    varint(1 << 3, out);
    varint(code, out);
  }
  if (message !== '') lengthDelimited(2, Buffer.from(message, 'utf8'), out);
  return Uint8Array.from(out);
}

export function encodeStatusJson(code: GrpcStatus, message: string): string {
  return JSON.stringify({ code, message });
}

/** The gRPC length-prefixed message: a compressed flag, a big-endian u32 length, the bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2 spec, "Responses"). */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
