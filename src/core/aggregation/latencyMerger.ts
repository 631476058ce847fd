import { DDSketch } from '@datadog/sketches-js';
import { durationNs } from '../model/units';
import { emptyInPlace } from './emptyInPlace';
import { sketchRelativeAccuracy, type LatencyDigest } from './latencyDigest';
import type { LatencyHistogram, LatencySummary, QuantileValue } from './summarizeLatency';

/** Counts per sketch key from `offset` on, as a DDSketch of the same accuracy bins the values. */
export interface BinnedLatency {
  readonly offset: number;
  readonly counts: Float64Array;
  /** Values the sketch cannot index (0 ns), which it counts apart. */
  readonly zeroCount: number;
}

/**
 * Durations summarized once and kept, for the time buckets of a key that no longer change:
 * sorted raw values while every part was exact, else bin counts. A query reads these together
 * with the few open buckets; it never copies them.
 */
export interface SettledLatency {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** Set while exact. */
  readonly sorted: Float64Array | undefined;
  /** Set when not exact; for exact values, built the first time a query needs them as bins. */
  binned: BinnedLatency | undefined;
}

export const defaultHistogramBins = 10;

/**
 * One mapping for every digest: sketches of the same relative accuracy share their keys, which is
 * what lets bins of different sketches be added key by key.
 */
const mapping = new DDSketch({ relativeAccuracy: sketchRelativeAccuracy }).mapping;

/**
 * The 0-based index of the nearest-rank percentile: the smallest value with at least p % of the
 * sample at or below it. The tolerance keeps 95 % of 100 at rank 95 when floating point says
 * 95.00000000000001.
 */
export function nearestRankIndex(percentile: number, count: number): number {
  const rank = Math.ceil((percentile * count) / 100 - 1e-9);
  return Math.min(count - 1, Math.max(0, rank - 1));
}

/** Past this many raw parts a query copies them into one sorted run instead of walking them side by side. */
const maxWalkedParts = 6;

/**
 * Reads the percentiles and histogram of several latency parts (bucket digests, settled
 * summaries) as if they had been merged, without merging them: exact parts are walked side by
 * side in sorted order, and once any part is a sketch all parts are added key by key into one
 * scratch array of bin counts, which is what merging their sketches would store (a
 * CodeLens pass asks for 200 of these, and every sketch merge used to allocate and shift arrays,
 * the source of the GC pauses in the p99). The scratch space is reused; a summary allocates
 * only the objects it returns.
 */
export class LatencyMerger {
  private count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  /** Sorted raw runs: values, how many of them count, and the settled summary they belong to, if any. */
  private readonly runs: Float64Array[] = [];
  private readonly runLengths: number[] = [];
  private readonly runOwners: (SettledLatency | undefined)[] = [];
  private runCount = 0;
  private readonly sketches: DDSketch[] = [];
  private sketchCount = 0;
  private readonly binned: BinnedLatency[] = [];
  private binnedCount = 0;

