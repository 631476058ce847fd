import { stringAttribute, type Attributes } from '../model/attributes';
import { StatusCode, type Resource, type Span, type SpanEvent } from '../model/span';
import type { AggregateStats, AggregationChange, ExceptionGroupStats, IngestHealth, LensFigures, LocationSummary, OperationSummary, SamplingSummary, SpanRef, StatsKey } from './aggregateStats';
import { defaultPercentiles, windowSpec, type AggregationWindow, type WindowSpec } from './aggregationWindow';
import { locateAttributes, locateSpan, locationKey, type CodeLocation, type LocateSpan } from './codeLocation';
import { emptyInPlace } from './emptyInPlace';
import { ExceptionIndex, type ExceptionOccurrence } from './exceptionIndex';
import { exceptionFingerprint, PropagatedExceptions } from './propagatedExceptions';
import { Emitter, type Disposable } from '../emitter';
import { AnswerCache, type CachedAnswer } from './answerCache';
import { BucketTotals } from './bucketTotals';
import { byLineThenFunction, FileKeyIndex, type FileLocations } from './fileKeyIndex';
import { byRecency, KeyAggregate, noteSeen, type ColdSummary } from './keyAggregate';
import { defaultExactLimit } from './latencyDigest';
import { defaultHistogramBins, LatencyMerger } from './latencyMerger';
import { readSampling, type SpanSampling } from './readSampling';
import { RecencyList } from './recencyList';
import { RecentSpanIds } from './recentSpanIds';

export type LocateException = (span: Span, event: SpanEvent) => CodeLocation | undefined;

export interface SpanAggregatorOptions {
  readonly window?: AggregationWindow;
  readonly percentiles?: readonly number[];
  /** Maps a span to its code; the mapping layer injects one that resolves paths. */
  readonly locate?: LocateSpan;
  /** Where an exception event happened; defaults to the event's own `code.*`, else the span's. */
  readonly locateException?: LocateException;
  /** Epoch milliseconds; injected by tests. */
  readonly now?: () => number;
  /** Defers the coalesced change notification; defaults to a zero-delay timer. */
  readonly schedule?: (flush: () => void) => void;
  readonly exactLimit?: number;
  /** Bound on location keys and, separately, on operation keys; least recently seen go first. */
  readonly maxKeys?: number;
  readonly maxExceptionGroups?: number;
  readonly slowestPerBucket?: number;
  /** Spans longer than this are refused as absurd (clock errors, never-ended spans). */
  readonly maxDurationMs?: number;
  /** Remember this many recent span ids (twice, in two generations) to ignore spans fed twice. */
  readonly dedupeCapacity?: number;
}

export interface AddOptions {
  /**
   * `spanEnd` buckets a span at its end time (spans from the receiver and backends);
   * `arrival` at "now", for data whose own times say nothing about the window, such as a trace
   * file from last month that a person opens to see its figures.
   */
  readonly time?: 'spanEnd' | 'arrival';
  /**
   * Where this batch's spans are in code, when its caller placed them beforehand (the annotation
   * service resolves a batch's paths first); defaults to the aggregator's own `locate`.
   */
  readonly locate?: LocateSpan;
  /** Where this batch's exception events threw; defaults to the event's `code.*`, then `locate`. */
  readonly locateException?: LocateException;
}

/** How a batch's spans and exceptions are placed in code. */
interface Placement {
  readonly locate: LocateSpan;
  readonly locateException: LocateException;
}

interface ResourceInfo {
  readonly service: string;
  readonly version: string | undefined;
  readonly commit: string | undefined;
}

/** Answers a query over these keys, reusing what `previous` (its last answer) holds the same. */
type Compute<T> = (keys: readonly KeyAggregate[], previous: T | undefined) => T | undefined;

const nsPerMs = 1e6;
const maxCachedQueries = 20_000;

/**
 * Production timing and exceptions per code location and per service + span name, over a
 * sliding window of time buckets. Fed incrementally from any source; queries merge
 * the buckets still inside the window, and buckets that leave it are dropped, so memory
 * follows the number of keys, not the traffic.
 */
export class SpanAggregator {
  private spec: WindowSpec;
  private percentileList: readonly number[];
  private readonly locate: LocateSpan;
  private readonly locateException: LocateException;
  private readonly now: () => number;
  private readonly schedule: (flush: () => void) => void;
  private readonly exactLimit: number;
  private readonly maxKeys: number;
  private readonly slowestLimit: number;
  private readonly maxDurationNs: number;

