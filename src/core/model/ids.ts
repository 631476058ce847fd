/**
 * Trace and span ids in one canonical form: lower-case hex, trace ids 32 characters and span
 * ids 16, left-padded with zeros (64-bit Jaeger and Zipkin trace ids become 128-bit ones, as
 * Jaeger does before correlating with OTLP). Formats disagree on the wire: OTLP JSON uses hex
 * (any case), Tempo and proto3 JSON use base64 (../shared/reference/backends.md §2.1, §4.1).
 * Ids that are neither (test data such as "trace-123") are kept verbatim, so nothing is lost.
 */

const hexPattern = /^[0-9a-fA-F]+$/;
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += (byte < 16 ? '0' : '') + byte.toString(16);
  return out;
}

function normalizeHex(raw: string, width: number): string | undefined {
  if (raw.length === 0 || raw.length > width || !hexPattern.test(raw)) return undefined;
  return raw.toLowerCase().padStart(width, '0');
}

function fromBase64(raw: string, bytes: number): string | undefined {
  if (!base64Pattern.test(raw)) return undefined;
  const decoded = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return decoded.length === bytes ? bytesToHex(decoded) : undefined;
}

/** An id as a format promises it: hex first, then base64 of the right byte length, else verbatim. */
export function normalizeTraceId(raw: string): string {
  return normalizeHex(raw, 32) ?? fromBase64(raw, 16) ?? fromBase64(raw, 8)?.padStart(32, '0') ?? raw;
}

export function normalizeSpanId(raw: string): string {
  return normalizeHex(raw, 16) ?? fromBase64(raw, 8) ?? raw;
}

/** For formats whose ids are base64 on the wire (Tempo, proto3 JSON): base64 first, then hex. */
export function normalizeTraceIdPreferBase64(raw: string): string {
  if (raw.length !== 32 && raw.length !== 16) {
    const fromB64 = fromBase64(raw, 16) ?? fromBase64(raw, 8)?.padStart(32, '0');
    if (fromB64) return fromB64;
  }
  return normalizeTraceId(raw);
}

export function normalizeSpanIdPreferBase64(raw: string): string {
  if (raw.length !== 16) {
    const fromB64 = fromBase64(raw, 8);
    if (fromB64) return fromB64;
  }
  return normalizeSpanId(raw);
}

/** Whether a canonical id holds only zeros, which OTLP uses for "no id". */
export function isZeroId(id: string): boolean {
  return /^0+$/.test(id);
}