  // Reused between queries.
  private scratch = new Float64Array(2048);
  private scratchKey = 0;
  private scratchLength = 0;
  private scratchZero = 0;
  private heads: number[] = [];
  private readonly targets: number[] = [];
  private readonly targetOrder: number[] = [];
  private readonly targetValues: number[] = [];
  private readonly histogram = new Histogram();

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    // Drop references so a reused merger does not keep expired buckets alive.
    for (let i = 0; i < this.runCount; i++) {
      this.runs[i] = emptyRun;
      this.runOwners[i] = undefined;
    }
    this.runCount = 0;
    emptyInPlace(this.sketches);
    this.sketchCount = 0;
    emptyInPlace(this.binned);
    this.binnedCount = 0;
  }

  get total(): number {
    return this.count;
  }

  addDigest(digest: LatencyDigest): void {
    if (digest.count === 0) return;
    this.note(digest.count, digest.sum, digest.min, digest.max);
    const sketch = digest.sketch;
    if (sketch !== undefined) this.sketches[this.sketchCount++] = sketch;
    else this.addRun(digest.sortedRaw() ?? emptyRun, digest.count, undefined);
  }

  addSettled(settled: SettledLatency): void {
    if (settled.count === 0) return;
    this.note(settled.count, settled.sum, settled.min, settled.max);
    if (settled.sorted !== undefined) this.addRun(settled.sorted, settled.sorted.length, settled);
    else if (settled.binned !== undefined) this.binned[this.binnedCount++] = settled.binned;
  }

  /** What was added, as one summary that owns its memory: sorted values while exact, else bins. */
  settle(): SettledLatency | undefined {
    const { count, sum, min, max } = this;
    if (count === 0) return undefined;
    if (this.exact) {
      const sorted = new Float64Array(count);
      let at = 0;
      for (let r = 0; r < this.runCount; r++) {
        const run = this.runs[r] as Float64Array;
        const length = this.runLengths[r] as number;
        sorted.set(length === run.length ? run : run.subarray(0, length), at);
        at += length;
      }
      if (this.runCount > 1) sorted.sort();
      return { count, sum, min, max, sorted, binned: undefined };
    }
    this.fillScratch();
    const counts = this.scratch.slice(0, this.scratchLength);
    return { count, sum, min, max, sorted: undefined, binned: { offset: this.scratchKey, counts, zeroCount: this.scratchZero } };
  }

  /**
   * Exact (nearest rank over every value) when every part is raw; otherwise each quantile is read
   * at the nearest rank from the summed bins, which answers within the sketches' relative accuracy.
   * Parts of `previous` (the query's last answer) that come out the same are handed back as they
   * were, so a CodeLens pass over fresh data allocates little more than what did change.
   */
  summarize(percentiles: readonly number[], histogramBins: number = defaultHistogramBins, previous?: LatencySummary): LatencySummary | undefined {
    const { count, sum, min, max } = this;
    if (count === 0) return undefined;
    const histogram = this.histogram;
    histogram.reset(min, max, histogramBins);
    const exact = this.exact;
    const quantiles = this.quantiles(percentiles, previous?.quantiles);
    if (exact) {
      for (let r = 0; r < this.runCount; r++) histogram.addSorted(this.runs[r] as Float64Array, this.runLengths[r] as number);
    } else {
      histogram.addBins(this.scratch, this.scratchKey, this.scratchLength, this.scratchZero);
    }
    const histogramResult = histogram.result(previous?.histogram);
    const minNs = durationNs(min);
    const maxNs = durationNs(max);
    const meanNs = durationNs(sum / count);
    if (
      previous !== undefined &&
      previous.quantiles === quantiles &&
      previous.histogram === histogramResult &&
      previous.count === count &&
      previous.exact === exact &&
      previous.minNs === minNs &&
      previous.maxNs === maxNs &&
      previous.meanNs === meanNs
    ) {
      return previous;
    }
    return { count, exact, minNs, maxNs, meanNs, quantiles, histogram: histogramResult };
  }

  /**
   * The percentiles alone, as `summarize` reads them (`previous` handed back when the same), for
   * answers that show no histogram. Leaves the parts read for a histogram of the same values.
   */
  quantiles(percentiles: readonly number[], previous?: readonly QuantileValue[]): readonly QuantileValue[] {
    if (this.count === 0) return [];
    this.prepareTargets(percentiles, this.count);
    if (this.exact) this.readRuns();
    else {
      this.fillScratch();
      this.readScratch(this.count, this.min, this.max);
    }
    return this.quantilesLike(percentiles, previous);
  }

  /** The quantiles just read, as `previous` when it holds the same ones. */
  private quantilesLike(percentiles: readonly number[], previous: readonly QuantileValue[] | undefined): readonly QuantileValue[] {
    const values = this.targetValues;
    if (previous !== undefined && previous.length === percentiles.length) {
      let same = true;
      for (let i = 0; i < percentiles.length && same; i++) {
        const known = previous[i] as QuantileValue;
        same = known.percentile === percentiles[i] && known.valueNs === values[i];
      }
      if (same) return previous;
    }
    const quantiles: QuantileValue[] = new Array<QuantileValue>(percentiles.length);
    for (let i = 0; i < percentiles.length; i++) quantiles[i] = { percentile: percentiles[i] as number, valueNs: durationNs(values[i] as number) };
    return quantiles;
  }

  private get exact(): boolean {
    return this.sketchCount === 0 && this.binnedCount === 0;
  }

  private note(count: number, sum: number, min: number, max: number): void {
    this.count += count;
    this.sum += sum;
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
  }

  private addRun(values: Float64Array, length: number, owner: SettledLatency | undefined): void {
    const at = this.runCount++;
    this.runs[at] = values;
    this.runLengths[at] = length;
    this.runOwners[at] = owner;
  }

  /** Target ranks, and the order to meet them in: the configured percentiles need not be ascending. */
  private prepareTargets(percentiles: readonly number[], count: number): void {
    const { targets, targetOrder, targetValues } = this;
    targets.length = targetOrder.length = targetValues.length = percentiles.length;
    for (let i = 0; i < percentiles.length; i++) {
      targets[i] = nearestRankIndex(percentiles[i] as number, count);
      targetValues[i] = Number.NaN;
      // Insertion into ascending rank order; there are at most 8.
      let at = i;
      while (at > 0 && (targets[targetOrder[at - 1] as number] as number) > (targets[i] as number)) {
        targetOrder[at] = targetOrder[at - 1] as number;
        at--;
      }
      targetOrder[at] = i;
    }
  }

  /** Exact quantiles: walks the sorted runs side by side up to the highest rank asked for. */
  private readRuns(): void {
    const { targets, targetOrder, targetValues } = this;
    if (targets.length === 0) return;
    if (this.runCount > maxWalkedParts) this.concatRuns();
    if (this.runCount === 1) {
      const run = this.runs[0] as Float64Array;
      for (let i = 0; i < targets.length; i++) targetValues[i] = run[targets[i] as number] as number;
      return;
    }
    const heads = this.heads;
    for (let r = 0; r < this.runCount; r++) heads[r] = 0;
    let next = 0;
    let wanted = targets[targetOrder[0] as number] as number;
    for (let rank = 0; ; rank++) {
      let best = -1;
      let bestValue = Number.POSITIVE_INFINITY;
      for (let r = 0; r < this.runCount; r++) {
        const head = heads[r] as number;
        if (head >= (this.runLengths[r] as number)) continue;
        const v = (this.runs[r] as Float64Array)[head] as number;
        if (best < 0 || v < bestValue) {
          best = r;
          bestValue = v;
        }
      }
      if (best < 0) return;
      heads[best] = (heads[best] as number) + 1;
      while (rank === wanted) {
        targetValues[targetOrder[next] as number] = bestValue;
        if (++next >= targetOrder.length) return;
        wanted = targets[targetOrder[next] as number] as number;
      }
    }
  }

  /** Many runs (a whole file's keys): one copy into the scratch space and a sort beats walking them all. */
  private concatRuns(): void {
    const length = this.count;
    if (this.scratch.length < length) this.scratch = new Float64Array(growTo(length));
    let at = 0;
    for (let r = 0; r < this.runCount; r++) {
      const run = this.runs[r] as Float64Array;
      const n = this.runLengths[r] as number;
      this.scratch.set(n === run.length ? run : run.subarray(0, n), at);
      at += n;
    }
    const merged = this.scratch.subarray(0, length);
    merged.sort();
    this.runs[0] = merged;
    this.runLengths[0] = length;
    for (let r = 1; r < this.runCount; r++) {
      this.runs[r] = emptyRun;
      this.runOwners[r] = undefined;
    }
    this.runCount = 1;
  }

  /** Sums every part's bins into the scratch space, keyed from `scratchKey`. */
  private fillScratch(): void {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < this.sketchCount; s++) {
      const store = (this.sketches[s] as DDSketch).store;
      if (store.count === 0) continue;
      if (store.minKey < low) low = store.minKey;
      if (store.maxKey > high) high = store.maxKey;
    }
    for (let r = 0; r < this.runCount; r++) {
      const owner = this.runOwners[r];
      if (owner !== undefined) {
        // Settled raw values are binned once and kept on their summary; open buckets' are keyed per query.
        const part = (owner.binned ??= binValues(this.runs[r] as Float64Array, this.runLengths[r] as number));
        if (part.counts.length === 0) continue;
        if (part.offset < low) low = part.offset;
        if (part.offset + part.counts.length - 1 > high) high = part.offset + part.counts.length - 1;
        continue;
      }
      const run = this.runs[r] as Float64Array;
      const length = this.runLengths[r] as number;
      const first = firstIndexable(run, length);
      if (first >= length) continue;
      const lowKey = mapping.key(run[first] as number);
      const highKey = mapping.key(run[length - 1] as number);
      if (lowKey < low) low = lowKey;
      if (highKey > high) high = highKey;
    }
    for (let b = 0; b < this.binnedCount; b++) {
      const part = this.binned[b] as BinnedLatency;
      if (part.counts.length === 0) continue;
      if (part.offset < low) low = part.offset;
      if (part.offset + part.counts.length - 1 > high) high = part.offset + part.counts.length - 1;
    }
    const length = high >= low ? high - low + 1 : 0;
    if (this.scratch.length < length) this.scratch = new Float64Array(growTo(length));
    const scratch = this.scratch;
    scratch.fill(0, 0, length);
    let zero = 0;
    for (let s = 0; s < this.sketchCount; s++) {
      const sketch = this.sketches[s] as DDSketch;
      // Durations are never negative; anything in the negative store sits below every positive bin, as zero does.
      zero += sketch.zeroCount + sketch.negativeStore.count;
      const store = sketch.store;
      if (store.count === 0) continue;
      const bins = store.bins;
      const shift = store.offset - low;
      for (let key = store.minKey; key <= store.maxKey; key++) {
        const i = key - store.offset;
        scratch[i + shift] = (scratch[i + shift] as number) + (bins[i] as number);
      }
    }
    for (let b = 0; b < this.binnedCount; b++) zero += addBinned(scratch, this.binned[b] as BinnedLatency, low);
    for (let r = 0; r < this.runCount; r++) {
      const owner = this.runOwners[r];
      if (owner?.binned !== undefined) {
        zero += addBinned(scratch, owner.binned, low);
        continue;
      }
      const run = this.runs[r] as Float64Array;
      const length = this.runLengths[r] as number;
      const first = firstIndexable(run, length);
      zero += first;
      for (let i = first; i < length; i++) {
        const at = mapping.key(run[i] as number) - low;
        scratch[at] = (scratch[at] as number) + 1;
      }
    }
    this.scratchKey = length === 0 ? 0 : low;
    this.scratchLength = length;
    this.scratchZero = zero;
  }

  /**
   * Quantiles from the summed bins, read as DDSketch reads its own: the bin whose running count
   * first exceeds the rank. Half a rank past the wanted index lands on that index's bin without
   * float rounding risk; the lowest and highest ranks are the known min and max.
   */
  private readScratch(count: number, min: number, max: number): void {
    const { targets, targetOrder, targetValues, scratch } = this;
    let next = 0;
    let running = this.scratchZero;
    let key = 0;
    for (; next < targetOrder.length; next++) {
      const target = targetOrder[next] as number;
      const index = targets[target] as number;
      let value: number;
      if (index === 0) value = min;
      else if (index >= count - 1) value = max;
      else {
        const rank = index + 0.5;
        if (rank < this.scratchZero) value = 0;
        else {
          while (key < this.scratchLength && running <= rank) running += scratch[key++] as number;
          value = mapping.value(this.scratchKey + Math.max(0, key - 1));
        }
      }
      targetValues[target] = Math.min(max, Math.max(min, value));
    }
  }
}

