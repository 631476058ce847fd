import type { TraceFormat } from '../formats/traceFormat';
import type { FileIndexUpdate, FrameLocation, MappingConfiguration, SpanMapping } from './mappingService';
import { BackendError, type BackendFailure } from '../backends/backendError';
import { ReceiverStartError, type ReceiverStartFailure } from '../receiver/receiverStartError';
import type { RpcErrorCodec, RpcOps } from '../rpc/rpcMessage';
import type { TraceSearchQuery, SearchHit } from '../backends/traceBackend';
import type { RemoteSourcesSettings } from './backendService';
import type { RemoteFunctionSpansReport, RemoteFunctionSpansRequest } from './functionSpansService';
import type { AnnotationSettings, AnnotationsChangedEvent, DocumentAnnotations, ExceptionAnnotation, FunctionHover, FunctionTarget, SpanChoice } from './annotationService';
import type { CompareResult } from '../../shared/compareResult';
import type { SpanDetails } from '../../shared/spanDetails';
import type { TraceViewData } from '../../shared/traceViewData';

export type { RemoteSourcesSettings, SearchHit, TraceSearchQuery };
export type { RemoteFunctionSpansReport, RemoteFunctionSpansRequest };

/**
 * What the trace service answers: small, clone-friendly records. The spans themselves stay in
 * the service (a worker thread in the extension), so the extension host never deserializes a
 * million spans; it asks for the rows it is about to show.
 */

export interface TraceSummary {
  readonly traceId: string;
  /** Where it came from: a file path, later a source name. */
  readonly origin: string;
  readonly rootName: string;
  readonly rootService: string;
  /** Epoch nanoseconds as a decimal string (exact; bigint is awkward in JSON). */
  readonly startNs: string;
  readonly durationNs: number;
  readonly spanCount: number;
  readonly errorCount: number;
  readonly services: readonly string[];
  readonly warnings: readonly string[];
  /** Set only for a remote trace that is not whole: still downloading, or cut off. */
  readonly incomplete?: TraceIncompleteness;
}

/**
 * `loading`: the body is still streaming and the trace holds the spans decoded so far, so counts
 * and duration are "so far". `failed`: the download broke off; what arrived is kept, with why.
 */
export type TraceIncompleteness = { readonly state: 'loading' } | { readonly state: 'failed'; readonly reason: string };

export interface SpanRow {
  readonly traceId: string;
  readonly index: number;
  readonly spanId: string;
  readonly name: string;
  readonly service: string;
  readonly kind: string;
  readonly durationNs: number;
  readonly offsetNs: number;
  readonly depth: number;
  readonly childCount: number;
  readonly error: boolean;
  readonly statusMessage: string | undefined;
  readonly orphan: boolean;
  /** A few attributes worth a glance (HTTP, DB, RPC, code location), as text. */
  readonly keyAttributes: readonly (readonly [string, string])[];
}

export interface ChildrenPage {
  readonly rows: readonly SpanRow[];
  /** All children of the parent, of which `rows` is the page asked for. */
  readonly total: number;
}

export type OpenedFile =
  | { readonly path: string; readonly ok: true; readonly format: TraceFormat; readonly traceIds: readonly string[]; readonly spanCount: number; readonly warnings: readonly string[] }
  | { readonly path: string; readonly ok: false; readonly message: string };

export interface OpenFilesResult {
  readonly files: readonly OpenedFile[];
  /** Traces built from all the files together: spans of one trace in several files join. */
  readonly traces: readonly TraceSummary[];
}

/** What the built-in receiver is told, from the `spanlens.receiver.*` settings. */
export interface ReceiverSettings {
  readonly host: string;
  readonly httpPort: number;
  /** 0 turns gRPC off; 'ephemeral' lets the system choose (after the configured port was taken). */
  readonly grpcPort: number | 'ephemeral';
  readonly maxSpans: number;
  /** The store's log (the extension's global storage), so traces survive reloads and crashes. */
  readonly storeDirectory: string;
  /** `spanlens.receiver.maxStorageMB` in bytes: the store's bound on disk (its memory follows). */
  readonly maxStorageBytes?: number;
  /** Browser origins allowed to post (a web app exporting from the page); others get 403. */
  readonly allowedOrigins?: readonly string[];
}

