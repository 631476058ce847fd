import { DDSketch } from '@datadog/sketches-js';

/** Percentiles are promised within 1 % of the exact value: the sketch's guaranteed relative error. */
export const sketchRelativeAccuracy = 0.01;

/** "Exact below a few hundred samples": past this many values a digest is a sketch. */
export const defaultExactLimit = 256;

/**
 * The durations of one time bucket of one key, in nanoseconds. Small samples are kept as raw
 * values, so the percentiles a person checks by hand for a handful of requests come out exact;
 * past `exactLimit` values they move into a DDSketch, whose memory no longer grows with traffic.
 */
const emptyValues = new Float64Array(0);

export class LatencyDigest {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  private values: Float64Array | undefined;
  /** How many of `values` (from the start) are known to be in ascending order. */
  private sortedCount = 0;
  private sketchValue: DDSketch | undefined;

  constructor(readonly exactLimit: number = defaultExactLimit) {}

  add(valueNs: number): void {
    this.count++;
    this.sum += valueNs;
    if (valueNs < this.min) this.min = valueNs;
    if (valueNs > this.max) this.max = valueNs;
    if (this.sketchValue !== undefined) {
      this.sketchValue.accept(valueNs);
      return;
    }
    const at = this.count - 1;
    if (at >= this.exactLimit) {
      this.toSketch().accept(valueNs);
      return;
    }
    let values = this.values;
    if (values === undefined || at === values.length) {
      // Grow geometrically: most keys see a few spans per bucket, so start small.
      const grown = new Float64Array(Math.min(this.exactLimit, Math.max(8, at * 2)));
      if (values !== undefined) grown.set(values);
      this.values = values = grown;
    }
    values[at] = valueNs;
  }

  /** Folds `other` in, for re-bucketing when the window changes; `other` is left as it was. */
  mergeFrom(other: LatencyDigest): void {
    const raw = other.exactValues;
    if (raw !== undefined) {
      for (const v of raw) this.add(v);
      return;
    }
    const sketch = this.sketchValue ?? this.toSketchNow();
    if (other.sketch !== undefined) sketch.merge(other.sketch);
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /**
   * The raw values while the digest is exact, sorted in place (their order means nothing else),
   * else undefined; only the first `count` entries are values. A query reads the open bucket
   * this way without copying it, and between two queries usually only a few values arrived, so
   * they are inserted into the sorted run rather than sorting it all again.
   */
  sortedRaw(): Float64Array | undefined {
    if (this.sketchValue !== undefined) return undefined;
    const values = this.values;
    if (values === undefined) return emptyValues;
    const count = this.count;
    let sorted = this.sortedCount;
    if (sorted < count) {
      if (count - sorted > 8) values.subarray(0, count).sort();
      else
        for (; sorted < count; sorted++) {
          const v = values[sorted] as number;
          let at = sorted;
          while (at > 0 && (values[at - 1] as number) > v) {
            values[at] = values[at - 1] as number;
            at--;
          }
          values[at] = v;
        }
      this.sortedCount = count;
    }
    return values;
  }

  /** The raw values while the digest is exact, else undefined. */
  get exactValues(): Float64Array | undefined {
    return this.sketchValue === undefined ? (this.values?.subarray(0, this.count) ?? new Float64Array(0)) : undefined;
  }

  get sketch(): DDSketch | undefined {
    return this.sketchValue;
  }

  /** Approximate retained bytes, for the memory figure of the benchmark. */
  get retainedBytes(): number {
    const sketch = this.sketchValue;
    if (sketch !== undefined) return 200 + 8 * (sketch.store.bins.length + sketch.negativeStore.bins.length);
    return 64 + (this.values?.byteLength ?? 0);
  }

  /** Called from `add`, after `count` already includes the value about to be accepted. */
  private toSketch(): DDSketch {
    return this.convert(this.count - 1);
  }

  private toSketchNow(): DDSketch {
    return this.convert(this.count);
  }

  private convert(rawCount: number): DDSketch {
    const sketch = new DDSketch({ relativeAccuracy: sketchRelativeAccuracy });
    const values = this.values;
    if (values !== undefined) for (let i = 0; i < rawCount; i++) sketch.accept(values[i] as number);
    this.values = undefined;
    this.sortedCount = 0;
    this.sketchValue = sketch;
    return sketch;
  }
}
