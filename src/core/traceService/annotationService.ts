import type { AggregateStats, AggregationChange, ExceptionGroupStats, LensFigures, SpanRef } from '../aggregation/aggregateStats';
import type { AggregationWindow } from '../aggregation/aggregationWindow';
import { locateAttributes, type CodeLocation } from '../aggregation/codeLocation';
import { formatDuration } from '../../shared/formatDuration';
import { buildHoverModel, staleBuild, windowLabel, type HoverContext, type HoverModel } from '../presentation/hoverModel';
import { formatCount, formatLensTitle, sameFigures } from '../presentation/latencyText';
import { SpanAggregator, type AddOptions } from '../aggregation/spanAggregator';
import type { FileCandidate } from '../mapping/candidateLocation';
import { exceptionStackLocations, isExceptionEventName } from '../mapping/extractSpanLocations';
import { LocationResolver } from '../mapping/locationResolver';
import type { MappedLocation, SpanLocationResult } from '../mapping/resolveSpanLocation';
import { stringAttribute } from '../model/attributes';
import type { Span, SpanEvent } from '../model/span';
import type { CheckoutIdentity } from './checkoutIdentity';
import { TwoGenerationMap } from '../aggregation/twoGenerationMap';

/** `spanlens.annotations.window` and `.percentiles`, already validated by the adapter. */
export interface AnnotationSettings {
  readonly window: AggregationWindow;
  readonly percentiles: readonly number[];
}

/** How the host names a function back to the worker when it asks for its spans. */
export type FunctionTarget = { readonly function: string } | { readonly line: number };

/** A link of the hover, with the source that can open its trace. */
export interface AnnotationLink {
  readonly kind: 'slowest' | 'latestError';
  readonly label: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly source: string | undefined;
}

/** Figures for one function (or one line without a function name) of a document. */
export interface FunctionAnnotation {
  readonly target: FunctionTarget;
  /** As the spans name it, possibly qualified (`Checkout.pay`). */
  readonly function: string | undefined;
  /** 1-based mapped lines of the locations merged here, ascending; may be empty. */
  readonly lines: readonly number[];
  /** `p50 12 ms · p95 48 ms · p99 120 ms · 1.2k calls · 0.4% errors` */
  readonly title: string;
  /** `last hour · local`: the window and the sources the figures came from. */
  readonly context: string;
  readonly count: number;
  readonly errorCount: number;
  /** Set on the lines worth an end-of-line decoration, by share of the time the file spends. */
  readonly heat: 'hot' | 'warm' | undefined;
  readonly lineText: string;
  /**
   * Set when the figures come from another build than the checkout (see staleBuild): what
   * differs, in a sentence. The lens marks it and the hover says it first.
   */
  readonly staleBuild?: string;
}

/**
 * A function's hover, asked for when a person hovers: a CodeLens refresh formats titles only,
 * and its answer crosses to the extension host without 200 hover models nobody looks at.
 */
export interface FunctionHover {
  readonly hover: HoverModel;
  readonly links: readonly AnnotationLink[];
}

export interface DocumentAnnotations {
  readonly fsPath: string;
  readonly window: AggregationWindow;
  readonly functions: readonly FunctionAnnotation[];
}

export interface RelatedFrame {
  readonly path: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly function: string | undefined;
}

/** One group of recorded exceptions at a mapped line of a document. */
export interface ExceptionAnnotation {
  readonly id: string;
  readonly type: string;
  /** Normalized: variable parts replaced, so one bug is one diagnostic. */
  readonly message: string;
  readonly count: number;
  readonly services: readonly string[];
  readonly lastSeenMs: number;
  /** 1-based; undefined when only the file is known. */
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly source: string | undefined;
  /** The other application frames of the latest stack that map into the workspace. */
  readonly related: readonly RelatedFrame[];
}

/** A span the CodeLens click lists, slowest first. */
export interface SpanChoice {
  readonly traceId: string;
  readonly spanId: string;
  readonly durationMs: number;
  readonly error: boolean;
  readonly name: string;
  readonly service: string;
  readonly endTimeMs: number;
  readonly source: string | undefined;
}

/** Pushed to the host, coalesced: which documents to refresh (all of them when `all`). */
export interface AnnotationsChangedEvent {
  readonly files: readonly string[];
  readonly all: boolean;
}