const emptyRun = new Float64Array(0);

function growTo(length: number): number {
  let size = 2048;
  while (size < length) size *= 2;
  return size;
}

/** The first value of a sorted run that a sketch indexes; those before it it counts as zero. */
function firstIndexable(run: Float64Array, length: number): number {
  let i = 0;
  while (i < length && !((run[i] as number) > mapping.minPossible)) i++;
  return i;
}

/** Adds a part's bins into `scratch` (keyed from `low`); returns its zero count. */
function addBinned(scratch: Float64Array, part: BinnedLatency, low: number): number {
  const counts = part.counts;
  const shift = part.offset - low;
  for (let i = 0; i < counts.length; i++) scratch[i + shift] = (scratch[i + shift] as number) + (counts[i] as number);
  return part.zeroCount;
}

function binValues(run: Float64Array, length: number): BinnedLatency {
  const first = firstIndexable(run, length);
  if (first >= length) return { offset: 0, counts: new Float64Array(0), zeroCount: first };
  const offset = mapping.key(run[first] as number);
  const counts = new Float64Array(mapping.key(run[length - 1] as number) - offset + 1);
  for (let i = first; i < length; i++) {
    const at = mapping.key(run[i] as number) - offset;
    counts[at] = (counts[at] as number) + 1;
  }
  return { offset, counts, zeroCount: first };
}