  private readonly locationKeys = new Map<string, KeyAggregate>();
  private readonly operationKeys = new Map<string, KeyAggregate>();
  /** Each map's keys in eviction order (see evictOldest). */
  private readonly locationOrder = new RecencyList<KeyAggregate>();
  private readonly operationOrder = new RecencyList<KeyAggregate>();
  private readonly fileKeys = new FileKeyIndex(() => ++this.keysClock);
  private readonly operationIndex = new Map<string, Map<string, KeyAggregate>>();
  private readonly exceptions: ExceptionIndex;
  /** Exceptions rethrown through ancestor spans are one occurrence, not one per span. */
  private readonly propagated = new PropagatedExceptions(100_000);
  private readonly resources = new WeakMap<Resource, ResourceInfo>();
  private lastResource: Resource | undefined;
  private lastResourceInfo: ResourceInfo | undefined;
  private readonly statsCache = new AnswerCache<AggregateStats>();
  /** What CodeLens passes ask, apart: a hover's full answer is not built for every lens. */
  private readonly figuresCache = new AnswerCache<LensFigures>();
  /** Reused by every query, and apart from it by every settled-summary rebuild a query triggers. */
  private readonly merger = new LatencyMerger();
  private readonly settler = new LatencyMerger();
  /** A query's counters, reused; the answer copies what it keeps. */
  private readonly queryTotals: BucketTotals;
  private generation = 0;
  /**
   * Stamps membership changes (keys joining or leaving a file, or the operations), unique across
   * the aggregator's life so a file that empties and fills again never repeats a stamp.
   */
  private keysClock = 0;
  private operationsMembership = 0;
  private cutoffIndex = Number.NEGATIVE_INFINITY;
  /** Time (ms) of the last eviction of a location key and of an operation key. */
  private readonly lastEvictionMs = new Map<Map<string, KeyAggregate>, number>();
  /** Counts spans into keys; orders keys for eviction. */
  private seq = 0;
  private readonly recentIds: RecentSpanIds | undefined;
  private readonly health = {
    accepted: 0,
    missingTime: 0,
    negativeDuration: 0,
    absurdDuration: 0,
    tooOld: 0,
    duplicate: 0,
    evictedKeys: 0,
  };

  private readonly changes = new Emitter<AggregationChange>();
  private pendingFiles = new Set<string>();
  /** The file last added to `pendingFiles`; forgotten when the set is handed out. */
  private lastPendingFile: string | undefined;
  private pendingOperations = false;
  private pendingAll = false;
  private flushScheduled = false;

  constructor(options: SpanAggregatorOptions = {}) {
    this.spec = windowSpec(options.window ?? '1h');
    this.percentileList = options.percentiles ?? defaultPercentiles;
    this.locate = options.locate ?? locateSpan;
    this.locateException = options.locateException ?? ((span, event) => locateAttributes(event.attributes) ?? this.locate(span));
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? ((flush) => void setTimeout(flush, 0));
    this.exactLimit = options.exactLimit ?? defaultExactLimit;
    this.maxKeys = options.maxKeys ?? 50_000;
    this.slowestLimit = options.slowestPerBucket ?? 10;
    this.maxDurationNs = (options.maxDurationMs ?? 24 * 3_600_000) * nsPerMs;
    const dedupeCapacity = options.dedupeCapacity ?? 200_000;
    this.recentIds = dedupeCapacity > 0 ? new RecentSpanIds(dedupeCapacity) : undefined;
    this.exceptions = new ExceptionIndex(options.maxExceptionGroups ?? 10_000);
    this.queryTotals = new BucketTotals(this.slowestLimit);
  }

  get window(): AggregationWindow {
    return this.spec.window;
  }

  get percentiles(): readonly number[] {
    return this.percentileList;
  }

  // ---- ingest ----------------------------------------------------------------------------

  /** Adds spans; returns how many were accepted (the rest are counted in `ingestHealth`). */
  add(spans: Iterable<Span>, options: AddOptions = {}): number {
    const nowMs = this.now();
    this.expireIfDue(nowMs);
    const arrival = options.time === 'arrival';
    const locate = options.locate ?? this.locate;
    const place: Placement = {
      locate,
      locateException: options.locateException ?? (options.locate === undefined ? this.locateException : (span, event) => locateAttributes(event.attributes) ?? locate(span)),
    };
    const { bucketMs } = this.spec;
    const cutoffIndex = this.cutoffIndex;
    let accepted = 0;
    for (const span of spans) {
      if (span.startNs <= 0n || span.endNs <= 0n) {
        this.health.missingTime++;
        continue;
      }
      if (span.endNs < span.startNs) {
        this.health.negativeDuration++;
        continue;
      }
      // A number from here on: float64 holds whole nanoseconds exactly up to 2^53 ns (about
      // 104 days), far past maxDurationMs, and number arithmetic allocates nothing.
      const durationNs = Number(span.endNs - span.startNs);
      if (durationNs > this.maxDurationNs) {
        this.health.absurdDuration++;
        continue;
      }
      let timeMs = arrival ? nowMs : Number(span.endNs) / nsPerMs;
      // A clock ahead of ours must not create buckets the window never reaches.
      if (timeMs > nowMs) timeMs = nowMs;
      const bucketIndex = Math.floor(timeMs / bucketMs);
      if (bucketIndex < cutoffIndex) {
        this.health.tooOld++;
        continue;
      }
      if (this.recentIds?.checkAndAdd(span.traceId, span.spanId) === true) {
        this.health.duplicate++;
        continue;
      }
      this.ingest(span, durationNs, timeMs, bucketIndex, place);
      accepted++;
    }
    this.health.accepted += accepted;
    if (accepted > 0) this.scheduleFlush();
    return accepted;
  }

