import type { CodeLocation } from '../aggregation/codeLocation';
import type { Span } from '../model/span';
import type { AnnotationSettings, AnnotationsChangedEvent, DocumentAnnotations, ExceptionAnnotation, FunctionHover, FunctionTarget, SpanChoice } from '../traceService/annotationService';
import type { AnnotationTime, EditorAnnotations } from '../traceService/editorAnnotations';
import type { FileIndexUpdate, MappingConfiguration, MappingService } from '../traceService/mappingService';
import type { LocalServiceApi } from './localServiceApi';
import type { LocalServiceConnection } from './localServiceConnection';

/**
 * A window's editor annotations, kept by the per-machine service for the window's workspace:
 * the store feeds them as spans arrive, so a window that reloads (or a second window on the same
 * workspace) finds the same counts at once. This side forwards the window's own sources (files,
 * remote traces) and questions, and sets the workspace's mapping up again on a new service.
 */
export class ServiceAnnotations implements EditorAnnotations {
  private settings: AnnotationSettings | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: LocalServiceConnection,
    /** The window's mapping: its configuration and index are what the service's copy is given. */
    private readonly mapping: MappingService,
    emit: (event: AnnotationsChangedEvent) => void,
  ) {
    const key = connection.launch.workspaceKey;
    connection.onEvent((event) => {
      if (event.type === 'annotations' && event.workspaceKey === key) emit(event.event);
    });
    connection.onConnected((api) => this.setUp(api));
  }

  add(spans: readonly Span[], source: string, time: AnnotationTime, pinned?: ReadonlyMap<Span, CodeLocation>): void {
    if (spans.length === 0) return;
    // In order, like the in-process aggregator: a batch's place in the queue is where it was added.
    this.queue = this.queue.then(() => this.call((api, key) => api.addSpans(key, spans, source, time, pinned))).catch(() => undefined);
  }

  async mappingConfigured(configuration: MappingConfiguration): Promise<void> {
    await this.call((api, key) => api.configureMapping(key, configuration));
  }

  async fileIndexUpdated(update: FileIndexUpdate): Promise<void> {
    await this.call((api, key) => api.updateFileIndex(key, update));
  }

  async configure(settings: AnnotationSettings): Promise<void> {
    this.settings = settings;
    await this.call((api, key) => api.configureAnnotations(key, settings));
  }

  async statsForDocument(fsPath: string): Promise<DocumentAnnotations> {
    await this.queue;
    return this.call((api, key) => api.statsForDocument(key, fsPath));
  }

  async spansForFunction(fsPath: string, target: FunctionTarget): Promise<readonly SpanChoice[]> {
    await this.queue;
    return this.call((api, key) => api.spansForFunction(key, fsPath, target));
  }

  async hoverForFunction(fsPath: string, target: FunctionTarget): Promise<FunctionHover | undefined> {
    await this.queue;
    return this.call((api, key) => api.hoverForFunction(key, fsPath, target));
  }

  async exceptionsForDocument(fsPath: string): Promise<readonly ExceptionAnnotation[]> {
    await this.queue;
    return this.call((api, key) => api.exceptionsForDocument(key, fsPath));
  }

  dispose(): void {
    // The connection is the local source's to close; the service keeps the workspace's figures.
  }

  private async call<T>(request: (api: LocalServiceApi, key: string) => Promise<T>): Promise<T> {
    return request(await this.connection.api(), this.connection.launch.workspaceKey);
  }

  /** On every (new) service: this workspace's mapping, index and settings, before any question. */
  private async setUp(api: LocalServiceApi): Promise<void> {
    const key = this.connection.launch.workspaceKey;
    await api.attachWorkspace(key);
    if (this.settings !== undefined) await api.configureAnnotations(key, this.settings);
    const snapshot = this.mapping.snapshot();
    for (const update of snapshot.index) await api.updateFileIndex(key, update);
    if (snapshot.configuration !== undefined) await api.configureMapping(key, snapshot.configuration);
  }
}