/** Log-scaled bin counts, reused from query to query; only `result` allocates, and only on change. */
class Histogram {
  private readonly counts: number[] = [];
  private bins = 0;
  private lower = 1;
  private upper = 1;
  private scale = 0;

  reset(min: number, max: number, bins: number): void {
    this.bins = bins;
    const counts = this.counts;
    counts.length = bins;
    counts.fill(0);
    // Durations of 0 ns exist (clock resolution); the log scale starts at 1 ns.
    this.lower = Math.max(1, min);
    this.upper = Math.max(this.lower, max);
    const span = Math.log(this.upper / this.lower);
    this.scale = span > 1e-9 ? bins / span : 0;
  }

  /** Sorted input: walk the bin edges instead of taking a logarithm per value. */
  addSorted(values: Float64Array, length: number): void {
    let bin = 0;
    let edge = this.edge(1);
    const counts = this.counts;
    for (let i = 0; i < length; i++) {
      const v = values[i] as number;
      while (bin < this.bins - 1 && v >= edge) edge = this.edge(++bin + 1);
      counts[bin] = (counts[bin] as number) + 1;
    }
  }

  /**
   * Bin counts from `firstKey` on. A bin's representative value is geometric in its key, so its
   * logarithm is affine in the key: two evaluations of the mapping place every bin without a pow
   * per bin.
   */
  addBins(weights: Float64Array, firstKey: number, length: number, zeroCount: number): void {
    const counts = this.counts;
    if (zeroCount > 0) counts[0] = (counts[0] as number) + zeroCount;
    if (length === 0) return;
    const lnFirst = Math.log(mapping.value(firstKey));
    const lnStep = Math.log(mapping.value(firstKey + 1)) - lnFirst;
    const lnLower = Math.log(this.lower);
    for (let i = 0; i < length; i++) {
      const weight = weights[i] as number;
      if (weight <= 0) continue;
      const position = (lnFirst + i * lnStep - lnLower) * this.scale;
      const bin = position <= 0 ? 0 : Math.min(this.bins - 1, Math.floor(position));
      counts[bin] = (counts[bin] as number) + weight;
    }
  }

  private edge(index: number): number {
    return this.scale === 0 ? Number.POSITIVE_INFINITY : this.lower * Math.exp(index / this.scale);
  }

  /** The counts as a histogram of their own, or `previous` when it holds the same ones. */
  result(previous: LatencyHistogram | undefined): LatencyHistogram {
    const lowerNs = durationNs(this.lower);
    const upperNs = durationNs(this.upper);
    if (previous !== undefined && previous.lowerNs === lowerNs && previous.upperNs === upperNs && sameCounts(previous.counts, this.counts)) return previous;
    return { lowerNs, upperNs, counts: this.counts.slice() };
  }
}

function sameCounts(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
