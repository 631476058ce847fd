import { OtlpReceiver, type ReceiverAddress } from '../receiver/otlpReceiver';
import { describePortHolder, identifyPortHolder } from '../receiver/portHolder';
import { ReceiverStartError } from '../receiver/receiverStartError';
import { LocalLogStore } from '../logs/localLogStore';
import type { LogRecord } from '../logs/logRecord';
import { logStoreSink } from '../logs/logStoreSink';
import { LocalTraceStore, type StoredTraceSummary } from '../store/localTraceStore';
import type { Trace } from '../model/trace';
import type { Span } from '../model/span';
import type { LocalSourceEvent, ReceiverSettings, ReceiverStatus, StorageFigures, TraceSummary } from './traceServiceProtocol';
import type { LocalTraces } from './localTraces';

const defaultMaxStorageBytes = 512 * 1024 * 1024;

/** How many traces the tree's `local` source lists; the store keeps many more. */
export const listedLocalTraces = 200;

/**
 * The built-in receiver and its store, as the trace service runs them: the store opens once (its
 * log replayed, so traces survive a reload or a crash), the receiver starts and stops on command,
 * and every coalesced store change becomes one event for the editor.
 */
export class LocalSource implements LocalTraces {
  private store: LocalTraceStore | undefined;
  /** Log records received beside the spans, by trace and span. */
  private logs: LocalLogStore | undefined;
  private opening: Promise<LocalTraceStore> | undefined;
  private receiver: OtlpReceiver | undefined;
  private settings: ReceiverSettings | undefined;
  /** Built traces by id, reused while the trace has not grown. */
  private readonly built = new Map<string, { spanCount: number; trace: Trace }>();

  constructor(
    private readonly emit: (event: LocalSourceEvent) => void,
    /** Each received batch once it is stored: editor annotations aggregate them. */
    private readonly onStored: (spans: readonly Span[]) => void = () => undefined,
    /**
     * Whether the store's spans are handed to `onStored` when it opens. The per-machine service
     * says no: it feeds each workspace the store itself, when that workspace can place them.
     */
    private readonly replayOnOpen = true,
  ) {}

  /** Opens the store (once) without starting the receiver, so persisted traces are listed. */
  async open(settings: ReceiverSettings): Promise<ReceiverStatus> {
    await this.ensureStore(settings);
    return this.status();
  }

  async start(settings: ReceiverSettings): Promise<ReceiverStatus> {
    const store = await this.ensureStore(settings);
    // Several windows ask to start the one receiver; only a change of address restarts it.
    if (this.receiver && this.runsAt(settings)) return this.status();
    if (this.receiver) await this.stop();
    this.settings = settings;
    const receiver = new OtlpReceiver({
      sink: {
        ingest: async (batch) => {
          await store.ingest(batch);
          this.onStored(batch.spans);
        },
        get isBackedUp() {
          return store.isBackedUp;
        },
      },
      host: settings.host,
      port: settings.httpPort,
      grpcPort: settings.grpcPort,
      ...(this.logs === undefined ? {} : { logSink: logStoreSink(this.logs) }),
      ...(settings.allowedOrigins === undefined ? {} : { allowedOrigins: settings.allowedOrigins }),
    });
    try {
      await receiver.start();
    } catch (error: unknown) {
      // Someone else's program holds the port: say what it is, if it can be told.
      if (!(error instanceof ReceiverStartError) || error.failure.kind !== 'portInUse') throw error;
      throw new ReceiverStartError({ ...error.failure, holder: describePortHolder(await identifyPortHolder(error.failure.host, error.failure.port)) });
    }
    this.receiver = receiver;
    const status = this.status();
    this.emit({ type: 'receiver', status });
    return status;
  }

  async stop(): Promise<ReceiverStatus> {
    const receiver = this.receiver;
    this.receiver = undefined;
    await receiver?.stop();
    const status = this.status();
    this.emit({ type: 'receiver', status });
    return status;
  }

  async clear(): Promise<void> {
    this.built.clear();
    await this.store?.clear();
    await this.logs?.clear();
  }

  status(): ReceiverStatus {
    const address: ReceiverAddress | undefined = this.receiver?.address;
    return {
      running: address !== undefined,
      httpEndpoint: address?.httpEndpoint,
      httpPort: address?.httpPort,
      grpcPort: address?.grpcPort,
      grpcEndpoint: address?.grpcEndpoint,
      spanCount: this.store?.spanCount ?? 0,
      traceCount: this.store?.traceCount ?? 0,
      acceptedSpans: this.receiver?.stats.acceptedSpans ?? 0,
      rejectedSpans: this.receiver?.stats.rejectedSpans ?? 0,
      droppedMetricRequests: this.receiver?.stats.metricRequests ?? 0,
      warnings: [...(this.store?.openWarnings ?? []), ...(this.logs?.openWarnings ?? [])],
      ...(this.store === undefined ? {} : { storage: storageOf(this.store, this.logs) }),
    };
  }

  summaries(limit = listedLocalTraces): TraceSummary[] {
    return this.store?.listTraces(limit).map(toProtocolSummary) ?? [];
  }

  list(): Promise<TraceSummary[]> {
    return Promise.resolve(this.summaries());
  }

  find(traceId: string): Promise<TraceSummary | undefined> {
    const summary = this.store?.getSummary(traceId);
    return Promise.resolve(summary && toProtocolSummary(summary));
  }

  load(traceId: string): Promise<Trace | undefined> {
    return Promise.resolve(this.trace(traceId));
  }