export interface ReceiverStatus {
  readonly running: boolean;
  readonly httpEndpoint: string | undefined;
  readonly httpPort: number | undefined;
  readonly grpcPort: number | undefined;
  readonly grpcEndpoint: string | undefined;
  readonly spanCount: number;
  readonly traceCount: number;
  readonly acceptedSpans: number;
  readonly rejectedSpans: number;
  /** What opening the store had to tolerate (a torn record after a crash, a damaged file). */
  readonly warnings: readonly string[];
  /** OTLP metrics exports answered and dropped (SpanLens keeps traces and logs, not metrics). */
  readonly droppedMetricRequests?: number;
  /** How full the store is, and what its bounds made it do; undefined before it opens. */
  readonly storage?: StorageFigures;
}

/** The status of a receiver whose process went away: nothing listening, nothing held, and why. */
export function stoppedReceiver(warning: string): ReceiverStatus {
  return {
    running: false,
    httpEndpoint: undefined,
    httpPort: undefined,
    grpcPort: undefined,
    grpcEndpoint: undefined,
    spanCount: 0,
    traceCount: 0,
    acceptedSpans: 0,
    rejectedSpans: 0,
    warnings: [warning],
  };
}

export interface StorageFigures {
  readonly diskBytes: number;
  readonly maxBytes: number;
  /** Attribute values too large to keep whole, shortened with a marker. */
  readonly truncatedValues: number;
  /** Batches refused because the disk or the bound was full (the sender was told to retry). */
  readonly refusedBatches: number;
}

/** Pushed by the service, unasked: the local store changed, or the receiver started or stopped. */
export type LocalSourceEvent =
  | { readonly type: 'traces'; readonly traces: readonly TraceSummary[]; readonly status: ReceiverStatus; readonly cleared: boolean; readonly evictedTraceIds: readonly string[] }
  | { readonly type: 'receiver'; readonly status: ReceiverStatus };

/** Requests, by operation; `TraceQueries` is the typed form both sides implement. */
export interface TraceQueries {
  openFiles(paths: readonly string[]): Promise<OpenFilesResult>;
  listTraces(): Promise<readonly TraceSummary[]>;
  children(traceId: string, parentIndex: number, offset: number, limit: number): Promise<ChildrenPage>;
  /** The row of one span, found by id (as a span link or a command argument names it). */
  findSpan(traceId: string, spanId: string): Promise<SpanRow | undefined>;
  removeTraces(traceIds: readonly string[]): Promise<void>;
  /** Opens the local store (replaying its log) without starting the receiver. */
  openLocal(settings: ReceiverSettings): Promise<ReceiverStatus>;
  /** Rejects with a ServiceError whose failure is a ReceiverStartFailure when a port is taken. */
  startReceiver(settings: ReceiverSettings): Promise<ReceiverStatus>;
  stopReceiver(): Promise<ReceiverStatus>;
  clearLocal(): Promise<void>;
  localTraces(): Promise<readonly TraceSummary[]>;
  /** Any trace the local store holds, listed in the tree or not. */
  localTrace(traceId: string): Promise<TraceSummary | undefined>;
  /*
   * Code mapping. The file index and parsed source maps live in the worker, fed by the
   * adapter's settings and file watcher; answers are plain data (see mappingService.ts).
   */
  configureMapping(configuration: MappingConfiguration): Promise<void>;
  /** Resolves to the number of indexed files. */
  updateFileIndex(update: FileIndexUpdate): Promise<number>;
  mapSpan(traceId: string, spanId: string): Promise<SpanMapping>;
  mapFrame(traceId: string, spanId: string, frame: FrameLocation): Promise<SpanMapping>;
  /*
   * Remote sources. Requests and decoding run in the worker; a signal aborted on the
   * extension host reaches the worker as a cancel message. Failures reject with BackendError.
   */
  /** Replaces the sources the worker knows, with their credentials and the proxy settings. */
  configureSources(settings: RemoteSourcesSettings): Promise<void>;
  remoteServices(source: string, signal?: AbortSignal): Promise<readonly string[]>;
  remoteOperations(source: string, service: string, signal?: AbortSignal): Promise<readonly string[]>;
  searchRemote(source: string, query: TraceSearchQuery, signal?: AbortSignal): Promise<readonly SearchHit[]>;
  /** Fetches the trace and loads it like an opened file, with `origin` set to the source name. */
  openRemoteTrace(source: string, traceId: string, signal?: AbortSignal): Promise<TraceSummary>;
  remoteTagNames(source: string, signal?: AbortSignal): Promise<readonly string[]>;
  /**
   * Asks the source for the spans of a file's functions in the annotation window and
   * answers with figures per function and their sample size. The counted spans also feed the
   * editor annotations of that file.
   */
  remoteFunctionSpans(source: string, request: RemoteFunctionSpansRequest, signal?: AbortSignal): Promise<RemoteFunctionSpansReport>;
  remoteTagValues(source: string, tag: string, signal?: AbortSignal): Promise<readonly string[]>;
  /*
   * Editor annotations: the aggregator lives in the worker, fed by every source; the
   * host asks per document and is told which documents changed (AnnotationsEventMessage).
   */
  configureAnnotations(settings: AnnotationSettings): Promise<void>;
  statsForDocument(fsPath: string): Promise<DocumentAnnotations>;
  spansForFunction(fsPath: string, target: FunctionTarget): Promise<readonly SpanChoice[]>;
  hoverForFunction(fsPath: string, target: FunctionTarget): Promise<FunctionHover | undefined>;
  exceptionsForDocument(fsPath: string): Promise<readonly ExceptionAnnotation[]>;
  /*
   * The trace view, computed where the spans are (see traceViewService.ts). The
   * encoding's buffers are transferred to the host, not copied.
   */
  traceView(traceId: string): Promise<TraceViewData>;
  spanDetails(traceId: string, row: number): Promise<SpanDetails | undefined>;
  attributeMatches(traceId: string, key: string, value: string): Promise<Uint32Array>;
  compareTraces(baselineTraceId: string, traceId: string): Promise<CompareResult>;
  /** Writes the trace as OTLP JSON to an absolute path and resolves to it. */
  exportTrace(traceId: string, path: string): Promise<string>;
}

