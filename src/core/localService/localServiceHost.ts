import type { Span } from '../model/span';
import { LocalSource } from '../traceService/localSource';
import type { ReceiverSettings, ReceiverStatus, TraceSummary } from '../traceService/traceServiceProtocol';
import { localServiceProtocolVersion, type LocalServiceApi, type LocalServiceEvent, type LocalTraceQuery, type ServiceHello, type SpanPage, type StoredTrace, type WindowHello } from './localServiceApi';

export interface LocalServiceHostOptions {
  readonly storeDirectory: string;
  readonly maxSpans: number;
  /** Told each event, to pass to every connected window. */
  readonly broadcast: (event: LocalServiceEvent) => void;
  readonly windows: () => number;
  readonly log?: (message: string) => void;
  /** Asked to stop: the process closes its listener and exits once this resolves. */
  readonly onShutdown: () => void;
}

/** Trace ids a replay walks, kept while windows page through them. */
interface ReplaySnapshot {
  readonly traceIds: readonly string[];
  lastUsedMs: number;
}

const maxReplaySnapshots = 8;
const replaySnapshotTtlMs = 120_000;

/**
 * What the per-machine service answers, over the store and receiver it alone owns. Every
 * window's request lands here; the store's single writer is this process (see serviceLock.ts).
 */
export class LocalServiceHost implements LocalServiceApi {
  readonly source: LocalSource;
  private readonly snapshots = new Map<number, ReplaySnapshot>();
  private nextSnapshot = 1;

  constructor(private readonly options: LocalServiceHostOptions) {
    this.source = new LocalSource(
      (event) => options.broadcast({ type: 'source', event }),
      (spans) => options.broadcast({ type: 'stored', spans }),
    );
  }

  /** Opens the store before the first window asks, so a reload finds it warm. */
  async open(): Promise<void> {
    await this.source.open(this.settings());
  }

  hello(window: WindowHello): Promise<ServiceHello> {
    this.options.log?.(`window ${window.pid} attached (protocol ${window.protocolVersion})`);
    return Promise.resolve({ protocolVersion: localServiceProtocolVersion, pid: process.pid, storeDirectory: this.options.storeDirectory, windows: this.options.windows() });
  }

  status(): Promise<ReceiverStatus> {
    return Promise.resolve(this.source.status());
  }

  startReceiver(settings: ReceiverSettings): Promise<ReceiverStatus> {
    // The store is this service's; a window's idea of where it lives does not move it.
    return this.source.start({ ...settings, storeDirectory: this.options.storeDirectory, maxSpans: this.options.maxSpans });
  }

  stopReceiver(): Promise<ReceiverStatus> {
    return this.source.stop();
  }

  clear(): Promise<void> {
    this.snapshots.clear();
    return this.source.clear();
  }

  listTraces(limit: number): Promise<readonly TraceSummary[]> {
    return Promise.resolve(this.source.summaries(Math.max(0, limit)));
  }

  getTrace(traceId: string, knownSpanCount: number): Promise<StoredTrace> {
    const spans = this.source.spansOf(traceId);
    if (spans === undefined) return Promise.resolve({ state: 'missing' });
    if (spans.length === knownSpanCount) return Promise.resolve({ state: 'unchanged' });
    return Promise.resolve({ state: 'spans', spans });
  }

  traceSummary(traceId: string): Promise<TraceSummary | undefined> {
    return this.source.find(traceId);
  }

  findTraces(query: LocalTraceQuery): Promise<readonly TraceSummary[]> {
    const limit = query.limit ?? 100;
    const out: TraceSummary[] = [];
    for (const summary of this.source.allSummaries()) {
      if (matches(summary, query)) out.push(summary);
      if (out.length >= limit) break;
    }
    return Promise.resolve(out);
  }

  storedSpans(cursor: number, limit: number): Promise<SpanPage> {
    const now = Date.now();
    for (const [id, snapshot] of this.snapshots) if (now - snapshot.lastUsedMs > replaySnapshotTtlMs) this.snapshots.delete(id);
    // A cursor is (snapshot << 32) + index; 0 starts a new snapshot.
    let snapshotId = Math.floor(cursor / 2 ** 32);
    let index = cursor % 2 ** 32;
    let snapshot = this.snapshots.get(snapshotId);
    if (cursor === 0 || snapshot === undefined) {
      if (cursor !== 0) return Promise.reject(new Error('the replay expired; start again from cursor 0'));
      if (this.snapshots.size >= maxReplaySnapshots) this.snapshots.delete(this.snapshots.keys().next().value ?? 0);
      snapshotId = this.nextSnapshot++;
      snapshot = { traceIds: this.source.traceIdsOldestFirst(), lastUsedMs: now };
      this.snapshots.set(snapshotId, snapshot);
      index = 0;
    }
    snapshot.lastUsedMs = now;
    const spans: Span[] = [];
    while (index < snapshot.traceIds.length && spans.length < limit) {
      const traceSpans = this.source.spansOf(snapshot.traceIds[index] ?? '');
      index++;
      if (traceSpans !== undefined) for (const span of traceSpans) spans.push(span);
    }
    if (index >= snapshot.traceIds.length) {
      this.snapshots.delete(snapshotId);
      return Promise.resolve({ spans, next: undefined });
    }
    return Promise.resolve({ spans, next: snapshotId * 2 ** 32 + index });
  }

  shutdown(): Promise<void> {
    // Answered first, then the process winds down.
    setImmediate(() => this.options.onShutdown());
    return Promise.resolve();
  }

  dispose(): Promise<void> {
    return this.source.dispose();
  }

  private settings(): ReceiverSettings {
    return { host: '127.0.0.1', httpPort: 0, grpcPort: 0, maxSpans: this.options.maxSpans, storeDirectory: this.options.storeDirectory };
  }
}

function matches(summary: TraceSummary, query: LocalTraceQuery): boolean {
  if (query.service !== undefined && summary.rootService !== query.service) return false;
  if (query.operation !== undefined && summary.rootName !== query.operation) return false;
  if (query.minDurationNs !== undefined && summary.durationNs < query.minDurationNs) return false;
  if (query.maxDurationNs !== undefined && summary.durationNs > query.maxDurationNs) return false;
  if (query.errorsOnly === true && summary.errorCount === 0) return false;
  if (query.startMs !== undefined || query.endMs !== undefined) {
    const startMs = Number(BigInt(summary.startNs) / 1_000_000n);
    if (query.startMs !== undefined && startMs < query.startMs) return false;
    if (query.endMs !== undefined && startMs > query.endMs) return false;
  }
  return true;
}
