import { loadTraceFile, type LoadOptions } from '../files/loadTraceFile';
import { formatAttributeValue, type AttributeValue } from '../model/attributes';
import { spanKindName, type Span } from '../model/span';
import type { Trace } from '../model/trace';
import { TraceSetBuilder } from '../model/traceSetBuilder';
import { LocalSource } from './localSource';
import type { LocalTraces, LocalTracesListener } from './localTraces';
import { MappingService, type FileIndexUpdate, type FrameLocation, type MappingConfiguration, type SpanMapping } from './mappingService';
import {
  type AnnotationSettings,
  type AnnotationsChangedEvent,
  type DocumentAnnotations,
  type ExceptionAnnotation,
  type FunctionHover,
  type FunctionTarget,
  type SpanChoice,
} from './annotationService';
import { InProcessAnnotations, type EditorAnnotations } from './editorAnnotations';
import { BackendError } from '../backends/backendError';
import { BackendService } from './backendService';
import type { RemoteFunctionSpansReport, RemoteFunctionSpansRequest } from './functionSpansService';
import { canonicalTraceId } from '../backends/searchWindow';
import { PartialTrace, type PartialTraceOptions } from './partialTrace';
import { TraceViewService } from './traceViewService';
import type { CompareResult } from '../../shared/compareResult';
import type { SpanDetails } from '../../shared/spanDetails';
import type { TraceViewData } from '../../shared/traceViewData';
import type { RemoteSourcesSettings, SearchHit, TraceSearchQuery } from './traceServiceProtocol';
import type { ChildrenPage, LocalSourceEvent, OpenedFile, OpenFilesResult, ReceiverSettings, ReceiverStatus, SpanRow, TraceQueries, TraceSummary } from './traceServiceProtocol';
import type { RemoteTraceEvent, TraceIncompleteness } from './traceServiceProtocol';
import { Emitter } from '../emitter';

/** Attributes shown at a glance, old and new semantic-convention names side by side. */
const keyAttributeNames = [
  'http.request.method',
  'http.method',
  'http.route',
  'url.path',
  'http.target',
  'http.url',
  'url.full',
  'http.response.status_code',
  'http.status_code',
  'rpc.system',
  'rpc.service',
  'rpc.method',
  'db.system.name',
  'db.system',
  'db.query.text',
  'db.statement',
  'messaging.system',
  'messaging.destination.name',
  'code.function.name',
  'code.function',
  'code.namespace',
  'code.file.path',
  'code.filepath',
  'code.line.number',
  'code.lineno',
  'exception.type',
  'exception.message',
];
const maxAttributeText = 200;

function clip(text: string): string {
  return text.length > maxAttributeText ? `${text.slice(0, maxAttributeText - 1)}…` : text;
}

/** What a shared home for the local source and the annotations is given by the window's service. */
export interface SharedDeps {
  readonly local: LocalTracesListener;
  readonly emitAnnotations: (event: AnnotationsChangedEvent) => void;
  /** The window's own mapping (Go to Code), whose configuration and index the shared home copies. */
  readonly mapping: MappingService;
}

/**
 * Holds the loaded traces and answers the editor's questions about them. Runs in a worker in
 * the extension (see traceServiceWorker.ts) and directly in tests; the interface is the same.
 */
export class TraceService implements TraceQueries {
  private readonly traces = new Map<string, { trace: Trace; origin: string; summary: TraceSummary }>();
  private readonly localEvents = new Emitter<LocalSourceEvent>();
  private readonly local: LocalTraces;
  private readonly backends = new BackendService();
  private readonly mapping = new MappingService((traceId, spanId) => this.trace(traceId)?.spans.find((span) => span.spanId === spanId));
  private readonly annotationEvents = new Emitter<AnnotationsChangedEvent>();
  /** Editor annotations, fed by the receiver, opened files and remote traces. */
  private readonly annotations: EditorAnnotations;
  private readonly views = new TraceViewService((traceId) => this.trace(traceId));
  private readonly remoteEvents = new Emitter<RemoteTraceEvent>();
  /** Remote traces whose partial is on show, by id: the request that owns it (a later open of the same id takes over). */
  private readonly loading = new Map<string, object>();