  /** An exception that did not come as a span event: OTLP log records, Jaeger logs (backends.md §5.2). */
  recordException(occurrence: ExceptionOccurrence): boolean {
    const nowMs = this.now();
    this.expireIfDue(nowMs);
    const timeMs = Math.min(occurrence.timeMs, nowMs);
    const bucketIndex = Math.floor(timeMs / this.spec.bucketMs);
    if (!(bucketIndex >= this.cutoffIndex)) return false;
    const file = this.exceptions.record(timeMs === occurrence.timeMs ? occurrence : { ...occurrence, timeMs }, bucketIndex);
    if (file !== '') this.pendingFiles.add(file);
    this.scheduleFlush();
    return true;
  }

  private ingest(span: Span, durationNs: number, timeMs: number, bucketIndex: number, place: Placement): void {
    const info = this.resourceInfo(span.resource);
    const sampling = readSampling(span);
    const location = place.locate(span);
    // Both keys of a span point to one record of it, built only if one of them keeps it.
    let ref: SpanRef | undefined;
    if (location !== undefined) {
      const key = this.locationKeyFor(location, info.service, span.name);
      ref = this.record(key, span, info, sampling, durationNs, timeMs, bucketIndex, undefined);
      // Runs of spans from one file are common: skip the set's hashing for repeats.
      if (location.file !== this.lastPendingFile) {
        this.pendingFiles.add(location.file);
        this.lastPendingFile = location.file;
      }
    }
    this.record(this.operationKeyFor(info.service, span.name), span, info, sampling, durationNs, timeMs, bucketIndex, ref);
    this.pendingOperations = true;
    if (span.events.length > 0) this.ingestExceptions(span, info, timeMs, place);
  }

  /** Returns the span's record when one was built (or handed in), for the span's other key. */
  private record(key: KeyAggregate, span: Span, info: ResourceInfo, sampling: SpanSampling, durationNs: number, timeMs: number, bucketIndex: number, built: SpanRef | undefined): SpanRef | undefined {
    let ref = built;
    const bucket = key.bucket(bucketIndex, this.exactLimit);
    bucket.digest.add(durationNs);
    const error = span.statusCode === StatusCode.Error;
    const durationMs = durationNs / nsPerMs;
    if (error) {
      bucket.errors++;
      if (key.latestError === undefined || key.latestError.endTimeMs <= timeMs) key.latestError = ref ??= spanRef(span, info, durationMs, timeMs);
    }
    if (sampling.sampled === true) bucket.sampled++;
    else if (sampling.sampled === false) bucket.notSampled++;
    if (sampling.probability !== undefined && sampling.probability < bucket.minProbability) bucket.minProbability = sampling.probability;
    if (timeMs < bucket.firstMs) bucket.firstMs = timeMs;
    if (timeMs > bucket.lastMs) bucket.lastMs = timeMs;
    if (bucket.wouldKeep(durationMs, this.slowestLimit)) bucket.keep((ref ??= spanRef(span, info, durationMs, timeMs)), this.slowestLimit);
    // Seen-values only need bucket precision (they are pruned at bucket boundaries), so a key
    // fed by one resource notes it once per bucket, not once per span.
    if (key.lastInfo !== info || bucketIndex > key.lastInfoIndex) {
      key.lastInfo = info;
      key.lastInfoIndex = Math.max(key.lastInfoIndex, bucketIndex);
      noteSeen(key.services, info.service, timeMs);
      if (info.version !== undefined) noteSeen(key.versions, info.version, timeMs);
      if (info.commit !== undefined) noteSeen(key.commits, info.commit, timeMs);
      key.seenVersion++;
    }
    key.version++;
    return ref;
  }

