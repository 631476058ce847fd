import type { Span } from '../model/span';

/** Every on-disk and on-the-wire shape SpanLens reads. */
export type TraceFormat = 'otlp-json' | 'otlp-json-lines' | 'otlp-protobuf' | 'otlp-protobuf-records' | 'jaeger-json' | 'jaeger-api-v3' | 'tempo-json' | 'zipkin-json';

export const traceFormatLabels: Readonly<Record<TraceFormat, string>> = {
  'otlp-json': 'OTLP JSON',
  'otlp-json-lines': 'OTLP JSON lines (collector file exporter)',
  'otlp-protobuf': 'OTLP protobuf',
  'otlp-protobuf-records': 'OTLP protobuf records (collector file exporter)',
  'jaeger-json': 'Jaeger JSON',
  'jaeger-api-v3': 'Jaeger api_v3 JSON',
  'tempo-json': 'Grafana Tempo JSON',
  'zipkin-json': 'Zipkin v2 JSON',
};

/** What a decoder hands back: spans in file order, plus anything odd it tolerated. */
export interface DecodedSpans {
  readonly format: TraceFormat;
  readonly spans: Span[];
  readonly warnings: string[];
}

/** Why a payload could not be decoded, as data; the adapter words it for the user. */
export type DecodeFailure =
  | { readonly kind: 'empty' }
  | { readonly kind: 'truncated'; readonly detail: string }
  | { readonly kind: 'invalidJson'; readonly detail: string }
  | { readonly kind: 'notATrace'; readonly detail: string }
  | { readonly kind: 'malformed'; readonly format: TraceFormat; readonly detail: string }
  | { readonly kind: 'tooLarge'; readonly bytes: number; readonly limit: number };

export class TraceDecodeError extends Error {
  constructor(readonly failure: DecodeFailure) {
    super(describeDecodeFailure(failure));
    this.name = 'TraceDecodeError';
  }
}

export function describeDecodeFailure(failure: DecodeFailure): string {
  switch (failure.kind) {
    case 'empty':
      return 'the file is empty';
    case 'truncated':
      return `the data ends too early (truncated?): ${failure.detail}`;
    case 'invalidJson':
      return `it is not valid JSON: ${failure.detail}`;
    case 'notATrace':
      return `it is not trace data: ${failure.detail}`;
    case 'malformed':
      return `it looks like ${traceFormatLabels[failure.format]} but ${failure.detail}`;
    case 'tooLarge':
      return `it is ${formatBytes(failure.bytes)}, more than the ${formatBytes(failure.limit)} SpanLens reads`;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