  constructor(
    private readonly loadOptions: LoadOptions = {},
    /** Test seam: how often a streaming remote trace is rebuilt. */
    private readonly partialOptions: PartialTraceOptions = {},
    /**
     * Where the local receiver, its store and the editor annotations live: in this process
     * unless a window's worker hands them to the per-machine service.
     */
    shared?: (deps: SharedDeps) => { readonly local: LocalTraces; readonly annotations: EditorAnnotations },
  ) {
    const emitAnnotations = (event: AnnotationsChangedEvent): void => this.annotationEvents.fire(event);
    const local: LocalTracesListener = {
      emit: (event) => this.localEvents.fire(event),
      stored: (spans) => this.annotations.add(spans, 'local', 'spanEnd'),
    };
    if (shared) {
      ({ local: this.local, annotations: this.annotations } = shared({ local, emitAnnotations, mapping: this.mapping }));
    } else {
      this.annotations = new InProcessAnnotations(this.mapping, emitAnnotations);
      this.local = new LocalSource(local.emit, local.stored);
    }
  }

  /** Partial remote traces as they stream in, pushed before `openRemoteTrace` answers. */
  readonly onRemoteTraceEvent = this.remoteEvents.event;

  /** Changes of the local source, pushed as they happen (coalesced by the store). */
  readonly onLocalEvent = this.localEvents.event;

  openLocal(settings: ReceiverSettings): Promise<ReceiverStatus> {
    return this.local.open(settings);
  }

  startReceiver(settings: ReceiverSettings): Promise<ReceiverStatus> {
    return this.local.start(settings);
  }

  stopReceiver(): Promise<ReceiverStatus> {
    return this.local.stop();
  }

  clearLocal(): Promise<void> {
    return this.local.clear();
  }

  localTraces(): Promise<readonly TraceSummary[]> {
    return this.local.list();
  }

  localTrace(traceId: string): Promise<TraceSummary | undefined> {
    return this.local.find(traceId);
  }

  configureSources(settings: RemoteSourcesSettings): Promise<void> {
    return this.backends.configure(settings);
  }

  remoteServices(source: string, signal?: AbortSignal): Promise<readonly string[]> {
    return this.backends.listServices(source, signal);
  }

  remoteOperations(source: string, service: string, signal?: AbortSignal): Promise<readonly string[]> {
    return this.backends.listOperations(source, service, signal);
  }

  searchRemote(source: string, query: TraceSearchQuery, signal?: AbortSignal): Promise<readonly SearchHit[]> {
    return this.backends.search(source, query, signal);
  }

  async remoteFunctionSpans(source: string, request: RemoteFunctionSpansRequest, signal?: AbortSignal): Promise<RemoteFunctionSpansReport> {
    const { report, matched } = await this.backends.functionSpans(source, request, Date.now, signal);
    // Spans whose own code.* put them in this file join its editor annotations; a match by name
    // alone stays in the report, where it is labelled as such.
    const located = matched.filter((m) => m.evidence !== 'name');
    if (located.length > 0)
      this.annotations.add(
        located.map((m) => m.span),
        source,
        'spanEnd',
        new Map(located.map((m) => [m.span, m.location])),
      );
    return report;
  }

  remoteTagNames(source: string, signal?: AbortSignal): Promise<readonly string[]> {
    return this.backends.tagNames(source, signal);
  }

  remoteTagValues(source: string, tag: string, signal?: AbortSignal): Promise<readonly string[]> {
    return this.backends.tagValues(source, tag, signal);
  }

  async traceView(traceId: string): Promise<TraceViewData> {
    await this.loadLocal(traceId);
    return this.views.traceView(traceId);
  }

  async spanDetails(traceId: string, row: number): Promise<SpanDetails | undefined> {
    await this.loadLocal(traceId);
    return this.views.spanDetails(traceId, row);
  }