  private ingestExceptions(span: Span, info: ResourceInfo, timeMs: number, place: Placement): void {
    const events = span.events;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as SpanEvent;
      if (!isExceptionEvent(event)) continue;
      const type = stringAttribute(event.attributes, 'exception.type') ?? '(no type)';
      const message = stringAttribute(event.attributes, 'exception.message') ?? '';
      const stacktrace = stringAttribute(event.attributes, 'exception.stacktrace');
      if (this.propagated.record(span.traceId, span.spanId, span.parentSpanId, exceptionFingerprint(type, message, stacktrace))) continue;
      const eventMs = event.timeNs > 0n ? Math.min(Number(event.timeNs) / nsPerMs, timeMs) : timeMs;
      const occurrence: ExceptionOccurrence = {
        type,
        message,
        stacktrace,
        timeMs: eventMs,
        traceId: span.traceId,
        spanId: span.spanId,
        service: info.service,
        location: place.locateException(span, event),
      };
      const eventBucket = Math.max(this.cutoffIndex, Math.floor(eventMs / this.spec.bucketMs));
      const file = this.exceptions.record(occurrence, eventBucket);
      if (file !== '') this.pendingFiles.add(file);
    }
  }

  /**
   * Keys are found through nested maps (file → line → function, service → name) so the hot
   * path hashes strings the span already holds instead of building a compound key per span.
   */
  private locationKeyFor(location: CodeLocation, service: string, name: string): KeyAggregate {
    const existing = this.fileKeys.get(location);
    if (existing !== undefined) {
      existing.seenSeq = ++this.seq;
      return existing;
    }
    const id = locationKey(location);
    const key = new KeyAggregate(id, location, service, name, this.lastEvictionMs.get(this.locationKeys) ?? Number.NEGATIVE_INFINITY);
    key.seenSeq = key.placedSeq = ++this.seq;
    this.locationKeys.set(id, key);
    this.locationOrder.append(key);
    this.fileKeys.add(location, key);
    if (this.locationKeys.size > this.maxKeys) this.evictOldest(this.locationKeys);
    return key;
  }

  private operationKeyFor(service: string, name: string): KeyAggregate {
    let byName = this.operationIndex.get(service);
    if (byName === undefined) this.operationIndex.set(service, (byName = new Map<string, KeyAggregate>()));
    const existing = byName.get(name);
    if (existing !== undefined) {
      existing.seenSeq = ++this.seq;
      return existing;
    }
    const id = `${service}\n${name}`;
    const key = new KeyAggregate(id, undefined, service, name, this.lastEvictionMs.get(this.operationKeys) ?? Number.NEGATIVE_INFINITY);
    key.seenSeq = key.placedSeq = ++this.seq;
    this.operationKeys.set(id, key);
    this.operationOrder.append(key);
    byName.set(name, key);
    this.operationsMembership = ++this.keysClock;
    if (this.operationKeys.size > this.maxKeys) this.evictOldest(this.operationKeys);
    return key;
  }

  /**
   * LRU by second chance (CLOCK): a span only stamps its key with a sequence number, and a key
   * that was seen since it was last placed moves to the young end when eviction reaches it. The
   * hot path costs one store per span, and a key fed all along is never dropped for a flood of
   * new ones, even within one time bucket.
   */
  private evictOldest(map: Map<string, KeyAggregate>): void {
    const order = map === this.locationKeys ? this.locationOrder : this.operationOrder;
    for (;;) {
      const key = order.oldest;
      if (key === undefined) return;
      if (key.seenSeq > key.placedSeq) {
        key.placedSeq = this.seq;
        order.touch(key);
        continue;
      }
      this.removeKey(map, key);
      this.health.evictedKeys++;
      this.lastEvictionMs.set(map, this.now());
      return;
    }
  }

  private removeKey(map: Map<string, KeyAggregate>, key: KeyAggregate): void {
    map.delete(key.id);
    (key.location === undefined ? this.operationOrder : this.locationOrder).remove(key);
    if (key.location === undefined) {
      const byName = this.operationIndex.get(key.service);
      byName?.delete(key.name);
      if (byName?.size === 0) this.operationIndex.delete(key.service);
      this.operationsMembership = ++this.keysClock;
      this.pendingOperations = true;
      return;
    }
    this.fileKeys.remove(key.location, key);
    this.pendingFiles.add(key.location.file);
  }

  private resourceInfo(resource: Resource): ResourceInfo {
    // Spans of a batch mostly share their resource: one comparison instead of a WeakMap lookup.
    if (resource === this.lastResource && this.lastResourceInfo !== undefined) return this.lastResourceInfo;
    let info = this.resources.get(resource);
    if (info === undefined) {
      info = readResourceInfo(resource);
      this.resources.set(resource, info);
    }
    this.lastResource = resource;
    this.lastResourceInfo = info;
    return info;
  }

  // ---- time ------------------------------------------------------------------------------

  /**
   * Drops data that has left the window. Runs on every add and query but does work only when
   * the cutoff crosses a bucket boundary; the adapter calls it on a timer so that diagnostics
   * clear even when no spans arrive. Returns whether anything expired.
   */
  expire(): boolean {
    return this.expireIfDue(this.now());
  }

  private expireIfDue(nowMs: number): boolean {
    const { lengthMs, bucketMs } = this.spec;
    const cutoffIndex = Math.floor((nowMs - lengthMs) / bucketMs);
    if (cutoffIndex <= this.cutoffIndex) return false;
    this.cutoffIndex = cutoffIndex;
    const cutoffMs = cutoffIndex * bucketMs;
    let changed = false;
    for (const map of [this.locationKeys, this.operationKeys]) {
      for (const key of map.values()) {
        if (!key.expire(cutoffIndex, cutoffMs)) continue;
        changed = true;
        if (key.location !== undefined) this.pendingFiles.add(key.location.file);
        else this.pendingOperations = true;
        if (key.buckets.size === 0) this.removeKey(map, key);
      }
    }
    if (this.exceptions.expire(cutoffIndex, cutoffMs, this.pendingFiles)) changed = true;
    if (changed) this.scheduleFlush();
    return changed;
  }

  /**
   * Changes the window, keeping what was collected: buckets are re-cut to the new width (a
   * longer window shows only what the shorter one still held; the adapter may re-feed its
   * local store to fill it).
   */
  setWindow(window: AggregationWindow): void {
    if (window === this.spec.window) return;
    this.spec = windowSpec(window);
    const to = this.spec.bucketMs;
    // A bucket moves to where its newest span belongs: widths nest (1, 5, 120, 720 min), so
    // going coarser loses nothing, and going finer keeps a bucket as long as its newest data.
    const reindex = (lastMs: number): number => Math.floor(lastMs / to);
    for (const map of [this.locationKeys, this.operationKeys]) {
      for (const key of map.values()) {
        const old = [...key.buckets];
        key.buckets.clear();
        key.hot = undefined;
        key.hotIndex = Number.NaN;
        key.lastInfo = undefined;
        key.coldVersion++;
        for (const [, bucket] of old) {
          const target = reindex(bucket.lastMs);
          const into = key.buckets.get(target);
          if (into === undefined) key.buckets.set(target, bucket);
          else into.mergeFrom(bucket, this.slowestLimit);
        }
        key.version++;
      }
    }
    this.exceptions.rebucket(reindex);
    this.cutoffIndex = Number.NEGATIVE_INFINITY;
    this.expireIfDue(this.now());
    this.invalidateAll();
  }

  setPercentiles(percentiles: readonly number[]): void {
    this.percentileList = percentiles;
    this.invalidateAll();
  }

  clear(): void {
    this.locationKeys.clear();
    this.operationKeys.clear();
    this.locationOrder.clear();
    this.operationOrder.clear();
    this.operationIndex.clear();
    this.fileKeys.clear();
    this.exceptions.clear();
    this.propagated.clear();
    this.recentIds?.clear();
    this.lastEvictionMs.clear();
    this.lastResource = this.lastResourceInfo = undefined;
    this.invalidateAll();
  }

  // ---- queries ---------------------------------------------------------------------------

  /** Figures for one line of a file (any function), or for the whole file when `line` is omitted. */
  statsForLocation(file: string, line?: number): AggregateStats | undefined {
    return line === undefined ? this.statsFor({ kind: 'location', file }) : this.statsFor({ kind: 'location', file, line });
  }

  /**
   * Figures for a function of a file. `functionName` matches a key's function exactly or as
   * its qualified tail (`handle` and `Server.handle` both match `com.acme.Server.handle`),
   * since the editor knows the symbol name and instrumentations send qualified names.
   */
  statsForFunction(file: string, functionName: string): AggregateStats | undefined {
    return this.answerForFunction(this.statsCache, file, functionName, this.computeStats);
  }

  /**
   * What a CodeLens shows of `statsForFunction`'s answer: counts and percentiles, without the
   * histogram, slowest spans and sampling a hover reads, which were most of a lens pass's work.
   */
  figuresForFunction(file: string, functionName: string): LensFigures | undefined {
    return this.answerForFunction(this.figuresCache, file, functionName, this.computeFigures);
  }

  /** `statsForLocation`'s lens part, as `figuresForFunction` is `statsForFunction`'s. */
  figuresForLocation(file: string, line: number): LensFigures | undefined {
    this.expireIfDue(this.now());
    const query: StatsKey = { kind: 'location', file, line };
    return this.answerFor(this.figuresCache, query, this.computeFigures);
  }

  statsForOperation(service: string, name: string): AggregateStats | undefined {
    return this.statsFor({ kind: 'operation', service, name });
  }

  statsFor(query: StatsKey): AggregateStats | undefined {
    if (query.kind === 'function') return this.statsForFunction(query.file, query.function);
    this.expireIfDue(this.now());
    return this.answerFor(this.statsCache, query, this.computeStats);
  }

  private answerForFunction<T>(cache: AnswerCache<T>, file: string, functionName: string, compute: Compute<T>): T | undefined {
    // A CodeLens pass asks this for every function of a file, so it finds its cached answer
    // through file → name without building a query object and a key string per call.
    this.expireIfDue(this.now());
    const membership = this.fileKeys.membership(file);
    const cached = cache.getFunction(file, functionName);
    if (membership !== -1 && cached !== undefined && this.isCurrent(cached, membership)) return cached.value;
    const keys = this.fileKeys.functionKeys(file, functionName);
    if (cached !== undefined) return this.refresh(cached, membership, keys, compute);
    const value = compute(keys, undefined);
    this.makeRoom();
    cache.setFunction(file, functionName, this.newCached(membership, keys, value));
    return value;
  }

  private answerFor<T>(cache: AnswerCache<T>, query: Exclude<StatsKey, { kind: 'function' }>, compute: Compute<T>): T | undefined {
    const cacheKey = queryCacheKey(query);
    const membership = query.kind === 'operation' ? this.operationsMembership : this.fileKeys.membership(query.file);
    const cached = cache.get(cacheKey);
    if (cached !== undefined && this.isCurrent(cached, membership)) return cached.value;
    const keys = this.keysFor(query);
    if (cached !== undefined) return this.refresh(cached, membership, keys, compute);
    const value = compute(keys, undefined);
    this.makeRoom();
    cache.set(cacheKey, this.newCached(membership, keys, value));
    return value;
  }

  private isCurrent(cached: CachedAnswer<unknown>, membership: number): boolean {
    return cached.generation === this.generation && cached.membership === membership && cached.versionSum === versionSum(cached.keys);
  }

  /** Answers again into the cached entry, handing the previous answer on for its unchanged parts. */
  private refresh<T>(cached: CachedAnswer<T>, membership: number, keys: readonly KeyAggregate[], compute: Compute<T>): T | undefined {
    const value = compute(keys, cached.generation === this.generation ? cached.value : undefined);
    cached.generation = this.generation;
    cached.membership = membership;
    cached.keys = keys;
    cached.versionSum = versionSum(keys);
    cached.value = value;
    return value;
  }

  private newCached<T>(membership: number, keys: readonly KeyAggregate[], value: T | undefined): CachedAnswer<T> {
    return { generation: this.generation, membership, keys, versionSum: versionSum(keys), value };
  }

  private makeRoom(): void {
    if (this.statsCache.size + this.figuresCache.size >= maxCachedQueries) this.clearCache();
  }

  private clearCache(): void {
    this.statsCache.clear();
    this.figuresCache.clear();
  }

  /** Slowest first: the spans a CodeLens click lists (contract: showSpansForFunction). */
  spansFor(query: StatsKey, limit = 50): SpanRef[] {
    this.expireIfDue(this.now());
    const refs: SpanRef[] = [];
    for (const key of this.keysFor(query)) for (const bucket of key.buckets.values()) refs.push(...bucket.slowest);
    refs.sort((a, b) => b.durationMs - a.durationMs);
    return refs.slice(0, Math.max(0, limit));
  }

  /** The locations of a file that have data, by line. */
  locations(file: string): LocationSummary[] {
    this.expireIfDue(this.now());
    const out: LocationSummary[] = [];
    for (const key of this.fileKeys.keysOf(file) ?? []) {
      if (key.location === undefined) continue;
      let count = 0;
      let errorCount = 0;
      for (const bucket of key.buckets.values()) {
        count += bucket.digest.count;
        errorCount += bucket.errors;
      }
      out.push({ location: key.location, count, errorCount });
    }
    return out.sort((a, b) => byLineThenFunction(a.location, b.location));
  }

  /**
   * The locations of a file that have keys, in `locations()` order, without their counts. The
   * stamp is unique across the aggregator's life and changes exactly when keys join or leave
   * the file, so a caller that grouped the list before can keep its grouping while it holds.
   */
  fileLocations(file: string): FileLocations {
    this.expireIfDue(this.now());
    return this.fileKeys.fileLocations(file);
  }

  /** Files that have location data. */
  filesWithData(): string[] {
    this.expireIfDue(this.now());
    return this.fileKeys.files();
  }

  operationsSeen(): OperationSummary[] {
    this.expireIfDue(this.now());
    const out: OperationSummary[] = [];
    for (const key of this.operationKeys.values()) {
      let count = 0;
      let errorCount = 0;
      for (const bucket of key.buckets.values()) {
        count += bucket.digest.count;
        errorCount += bucket.errors;
      }
      out.push({ service: key.service, name: key.name, count, errorCount });
    }
    return out.sort((a, b) => b.count - a.count);
  }

  exceptionsFor(file: string): ExceptionGroupStats[] {
    this.expireIfDue(this.now());
    return this.exceptions.forFile(file);
  }

  allExceptions(): ExceptionGroupStats[] {
    this.expireIfDue(this.now());
    return this.exceptions.all();
  }

  ingestHealth(): IngestHealth {
    return {
      ...this.health,
      evictedExceptionGroups: this.exceptions.evicted,
      locationKeys: this.locationKeys.size,
      operationKeys: this.operationKeys.size,
      exceptionGroups: this.exceptions.size,
    };
  }

  /** Approximate bytes held by the latency digests, for the benchmark's memory figure. */
  retainedDigestBytes(): { readonly bytes: number; readonly keys: number } {
    let bytes = 0;
    for (const key of this.locationKeys.values()) for (const bucket of key.buckets.values()) bytes += bucket.digest.retainedBytes;
    return { bytes, keys: this.locationKeys.size };
  }

  // ---- change notification ---------------------------------------------------------------

  /** Called at most once per scheduled turn however many batches arrived in it. */
  onDidChange(listener: (change: AggregationChange) => void): Disposable {
    return this.changes.event(listener);
  }

  private invalidateAll(): void {
    this.generation++;
    this.clearCache();
    this.pendingAll = true;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.schedule(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const change: AggregationChange = { files: this.pendingFiles, operations: this.pendingOperations, all: this.pendingAll };
    this.pendingFiles = new Set();
    this.lastPendingFile = undefined;
    this.pendingOperations = false;
    this.pendingAll = false;
    this.changes.fire(change);
  }

  // ---- merging ---------------------------------------------------------------------------

  private keysFor(query: StatsKey): KeyAggregate[] {
    if (query.kind === 'operation') {
      const key = this.operationIndex.get(query.service)?.get(query.name);
      return key === undefined ? [] : [key];
    }
    if (query.kind === 'function') return this.fileKeys.functionKeys(query.file, query.function);
    return this.fileKeys.keysAt(query.file, query.line);
  }

  /**
   * Each key contributes its cold summary (rebuilt only when a bucket other than the newest
   * changed) and its open buckets, read in place, so a query over fresh data adds one small
   * bucket per key to what was settled instead of the whole window, and builds no sketch. The
   * result is what merging every bucket would give.
   */
  private readonly computeStats: Compute<AggregateStats> = (keys, previous) => {
    const totals = this.queryTotals;
    totals.reset();
    const merger = this.merger;
    merger.reset();
    let latestError: SpanRef | undefined;
    let possiblyIncomplete = false;
    const windowStartMs = this.cutoffIndex * this.spec.bucketMs;
    for (const key of keys) {
      const cold = this.coldOf(key);
      if (cold.latency !== undefined) merger.addSettled(cold.latency);
      totals.add(cold.totals);
      key.fold(cold.settledBelow, key.hotIndex + 1, merger, totals);
      if (key.latestError !== undefined && (latestError === undefined || key.latestError.endTimeMs > latestError.endTimeMs)) latestError = key.latestError;
      if (key.createdAfterEvictionMs >= windowStartMs) possiblyIncomplete = true;
    }
    const latency = merger.summarize(this.percentileList, defaultHistogramBins, previous?.latency);
    merger.reset();
    if (latency === undefined) {
      emptyInPlace(totals.slowest);
      return undefined;
    }
    const seen = seenListsOf(keys);
    const count = latency.count;
    // Fresh spans rarely change the slowest few or the sampling, so the last answer's lists and
    // objects are handed on when they hold the same; a new answer allocates mostly what changed.
    const slowest = previous !== undefined && sameRefs(previous.slowest, totals.slowest) ? previous.slowest : totals.slowest.slice();
    emptyInPlace(totals.slowest);
    const sampling = samplingSummary(totals.sampled, totals.notSampled, totals.minProbability, previous?.sampling);
    return {
      window: this.spec.window,
      count,
      errorCount: totals.errors,
      errorRate: totals.errors / count,
      latency,
      sampling,
      services: seen.services,
      versions: seen.versions,
      commits: seen.commits,
      slowest,
      latestError,
      firstSeenMs: totals.firstMs,
      lastSeenMs: totals.lastMs,
      keyCount: keys.length,
      possiblyIncomplete,
    };
  };

  /** `computeStats` for a CodeLens: the same counts and percentiles, nothing else read or merged. */
  private readonly computeFigures: Compute<LensFigures> = (keys, previous) => {
    const merger = this.merger;
    merger.reset();
    let errors = 0;
    for (const key of keys) {
      const cold = this.coldOf(key);
      if (cold.latency !== undefined) merger.addSettled(cold.latency);
      errors += cold.totals.errors + key.fold(cold.settledBelow, key.hotIndex + 1, merger);
    }
    const count = merger.total;
    if (count === 0) {
      merger.reset();
      return undefined;
    }
    const quantiles = merger.quantiles(this.percentileList, previous?.latency.quantiles);
    merger.reset();
    const seen = seenListsOf(keys);
    if (
      previous !== undefined &&
      previous.count === count &&
      previous.errorCount === errors &&
      previous.latency.quantiles === quantiles &&
      previous.versions === seen.versions &&
      previous.commits === seen.commits
    ) {
      return previous;
    }
    return { count, errorCount: errors, latency: { quantiles }, versions: seen.versions, commits: seen.commits };
  };

  /** The key's settled buckets, merged; cached until one of them changes or the newest bucket moves. */
  private coldOf(key: KeyAggregate): ColdSummary {
    const settledBelow = key.settledBelow;
    const known = key.cold;
    if (known !== undefined && known.version === key.coldVersion && known.settledBelow === settledBelow) return known;
    const totals = new BucketTotals(this.slowestLimit);
    const settler = this.settler;
    settler.reset();
    key.fold(Number.NEGATIVE_INFINITY, settledBelow, settler, totals);
    const cold: ColdSummary = { version: key.coldVersion, settledBelow, latency: settler.settle(), totals };
    settler.reset();
    key.cold = cold;
    return cold;
  }
}

