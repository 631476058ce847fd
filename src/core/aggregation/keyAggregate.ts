import type { SpanRef } from './aggregateStats';
import type { BucketCounters, BucketTotals } from './bucketTotals';
import type { CodeLocation } from './codeLocation';
import { LatencyDigest } from './latencyDigest';
import type { LatencyMerger, SettledLatency } from './latencyMerger';
import type { RecencyNode } from './recencyList';

/**
 * A key's settled buckets (all but the newest two), merged: what a query would otherwise add up
 * again and again while spans keep arriving in the newest bucket and, late or across a bucket
 * boundary, the one before it.
 */
export interface ColdSummary {
  /** `KeyAggregate.coldVersion` when this was built. */
  readonly version: number;
  /** Buckets from this index on were left out (+∞: none was). */
  readonly settledBelow: number;
  readonly latency: SettledLatency | undefined;
  readonly totals: BucketCounters;
}

/** A key's services, versions and commits, most recent first, as of `version`. */
export interface SeenLists {
  readonly version: number;
  readonly services: readonly string[];
  readonly versions: readonly string[];
  readonly commits: readonly string[];
}

/** One time bucket of one key. */
export class TimeBucket implements BucketCounters {
  readonly digest: LatencyDigest;
  errors = 0;
  sampled = 0;
  notSampled = 0;
  /** Lowest recorded sampling probability; 2 means none was recorded. */
  minProbability = 2;
  firstMs = Number.POSITIVE_INFINITY;
  lastMs = Number.NEGATIVE_INFINITY;
  /** Slowest first, at most `slowestPerBucket`: per bucket, so the list expires with its data. */
  readonly slowest: SpanRef[] = [];

  constructor(exactLimit: number) {
    this.digest = new LatencyDigest(exactLimit);
  }

  /** Whether a span of this duration would enter the slowest list; checked before building a SpanRef. */
  wouldKeep(durationMs: number, limit: number): boolean {
    const slowest = this.slowest;
    return slowest.length < limit || durationMs > (slowest[slowest.length - 1] as SpanRef).durationMs;
  }

  /** Shifts in place: `splice` allocated an array per call, for most spans of a quiet bucket. */
  keep(ref: SpanRef, limit: number): void {
    const slowest = this.slowest;
    let at = slowest.length;
    if (at < limit) slowest.push(ref);
    else if (at > 0 && ref.durationMs > (slowest[at - 1] as SpanRef).durationMs) at--;
    else return;
    while (at > 0 && (slowest[at - 1] as SpanRef).durationMs < ref.durationMs) {
      slowest[at] = slowest[at - 1] as SpanRef;
      at--;
    }
    slowest[at] = ref;
  }

  mergeFrom(other: TimeBucket, slowestLimit: number): void {
    this.digest.mergeFrom(other.digest);
    this.errors += other.errors;
    this.sampled += other.sampled;
    this.notSampled += other.notSampled;
    this.minProbability = Math.min(this.minProbability, other.minProbability);
    this.firstMs = Math.min(this.firstMs, other.firstMs);
    this.lastMs = Math.max(this.lastMs, other.lastMs);
    for (const ref of other.slowest) if (this.wouldKeep(ref.durationMs, slowestLimit)) this.keep(ref, slowestLimit);
  }
}

/** Everything kept for one location or one service + span name. */
export class KeyAggregate implements RecencyNode<KeyAggregate> {
  readonly buckets = new Map<number, TimeBucket>();
  /** Neighbours in the aggregator's eviction order. */
  older: KeyAggregate | undefined;
  younger: KeyAggregate | undefined;
  /** The bucket most spans go to (the current one), looked up without hashing. */
  hotIndex = Number.NaN;
  hot: TimeBucket | undefined;
  /** Bumped on every change, so cached query results know when they are stale. */
  version = 0;
  /** Bumped when a settled bucket changes, appears or goes, or the newest bucket moves (see ColdSummary). */
  coldVersion = 0;
  cold: ColdSummary | undefined;
  /** Value → last seen (ms); bounded, pruned as the window moves. */
  readonly services = new Map<string, number>();
  readonly versions = new Map<string, number>();
  readonly commits = new Map<string, number>();
  /** Bumped whenever the three maps above may have changed. */
  seenVersion = 0;
  private seen: SeenLists | undefined;
  latestError: SpanRef | undefined;
  /** Ingest sequence number of the key's latest span, and of its latest move to the young end of the LRU order. */
  seenSeq = 0;
  placedSeq = 0;
  /** The resource whose service/version/commit were last noted, and in which bucket. */
  lastInfo: object | undefined;
  lastInfoIndex = Number.NEGATIVE_INFINITY;

