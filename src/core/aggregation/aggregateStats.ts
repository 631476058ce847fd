import type { AggregationWindow } from './aggregationWindow';
import type { CodeLocation } from './codeLocation';
import type { LatencySummary } from './summarizeLatency';

/** A pointer to one recorded span: enough to open it in the trace view, nothing of its data. */
export interface SpanRef {
  readonly traceId: string;
  readonly spanId: string;
  readonly service: string;
  readonly name: string;
  readonly durationMs: number;
  readonly error: boolean;
  readonly endTimeMs: number;
}

/** What a query aggregates over. */
export type StatsKey =
  | { readonly kind: 'location'; readonly file: string; readonly line?: number }
  | { readonly kind: 'function'; readonly file: string; readonly function: string }
  | { readonly kind: 'operation'; readonly service: string; readonly name: string };

export interface SamplingSummary {
  /**
   * From trace flags / `sampling.priority`: whether the spans say they were sampled. `unknown`
   * when none of them says (Jaeger and Zipkin JSON carry no flags).
   */
  readonly flag: 'sampled' | 'notSampled' | 'mixed' | 'unknown';
  /**
   * The lowest head-sampling probability the spans recorded, when any did: below 1 the counts
   * are a sample of the traffic, not its total.
   */
  readonly probability: number | undefined;
}

export interface AggregateStats {
  readonly window: AggregationWindow;
  readonly count: number;
  readonly errorCount: number;
  /** errorCount / count, 0..1. */
  readonly errorRate: number;
  readonly latency: LatencySummary;
  readonly sampling: SamplingSummary;
  /** Most recently seen first. */
  readonly services: readonly string[];
  /** `service.version` values seen in the window, most recent first. */
  readonly versions: readonly string[];
  /** Commits seen in the window (`vcs.ref.head.revision` …), most recent first. */
  readonly commits: readonly string[];
  /** Slowest first, bounded. */
  readonly slowest: readonly SpanRef[];
  readonly latestError: SpanRef | undefined;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** How many keys (locations or operations) the figures merge. */
  readonly keyCount: number;
  /**
   * The memory bound dropped least recently seen keys while this window's data was arriving,
   * so these figures may miss spans, and the hover says so.
   */
  readonly possiblyIncomplete: boolean;
}

/**
 * What a CodeLens shows of a function's figures: its title, heat and stale-build mark read these
 * and nothing else. AggregateStats is one.
 */
export interface LensFigures {
  readonly count: number;
  readonly errorCount: number;
  readonly latency: Pick<LatencySummary, 'quantiles'>;
  readonly versions: readonly string[];
  readonly commits: readonly string[];
}

export interface LocationSummary {
  readonly location: CodeLocation;
  readonly count: number;
  readonly errorCount: number;
}

export interface OperationSummary {
  readonly service: string;
  readonly name: string;
  readonly count: number;
  readonly errorCount: number;
}

export interface ExceptionGroupStats {
  /** Stable while the group lives: type, normalized message and location. */
  readonly id: string;
  readonly type: string;
  /** With variable parts replaced by placeholders (normalizeExceptionMessage). */
  readonly message: string;
  readonly location: CodeLocation | undefined;
  readonly count: number;
  readonly services: readonly string[];
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly sampleTraceId: string | undefined;
  readonly sampleSpanId: string | undefined;
  /** The latest occurrence's own message and raw stack text; the mapping layer parses it. */
  readonly latestMessage: string;
  readonly latestStacktrace: string | undefined;
}

/** What changed since the last notification; listeners are called at most once per turn. */
export interface AggregationChange {
  /** Files whose location or exception data changed. */
  readonly files: ReadonlySet<string>;
  readonly operations: boolean;
  /** Everything may have changed (clear, window or percentile change). */
  readonly all: boolean;
}

/** Counters of what the aggregator refused, so a hover or log can say why data is missing. */
export interface IngestHealth {
  readonly accepted: number;
  readonly missingTime: number;
  readonly negativeDuration: number;
  readonly absurdDuration: number;
  readonly tooOld: number;
  readonly duplicate: number;
  readonly evictedKeys: number;
  readonly evictedExceptionGroups: number;
  readonly locationKeys: number;
  readonly operationKeys: number;
  readonly exceptionGroups: number;
}
