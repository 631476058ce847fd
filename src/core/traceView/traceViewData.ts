/**
 * What the trace view is drawn from: one trace as columns of typed arrays (index = row in
 * depth-first order, as in the core Trace) plus small string tables. A million spans cost about
 * 40 bytes each and cross postMessage as a handful of ArrayBuffers instead of a million objects
 * (issue 8: "no per-span JSON objects for big traces"). Defined in core, where it is produced;
 * src/shared/traceViewData.ts re-exports the types and the webview's helpers.
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
export type SpanIdColumn =
  | { readonly kind: 'hex64'; readonly bytes: Uint8Array }
  | { readonly kind: 'text'; readonly ids: readonly string[] };

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