/** The operations of TraceQueries as data: the worker answers these names and no others. */
export const traceQueryOps: RpcOps<TraceQueries> = {
  openFiles: true,
  listTraces: true,
  children: true,
  findSpan: true,
  removeTraces: true,
  openLocal: true,
  startReceiver: true,
  stopReceiver: true,
  clearLocal: true,
  localTraces: true,
  localTrace: true,
  configureMapping: true,
  updateFileIndex: true,
  mapSpan: true,
  mapFrame: true,
  configureSources: true,
  remoteServices: true,
  remoteOperations: true,
  searchRemote: true,
  openRemoteTrace: true,
  remoteTagNames: true,
  remoteFunctionSpans: true,
  remoteTagValues: true,
  configureAnnotations: true,
  statsForDocument: true,
  spansForFunction: true,
  hoverForFunction: true,
  exceptionsForDocument: true,
  traceView: true,
  spanDetails: true,
  attributeMatches: true,
  compareTraces: true,
  exportTrace: true,
};

/** Failures that keep their data across the thread boundary, for the adapter to act on. */
export type ServiceFailure = ReceiverStartFailure;

export class ServiceError extends Error {
  constructor(
    message: string,
    readonly failure: ServiceFailure | undefined,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** A receiver that could not start and a backend that failed keep their reasons across the boundary. */
export const traceServiceErrors: RpcErrorCodec = {
  encode(error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ReceiverStartError || error instanceof ServiceError) return { message, type: 'service', data: error.failure };
    if (error instanceof BackendError) return { message, type: 'backend', data: { sourceName: error.sourceName, failure: error.failure } satisfies RemoteFailure };
    return { message };
  },
  decode(data) {
    if (data.type === 'backend') {
      const remote = data.data as RemoteFailure;
      return new BackendError(remote.sourceName, remote.failure);
    }
    return new ServiceError(data.message, data.type === 'service' ? (data.data as ServiceFailure | undefined) : undefined);
  },
};

/** A BackendError in transit: the client rebuilds it, so the adapter can offer to set credentials. */
export interface RemoteFailure {
  readonly sourceName: string;
  readonly failure: BackendFailure;
}

/**
 * Pushed while `openRemoteTrace` runs, before it answers: `partial` carries a summary
 * whose `incomplete` says loading or failed, and `children`/`findSpan` already answer for it;
 * `dropped`: the partial trace was removed (the open was cancelled).
 */
export type RemoteTraceEvent = { readonly type: 'partial'; readonly source: string; readonly summary: TraceSummary } | { readonly type: 'dropped'; readonly source: string; readonly traceId: string };

/** Everything the worker pushes unasked, in one union. */
export type TraceServiceEvent =
  | { readonly type: 'local'; readonly event: LocalSourceEvent }
  /** Annotation data of these documents changed. */
  | { readonly type: 'annotations'; readonly annotations: AnnotationsChangedEvent }
  /** Posted before openRemoteTrace's answer on the same channel, so the host sees them in order. */
  | { readonly type: 'remoteTrace'; readonly remoteTrace: RemoteTraceEvent };
