import type { ExceptionGroupStats } from './aggregateStats';
import { locationKey, type CodeLocation } from './codeLocation';
import { noteSeen } from './keyAggregate';
import { normalizeExceptionMessage } from './normalizeExceptionMessage';
import { RecencyList, type RecencyNode } from './recencyList';

/** One recorded exception, from a span event or (through the adapter) a log record. */
export interface ExceptionOccurrence {
  readonly type: string;
  readonly message: string;
  readonly stacktrace: string | undefined;
  readonly timeMs: number;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly service: string;
  readonly location: CodeLocation | undefined;
}

/** Stacks are kept for the latest occurrence only, and cut so one huge dump cannot cost much. */
const maxStackLength = 32 * 1024;

interface CountBucket {
  count: number;
  firstMs: number;
  lastMs: number;
}

class ExceptionGroup implements RecencyNode<ExceptionGroup> {
  readonly buckets = new Map<number, CountBucket>();
  older: ExceptionGroup | undefined;
  younger: ExceptionGroup | undefined;
  readonly services = new Map<string, number>();
  latest: ExceptionOccurrence;

  constructor(
    readonly id: string,
    readonly type: string,
    readonly message: string,
    readonly location: CodeLocation | undefined,
    first: ExceptionOccurrence,
  ) {
    this.latest = first;
  }

  stats(): ExceptionGroupStats | undefined {
    let count = 0;
    let firstSeenMs = Number.POSITIVE_INFINITY;
    let lastSeenMs = Number.NEGATIVE_INFINITY;
    for (const bucket of this.buckets.values()) {
      count += bucket.count;
      firstSeenMs = Math.min(firstSeenMs, bucket.firstMs);
      lastSeenMs = Math.max(lastSeenMs, bucket.lastMs);
    }
    if (count === 0) return undefined;
    return {
      id: this.id,
      type: this.type,
      message: this.message,
      location: this.location,
      count,
      services: [...this.services.entries()].sort((a, b) => b[1] - a[1]).map(([s]) => s),
      firstSeenMs,
      lastSeenMs,
      sampleTraceId: this.latest.traceId,
      sampleSpanId: this.latest.spanId,
      latestMessage: this.latest.message,
      latestStacktrace: this.latest.stacktrace,
    };
  }
}

/**
 * Exceptions grouped by type, normalized message and location: one
 * diagnostic per bug, not per occurrence. Counts live in the same time buckets as latencies,
 * so a group disappears when its last occurrence leaves the window.
 */
export class ExceptionIndex {
  private readonly groups = new Map<string, ExceptionGroup>();
  /** Least recently active first, which eviction relies on. */
  private readonly order = new RecencyList<ExceptionGroup>();
  private readonly byFile = new Map<string, Set<ExceptionGroup>>();
  evicted = 0;

  constructor(private readonly maxGroups: number) {}

  get size(): number {
    return this.groups.size;
  }

  /** Returns the file whose exceptions changed ('' when the occurrence has no location). */
  record(occurrence: ExceptionOccurrence, bucketIndex: number): string {
    const message = normalizeExceptionMessage(occurrence.message);
    const location = occurrence.location;
    const id = `${occurrence.type}\n${message}\n${location === undefined ? '' : locationKey(location)}`;
    let group = this.groups.get(id);
    const stored: ExceptionOccurrence =
      occurrence.stacktrace !== undefined && occurrence.stacktrace.length > maxStackLength ? { ...occurrence, stacktrace: occurrence.stacktrace.slice(0, maxStackLength) } : occurrence;
    if (group === undefined) {
      group = new ExceptionGroup(id, occurrence.type, message, location, stored);
      this.groups.set(id, group);
      this.order.append(group);
      if (location !== undefined) {
        let set = this.byFile.get(location.file);
        if (set === undefined) this.byFile.set(location.file, (set = new Set()));
        set.add(group);
      }
      if (this.groups.size > this.maxGroups) this.evictOldest();
    } else if (occurrence.timeMs >= group.latest.timeMs) {
      group.latest = stored;
    }
    let bucket = group.buckets.get(bucketIndex);
    if (bucket === undefined) {
      group.buckets.set(bucketIndex, (bucket = { count: 0, firstMs: occurrence.timeMs, lastMs: occurrence.timeMs }));
      this.order.touch(group);
    }
    bucket.count++;
    bucket.firstMs = Math.min(bucket.firstMs, occurrence.timeMs);
    bucket.lastMs = Math.max(bucket.lastMs, occurrence.timeMs);
    noteSeen(group.services, occurrence.service, occurrence.timeMs);
    return location?.file ?? '';
  }

  /** Drops what is older than the window; returns the files whose exceptions changed. */
  expire(cutoffIndex: number, cutoffMs: number, changedFiles: Set<string>): boolean {
    let changed = false;
    for (const group of this.groups.values()) {
      let dropped = false;
      for (const index of group.buckets.keys()) {
        if (index < cutoffIndex) {
          group.buckets.delete(index);
          dropped = true;
        }
      }
      for (const [service, ms] of group.services) if (ms < cutoffMs) group.services.delete(service);
      if (!dropped) continue;
      changed = true;
      if (group.location !== undefined) changedFiles.add(group.location.file);
      if (group.buckets.size === 0) this.remove(group);
    }
    return changed;
  }

  /** Moves every group's counts into the buckets of a new width (window change). */
  rebucket(reindex: (lastMs: number) => number): void {
    for (const group of this.groups.values()) {
      const old = [...group.buckets];
      group.buckets.clear();
      for (const [, bucket] of old) {
        const to = reindex(bucket.lastMs);
        const into = group.buckets.get(to);
        if (into === undefined) group.buckets.set(to, { ...bucket });
        else {
          into.count += bucket.count;
          into.firstMs = Math.min(into.firstMs, bucket.firstMs);
          into.lastMs = Math.max(into.lastMs, bucket.lastMs);
        }
      }
    }
  }

  forFile(file: string): ExceptionGroupStats[] {
    return collect(this.byFile.get(file) ?? []);
  }

  all(): ExceptionGroupStats[] {
    return collect(this.groups.values());
  }

  clear(): void {
    this.groups.clear();
    this.order.clear();
    this.byFile.clear();
  }

  private evictOldest(): void {
    const oldest = this.order.oldest;
    if (oldest === undefined) return;
    this.remove(oldest);
    this.evicted++;
  }

  private remove(group: ExceptionGroup): void {
    this.groups.delete(group.id);
    this.order.remove(group);
    if (group.location === undefined) return;
    const set = this.byFile.get(group.location.file);
    set?.delete(group);
    if (set?.size === 0) this.byFile.delete(group.location.file);
  }
}

/** Most recent first. */
function collect(groups: Iterable<ExceptionGroup>): ExceptionGroupStats[] {
  const out: ExceptionGroupStats[] = [];
  for (const group of groups) {
    const stats = group.stats();
    if (stats !== undefined) out.push(stats);
  }
  return out.sort((a, b) => b.lastSeenMs - a.lastSeenMs || b.count - a.count);
}