  async attributeMatches(traceId: string, key: string, value: string): Promise<Uint32Array> {
    await this.loadLocal(traceId);
    return this.views.attributeMatches(traceId, key, value);
  }

  async compareTraces(baselineTraceId: string, traceId: string): Promise<CompareResult> {
    await Promise.all([this.loadLocal(baselineTraceId), this.loadLocal(traceId)]);
    return this.views.compareTraces(baselineTraceId, traceId);
  }

  async exportTrace(traceId: string, path: string): Promise<string> {
    await this.loadLocal(traceId);
    return this.views.exportTrace(traceId, path);
  }

  async openRemoteTrace(source: string, traceId: string, signal?: AbortSignal): Promise<TraceSummary> {
    const id = canonicalTraceId(traceId);
    // A trace already loaded whole stays on show until the new copy is whole: no partial then.
    const partial = id !== undefined && !this.loadedWhole(id) ? new PartialTrace(id, this.partialOptions) : undefined;
    const owner = {};
    if (partial) this.loading.set(partial.traceId, owner);
    const owns = (): boolean => partial !== undefined && this.loading.get(partial.traceId) === owner;
    // An object, not a let: it is set inside the callback, which the compiler's narrowing does not follow.
    const progress = { shown: false };
    const onSpans = (spans: readonly Span[]): void => {
      if (!partial) return;
      partial.add(spans);
      if (!partial.due || !owns() || signal?.aborted === true) return;
      if (this.publishPartial(source, partial, { state: 'loading' }, [])) progress.shown = true;
    };
    let fetched;
    try {
      fetched = await this.backends.getTrace(source, traceId, signal, onSpans);
    } catch (error: unknown) {
      if (partial && owns()) {
        this.loading.delete(partial.traceId);
        if (progress.shown) this.settleBrokenPartial(source, partial, error, signal);
      }
      throw error;
    }
    if (partial && owns()) this.loading.delete(partial.traceId);
    const builder = new TraceSetBuilder();
    for (const span of fetched.spans) builder.add(span);
    const built = builder.build();
    // A backend answers one trace; should it mix in another, the one asked for wins.
    const trace = built.find((candidate) => candidate.traceId === fetched.traceId) ?? built[0];
    if (!trace) throw new BackendError(source, { kind: 'traceNotFound', traceId: fetched.traceId });
    // Cancelled while decoding: the caller has given up, so the trace is not kept either.
    if (signal?.aborted) {
      if (progress.shown) this.dropPartial(source, trace.traceId);
      throw new BackendError(source, { kind: 'cancelled' });
    }
    const summary = summarize(trace, source, fetched.warnings);
    this.traces.delete(trace.traceId);
    this.traces.set(trace.traceId, { trace, origin: source, summary });
    // Arrival time: a trace fetched on demand may be older than the window and should still show.
    this.annotations.add(trace.spans, source, 'arrival');
    return summary;
  }

  private loadedWhole(traceId: string): boolean {
    const entry = this.traces.get(traceId);
    return entry ? entry.summary.incomplete === undefined : this.local.trace(traceId) !== undefined;
  }

  /** Builds what arrived so far and lists it; false when nothing of this trace arrived yet. */
  private publishPartial(source: string, partial: PartialTrace, incomplete: TraceIncompleteness, warnings: readonly string[]): boolean {
    const trace = partial.build();
    if (!trace) return false;
    let summary: TraceSummary = { ...summarize(trace, source, warnings), incomplete };
    // Orphans are a subset of the roots: equal counts mean the real root has not arrived, and an orphan must not pass for it.
    if (trace.roots.length === trace.orphans.length) summary = { ...summary, rootService: '', rootName: `trace ${trace.traceId} (root span not received yet)` };
    this.traces.delete(trace.traceId);
    this.traces.set(trace.traceId, { trace, origin: source, summary });
    this.remoteEvents.fire({ type: 'partial', source, summary });
    return true;
  }

