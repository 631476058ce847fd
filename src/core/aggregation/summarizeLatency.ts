import type { DurationNs } from '../model/units';
import type { LatencyDigest } from './latencyDigest';
import { defaultHistogramBins, LatencyMerger } from './latencyMerger';

export interface QuantileValue {
  /** As configured: 50, 95, 99.9 … */
  readonly percentile: number;
  readonly valueNs: DurationNs;
}

/** Counts in log-scaled bins from `lowerNs` to `upperNs`, for a hover sparkline. */
export interface LatencyHistogram {
  readonly lowerNs: DurationNs;
  readonly upperNs: DurationNs;
  readonly counts: readonly number[];
}

export interface LatencySummary {
  readonly count: number;
  /** True when every value was kept, so the quantiles are exact rather than within 1 %. */
  readonly exact: boolean;
  readonly minNs: DurationNs;
  readonly maxNs: DurationNs;
  readonly meanNs: DurationNs;
  readonly quantiles: readonly QuantileValue[];
  readonly histogram: LatencyHistogram;
}

export { defaultHistogramBins, nearestRankIndex } from './latencyMerger';

/**
 * Summarizes the digests of the buckets (and keys) a query covers, as if merged: exact when
 * every digest is still raw, which is always so when the total is within the exact limit;
 * otherwise each quantile is read at the nearest rank from the digests' sketch bins, which
 * answers within the sketches' relative accuracy.
 */
export function summarizeLatency(digests: readonly LatencyDigest[], percentiles: readonly number[], histogramBins: number = defaultHistogramBins): LatencySummary | undefined {
  const merger = new LatencyMerger();
  for (const digest of digests) merger.addDigest(digest);
  return merger.summarize(percentiles, histogramBins);
}
