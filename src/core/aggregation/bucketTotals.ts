import type { SpanRef } from './aggregateStats';
import { emptyInPlace } from './emptyInPlace';

/** What one time bucket counts besides its durations (TimeBucket has these fields). */
export interface BucketCounters {
  readonly errors: number;
  readonly sampled: number;
  readonly notSampled: number;
  /** Lowest recorded sampling probability; 2 means none was recorded. */
  readonly minProbability: number;
  readonly firstMs: number;
  readonly lastMs: number;
  /** Slowest first. */
  readonly slowest: readonly SpanRef[];
}

/**
 * The counters of a run of time buckets added up: a query's open buckets, or a key's settled
 * ones kept as a summary and added to later queries in one step.
 */
export class BucketTotals implements BucketCounters {
  errors = 0;
  sampled = 0;
  notSampled = 0;
  minProbability = 2;
  firstMs = Number.POSITIVE_INFINITY;
  lastMs = Number.NEGATIVE_INFINITY;
  readonly slowest: SpanRef[] = [];

  constructor(private readonly slowestLimit: number) {}

  /** Empties the totals for reuse; the slowest list keeps its storage. */
  reset(): void {
    this.errors = 0;
    this.sampled = 0;
    this.notSampled = 0;
    this.minProbability = 2;
    this.firstMs = Number.POSITIVE_INFINITY;
    this.lastMs = Number.NEGATIVE_INFINITY;
    emptyInPlace(this.slowest);
  }

  add(part: BucketCounters): void {
    this.errors += part.errors;
    this.sampled += part.sampled;
    this.notSampled += part.notSampled;
    if (part.minProbability < this.minProbability) this.minProbability = part.minProbability;
    if (part.firstMs < this.firstMs) this.firstMs = part.firstMs;
    if (part.lastMs > this.lastMs) this.lastMs = part.lastMs;
    mergeSlowest(this.slowest, part.slowest, this.slowestLimit);
  }
}

/**
 * Keeps `into` the `limit` slowest of itself and `from`; both are sorted slowest first. Shifts by
 * hand: `splice` would allocate the (empty) array of removed items on every insert.
 */
function mergeSlowest(into: SpanRef[], from: readonly SpanRef[], limit: number): void {
  for (const ref of from) {
    const length = into.length;
    if (length >= limit && ref.durationMs <= (into[length - 1] as SpanRef).durationMs) return;
    let at = length < limit ? length : length - 1;
    while (at > 0 && (into[at - 1] as SpanRef).durationMs < ref.durationMs) {
      into[at] = into[at - 1] as SpanRef;
      at--;
    }
    into[at] = ref;
  }
}