function versionSum(keys: readonly KeyAggregate[]): number {
  let sum = 0;
  for (const key of keys) sum += key.version;
  return sum;
}

/** One key's lists as they are (the common CodeLens case); several keys' merged by recency. */
function seenListsOf(keys: readonly KeyAggregate[]): { readonly services: readonly string[]; readonly versions: readonly string[]; readonly commits: readonly string[] } {
  if (keys.length === 1) return (keys[0] as KeyAggregate).seenLists();
  const services = new Map<string, number>();
  const versions = new Map<string, number>();
  const commits = new Map<string, number>();
  for (const key of keys) {
    mergeSeen(services, key.services);
    mergeSeen(versions, key.versions);
    mergeSeen(commits, key.commits);
  }
  return { services: byRecency(services), versions: byRecency(versions), commits: byRecency(commits) };
}

function spanRef(span: Span, info: ResourceInfo, durationMs: number, timeMs: number): SpanRef {
  return { traceId: span.traceId, spanId: span.spanId, service: info.service, name: span.name, durationMs, error: span.statusCode === StatusCode.Error, endTimeMs: timeMs };
}

function isExceptionEvent(event: SpanEvent): boolean {
  return event.name === 'exception' || event.attributes['exception.type'] !== undefined || event.attributes['exception.message'] !== undefined;
}

