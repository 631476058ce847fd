import { Worker } from 'node:worker_threads';
import type { LoadOptions } from '../files/loadTraceFile';
import type { FileIndexUpdate, FrameLocation, MappingConfiguration, SpanMapping } from './mappingService';
import {
  ServiceError,
  type ChildrenPage,
  type LocalSourceEvent,
  type OpenFilesResult,
  type ReceiverSettings,
  type ReceiverStatus,
  type SpanRow,
  type TraceQueries,
  type TraceServiceOp,
  type TraceServiceRequestMessage,
  type TraceServiceWorkerMessage,
  type TraceSummary,
} from './traceServiceProtocol';
import type { RemoteSourcesSettings, RemoteTraceEvent, SearchHit, TraceSearchQuery, TraceServiceCancelMessage } from './traceServiceProtocol';
import { BackendError } from '../backends/backendError';
import type { RemoteFunctionSpansReport, RemoteFunctionSpansRequest } from './functionSpansService';
import type { AnnotationSettings, AnnotationsChangedEvent, DocumentAnnotations, ExceptionAnnotation, FunctionHover, FunctionTarget, SpanChoice } from './annotationService';
import type { CompareResult } from '../traceView/compareResult';
import type { SpanDetails } from '../traceView/spanDetails';
import type { TraceViewData } from '../traceView/traceViewData';

/**
 * The extension host's handle on the trace service worker. The worker starts on first use, not
 * at activation; if it dies, pending calls fail with a message and the next call starts a new one.
 */
export class TraceServiceClient implements TraceQueries {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Set<(event: LocalSourceEvent) => void>();
  private readonly annotationListeners = new Set<(event: AnnotationsChangedEvent) => void>();
  private readonly remoteListeners = new Set<(event: RemoteTraceEvent) => void>();
  private annotationSettings: AnnotationSettings | undefined;
  /** While the receiver runs the worker must stay alive, or the endpoint would vanish. */
  private keepAlive = false;
  private sourcesSettings: RemoteSourcesSettings | undefined;

  constructor(
    private readonly workerScript: string,
    private readonly loadOptions: LoadOptions = {},
  ) {}

  openFiles(paths: readonly string[]): Promise<OpenFilesResult> {
    return this.call('openFiles', [paths]) as Promise<OpenFilesResult>;
  }

  listTraces(): Promise<readonly TraceSummary[]> {
    return this.call('listTraces', []) as Promise<readonly TraceSummary[]>;
  }

  children(traceId: string, parentIndex: number, offset: number, limit: number): Promise<ChildrenPage> {
    return this.call('children', [traceId, parentIndex, offset, limit]) as Promise<ChildrenPage>;
  }

  findSpan(traceId: string, spanId: string): Promise<SpanRow | undefined> {
    return this.call('findSpan', [traceId, spanId]) as Promise<SpanRow | undefined>;
  }

  async removeTraces(traceIds: readonly string[]): Promise<void> {
    await this.call('removeTraces', [traceIds]);
  }

  openLocal(settings: ReceiverSettings): Promise<ReceiverStatus> {
    return this.call('openLocal', [settings]) as Promise<ReceiverStatus>;
  }

  startReceiver(settings: ReceiverSettings): Promise<ReceiverStatus> {
    return this.call('startReceiver', [settings]) as Promise<ReceiverStatus>;
  }

  stopReceiver(): Promise<ReceiverStatus> {
    return this.call('stopReceiver', []) as Promise<ReceiverStatus>;
  }

  async clearLocal(): Promise<void> {
    await this.call('clearLocal', []);
  }

  localTraces(): Promise<readonly TraceSummary[]> {
    return this.call('localTraces', []) as Promise<readonly TraceSummary[]>;
  }

  async configureMapping(configuration: MappingConfiguration): Promise<void> {
    await this.call('configureMapping', [configuration]);
  }

