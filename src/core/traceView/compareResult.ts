/** Two traces aligned span by span (see src/core/traceView/compareTraces.ts). */

export type CompareStatus = 'slower' | 'faster' | 'same' | 'added' | 'removed';

export interface CompareEntry {
  /** `service: operation` of each ancestor and the span itself, joined by ` › `. */
  readonly path: string;
  readonly service: string;
  readonly name: string;
  readonly status: CompareStatus;
  /** Row in the baseline trace, −1 when the span is new. */
  readonly baselineRow: number;
  /** Row in the current trace, −1 when the span disappeared. */
  readonly currentRow: number;
  readonly baselineDurationNs: number;
  readonly currentDurationNs: number;
  /** current − baseline; positive is slower. */
  readonly deltaNs: number;
}

export interface CompareResult {
  readonly baselineTraceId: string;
  readonly currentTraceId: string;
  readonly matched: number;
  readonly added: number;
  readonly removed: number;
  readonly slower: number;
  readonly faster: number;
  /** Changed entries first, largest change first; unchanged matches are counted, not listed. */
  readonly entries: readonly CompareEntry[];
  /** How many entries were left off `entries` to keep the message small. */
  readonly truncated: number;
}