function queryCacheKey(query: Exclude<StatsKey, { kind: 'function' }>): string {
  switch (query.kind) {
    case 'location':
      return `L\n${query.file}\n${query.line === undefined ? '*' : String(query.line)}`;
    case 'operation':
      return `O\n${query.service}\n${query.name}`;
  }
}

function readResourceInfo(resource: Resource): ResourceInfo {
  const attributes: Attributes = resource.attributes;
  const version = stringAttribute(attributes, 'service.version');
  const commit =
    stringAttribute(attributes, 'vcs.ref.head.revision', 'vcs.repository.ref.revision') ??
    // Many deployments put the commit in service.version; use it only when it looks like one.
    (version !== undefined && /^[0-9a-f]{7,40}$/i.test(version) ? version : undefined);
  return { service: resource.serviceName, version, commit };
}

function samplingSummary(sampled: number, notSampled: number, minProbability: number, previous: SamplingSummary | undefined): SamplingSummary {
  const probability = minProbability <= 1 ? minProbability : undefined;
  let flag: SamplingSummary['flag'];
  if (sampled > 0 && notSampled > 0) flag = 'mixed';
  else if (sampled > 0) flag = 'sampled';
  else if (notSampled > 0) flag = 'notSampled';
  else flag = 'unknown';
  return previous !== undefined && previous.flag === flag && previous.probability === probability ? previous : { flag, probability };
}

function sameRefs(a: readonly SpanRef[], b: readonly SpanRef[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function mergeSeen(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [value, ms] of from) {
    const known = into.get(value);
    if (known === undefined || ms > known) into.set(value, ms);
  }
}
