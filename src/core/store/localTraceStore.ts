import { buildTrace } from '../model/buildTrace';
import { isErrorSpan, type Span } from '../model/span';
import type { Trace } from '../model/trace';
import { spanLength, type DurationNs } from '../model/units';
import { SegmentLog } from './segmentLog';
import { encodeSpanRecord } from './spanRecordCodec';
import { decodeTracePayload, payloadKindCodes, payloadKindOfCode, type TracePayload } from './tracePayload';
import type { IngestBatch, TraceSink } from './traceSink';

export interface LocalTraceStoreOptions {
  /** Where the log lives (the extension's global storage in VS Code). Created when missing. */
  readonly directory: string;
  /** Whole traces are evicted, least recently received first, while more spans than this are held. */
  readonly maxSpans?: number;
  /** Change events are coalesced: at most one per this many ms, however fast spans arrive. */
  readonly changeDelayMs?: number;
  /** Unwritten bytes above which the store reports itself backed up (the receiver answers 503). */
  readonly maxPendingWriteBytes?: number;
  /** The log is compacted once it is at least this large and evicted spans outnumber live ones. */
  readonly compactMinBytes?: number;
  readonly segmentBytes?: number;
  /** fdatasync every group commit; see segmentLog.ts for why it is off by default. */
  readonly syncWrites?: boolean;
}

/** What the tree shows for one trace. */
export interface TraceSummary {
  readonly traceId: string;
  readonly rootName: string;
  readonly rootService: string;
  /** Whether the root shown is a true root; false when the trace's root span has not arrived. */
  readonly hasRoot: boolean;
  readonly spanCount: number;
  readonly errorCount: number;
  readonly serviceCount: number;
  readonly startNs: bigint;
  readonly durationNs: DurationNs;
  /** Date.now() when the trace's latest span arrived. */
  readonly lastReceivedMs: number;
}

/** One coalesced change: every trace touched since the previous event. */
export interface TraceStoreChange {
  readonly updatedTraceIds: readonly string[];
  readonly evictedTraceIds: readonly string[];
  /** clear() ran; listeners should drop everything they hold before applying the rest. */
  readonly cleared: boolean;
  readonly spanCount: number;
  readonly traceCount: number;
}

export interface Disposable {
  dispose(): void;
}

interface TraceEntry {
  readonly traceId: string;
  readonly spans: Span[];
  errorCount: number;
  startNs: bigint;
  endNs: bigint;
  /** The earliest span without a parent id. */
  root: Span | undefined;
  readonly services: Set<string>;
  lastReceivedMs: number;
}

const spansPerCompactedRecord = 2000;

/**
 * The receiver's store: spans grouped by trace id in memory, every acknowledged batch in an
 * append-only log on disk (segmentLog.ts), replayed on open. Bounded by maxSpans: whole traces
 * are evicted, the one that received a span least recently first, so a trace that is still
 * growing is not cut while older ones remain.
 */
export class LocalTraceStore implements TraceSink {
  private readonly traces = new Map<string, TraceEntry>();
  private totalSpans = 0;
  /** Spans the log holds records for, live or evicted; drives compaction. */
  private loggedSpans = 0;
  private compactionQueued = false;
  private compacting = false;
  private readonly listeners = new Set<(change: TraceStoreChange) => void>();
  private pendingUpdated = new Set<string>();
  private pendingEvicted = new Set<string>();
  private pendingCleared = false;
  private changeTimer: NodeJS.Timeout | undefined;
  private readonly maxSpans: number;
  private readonly changeDelayMs: number;
  private readonly maxPendingWriteBytes: number;
  private readonly compactMinBytes: number;
  private warnings: string[] = [];
  private readonly backgroundErrors: string[] = [];

  private constructor(
    private readonly log: SegmentLog,
    options: LocalTraceStoreOptions,
  ) {
    this.maxSpans = Math.max(1, options.maxSpans ?? 100_000);
    this.changeDelayMs = options.changeDelayMs ?? 200;
    this.maxPendingWriteBytes = options.maxPendingWriteBytes ?? 32 * 1024 * 1024;
    this.compactMinBytes = options.compactMinBytes ?? 16 * 1024 * 1024;
  }

