/**
 * What the trace view is drawn from: one trace as columns of typed arrays (index = row in
 * depth-first order, as in the core Trace) plus small string tables. A million spans cost about
 * 40 bytes each and cross postMessage as a handful of ArrayBuffers instead of a million objects.
 * Core's encodeTraceView writes it; the webview reads it with the helpers below.
 */

/** Bits of `TraceViewData.flags`. */
export const SpanFlag = {
  Error: 1,
  /** On the critical path for at least part of its time. */
  Critical: 2,
  /** Its parent is not in the trace. */
  Orphan: 4,
  /** Carries code attributes, so "Go to Code" has something to try. */
  HasLocation: 8,
  /** Recorded at least one exception event. */
  HasException: 16,
  HasLinks: 32,
} as const;
export type SpanFlag = (typeof SpanFlag)[keyof typeof SpanFlag];

/**
 * Span ids: canonical ids are 16 hex digits, so they pack into 8 bytes each; a trace with any
 * other id (test data, odd exporters) keeps them all as text.
 */
export type SpanIdColumn = { readonly kind: 'hex64'; readonly bytes: Uint8Array } | { readonly kind: 'text'; readonly ids: readonly string[] };

export interface TraceViewData {
  readonly traceId: string;
  /** Epoch nanoseconds of the trace start, as a decimal string (exact). */
  readonly startNs: string;
  readonly durationNs: number;
  readonly spanCount: number;
  /** Corrected start of each span relative to the trace start, ns. */
  readonly offsetNs: Float64Array;
  readonly durationsNs: Float64Array;
  readonly depth: Uint16Array | Uint32Array;
  /** Row of the parent, −1 for top-level spans. */
  readonly parent: Int32Array;
  /** Exclusive end of each span's subtree: rows [i, subtreeEnd[i]) are the span and its descendants. */
  readonly subtreeEnd: Uint32Array;
  readonly serviceIndex: Uint16Array | Uint32Array;
  readonly nameIndex: Uint32Array;
  readonly flags: Uint8Array;
  readonly services: readonly string[];
  readonly names: readonly string[];
  readonly spanIds: SpanIdColumn;
  readonly warnings: readonly string[];
}

const hexDigits = '0123456789abcdef';

export function spanIdAt(data: TraceViewData, row: number): string {
  const column = data.spanIds;
  if (column.kind === 'text') return column.ids[row] ?? '';
  let out = '';
  const base = row * 8;
  for (let b = 0; b < 8; b++) {
    const byte = column.bytes[base + b] ?? 0;
    out += (hexDigits[byte >> 4] ?? '0') + (hexDigits[byte & 15] ?? '0');
  }
  return out;
}

export function hasFlag(data: TraceViewData, row: number, flag: SpanFlag): boolean {
  return ((data.flags[row] ?? 0) & flag) !== 0;
}

export function nameAt(data: TraceViewData, row: number): string {
  return data.names[data.nameIndex[row] ?? 0] ?? '';
}

export function serviceAt(data: TraceViewData, row: number): string {
  return data.services[data.serviceIndex[row] ?? 0] ?? '';
}

export function hasChildren(data: TraceViewData, row: number): boolean {
  return (data.subtreeEnd[row] ?? row + 1) > row + 1;
}

/** Row of a span id, or −1; a linear scan, for the rare lookups (links, restored selection). */
export function rowOfSpanId(data: TraceViewData, spanId: string): number {
  for (let row = 0; row < data.spanCount; row++) if (spanIdAt(data, row) === spanId) return row;
  return -1;
}

/** Size of the encoding's columns, for the bench and for deciding how to send it. */
export function encodedBytes(data: TraceViewData): number {
  const arrays = [data.offsetNs, data.durationsNs, data.depth, data.parent, data.subtreeEnd, data.serviceIndex, data.nameIndex, data.flags];
  let bytes = arrays.reduce((sum, array) => sum + array.byteLength, 0);
  bytes += data.spanIds.kind === 'hex64' ? data.spanIds.bytes.byteLength : data.spanIds.ids.reduce((sum, id) => sum + id.length, 0);
  for (const text of [...data.names, ...data.services]) bytes += text.length;
  return bytes;
}