  updateFileIndex(update: FileIndexUpdate): Promise<number> {
    return this.call('updateFileIndex', [update]) as Promise<number>;
  }

  mapSpan(traceId: string, spanId: string): Promise<SpanMapping> {
    return this.call('mapSpan', [traceId, spanId]) as Promise<SpanMapping>;
  }

  mapFrame(traceId: string, spanId: string, frame: FrameLocation): Promise<SpanMapping> {
    return this.call('mapFrame', [traceId, spanId, frame]) as Promise<SpanMapping>;
  }

  async configureSources(settings: RemoteSourcesSettings): Promise<void> {
    // Kept so that a worker started after a crash knows the sources too (see ensureWorker).
    this.sourcesSettings = settings;
    await this.call('configureSources', [settings]);
  }

  remoteServices(source: string, signal?: AbortSignal): Promise<readonly string[]> {
    return this.call('remoteServices', [source], signal) as Promise<readonly string[]>;
  }

  remoteOperations(source: string, service: string, signal?: AbortSignal): Promise<readonly string[]> {
    return this.call('remoteOperations', [source, service], signal) as Promise<readonly string[]>;
  }

  searchRemote(source: string, query: TraceSearchQuery, signal?: AbortSignal): Promise<readonly SearchHit[]> {
    return this.call('searchRemote', [source, query], signal) as Promise<readonly SearchHit[]>;
  }

  openRemoteTrace(source: string, traceId: string, signal?: AbortSignal): Promise<TraceSummary> {
    return this.call('openRemoteTrace', [source, traceId], signal) as Promise<TraceSummary>;
  }

  remoteFunctionSpans(source: string, request: RemoteFunctionSpansRequest, signal?: AbortSignal): Promise<RemoteFunctionSpansReport> {
    return this.call('remoteFunctionSpans', [source, request], signal) as Promise<RemoteFunctionSpansReport>;
  }

  remoteTagNames(source: string, signal?: AbortSignal): Promise<readonly string[]> {
    return this.call('remoteTagNames', [source], signal) as Promise<readonly string[]>;
  }

  remoteTagValues(source: string, tag: string, signal?: AbortSignal): Promise<readonly string[]> {
    return this.call('remoteTagValues', [source, tag], signal) as Promise<readonly string[]>;
  }

  traceView(traceId: string): Promise<TraceViewData> {
    return this.call('traceView', [traceId]) as Promise<TraceViewData>;
  }

  spanDetails(traceId: string, row: number): Promise<SpanDetails | undefined> {
    return this.call('spanDetails', [traceId, row]) as Promise<SpanDetails | undefined>;
  }

  attributeMatches(traceId: string, key: string, value: string): Promise<Uint32Array> {
    return this.call('attributeMatches', [traceId, key, value]) as Promise<Uint32Array>;
  }

  compareTraces(baselineTraceId: string, traceId: string): Promise<CompareResult> {
    return this.call('compareTraces', [baselineTraceId, traceId]) as Promise<CompareResult>;
  }

  exportTrace(traceId: string, path: string): Promise<string> {
    return this.call('exportTrace', [traceId, path]) as Promise<string>;
  }

  async configureAnnotations(settings: AnnotationSettings): Promise<void> {
    // Kept so that a worker started after a crash aggregates with the same window.
    this.annotationSettings = settings;
    await this.call('configureAnnotations', [settings]);
  }

  statsForDocument(fsPath: string): Promise<DocumentAnnotations> {
    return this.call('statsForDocument', [fsPath]) as Promise<DocumentAnnotations>;
  }

  spansForFunction(fsPath: string, target: FunctionTarget): Promise<readonly SpanChoice[]> {
    return this.call('spansForFunction', [fsPath, target]) as Promise<readonly SpanChoice[]>;
  }

  hoverForFunction(fsPath: string, target: FunctionTarget): Promise<FunctionHover | undefined> {
    return this.call('hoverForFunction', [fsPath, target]) as Promise<FunctionHover | undefined>;
  }