  /** Opens (or creates) the store and replays its log. Damage is reported in `openWarnings`, never thrown. */
  static async open(options: LocalTraceStoreOptions): Promise<LocalTraceStore> {
    const logOptions = { ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }), ...(options.syncWrites === undefined ? {} : { syncWrites: options.syncWrites }) };
    const log = new SegmentLog(options.directory, logOptions);
    const store = new LocalTraceStore(log, options);
    const undecodable: string[] = [];
    const replay = await log.open((record) => {
      const kind = payloadKindOfCode(record.kind);
      if (kind === undefined) {
        undecodable.push(`${record.segment} at byte ${record.offset}: unknown record kind ${record.kind}`);
        return;
      }
      try {
        const { spans } = decodeTracePayload({ kind, bytes: record.payload });
        store.apply(spans, false);
      } catch (error: unknown) {
        undecodable.push(`${record.segment} at byte ${record.offset}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    store.warnings = [...replay.warnings];
    if (undecodable.length > 0) {
      store.warnings.push(`${undecodable.length} logged batch${undecodable.length === 1 ? '' : 'es'} could not be read and ${undecodable.length === 1 ? 'was' : 'were'} skipped (the first: ${undecodable[0] ?? ''}).`);
    }
    // Rewriting what could be read drops the damaged bytes, so the next open is clean.
    if (replay.corrupted || undecodable.length > 0) await store.compact();
    else store.maybeCompact();
    return store;
  }

  /** What replay had to tolerate (a torn last record, a damaged file), worded for a person. */
  get openWarnings(): readonly string[] {
    return this.warnings;
  }

  /** Failures of background work (compaction) since the last call, for the adapter to log. */
  takeBackgroundErrors(): string[] {
    return this.backgroundErrors.splice(0);
  }

  get spanCount(): number {
    return this.totalSpans;
  }

  get traceCount(): number {
    return this.traces.size;
  }

  get isBackedUp(): boolean {
    return this.compacting || this.log.pendingBytes > this.maxPendingWriteBytes;
  }

  get logBytes(): number {
    return this.log.sizeBytes;
  }

  /** Logs a received batch and then adds its spans; resolves once the batch is written. */
  ingest(batch: IngestBatch): Promise<void> {
    if (batch.spans.length === 0) return Promise.resolve();
    return this.log.append(payloadKindCodes[batch.payload.kind], batch.payload.bytes, () => {
      this.apply(batch.spans, true);
      this.maybeCompact();
    });
  }

  /** Adds spans that have no wire bytes (imports, tests), in the store's own encoding. */
  appendSpans(spans: readonly Span[]): Promise<void> {
    const payload: TracePayload = { kind: 'spans', bytes: encodeSpanRecord(spans) };
    return this.ingest({ spans, payload });
  }

  /** Summaries of the held traces, the latest-starting first. */
  listTraces(limit = Number.POSITIVE_INFINITY): TraceSummary[] {
    const entries = [...this.traces.values()].sort((a, b) => (a.startNs > b.startNs ? -1 : a.startNs < b.startNs ? 1 : b.lastReceivedMs - a.lastReceivedMs));
    return entries.slice(0, limit).map(summarize);
  }

  getSummary(traceId: string): TraceSummary | undefined {
    const entry = this.traces.get(traceId);
    return entry && summarize(entry);
  }

  /** The spans of one trace in arrival order; undefined once evicted or never seen. */
  getSpans(traceId: string): readonly Span[] | undefined {
    return this.traces.get(traceId)?.spans.slice();
  }

  getTrace(traceId: string): Trace | undefined {
    const entry = this.traces.get(traceId);
    return entry && buildTrace(traceId, entry.spans);
  }

  /** Forgets every trace, in memory and on disk; ordered after writes already queued. */
  async clear(): Promise<void> {
    await this.log.exclusive(async () => {
      await this.log.rewrite(() => Promise.resolve());
      const evicted = [...this.traces.keys()];
      this.traces.clear();
      this.totalSpans = 0;
      this.loggedSpans = 0;
      this.pendingUpdated.clear();
      this.pendingEvicted.clear();
      this.pendingCleared = evicted.length > 0 || this.pendingCleared;
      this.scheduleChange();
    });
  }

  /** Rewrites the log to hold only live spans. Runs by itself when evicted data dominates. */
  async compact(): Promise<void> {
    await this.log.exclusive(async () => {
      this.compacting = true;
      try {
        await this.log.rewrite(async (appendRecord) => {
          let chunk: Span[] = [];
          for (const entry of this.traces.values()) {
            for (const span of entry.spans) {
              chunk.push(span);
              if (chunk.length >= spansPerCompactedRecord) {
                await appendRecord(payloadKindCodes.spans, encodeSpanRecord(chunk));
                chunk = [];
              }
            }
          }
          if (chunk.length > 0) await appendRecord(payloadKindCodes.spans, encodeSpanRecord(chunk));
        });
        this.loggedSpans = this.totalSpans;
      } finally {
        this.compacting = false;
      }
    });
  }

  /** Subscribes to coalesced changes. */
  onDidChange(listener: (change: TraceStoreChange) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Waits for queued writes and closes the log. Pending change events are delivered first. */
  async close(): Promise<void> {
    await this.log.close();
    if (this.changeTimer) {
      clearTimeout(this.changeTimer);
      this.changeTimer = undefined;
      this.emitChange();
    }
  }

  private apply(spans: readonly Span[], live: boolean): void {
    const now = Date.now();
    const touched = new Set<TraceEntry>();
    for (const span of spans) {
      let entry = this.traces.get(span.traceId);
      if (entry) {
        // Re-inserting moves the trace to the end: eviction order is least recently received.
        if (!touched.has(entry)) {
          touched.add(entry);
          this.traces.delete(span.traceId);
          this.traces.set(span.traceId, entry);
        }
      } else {
        entry = { traceId: span.traceId, spans: [], errorCount: 0, startNs: span.startNs, endNs: span.endNs, root: undefined, services: new Set(), lastReceivedMs: now };
        this.traces.set(span.traceId, entry);
        touched.add(entry);
      }
      entry.spans.push(span);
      entry.lastReceivedMs = now;
      if (isErrorSpan(span)) entry.errorCount++;
      if (span.startNs < entry.startNs) entry.startNs = span.startNs;
      if (span.endNs > entry.endNs) entry.endNs = span.endNs;
      if (span.parentSpanId === undefined && (!entry.root || span.startNs < entry.root.startNs)) entry.root = span;
      entry.services.add(span.resource.serviceName);
      if (live) this.pendingUpdated.add(span.traceId);
    }
    this.totalSpans += spans.length;
    this.loggedSpans += spans.length;
    this.evict(live);
    if (live) this.scheduleChange();
  }

  private evict(live: boolean): void {
    while (this.totalSpans > this.maxSpans) {
      const oldest = this.traces.values().next();
      if (oldest.done === true) break;
      const entry = oldest.value;
      this.traces.delete(entry.traceId);
      this.totalSpans -= entry.spans.length;
      if (live) {
        this.pendingUpdated.delete(entry.traceId);
        this.pendingEvicted.add(entry.traceId);
      }
    }
  }

  private maybeCompact(): void {
    if (this.compactionQueued || this.log.sizeBytes < this.compactMinBytes) return;
    if (this.loggedSpans - this.totalSpans <= this.totalSpans) return;
    this.compactionQueued = true;
    this.compact()
      .catch((error: unknown) => this.backgroundErrors.push(`compacting the trace store failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (this.compactionQueued = false));
  }

  private scheduleChange(): void {
    if (this.changeTimer || this.listeners.size === 0) {
      if (this.listeners.size === 0) this.resetPending();
      return;
    }
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.emitChange();
    }, this.changeDelayMs);
    this.changeTimer.unref();
  }

  private resetPending(): void {
    this.pendingUpdated = new Set();
    this.pendingEvicted = new Set();
    this.pendingCleared = false;
  }

  private emitChange(): void {
    const change: TraceStoreChange = {
      updatedTraceIds: [...this.pendingUpdated],
      evictedTraceIds: [...this.pendingEvicted],
      cleared: this.pendingCleared,
      spanCount: this.totalSpans,
      traceCount: this.traces.size,
    };
    this.resetPending();
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error: unknown) {
        this.backgroundErrors.push(`a trace store listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

function summarize(entry: TraceEntry): TraceSummary {
  const root = entry.root ?? earliestOrphan(entry.spans);
  return {
    traceId: entry.traceId,
    rootName: root?.name ?? '',
    rootService: root?.resource.serviceName ?? '',
    hasRoot: entry.root !== undefined,
    spanCount: entry.spans.length,
    errorCount: entry.errorCount,
    serviceCount: entry.services.size,
    startNs: entry.startNs,
    durationNs: spanLength(entry.startNs, entry.endNs),
    lastReceivedMs: entry.lastReceivedMs,
  };
}

/** The top of a trace whose root has not arrived: the earliest span whose parent is not held. */
function earliestOrphan(spans: readonly Span[]): Span | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  let best: Span | undefined;
  for (const span of spans) {
    if (span.parentSpanId !== undefined && ids.has(span.parentSpanId)) continue;
    if (!best || span.startNs < best.startNs) best = span;
  }
  return best ?? spans[0];
}