  /** Every stored trace's summary, newest first, for queries over the whole store. */
  allSummaries(): TraceSummary[] {
    return this.summaries(Number.POSITIVE_INFINITY);
  }

  /** The spans of a trace anywhere in the store, and how many there are. */
  spansOf(traceId: string): readonly Span[] | undefined {
    return this.store?.getSpans(traceId);
  }

  /**
   * The stored spans in batches, oldest trace first, as they were received, so an aggregator
   * that bounds its keys drops the least recently seen ones. Traces evicted while the batches
   * are taken are skipped.
   */
  *storedBatches(batchSize = 5_000): Generator<Span[]> {
    const store = this.store;
    if (store === undefined) return;
    let batch: Span[] = [];
    for (const summary of store.listTraces().reverse()) {
      for (const span of store.getSpans(summary.traceId) ?? []) {
        batch.push(span);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }

  trace(traceId: string): Trace | undefined {
    const store = this.store;
    if (!store) return undefined;
    const summary = store.getSummary(traceId);
    if (!summary) {
      this.built.delete(traceId);
      return undefined;
    }
    const cached = this.built.get(traceId);
    if (cached && cached.spanCount === summary.spanCount) return cached.trace;
    const trace = store.getTrace(traceId);
    if (trace) this.built.set(traceId, { spanCount: summary.spanCount, trace });
    return trace;
  }

  private runsAt(settings: ReceiverSettings): boolean {
    const address = this.receiver?.address;
    if (address === undefined || address.host !== settings.host) return false;
    if ((this.settings?.allowedOrigins ?? []).join('\n') !== (settings.allowedOrigins ?? []).join('\n')) return false;
    if (settings.httpPort !== 0 && address.httpPort !== settings.httpPort) return false;
    const grpc = settings.grpcPort;
    if (grpc === 0) return address.grpcPort === undefined;
    return grpc === 'ephemeral' ? address.grpcPort !== undefined : address.grpcPort === grpc;
  }

  async dispose(): Promise<void> {
    await this.receiver?.stop();
    this.receiver = undefined;
    await this.store?.close();
    this.store = undefined;
    await this.logs?.close();
    this.logs = undefined;
  }

  /** The log records of a trace (or of one of its spans), oldest first. */
  logsFor(traceId: string, spanId?: string): readonly LogRecord[] {
    if (this.logs === undefined) return [];
    return spanId === undefined ? this.logs.logsForTrace(traceId) : this.logs.logsForSpan(traceId, spanId);
  }

  private async ensureStore(settings: ReceiverSettings): Promise<LocalTraceStore> {
    this.settings ??= settings;
    if (this.store) return this.store;
    const budget = storageBudget(settings.maxStorageBytes);
    this.opening ??= LocalLogStore.open({ directory: settings.storeDirectory, maxBytes: budget.logs })
      .then((logs) => {
        this.logs = logs;
        return LocalTraceStore.open({ directory: settings.storeDirectory, maxSpans: settings.maxSpans, maxBytes: budget.traces, changeDelayMs: 250 });
      })
      .then((store) => {
        this.store = store;
        store.onDidChange((change) => {
          // A trace's logs go with it.
          if (change.evictedTraceIds.length > 0) void this.logs?.dropTraces(change.evictedTraceIds);
          for (const id of change.evictedTraceIds) this.built.delete(id);
          if (change.cleared) this.built.clear();
          this.emit({ type: 'traces', traces: this.summaries(), status: this.status(), cleared: change.cleared, evictedTraceIds: change.evictedTraceIds });
        });
        // Persisted spans feed the annotations like received ones: after a reload the editor shows
        // what the store still holds (spans older than the window are refused by the window).
        if (this.replayOnOpen) for (const batch of this.storedBatches()) this.onStored(batch);
        return store;
      });
    try {
      return await this.opening;
    } finally {
      this.opening = undefined;
    }
  }
}

/**
 * `spanlens.receiver.maxStorageMB` is the whole on disk: logs get a thirty-second of it (their log
 * may take four times its bound while it compacts) and traces the rest.
 */
function storageBudget(maxStorageBytes: number | undefined): { readonly traces: number; readonly logs: number } {
  const total = maxStorageBytes ?? defaultMaxStorageBytes;
  const logs = Math.max(1024 * 1024, Math.floor(total / 32));
  return { traces: Math.max(1024 * 1024, total - 4 * logs), logs };
}

function storageOf(store: LocalTraceStore, logs: LocalLogStore | undefined): StorageFigures {
  const stats = store.stats;
  const logStats = logs?.stats;
  return {
    diskBytes: stats.diskBytes + (logStats?.diskBytes ?? 0),
    maxBytes: stats.maxBytes + 4 * (logStats?.maxBytes ?? 0),
    truncatedValues: stats.truncatedAttributes + (logStats?.truncated ?? 0),
    refusedBatches: stats.refusedBatches + (logStats?.refusedBatches ?? 0),
  };
}

function toProtocolSummary(summary: StoredTraceSummary): TraceSummary {
  return {
    traceId: summary.traceId,
    origin: 'local',
    rootName: summary.hasRoot ? summary.rootName : `${summary.rootName} (root not yet received)`,
    rootService: summary.rootService,
    startNs: summary.startNs.toString(),
    durationNs: summary.durationNs,
    spanCount: summary.spanCount,
    errorCount: summary.errorCount,
    services: summary.services,
    warnings: [],
  };
}

export { ReceiverStartError };