  exceptionsForDocument(fsPath: string): Promise<readonly ExceptionAnnotation[]> {
    return this.call('exceptionsForDocument', [fsPath]) as Promise<readonly ExceptionAnnotation[]>;
  }

  onAnnotationsChanged(listener: (event: AnnotationsChangedEvent) => void): { dispose(): void } {
    this.annotationListeners.add(listener);
    return { dispose: () => this.annotationListeners.delete(listener) };
  }

  /** Partial remote traces while they stream in (issue 4); see RemoteTraceEvent. */
  onRemoteTraceEvent(listener: (event: RemoteTraceEvent) => void): { dispose(): void } {
    this.remoteListeners.add(listener);
    return { dispose: () => this.remoteListeners.delete(listener) };
  }

  onLocalEvent(listener: (event: LocalSourceEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll('the trace service was shut down');
    await worker?.terminate();
  }

  private call(op: TraceServiceOp, args: readonly unknown[], signal?: AbortSignal): Promise<unknown> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    // Referenced while calls are in flight, so a caller awaiting one keeps the process alive.
    worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args } satisfies TraceServiceRequestMessage);
      if (signal === undefined) return;
      // AbortSignal cannot cross the thread boundary; the worker holds its own controller per request id.
      const cancel = (): void => worker.postMessage({ cancel: id } satisfies TraceServiceCancelMessage);
      if (signal.aborted) cancel();
      else signal.addEventListener('abort', cancel, { once: true });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerScript, { workerData: this.loadOptions });
    worker.on('message', (message: TraceServiceWorkerMessage) => {
      if ('annotations' in message) {
        for (const listener of this.annotationListeners) listener(message.annotations);
        return;
      }
      if ('remoteTrace' in message) {
        for (const listener of this.remoteListeners) listener(message.remoteTrace);
        return;
      }
      if ('event' in message) {
        const event = message.event;
        this.keepAlive = event.status.running;
        if (this.keepAlive) worker.ref();
        else if (this.pending.size === 0) worker.unref();
        for (const listener of this.listeners) listener(event);
        return;
      }
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0 && !this.keepAlive) worker.unref();
      if (message.ok) waiter.resolve(message.value);
      else if (message.backendFailure) waiter.reject(new BackendError(message.backendFailure.sourceName, message.backendFailure.failure));
      else waiter.reject(new ServiceError(message.message, message.failure));
    });
    worker.on('error', (error) => {
      this.failAll(`the trace service stopped: ${error.message}`);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.keepAlive) {
        // The receiver lived in that worker: say it stopped rather than leave a dead endpoint shown.
        this.keepAlive = false;
        const status: ReceiverStatus = { running: false, httpEndpoint: undefined, httpPort: undefined, grpcPort: undefined, grpcEndpoint: undefined, spanCount: 0, traceCount: 0, acceptedSpans: 0, rejectedSpans: 0, warnings: [`the trace service exited (code ${code})`] };
        for (const listener of this.listeners) listener({ type: 'receiver', status });
      }
      this.failAll(`the trace service exited (code ${code}); loaded traces must be opened again`);
    });
    // Idle workers must not keep the extension host alive at shutdown.
    worker.unref();
    this.worker = worker;
    // A replacement worker starts empty: it gets the sources first, ahead of any request (its answer has no waiter).
    if (this.sourcesSettings) worker.postMessage({ id: this.nextId++, op: 'configureSources', args: [this.sourcesSettings] } satisfies TraceServiceRequestMessage);
    if (this.annotationSettings) worker.postMessage({ id: this.nextId++, op: 'configureAnnotations', args: [this.annotationSettings] } satisfies TraceServiceRequestMessage);
    return worker;
  }

  private failAll(reason: string): void {
    for (const waiter of this.pending.values()) waiter.reject(new Error(reason));
    this.pending.clear();
  }
}
