import { DDSketch } from '@datadog/sketches-js';
import { durationNs, type DurationNs } from '../model/units';
import { sketchRelativeAccuracy, type LatencyDigest } from './latencyDigest';

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

export const defaultHistogramBins = 10;

/**
 * The 0-based index of the nearest-rank percentile: the smallest value with at least p % of the
 * sample at or below it. The tolerance keeps 95 % of 100 at rank 95 when floating point says
 * 95.00000000000001.
 */
export function nearestRankIndex(percentile: number, count: number): number {
  const rank = Math.ceil((percentile * count) / 100 - 1e-9);
  return Math.min(count - 1, Math.max(0, rank - 1));
}

/**
 * Durations already merged: sorted raw values while every part was exact, else one DDSketch
 * holding the sketches and the raw values. The aggregator keeps these per key for the buckets
 * that no longer change, so a query merges only the newest bucket into them.
 */
export type MergedLatency =
  | { readonly count: number; readonly sum: number; readonly min: number; readonly max: number; readonly exact: true; readonly sorted: Float64Array }
  | { readonly count: number; readonly sum: number; readonly min: number; readonly max: number; readonly exact: false; readonly sketch: DDSketch };

/**
 * Merges the digests of the buckets (and keys) a query covers. Exact when every digest is
 * still raw, which is always so when the total is within the exact limit; otherwise one DDSketch receives the sketches
 * and the few raw values, and each quantile is read at the nearest rank, which the sketch's
 * bucket answers within its relative accuracy.
 */
export function summarizeLatency(digests: readonly LatencyDigest[], percentiles: readonly number[], histogramBins: number = defaultHistogramBins): LatencySummary | undefined {
  const merged = mergeDigests(digests);
  return merged === undefined ? undefined : summarizeMerged(merged, percentiles, histogramBins);
}

export function mergeDigests(digests: readonly LatencyDigest[]): MergedLatency | undefined {
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let allExact = true;
  for (const digest of digests) {
    if (digest.count === 0) continue;
    count += digest.count;
    sum += digest.sum;
    if (digest.min < min) min = digest.min;
    if (digest.max > max) max = digest.max;
    if (digest.sketch !== undefined) allExact = false;
  }
  if (count === 0) return undefined;
  // Raw values are kept only while a bucket is below the exact limit, so whenever every
  // bucket is still raw the exact answer costs a sort of at most (buckets × limit) values.
  if (allExact) {
    const values = new Float64Array(count);
    let at = 0;
    for (const digest of digests) {
      const raw = digest.exactValues;
      if (raw === undefined) continue;
      values.set(raw, at);
      at += raw.length;
    }
    values.sort();
    return { count, sum, min, max, exact: true, sorted: values };
  }
  const sketch = new DDSketch({ relativeAccuracy: sketchRelativeAccuracy });
  for (const digest of digests) {
    const own = digest.sketch;
    if (own !== undefined) sketch.merge(own);
    else for (const v of digest.exactValues ?? []) sketch.accept(v);
  }
  return { count, sum, min, max, exact: false, sketch };
}

export function summarizeMerged(merged: MergedLatency, percentiles: readonly number[], histogramBins: number = defaultHistogramBins): LatencySummary {
  const { count, sum, min, max } = merged;
  const histogram = new Histogram(min, max, histogramBins);
  let quantiles: QuantileValue[];
  if (merged.exact) {
    const values = merged.sorted;
    histogram.addSorted(values);
    quantiles = percentiles.map((percentile) => ({ percentile, valueNs: durationNs(values[nearestRankIndex(percentile, count)] as number) }));
  } else {
    const sketch = merged.sketch;
    quantiles = percentiles.map((percentile) => ({ percentile, valueNs: durationNs(sketchQuantile(sketch, percentile, count, min, max)) }));
    histogram.addSketch(sketch);
  }
  return {
    count,
    exact: merged.exact,
    minNs: durationNs(min),
    maxNs: durationNs(max),
    meanNs: durationNs(sum / count),
    quantiles,
    histogram: histogram.result(),
  };
}

/** Merges two ascending arrays into a new ascending one. */
export function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (y < x) {
      out[k++] = y;
      j++;
    } else {
      out[k++] = x;
      i++;
    }
  }
  if (i < a.length) out.set(a.subarray(i), k);
  else if (j < b.length) out.set(b.subarray(j), k);
  return out;
}

function sketchQuantile(sketch: DDSketch, percentile: number, count: number, min: number, max: number): number {
  const index = nearestRankIndex(percentile, count);
  if (index === 0) return min;
  if (index >= count - 1) return max;
  // DDSketch reads rank q·(n−1) and returns the bin whose running count first exceeds it; half
  // a rank past the wanted index lands on that index's bin without float rounding risk.
  const value = sketch.getValueAtQuantile((index + 0.5) / (count - 1));
  return Math.min(max, Math.max(min, value));
}

class Histogram {
  private readonly counts: number[];
  private readonly lower: number;
  private readonly upper: number;
  private readonly scale: number;

  constructor(min: number, max: number, private readonly bins: number) {
    this.counts = new Array<number>(bins).fill(0);
    // Durations of 0 ns exist (clock resolution); the log scale starts at 1 ns.
    this.lower = Math.max(1, min);
    this.upper = Math.max(this.lower, max);
    const span = Math.log(this.upper / this.lower);
    this.scale = span > 1e-9 ? bins / span : 0;
  }

  add(valueNs: number, weight: number): void {
    const bin = valueNs <= this.lower ? 0 : Math.min(this.bins - 1, Math.floor(Math.log(valueNs / this.lower) * this.scale));
    this.counts[bin] = (this.counts[bin] ?? 0) + weight;
  }

  /** Sorted input: walk the bin edges instead of taking a logarithm per value. */
  addSorted(values: Float64Array): void {
    let bin = 0;
    let edge = this.edge(1);
    for (const v of values) {
      while (bin < this.bins - 1 && v >= edge) edge = this.edge(++bin + 1);
      this.counts[bin] = (this.counts[bin] ?? 0) + 1;
    }
  }

  private edge(index: number): number {
    return this.scale === 0 ? Number.POSITIVE_INFINITY : this.lower * Math.exp(index / this.scale);
  }

  addSketch(sketch: DDSketch): void {
    if (sketch.zeroCount > 0) this.add(0, sketch.zeroCount);
    const { bins, offset } = sketch.store;
    if (bins.length === 0) return;
    // A bin's representative value is geometric in its key, so its logarithm is affine in the
    // key: two evaluations of the mapping place every bin without a pow per bin.
    const lnFirst = Math.log(sketch.mapping.value(offset));
    const lnStep = Math.log(sketch.mapping.value(offset + 1)) - lnFirst;
    const lnLower = Math.log(this.lower);
    for (let i = 0; i < bins.length; i++) {
      const weight = bins[i] as number;
      if (weight <= 0) continue;
      const position = (lnFirst + i * lnStep - lnLower) * this.scale;
      const bin = position <= 0 ? 0 : Math.min(this.bins - 1, Math.floor(position));
      this.counts[bin] = (this.counts[bin] ?? 0) + weight;
    }
  }

  result(): LatencyHistogram {
    return { lowerNs: durationNs(this.lower), upperNs: durationNs(this.upper), counts: this.counts };
  }
}
