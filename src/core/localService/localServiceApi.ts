import type { CodeLocation } from '../aggregation/codeLocation';
import type { LogRecord } from '../logs/logRecord';
import type { Span } from '../model/span';
import type { AnnotationSettings, AnnotationsChangedEvent, DocumentAnnotations, ExceptionAnnotation, FunctionHover, FunctionTarget, SpanChoice } from '../traceService/annotationService';
import type { AnnotationTime } from '../traceService/editorAnnotations';
import type { FileIndexUpdate, MappingConfiguration } from '../traceService/mappingService';
import type { RpcOps } from '../rpc/rpcMessage';
import type { LocalSourceEvent, ReceiverSettings, ReceiverStatus, TraceSummary } from '../traceService/traceServiceProtocol';

/**
 * The per-machine local trace service: one process per store folder owns the receivers and the
 * store, and every VS Code window talks to it over a user-only socket. Windows come and go
 * (reloads, crashes); the service keeps receiving.
 */
export interface LocalServiceApi {
  /** First call of a connection: the service says who it is, so a window can tell a stale build. */
  hello(window: WindowHello): Promise<ServiceHello>;
  status(): Promise<ReceiverStatus>;
  /** Starts the receiver, or answers its status when it already runs on the same address. */
  startReceiver(settings: ReceiverSettings): Promise<ReceiverStatus>;
  stopReceiver(): Promise<ReceiverStatus>;
  /** Empties the store for every window (each is told with a `cleared` traces event). */
  clear(): Promise<void>;
  /** The newest traces first. */
  listTraces(limit: number): Promise<readonly TraceSummary[]>;
  /**
   * The spans of one trace, wherever it sits in the store (not only the listed ones); `unchanged`
   * when the caller already holds `knownSpanCount` spans of it.
   */
  getTrace(traceId: string, knownSpanCount: number): Promise<StoredTrace>;
  /** The log records received for a trace (or one of its spans), oldest first. */
  logsFor(traceId: string, spanId?: string): Promise<readonly LogRecord[]>;
  /** The summary of any trace the store holds, listed or not. */
  traceSummary(traceId: string): Promise<TraceSummary | undefined>;
  findTraces(query: LocalTraceQuery): Promise<readonly TraceSummary[]>;
  /*
   * Editor annotations of one workspace (windows of one workspace share them; see
   * ServiceAnnotations). The store feeds every workspace's figures as spans arrive; a workspace
   * seen for the first time is fed the whole store once its mapping is configured.
   */
  attachWorkspace(workspaceKey: string): Promise<void>;
  configureMapping(workspaceKey: string, configuration: MappingConfiguration): Promise<void>;
  /** Resolves to the number of indexed files. */
  updateFileIndex(workspaceKey: string, update: FileIndexUpdate): Promise<number>;
  configureAnnotations(workspaceKey: string, settings: AnnotationSettings): Promise<void>;
  /** A window's own spans (opened files, remote traces) for its workspace's figures. */
  addSpans(workspaceKey: string, spans: readonly Span[], source: string, time: AnnotationTime, pinned?: ReadonlyMap<Span, CodeLocation>): Promise<void>;
  statsForDocument(workspaceKey: string, fsPath: string): Promise<DocumentAnnotations>;
  spansForFunction(workspaceKey: string, fsPath: string, target: FunctionTarget): Promise<readonly SpanChoice[]>;
  hoverForFunction(workspaceKey: string, fsPath: string, target: FunctionTarget): Promise<FunctionHover | undefined>;
  exceptionsForDocument(workspaceKey: string, fsPath: string): Promise<readonly ExceptionAnnotation[]>;
  /** How the service is doing since the previous call: for the status and the benchmarks. */
  health(): Promise<ServiceHealth>;
  /** Stops the receiver, closes the store and exits (a person asked to stop the service). */
  shutdown(): Promise<void>;
}

export const localServiceOps: RpcOps<LocalServiceApi> = {
  hello: true,
  status: true,
  startReceiver: true,
  stopReceiver: true,
  clear: true,
  listTraces: true,
  getTrace: true,
  traceSummary: true,
  logsFor: true,
  findTraces: true,
  attachWorkspace: true,
  configureMapping: true,
  updateFileIndex: true,
  configureAnnotations: true,
  addSpans: true,
  statsForDocument: true,
  spansForFunction: true,
  hoverForFunction: true,
  exceptionsForDocument: true,
  health: true,
  shutdown: true,
};

/** Bumped whenever an operation or event changes shape: a window then replaces an older service. */
export const localServiceProtocolVersion = 2;

export interface WindowHello {
  readonly protocolVersion: number;
  readonly pid: number;
}

export interface ServiceHello {
  readonly protocolVersion: number;
  readonly pid: number;
  readonly storeDirectory: string;
  /** Windows connected now, this one included. */
  readonly windows: number;
}

export interface ServiceHealth {
  /** The longest the service's event loop was blocked since the previous call. */
  readonly eventLoopMaxMs: number;
  /** The service process's CPU time so far (user + system). */
  readonly cpuMicros: number;
  readonly rssBytes: number;
}

export type StoredTrace = { readonly state: 'missing' } | { readonly state: 'unchanged' } | { readonly state: 'spans'; readonly spans: readonly Span[] };

export interface LocalTraceQuery {
  /** The root span's service. */
  readonly service?: string;
  /** The root span's name. */
  readonly operation?: string;
  readonly minDurationNs?: number;
  readonly maxDurationNs?: number;
  /** Epoch milliseconds: traces that started within [startMs, endMs]. */
  readonly startMs?: number;
  readonly endMs?: number;
  readonly errorsOnly?: boolean;
  readonly limit?: number;
}

/** Pushed to every connected window. */
export type LocalServiceEvent =
  | { readonly type: 'source'; readonly event: LocalSourceEvent }
  /** Annotation data of these documents of a workspace changed. */
  | { readonly type: 'annotations'; readonly workspaceKey: string; readonly event: AnnotationsChangedEvent };