export interface AnnotationServiceDeps {
  /** The mapping service's resolution of one path and line (path rules, suffix index, source maps). */
  readonly resolveLocation: (service: string, candidate: FileCandidate) => Promise<SpanLocationResult>;
  /** False until the worker has been told the folders; unmapped answers are not remembered before. */
  readonly mappingReady: () => boolean;
  readonly emit: (event: AnnotationsChangedEvent) => void;
  readonly checkout?: (fsPath: string) => Promise<CheckoutIdentity>;
  readonly now?: () => number;
  /** How often data leaving the window is dropped when no spans arrive; 0 turns the timer off. */
  readonly expiryIntervalMs?: number;
  /** Delay that coalesces the aggregator's change notifications into one event. */
  readonly notifyDelayMs?: number;
  /** How long batches wait for the mapping to be configured before they are added anyway. */
  readonly maxMappingWaitMs?: number;
}

interface HeldBatch {
  readonly spans: readonly Span[];
  readonly source: string;
  readonly time: NonNullable<AddOptions['time']>;
  readonly pinned: ReadonlyMap<Span, CodeLocation> | undefined;
}

/** One function of a document (or one line without a function name), as last grouped. */
interface FunctionGroup {
  readonly id: string;
  readonly target: FunctionTarget;
  readonly function: string | undefined;
  /** 1-based, ascending. */
  readonly lines: readonly number[];
  /**
   * What was last answered for it, and the stats and source label it was formatted from: the
   * aggregator answers an unchanged query with the same stats object, so an unchanged function
   * is handed back as it was and nothing is formatted again.
   */
  annotation: FunctionAnnotation | undefined;
  annotatedStats: LensFigures | undefined;
  annotatedSource: string;
}

const maxTraceSources = 100_000;
const maxFileSources = 50_000;
const maxFramesPerException = 8;
/** Documents whose grouping and built annotations are kept; the editor asks for the open ones. */
const maxDocuments = 200;
/** Spans held while the mapping is not configured; past this they are added unmapped. */
const maxHeldSpans = 1_000_000;
const heldPollMs = 50;

/**
 * The worker half of editor annotations: one SpanAggregator fed by every source, whose
 * `locate` puts spans on WORKSPACE files through the mapping service. Resolution is async (it reads
 * files and source maps) and the aggregator's `locate` is not, so each batch is resolved first,
 * one raw path and line at a time however many spans share it, and then added.
 */
