import type { TraceFormat } from '../formats/traceFormat';

/**
 * What the trace service answers: small, clone-friendly records. The spans themselves stay in
 * the service (a worker thread in the extension), so the extension host never deserializes a
 * million spans; it asks for the rows it is about to show.
 */

export interface TraceSummary {
  readonly traceId: string;
  /** Where it came from: a file path, later a source name. */
  readonly origin: string;
  readonly rootName: string;
  readonly rootService: string;
  /** Epoch nanoseconds as a decimal string (exact; bigint is awkward in JSON). */
  readonly startNs: string;
  readonly durationNs: number;
  readonly spanCount: number;
  readonly errorCount: number;
  readonly services: readonly string[];
  readonly warnings: readonly string[];
}

export interface SpanRow {
  readonly traceId: string;
  readonly index: number;
  readonly spanId: string;
  readonly name: string;
  readonly service: string;
  readonly kind: string;
  readonly durationNs: number;
  readonly offsetNs: number;
  readonly depth: number;
  readonly childCount: number;
  readonly error: boolean;
  readonly statusMessage: string | undefined;
  readonly orphan: boolean;
  /** A few attributes worth a glance (HTTP, DB, RPC, code location), as text. */
  readonly keyAttributes: readonly (readonly [string, string])[];
}

export interface ChildrenPage {
  readonly rows: readonly SpanRow[];
  /** All children of the parent, of which `rows` is the page asked for. */
  readonly total: number;
}

export type OpenedFile =
  | { readonly path: string; readonly ok: true; readonly format: TraceFormat; readonly traceIds: readonly string[]; readonly spanCount: number; readonly warnings: readonly string[] }
  | { readonly path: string; readonly ok: false; readonly message: string };

export interface OpenFilesResult {
  readonly files: readonly OpenedFile[];
  /** Traces built from all the files together: spans of one trace in several files join. */
  readonly traces: readonly TraceSummary[];
}

/** Requests, by operation; `TraceQueries` is the typed form both sides implement. */
export interface TraceQueries {
  openFiles(paths: readonly string[]): Promise<OpenFilesResult>;
  listTraces(): Promise<readonly TraceSummary[]>;
  children(traceId: string, parentIndex: number, offset: number, limit: number): Promise<ChildrenPage>;
  /** The row of one span, found by id (as a span link or a command argument names it). */
  findSpan(traceId: string, spanId: string): Promise<SpanRow | undefined>;
  removeTraces(traceIds: readonly string[]): Promise<void>;
}

export type TraceServiceOp = keyof TraceQueries;

export interface TraceServiceRequestMessage {
  readonly id: number;
  readonly op: TraceServiceOp;
  readonly args: readonly unknown[];
}

export type TraceServiceResponseMessage =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly message: string };
