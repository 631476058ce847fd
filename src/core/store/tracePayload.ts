import { decodeCanonicalOtlpJson } from '../formats/canonicalOtlpJson';
import { parseJsonOrFail } from '../formats/decodeTraceBytes';
import { decodeOtlpJson } from '../formats/otlpJson';
import { decodeOtlpProtobuf } from '../formats/otlpProtobuf';
import type { DecodedSpans } from '../formats/traceFormat';
import { decodeZipkinJson } from '../formats/zipkinJson';
import { decodeSpanRecord } from './spanRecordCodec';

/**
 * A batch as the store logs it. Received batches are logged as the (decompressed) bytes they
 * arrived in, so the hot path writes what it already holds instead of re-encoding every span;
 * the decoders are pure, so replaying the bytes gives back exactly the spans that were
 * acknowledged. Compaction copies these records as they are, and writes 'spans' records
 * (spanRecordCodec.ts) only for the live spans of records it finds partly evicted.
 */
export type TracePayloadKind = 'otlp-protobuf' | 'otlp-json' | 'zipkin-json' | 'spans';

export interface TracePayload {
  readonly kind: TracePayloadKind;
  readonly bytes: Uint8Array;
}

/** One byte per kind in the log; never renumber (files written by older versions hold them). */
export const payloadKindCodes: Readonly<Record<TracePayloadKind, number>> = { 'otlp-protobuf': 1, 'otlp-json': 2, 'zipkin-json': 3, spans: 4 };

export function payloadKindOfCode(code: number): TracePayloadKind | undefined {
  switch (code) {
    case 1:
      return 'otlp-protobuf';
    case 2:
      return 'otlp-json';
    case 3:
      return 'zipkin-json';
    case 4:
      return 'spans';
    default:
      return undefined;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/** Whether a JSON body is an empty object, which is a valid (empty) OTLP export request. */
function isEmptyObject(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && Object.keys(doc).length === 0;
}

/** Decodes a payload; throws TraceDecodeError (or SpanRecordDecodeError for 'spans') when it is bad. */
export function decodeTracePayload(payload: TracePayload): DecodedSpans {
  switch (payload.kind) {
    case 'otlp-protobuf':
      // An empty message is zero bytes on the wire (proto3), and a valid export of nothing.
      if (payload.bytes.length === 0) return { format: 'otlp-protobuf', spans: [], warnings: [] };
      return decodeOtlpProtobuf(payload.bytes);
    case 'otlp-json': {
      // What the SDKs send decodes without JSON.parse; everything else goes the full way.
      const canonical = decodeCanonicalOtlpJson(payload.bytes);
      if (canonical !== undefined) return canonical;
      const doc = parseJsonOrFail(utf8.decode(payload.bytes));
      if (isEmptyObject(doc)) return { format: 'otlp-json', spans: [], warnings: [] };
      return decodeOtlpJson(doc);
    }
    case 'zipkin-json':
      return decodeZipkinJson(parseJsonOrFail(utf8.decode(payload.bytes)));
    case 'spans':
      return { format: 'otlp-json', spans: decodeSpanRecord(payload.bytes), warnings: [] };
  }
}