export class AnnotationService {
  private readonly aggregator: SpanAggregator;
  private readonly locations: LocationResolver;
  /** Per place, function ('' for none) → its location: spans of one place share one object. */
  private readonly placed = new WeakMap<MappedLocation, Map<string, CodeLocation>>();
  /** Trace id → the source it came from; two generations (see TwoGenerationMap for why). */
  private readonly traceSources = new TwoGenerationMap<string, string>(maxTraceSources);
  /** Workspace file → source → when it last fed the file (ms). */
  private readonly fileSources = new TwoGenerationMap<string, Map<string, number>>(maxFileSources);
  private readonly documents = new Map<string, { readonly stamp: number; readonly groups: readonly FunctionGroup[] }>();
  private queue: Promise<void> = Promise.resolve();
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;
  private held: HeldBatch[] = [];
  private heldSpans = 0;
  private heldSinceMs = 0;
  private heldTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: AnnotationServiceDeps) {
    this.now = deps.now ?? Date.now;
    const delay = deps.notifyDelayMs ?? 100;
    this.locations = new LocationResolver(deps.resolveLocation, deps.mappingReady);
    // Every batch comes with its own placement (see ingest), resolved before it is added.
    this.aggregator = new SpanAggregator({ now: this.now, schedule: (flush) => void setTimeout(flush, delay) });
    this.aggregator.onDidChange((change) => this.notify(change));
    const every = deps.expiryIntervalMs ?? 30_000;
    if (every > 0) {
      this.timer = setInterval(() => this.aggregator.expire(), every);
      // The expiry timer must not keep a worker (or a test process) alive.
      this.timer.unref();
    }
  }

  /**
   * Adds a batch from `source` (`local`, `files` or a backend's name); batches are added in order.
   * `pinned` places spans whose file is already known (the remote search for a file's functions
   * matched them to it) without path resolution; the others of the batch resolve as usual.
   */
  add(spans: readonly Span[], source: string, time: NonNullable<AddOptions['time']>, pinned?: ReadonlyMap<Span, CodeLocation>): Promise<void> {
    if (spans.length === 0) return this.queue;
    // Spans arriving before the worker knows the folders (the store's replay at start-up races
    // the file index) would be refused by every path lookup and counted nowhere; they wait.
    if (!this.deps.mappingReady() || this.held.length > 0) {
      this.hold({ spans, source, time, pinned });
      this.releaseHeld();
      return this.queue;
    }
    return this.enqueue(spans, source, time, pinned);
  }

  private enqueue(spans: readonly Span[], source: string, time: NonNullable<AddOptions['time']>, pinned?: ReadonlyMap<Span, CodeLocation>): Promise<void> {
    const next = this.queue.then(() => this.ingest(spans, source, time, pinned)).catch(() => undefined);
    this.queue = next;
    return next;
  }

  /** Settles once every batch handed to `add` so far is in the aggregator (tests, queries). */
  idle(): Promise<void> {
    this.releaseHeld();
    return this.queue;
  }

  private hold(batch: HeldBatch): void {
    if (this.held.length === 0) this.heldSinceMs = Date.now();
    this.held.push(batch);
    this.heldSpans += batch.spans.length;
    if (this.heldTimer === undefined) {
      this.heldTimer = setInterval(() => this.releaseHeld(), heldPollMs);
      this.heldTimer.unref();
    }
  }

  /** Adds what was held once the mapping is ready, or when waiting longer would cost too much. */
  private releaseHeld(): void {
    if (this.held.length === 0) return;
    const waitedTooLong = Date.now() - this.heldSinceMs >= (this.deps.maxMappingWaitMs ?? 15_000);
    if (!this.deps.mappingReady() && !waitedTooLong && this.heldSpans <= maxHeldSpans) return;
    const batches = this.held;
    this.held = [];
    this.heldSpans = 0;
    if (this.heldTimer !== undefined) clearInterval(this.heldTimer);
    this.heldTimer = undefined;
    for (const batch of batches) void this.enqueue(batch.spans, batch.source, batch.time, batch.pinned);
  }

  configure(settings: AnnotationSettings): Promise<void> {
    this.aggregator.setWindow(settings.window);
    const current = this.aggregator.percentiles;
    if (current.length !== settings.percentiles.length || current.some((p, i) => p !== settings.percentiles[i])) this.aggregator.setPercentiles(settings.percentiles);
    return Promise.resolve();
  }

  /** The mapping configuration or file index changed: remembered resolutions may now be wrong. */
  mappingChanged(): void {
    this.locations.clear();
    this.releaseHeld();
  }

  async statsForDocument(fsPath: string): Promise<DocumentAnnotations> {
    await this.idle();
    // Cached per directory by the reader, so a refresh costs one settled promise here.
    const checkout = checkoutContext((await this.deps.checkout?.(fsPath)) ?? { version: undefined, commit: undefined });
    const sourceLabel = this.sourceLabelOf(fsPath);
    const groups = this.groupsOf(fsPath);
    const present: FunctionGroup[] = [];
    const stats: LensFigures[] = [];
    for (const group of groups) {
      const found = this.figuresOf(fsPath, group.target);
      if (found === undefined) continue;
      present.push(group);
      stats.push(found);
    }
    const heat = heatOf(stats);
    const functions: FunctionAnnotation[] = new Array<FunctionAnnotation>(present.length);
    const window = windowLabel(this.aggregator.window);
    const contextLabel = sourceLabel === '' ? window : `${window} · ${sourceLabel}`;
    for (let i = 0; i < present.length; i++) functions[i] = this.annotate(present[i] as FunctionGroup, stats[i] as LensFigures, heat[i], sourceLabel, contextLabel, checkout);
    return { fsPath, window: this.aggregator.window, functions };
  }

  /** The figures and links a hover on the function shows; undefined when it has no data now. */
  async hoverForFunction(fsPath: string, target: FunctionTarget): Promise<FunctionHover | undefined> {
    await this.idle();
    const checkout = checkoutContext((await this.deps.checkout?.(fsPath)) ?? { version: undefined, commit: undefined });
    const stats = this.statsOf(fsPath, target);
    if (stats === undefined) return undefined;
    const sourceLabel = this.sourceLabelOf(fsPath);
    const hoverContext: HoverContext = { ...(sourceLabel === '' ? {} : { source: sourceLabel }), ...checkout };
    const hover = buildHoverModel(stats, hoverContext);
    const links = hover.links.map((link): AnnotationLink => ({ kind: link.kind, label: link.label, traceId: link.traceId, spanId: link.spanId, source: this.sourceOf(link.traceId) }));
    return { hover, links };
  }

  /** The sources the file's figures came from, latest first: `local`, `tempo, local`. */
  private sourceLabelOf(fsPath: string): string {
    const sources = this.fileSources.get(fsPath);
    if (sources === undefined) return '';
    return sources.size === 1
      ? (sources.keys().next().value as string)
      : [...sources.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([s]) => s)
          .join(', ');
  }

  /**
   * The file's locations grouped by function (or by line without one), ordered by first line,
   * kept while no key joins or leaves the file. Groups carry what was last built for them.
   */
  private groupsOf(fsPath: string): readonly FunctionGroup[] {
    const { stamp, locations } = this.aggregator.fileLocations(fsPath);
    const known = this.documents.get(fsPath);
    if (known !== undefined && known.stamp === stamp) return known.groups;
    const previous = new Map<string, FunctionGroup>();
    for (const group of known?.groups ?? []) previous.set(group.id, group);
    const byId = new Map<string, { target: FunctionTarget; function: string | undefined; lines: Set<number> }>();
    for (const location of locations) {
      const fn = location.function;
      const id = fn !== undefined ? `f\n${fn}` : `l\n${String(location.line ?? -1)}`;
      let group = byId.get(id);
      if (group === undefined) {
        const target: FunctionTarget = fn !== undefined ? { function: fn } : { line: location.line ?? -1 };
        byId.set(id, (group = { target, function: fn, lines: new Set() }));
      }
      if (location.line !== undefined) group.lines.add(location.line);
    }
    const groups: FunctionGroup[] = [];
    for (const [id, { target, function: fn, lines }] of byId) {
      const sorted = [...lines].sort((a, b) => a - b);
      const old = previous.get(id);
      // A group whose lines did not move keeps what was built for it: the new keys were elsewhere.
      groups.push(old !== undefined && sameNumbers(old.lines, sorted) ? old : { id, target, function: fn, lines: sorted, annotation: undefined, annotatedStats: undefined, annotatedSource: '' });
    }
    // Stable, like the order the figures are shown in: by first line, then as located.
    groups.sort((a, b) => (a.lines[0] ?? 0) - (b.lines[0] ?? 0));
    if (known === undefined && this.documents.size >= maxDocuments) this.documents.clear();
    this.documents.set(fsPath, { stamp, groups });
    return groups;
  }

  /** One function's annotation; `contextLabel` is the document's (window and sources). */
  private annotate(group: FunctionGroup, stats: LensFigures, heat: 'hot' | 'warm' | undefined, sourceLabel: string, contextLabel: string, checkout: HoverContext): FunctionAnnotation {
    const known = group.annotation;
    const before = group.annotatedStats;
    const stale = staleBuild(stats, checkout);
    const unchanged = known !== undefined && before === stats && group.annotatedSource === sourceLabel;
    if (unchanged && known.heat === heat && known.staleBuild === stale) return known;
    // New stats often read as the old ones did (same percentiles, a rounded count): keep the text.
    const sameText = known !== undefined && before !== undefined && (before === stats || sameFigures(before, stats));
    const annotation: FunctionAnnotation = {
      target: group.target,
      function: group.function,
      lines: group.lines,
      title: sameText ? known.title : formatLensTitle(stats),
      context: contextLabel,
      count: stats.count,
      errorCount: stats.errorCount,
      heat,
      lineText: sameText ? known.lineText : lineTextOf(stats),
      ...(stale === undefined ? {} : { staleBuild: stale }),
    };
    group.annotation = annotation;
    group.annotatedStats = stats;
    group.annotatedSource = sourceLabel;
    return annotation;
  }

  async spansForFunction(fsPath: string, target: FunctionTarget, limit = 50): Promise<readonly SpanChoice[]> {
    await this.idle();
    const refs: SpanRef[] =
      'function' in target
        ? this.aggregator.spansFor({ kind: 'function', file: fsPath, function: target.function }, limit)
        : this.aggregator.spansFor({ kind: 'location', file: fsPath, line: target.line }, limit);
    return refs.map((ref) => ({
      traceId: ref.traceId,
      spanId: ref.spanId,
      durationMs: ref.durationMs,
      error: ref.error,
      name: ref.name,
      service: ref.service,
      endTimeMs: ref.endTimeMs,
      source: this.sourceOf(ref.traceId),
    }));
  }

  async exceptionsForDocument(fsPath: string): Promise<readonly ExceptionAnnotation[]> {
    await this.idle();
    const groups = this.aggregator.exceptionsFor(fsPath);
    // Every group's frames are resolved at once: one after another, a file's first diagnostics
    // (and the lenses the editor shows with them) waited for each new frame's lookups in turn.
    const relatedOf = await Promise.all(groups.map((group) => this.relatedFrames(group)));
    const out: ExceptionAnnotation[] = [];
    for (const [index, group] of groups.entries()) {
      const related = relatedOf[index] as RelatedFrame[];
      out.push({
        id: group.id,
        type: group.type,
        message: group.message,
        count: group.count,
        services: group.services,
        lastSeenMs: group.lastSeenMs,
        line: group.location?.line,
        column: undefined,
        traceId: group.sampleTraceId,
        spanId: group.sampleSpanId,
        source: group.sampleTraceId === undefined ? undefined : this.sourceOf(group.sampleTraceId),
        related,
      });
    }
    return out;
  }

  /** The other application frames of the group's latest stack that map into the workspace, innermost first. */
  private async relatedFrames(group: ExceptionGroupStats): Promise<RelatedFrame[]> {
    if (group.latestStacktrace === undefined) return [];
    const service = group.services[0] ?? '';
    const frames = applicationFrames(group.latestStacktrace, undefined);
    const mapped = await Promise.all(frames.map((frame) => this.locations.resolve(service, frame)));
    const related: RelatedFrame[] = [];
    frames.forEach((frame, i) => {
      const place = mapped[i];
      if (place === null || place === undefined) return;
      if (place.path === group.location?.file && place.line === group.location.line) return;
      related.push({ path: place.path, line: place.line, column: place.column, function: frame.function });
    });
    return related;
  }

  filesWithData(): string[] {
    return this.aggregator.filesWithData();
  }

  dispose(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.heldTimer !== undefined) clearInterval(this.heldTimer);
  }

  // ---- ingest ----------------------------------------------------------------------------

  /**
   * Resolves the batch's places first (one resolution per service, path and line however many
   * spans share it), then adds it with a placement that reads them back synchronously.
   */
  private async ingest(spans: readonly Span[], source: string, time: NonNullable<AddOptions['time']>, pinned?: ReadonlyMap<Span, CodeLocation>): Promise<void> {
    const pending: Promise<unknown>[] = [];
    const thrownAt = new WeakMap<SpanEvent, CodeLocation | undefined>();
    for (const span of spans) {
      this.noteSource(span.traceId, source);
      const service = span.resource.serviceName;
      const raw = locateAttributes(span.attributes);
      if (raw !== undefined && this.locations.known(service, raw.file, raw.line) === undefined) pending.push(this.locations.resolve(service, attributeCandidate(raw.file, raw.line)));
      for (const event of span.events) {
        const text = event.attributes['exception.stacktrace'];
        if (typeof text !== 'string' || text === '' || !isExceptionEventName(event.name)) continue;
        pending.push(this.locateThrow(span, text).then((location) => thrownAt.set(event, location)));
      }
    }
    await Promise.all(pending);
    const nowMs = this.now();
    const locate = (span: Span): CodeLocation | undefined => {
      const location = pinned?.get(span) ?? this.placeOf(span);
      if (location !== undefined) this.noteFileSource(location.file, source, nowMs);
      return location;
    };
    this.aggregator.add(spans, { time, locate, locateException: (span, event) => (thrownAt.has(event) ? thrownAt.get(event) : undefined) ?? locate(span) });
  }

  /** Where the span's `code.*` place maps, once resolved; one object per place and function. */
  private placeOf(span: Span): CodeLocation | undefined {
    const raw = locateAttributes(span.attributes);
    if (raw === undefined) return undefined;
    const mapped = this.locations.known(span.resource.serviceName, raw.file, raw.line);
    if (mapped === undefined || mapped === null) return undefined;
    let byFunction = this.placed.get(mapped);
    if (byFunction === undefined) this.placed.set(mapped, (byFunction = new Map<string, CodeLocation>()));
    let location = byFunction.get(raw.function ?? '');
    if (location === undefined) {
      const line = mapped.line ?? raw.line;
      location = { file: mapped.path, ...(line === undefined ? {} : { line }), ...(raw.function === undefined ? {} : { function: raw.function }) };
      byFunction.set(raw.function ?? '', location);
    }
    return location;
  }

  /** The innermost application frame of the stack that maps into the workspace. */
  private async locateThrow(span: Span, stacktrace: string): Promise<CodeLocation | undefined> {
    const service = span.resource.serviceName;
    for (const frame of applicationFrames(stacktrace, stringAttribute(span.resource.attributes, 'telemetry.sdk.language'))) {
      const mapped = await this.locations.resolve(service, frame);
      if (mapped === null) continue;
      const line = mapped.line;
      return { file: mapped.path, ...(line === undefined ? {} : { line }), ...(frame.function === undefined ? {} : { function: frame.function }) };
    }
    return undefined;
  }

  private noteSource(traceId: string, source: string): void {
    if (this.traceSources.getYoung(traceId) === source) return;
    this.traceSources.set(traceId, source);
  }

  private sourceOf(traceId: string): string | undefined {
    return this.traceSources.get(traceId);
  }

  /**
   * Bounded like the aggregator's keys, so a flood of distinct paths cannot grow it forever, in
   * two generations: a file fed again moves to the young
   * one, and those not fed since the young one last filled up are forgotten.
   */
  private noteFileSource(file: string, source: string, nowMs: number): void {
    let sources = this.fileSources.getYoung(file);
    if (sources === undefined) {
      sources = this.fileSources.get(file) ?? new Map<string, number>();
      this.fileSources.set(file, sources);
    }
    sources.set(source, nowMs);
  }

  private statsOf(fsPath: string, target: FunctionTarget): AggregateStats | undefined {
    return 'function' in target ? this.aggregator.statsForFunction(fsPath, target.function) : this.aggregator.statsForLocation(fsPath, target.line);
  }

  private figuresOf(fsPath: string, target: FunctionTarget): LensFigures | undefined {
    return 'function' in target ? this.aggregator.figuresForFunction(fsPath, target.function) : this.aggregator.figuresForLocation(fsPath, target.line);
  }

  private notify(change: AggregationChange): void {
    if (change.all) {
      this.deps.emit({ files: [], all: true });
      return;
    }
    if (change.files.size > 0) this.deps.emit({ files: [...change.files], all: false });
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A span's own `code.*` path and line as a location to resolve. */
function attributeCandidate(path: string, line: number | undefined): FileCandidate {
  return { kind: 'file', path, line, column: undefined, function: undefined, minimumSuffixSegments: 1, provenance: { source: 'attributes', keys: [] } };
}

/** The application frames of a stack trace, innermost first, as far as an exception is worth resolving. */
function applicationFrames(stacktrace: string, sdkLanguage: string | undefined): FileCandidate[] {
  const out: FileCandidate[] = [];
  for (const candidate of exceptionStackLocations(stacktrace, sdkLanguage, 0)) {
    if (candidate.provenance.source === 'attributes' || candidate.provenance.library) continue;
    out.push(candidate);
    if (out.length >= maxFramesPerException) break;
  }
  return out;
}

/** The end-of-line text: the highest percentile asked for and the call count. */
function lineTextOf(stats: LensFigures): string {
  const high = stats.latency.quantiles[stats.latency.quantiles.length - 1];
  const calls = `${formatCount(stats.count)} ${stats.count === 1 ? 'call' : 'calls'}`;
  return high === undefined ? calls : `p${String(high.percentile)} ${formatDuration(high.valueNs)} · ${calls}`;
}

/**
 * Which figures deserve an end-of-line decoration: the share of the file's time each one spends
 * (calls × median), the top one `hot` and the others above a fifth of it `warm`.
 */
export function heatOf(stats: readonly LensFigures[]): ('hot' | 'warm' | undefined)[] {
  const weights = stats.map((s) => s.count * (s.latency.quantiles[0]?.valueNs ?? 0));
  const peak = Math.max(0, ...weights);
  if (peak <= 0) return weights.map(() => undefined);
  return weights.map((w) => (w >= peak * 0.6 ? 'hot' : w >= peak * 0.2 ? 'warm' : undefined));
}

/** The checkout's identity as the hover model's context takes it (unknown parts left out). */
function checkoutContext(checkout: CheckoutIdentity): Pick<HoverContext, 'checkoutVersion' | 'checkoutCommit'> {
  return {
    ...(checkout.version === undefined ? {} : { checkoutVersion: checkout.version }),
    ...(checkout.commit === undefined ? {} : { checkoutCommit: checkout.commit }),
  };
}