  constructor(
    readonly id: string,
    readonly location: CodeLocation | undefined,
    readonly service: string,
    readonly name: string,
    /** Time (ms) of the last eviction before this key was created; −∞ when there was none. */
    readonly createdAfterEvictionMs: number,
  ) {}

  bucket(index: number, exactLimit: number): TimeBucket {
    if (index === this.hotIndex && this.hot !== undefined) return this.hot;
    // Only the bucket just before the newest stays unsettled; anything else changes what is settled.
    if (!(index === this.hotIndex - 1 && this.hot !== undefined)) this.coldVersion++;
    let bucket = this.buckets.get(index);
    if (bucket === undefined) {
      bucket = new TimeBucket(exactLimit);
      this.buckets.set(index, bucket);
    }
    // Keep the newest bucket hot: spans arrive roughly in time order.
    if (!(index < this.hotIndex)) {
      this.hotIndex = index;
      this.hot = bucket;
    }
    return bucket;
  }

  /**
   * Adds the buckets from index `from` up to, not including, `to`: one walk serves a query's
   * open buckets (two at most, looked up by index) and a settled summary's (all the older ones).
   * The counters go into `totals` when given (a lens reads only the errors); returns the errors.
   */
  fold(from: number, to: number, latency: LatencyMerger, totals?: BucketTotals): number {
    let errors = 0;
    if (to - from <= 4) {
      for (let index = from; index < to; index++) {
        const bucket = this.buckets.get(index);
        if (bucket !== undefined) errors += foldBucket(bucket, latency, totals);
      }
      return errors;
    }
    for (const [index, bucket] of this.buckets) if (index >= from && index < to) errors += foldBucket(bucket, latency, totals);
    return errors;
  }

  /** Most recent first; sorted again only after the values changed, so steady queries share the lists. */
  seenLists(): SeenLists {
    const known = this.seen;
    if (known !== undefined && known.version === this.seenVersion) return known;
    const lists: SeenLists = { version: this.seenVersion, services: byRecency(this.services), versions: byRecency(this.versions), commits: byRecency(this.commits) };
    this.seen = lists;
    return lists;
  }

  /** Buckets from this index on are merged per query; older ones are summarized once (ColdSummary). */
  get settledBelow(): number {
    return this.hot === undefined ? Number.POSITIVE_INFINITY : this.hotIndex - 1;
  }

  /** Drops buckets before `cutoffIndex` and values last seen before `cutoffMs`; true if anything went. */
  expire(cutoffIndex: number, cutoffMs: number): boolean {
    let changed = false;
    for (const index of this.buckets.keys()) {
      if (index < cutoffIndex) {
        this.buckets.delete(index);
        changed = true;
      }
    }
    if (this.hot !== undefined && this.hotIndex < cutoffIndex) {
      this.hot = undefined;
      this.hotIndex = Number.NaN;
    }
    pruneSeen(this.services, cutoffMs);
    pruneSeen(this.versions, cutoffMs);
    pruneSeen(this.commits, cutoffMs);
    this.seenVersion++;
    if (this.latestError !== undefined && this.latestError.endTimeMs < cutoffMs) this.latestError = undefined;
    if (changed) {
      this.version++;
      this.coldVersion++;
    }
    return changed;
  }
}

/** At most this many distinct values of service / version / commit per key. */
const maxSeenValues = 16;

export function noteSeen(seen: Map<string, number>, value: string, timeMs: number): void {
  const last = seen.get(value);
  if (last !== undefined) {
    if (timeMs > last) seen.set(value, timeMs);
    return;
  }
  if (seen.size >= maxSeenValues) {
    let oldest: string | undefined;
    let oldestMs = Number.POSITIVE_INFINITY;
    for (const [v, ms] of seen) if (ms < oldestMs) [oldest, oldestMs] = [v, ms];
    if (oldest !== undefined) seen.delete(oldest);
  }
  seen.set(value, timeMs);
}

function pruneSeen(seen: Map<string, number>, cutoffMs: number): void {
  for (const [value, ms] of seen) if (ms < cutoffMs) seen.delete(value);
}

export function byRecency(seen: ReadonlyMap<string, number>): string[] {
  return [...seen.entries()].sort((a, b) => b[1] - a[1]).map(([value]) => value);
}

/** One bucket into a fold: its durations, its counters when asked for, and its errors. */
function foldBucket(bucket: TimeBucket, latency: LatencyMerger, totals: BucketTotals | undefined): number {
  totals?.add(bucket);
  latency.addDigest(bucket.digest);
  return bucket.errors;
}
