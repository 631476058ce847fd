import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LogRecord } from '../logs/logRecord';
import type { Span } from '../model/span';
import { LocalSource } from '../traceService/localSource';
import type { ReceiverSettings, ReceiverStatus, TraceSummary } from '../traceService/traceServiceProtocol';
import type { CodeLocation } from '../aggregation/codeLocation';
import type { AnnotationSettings, DocumentAnnotations, ExceptionAnnotation, FunctionHover, FunctionTarget, SpanChoice } from '../traceService/annotationService';
import { InProcessAnnotations, type AnnotationTime } from '../traceService/editorAnnotations';
import { MappingService, type FileIndexUpdate, type MappingConfiguration } from '../traceService/mappingService';
import {
  localServiceProtocolVersion,
  type LocalServiceApi,
  type LocalServiceEvent,
  type LocalTraceQuery,
  type ServiceHealth,
  type ServiceHello,
  type StoredTrace,
  type WindowHello,
} from './localServiceApi';

export interface LocalServiceHostOptions {
  readonly storeDirectory: string;
  readonly maxSpans: number;
  readonly maxStorageBytes?: number;
  /** Told each event, to pass to every connected window. */
  readonly broadcast: (event: LocalServiceEvent) => void;
  readonly windows: () => number;
  readonly log?: (message: string) => void;
  /** Asked to stop: the process closes its listener and exits once this resolves. */
  readonly onShutdown: () => void;
}

/** The editor annotations of one workspace, shared by its windows. */
interface Workspace {
  readonly key: string;
  readonly mapping: MappingService;
  readonly annotations: InProcessAnnotations;
  /** Whether the store's spans were fed: not until the mapping is configured. */
  fed: 'no' | 'feeding' | 'yes';
  /** Settles once the store has been handed over whole (the aggregator may still be placing it). */
  feeding: Promise<void> | undefined;
}

const maxWorkspaces = 16;
const feedBatchSpans = 5_000;

/**
 * What the per-machine service answers, over the store and receiver it alone owns. Every
 * window's request lands here; the store's single writer is this process (see serviceLock.ts).
 */
export class LocalServiceHost implements LocalServiceApi {
  readonly source: LocalSource;
  /** In least recently used order. */
  private readonly workspaces = new Map<string, Workspace>();

  private readonly loop = monitorEventLoopDelay({ resolution: 5 });