  private dropPartial(source: string, traceId: string): void {
    this.traces.delete(traceId);
    this.remoteEvents.fire({ type: 'dropped', source, traceId });
  }

  /**
   * A download that broke off after rows were on show. Cancelled: the person gave up, so the
   * partial goes, as an unfinished open never kept anything. Failed: the spans that arrived
   * are kept, marked incomplete with the reason. A backend that times out on a huge trace is
   * the usual cause, and most of that trace beats none of it; the mark keeps anyone from
   * taking the counts and the missing parents for the real thing.
   */
  private settleBrokenPartial(source: string, partial: PartialTrace, error: unknown, signal: AbortSignal | undefined): void {
    if (signal?.aborted === true || (error instanceof BackendError && error.failure.kind === 'cancelled')) {
      this.dropPartial(source, partial.traceId);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    const warning = `Incomplete: the download from "${source}" broke off after ${partial.spanCount} spans, so spans are missing. ${reason}`;
    this.publishPartial(source, partial, { state: 'failed', reason }, [warning]);
  }

  async configureMapping(configuration: MappingConfiguration): Promise<void> {
    await this.mapping.configure(configuration);
    await this.annotations.mappingConfigured(configuration);
  }

  async updateFileIndex(update: FileIndexUpdate): Promise<number> {
    const size = await this.mapping.updateFileIndex(update);
    await this.annotations.fileIndexUpdated(update);
    return size;
  }

  /** Annotation data of documents changed, coalesced. */
  readonly onAnnotationsChanged = this.annotationEvents.event;

  configureAnnotations(settings: AnnotationSettings): Promise<void> {
    return this.annotations.configure(settings);
  }

  statsForDocument(fsPath: string): Promise<DocumentAnnotations> {
    return this.annotations.statsForDocument(fsPath);
  }

  spansForFunction(fsPath: string, target: FunctionTarget): Promise<readonly SpanChoice[]> {
    return this.annotations.spansForFunction(fsPath, target);
  }

  hoverForFunction(fsPath: string, target: FunctionTarget): Promise<FunctionHover | undefined> {
    return this.annotations.hoverForFunction(fsPath, target);
  }

  exceptionsForDocument(fsPath: string): Promise<readonly ExceptionAnnotation[]> {
    return this.annotations.exceptionsForDocument(fsPath);
  }

  async mapSpan(traceId: string, spanId: string): Promise<SpanMapping> {
    await this.loadLocal(traceId);
    return this.mapping.mapSpan(traceId, spanId);
  }

  async mapFrame(traceId: string, spanId: string, frame: FrameLocation): Promise<SpanMapping> {
    await this.loadLocal(traceId);
    return this.mapping.mapFrame(traceId, spanId, frame);
  }

  async dispose(): Promise<void> {
    this.annotations.dispose();
    this.mapping.dispose();
    await this.backends.dispose();
    await this.local.dispose();
  }

  async openFiles(paths: readonly string[]): Promise<OpenFilesResult> {
    const files: OpenedFile[] = [];
    const builder = new TraceSetBuilder();
    const originOf = new Map<string, string>();
    const warningsOf = new Map<string, string[]>();
    for (const path of paths) {
      try {
        const decoded = await loadTraceFile(path, this.loadOptions);
        const traceIds = new Set<string>();
        for (const span of decoded.spans) {
          builder.add(span);
          traceIds.add(span.traceId);
          if (!originOf.has(span.traceId)) originOf.set(span.traceId, path);
        }
        for (const traceId of traceIds) warningsOf.set(traceId, [...(warningsOf.get(traceId) ?? []), ...decoded.warnings]);
        files.push({ path, ok: true, format: decoded.format, traceIds: [...traceIds], spanCount: decoded.spans.length, warnings: decoded.warnings });
      } catch (error: unknown) {
        files.push({ path, ok: false, message: error instanceof Error ? error.message : String(error) });
      }
    }
    const summaries: TraceSummary[] = [];
    for (const trace of builder.build()) {
      const origin = originOf.get(trace.traceId) ?? '';
      const summary = summarize(trace, origin, warningsOf.get(trace.traceId) ?? []);
      // Opening a trace again replaces it: the file may have been re-exported since.
      this.traces.delete(trace.traceId);
      this.traces.set(trace.traceId, { trace, origin, summary });
      summaries.push(summary);
      // Arrival time, so last month's file still shows its figures; the aggregator ignores spans fed twice.
      this.annotations.add(trace.spans, 'files', 'arrival');
    }
    return { files, traces: summaries };
  }

  listTraces(): Promise<readonly TraceSummary[]> {
    return settle(() => [...this.traces.values()].map((entry) => entry.summary));
  }

  async children(traceId: string, parentIndex: number, offset: number, limit: number): Promise<ChildrenPage> {
    await this.loadLocal(traceId);
    return settle(() => {
      const trace = this.require(traceId);
      const all = parentIndex < 0 ? trace.roots : [...trace.children(parentIndex)];
      return { rows: all.slice(offset, offset + limit).map((index) => rowOf(trace, index)), total: all.length };
    });
  }

  async findSpan(traceId: string, spanId: string): Promise<SpanRow | undefined> {
    await this.loadLocal(traceId);
    return settle(() => {
      const trace = this.require(traceId);
      const index = trace.spans.findIndex((span) => span.spanId === spanId);
      return index < 0 ? undefined : rowOf(trace, index);
    });
  }

  removeTraces(traceIds: readonly string[]): Promise<void> {
    return settle(() => {
      for (const id of traceIds) {
        this.traces.delete(id);
        // A trace still streaming in is not listed again by its next partial.
        this.loading.delete(id);
      }
    });
  }

  /** A local trace fetched (or refreshed) from the store before a question about it; opened files win. */
  private async loadLocal(traceId: string): Promise<void> {
    if (!this.traces.has(traceId)) await this.local.load(traceId);
  }

  /** For core callers in the same thread (tests, benchmarks). Opened files win over the local store. */
  trace(traceId: string): Trace | undefined {
    return this.traces.get(traceId)?.trace ?? this.local.trace(traceId);
  }

  private require(traceId: string): Trace {
    const trace = this.trace(traceId);
    if (!trace) throw new Error(`Trace ${traceId} is not loaded (it may have been evicted from the local store, or its file closed).`);
    return trace;
  }
}

/** Runs synchronous work behind the async interface, so a throw becomes a rejection. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error: unknown) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

export function summarize(trace: Trace, origin: string, warnings: readonly string[]): TraceSummary {
  const root = trace.rootSpan;
  return {
    traceId: trace.traceId,
    origin,
    rootName: root?.name ?? '(no spans)',
    rootService: root?.resource.serviceName ?? '',
    startNs: trace.startNs.toString(),
    durationNs: trace.durationNs,
    spanCount: trace.spanCount,
    errorCount: trace.errorCount,
    services: trace.services,
    warnings: [...new Set([...warnings, ...trace.warnings])],
  };
}

export function rowOf(trace: Trace, index: number): SpanRow {
  const span: Span = trace.span(index);
  let childCount = 0;
  for (const child of trace.children(index)) if (child >= 0) childCount++;
  const keyAttributes: [string, string][] = [];
  for (const name of keyAttributeNames) {
    const value: AttributeValue | undefined = span.attributes[name];
    if (value !== undefined) keyAttributes.push([name, clip(formatAttributeValue(value))]);
  }
  return {
    traceId: trace.traceId,
    index,
    spanId: span.spanId,
    name: span.name,
    service: span.resource.serviceName,
    kind: spanKindName(span.kind),
    durationNs: trace.spanDurationNs(index),
    offsetNs: trace.offsetNs(index),
    depth: trace.depth[index] ?? 0,
    childCount,
    error: trace.isError(index),
    statusMessage: span.statusMessage,
    orphan: trace.orphans.includes(index),
    keyAttributes,
  };
}
