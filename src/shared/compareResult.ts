/** Two traces aligned span by span, as core's compareTraces makes them and the webview shows them. */

/** `same`: listed only as the ancestor of a change, to keep the tree's shape. */
export type CompareStatus = 'slower' | 'faster' | 'same' | 'added' | 'removed';

/**
 * One node of the comparison tree. Entries come in depth-first order; `depth` says how far to
 * indent, so a person reads the tree instead of every entry repeating its ancestors.
 */
export interface CompareEntry {
  /** `service: operation` of each ancestor and the span itself, joined by ` › ` (for tooltips and agents). */
  readonly path: string;
  readonly service: string;
  readonly name: string;
  /**
   * The name as shown: siblings of one parent with the same service and name are told apart by
   * their 1-based order among them, `GET /reserve #2`, the same number in both traces.
   */
  readonly label: string;
  /** 0 for a root; an entry's parent is the nearest earlier entry one level up. */
  readonly depth: number;
  readonly status: CompareStatus;
  /** Row in the baseline trace, −1 when the span is new. */
  readonly baselineRow: number;
  /** Row in the current trace, −1 when the span disappeared. */
  readonly currentRow: number;
  readonly baselineDurationNs: number;
  readonly currentDurationNs: number;
  /** Start relative to its own trace's start, ns; 0 on the side where the span does not exist. */
  readonly baselineOffsetNs: number;
  readonly currentOffsetNs: number;
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
  readonly baselineTraceDurationNs: number;
  readonly currentTraceDurationNs: number;
  /**
   * The largest changes (at most `maxEntries`) with their ancestors, as a tree in depth-first
   * order; unchanged matches are counted, not listed, unless they lead to a listed change.
   */
  readonly entries: readonly CompareEntry[];
  /** How many changes were left off `entries` to keep the message small. */
  readonly truncated: number;
}