  constructor(private readonly options: LocalServiceHostOptions) {
    this.loop.enable();
    this.source = new LocalSource(
      (event) => options.broadcast({ type: 'source', event }),
      (spans) => this.stored(spans),
      false,
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
    return this.source.start({ ...settings, ...this.storeSettings() });
  }

  stopReceiver(): Promise<ReceiverStatus> {
    return this.source.stop();
  }

  clear(): Promise<void> {
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

  logsFor(traceId: string, spanId?: string): Promise<readonly LogRecord[]> {
    return Promise.resolve(this.source.logsFor(traceId, spanId));
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

  attachWorkspace(workspaceKey: string): Promise<void> {
    this.workspace(workspaceKey);
    return Promise.resolve();
  }

  async configureMapping(workspaceKey: string, configuration: MappingConfiguration): Promise<void> {
    const workspace = this.workspace(workspaceKey);
    await workspace.mapping.configure(configuration);
    await workspace.annotations.mappingConfigured();
    // Fed once its files can be found: spans placed before that would be counted nowhere.
    if (workspace.fed === 'no') workspace.feeding = this.feedStore(workspace);
  }

  async updateFileIndex(workspaceKey: string, update: FileIndexUpdate): Promise<number> {
    const workspace = this.workspace(workspaceKey);
    const size = await workspace.mapping.updateFileIndex(update);
    await workspace.annotations.fileIndexUpdated();
    return size;
  }

  configureAnnotations(workspaceKey: string, settings: AnnotationSettings): Promise<void> {
    return this.workspace(workspaceKey).annotations.configure(settings);
  }

  addSpans(workspaceKey: string, spans: readonly Span[], source: string, time: AnnotationTime, pinned?: ReadonlyMap<Span, CodeLocation>): Promise<void> {
    this.workspace(workspaceKey).annotations.add(spans, source, time, pinned);
    return Promise.resolve();
  }

  async statsForDocument(workspaceKey: string, fsPath: string): Promise<DocumentAnnotations> {
    const workspace = this.workspace(workspaceKey);
    // Figures counted from part of the store would be wrong figures: the store is fed whole first.
    await workspace.feeding;
    return workspace.annotations.statsForDocument(fsPath);
  }

  async spansForFunction(workspaceKey: string, fsPath: string, target: FunctionTarget): Promise<readonly SpanChoice[]> {
    const workspace = this.workspace(workspaceKey);
    await workspace.feeding;
    return workspace.annotations.spansForFunction(fsPath, target);
  }

  async hoverForFunction(workspaceKey: string, fsPath: string, target: FunctionTarget): Promise<FunctionHover | undefined> {
    const workspace = this.workspace(workspaceKey);
    await workspace.feeding;
    return workspace.annotations.hoverForFunction(fsPath, target);
  }

  async exceptionsForDocument(workspaceKey: string, fsPath: string): Promise<readonly ExceptionAnnotation[]> {
    const workspace = this.workspace(workspaceKey);
    await workspace.feeding;
    return workspace.annotations.exceptionsForDocument(fsPath);
  }

  /** Spans just stored: every workspace already fed from the store counts them. */
  private stored(spans: readonly Span[]): void {
    for (const workspace of this.workspaces.values()) if (workspace.fed !== 'no') workspace.annotations.add(spans, 'local', 'spanEnd');
  }

  private workspace(key: string): Workspace {
    let workspace = this.workspaces.get(key);
    if (workspace === undefined) {
      const mapping = new MappingService(() => undefined);
      // A window's mapping arrives in pieces; spans wait for its whole index.
      const annotations = new InProcessAnnotations(
        mapping,
        (event) => this.options.broadcast({ type: 'annotations', workspaceKey: key, event }),
        () => mapping.hasWholeIndex,
      );
      workspace = { key, mapping, annotations, fed: 'no', feeding: undefined };
      // The least recently used workspace goes when there are too many.
      if (this.workspaces.size >= maxWorkspaces) {
        const oldest = this.workspaces.values().next().value;
        if (oldest !== undefined) this.dropWorkspace(oldest);
      }
    }
    this.workspaces.delete(key);
    this.workspaces.set(key, workspace);
    return workspace;
  }

  private dropWorkspace(workspace: Workspace): void {
    this.workspaces.delete(workspace.key);
    workspace.annotations.dispose();
    workspace.mapping.dispose();
  }

  /**
   * The whole store into a workspace's figures, oldest trace first, in batches that leave the
   * event loop to the receiver between them. Spans arriving meanwhile are added live too; the
   * aggregator ignores a span fed twice.
   */
  private async feedStore(workspace: Workspace): Promise<void> {
    workspace.fed = 'feeding';
    for (const batch of this.source.storedBatches(feedBatchSpans)) {
      if (this.workspaces.get(workspace.key) !== workspace) return;
      workspace.annotations.add(batch, 'local', 'spanEnd');
      await new Promise((resolve) => setImmediate(resolve));
    }
    workspace.fed = 'yes';
  }

  health(): Promise<ServiceHealth> {
    const eventLoopMaxMs = this.loop.max / 1e6;
    this.loop.reset();
    const cpu = process.cpuUsage();
    return Promise.resolve({ eventLoopMaxMs, cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() });
  }

  shutdown(): Promise<void> {
    // Answered first, then the process winds down.
    setImmediate(() => this.options.onShutdown());
    return Promise.resolve();
  }

  dispose(): Promise<void> {
    this.loop.disable();
    for (const workspace of [...this.workspaces.values()]) this.dropWorkspace(workspace);
    return this.source.dispose();
  }

  private settings(): ReceiverSettings {
    return { host: '127.0.0.1', httpPort: 0, grpcPort: 0, ...this.storeSettings() };
  }

  private storeSettings(): Pick<ReceiverSettings, 'storeDirectory' | 'maxSpans' | 'maxStorageBytes'> {
    return { storeDirectory: this.options.storeDirectory, maxSpans: this.options.maxSpans, ...(this.options.maxStorageBytes === undefined ? {} : { maxStorageBytes: this.options.maxStorageBytes }) };
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
