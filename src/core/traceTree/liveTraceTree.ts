import type { TraceSummary } from '../traceService/traceServiceProtocol';

/**
 * What the Traces view shows of the local receiver while traces stream in, kept apart from the
 * list the receiver reports so rows hold still under a person's pointer.
 *
 * Grouping: one group per root endpoint, "service: operation" of the root span, under the local
 * source. Service and operation share one row rather than two nested levels: a local service
 * usually has one or two root services, so a service level would mostly hold a single child
 * while costing an indent that the side bar's width cannot spare (the durations must stay
 * readable), and traces stay one level below their endpoint where a person looks for them.
 *
 * Stability: the list a person sees (the layout) changes only when it is applied, which happens
 * on demand (Show New Traces), when Follow Live is switched on, or by itself while following
 * live and the person is not interacting: no tree event for `quietMs`, and no local trace
 * expanded (someone reading spans), and at most once per `minApplyIntervalMs`. Until then new
 * traces are only counted. A trace already shown keeps its row; its figures (spans still
 * arriving) update in place.
 *
 * Pinning: a trace that is expanded, selected or open in a trace view (the adapter names them
 * through `pinned`) stays listed when the receiver's newest-first list no longer holds it.
 */
export interface LiveTraceTreeOptions {
  /** How long after the last interaction new traces keep waiting. */
  readonly quietMs: number;
  /**
   * Least time between two applies made by the list itself while following live. Each apply
   * re-renders the rows, which cancels a tooltip that is about to show (VS Code's hover waits
   * for the pointer to rest), so a person pointing at a row gets a chance to see one.
   */
  readonly minApplyIntervalMs: number;
  /** Trace ids a person has open or selected: kept listed until closed. */
  readonly pinned: () => Iterable<string>;
}

export interface TraceGroupView {
  readonly key: string;
  readonly service: string;
  readonly operation: string;
  /** Newest first as of the last apply; positions hold until the next. */
  readonly traceIds: readonly string[];
  /** Traces of this endpoint received but not shown yet. */
  readonly pending: number;
  /** Shown traces with at least one error span. */
  readonly errorTraces: number;
  readonly latestTraceId: string | undefined;
  readonly slowestTraceId: string | undefined;
}

/** Why new traces wait rather than showing; `undefined` when nothing holds them. */
export type HoldReason = 'paused' | 'reading' | 'recentInteraction';

interface GroupLayout {
  readonly key: string;
  readonly service: string;
  readonly operation: string;
  readonly traceIds: string[];
}

export function groupKeyOf(summary: Pick<TraceSummary, 'rootService' | 'rootName'>): string {
  // A separator no service or span name holds, so "a: b" + "c" and "a" + "b: c" stay apart.
  return `${summary.rootService}\u0000${summary.rootName}`;
}

export class LiveTraceTree {
  /** The receiver's latest list, newest first. */
  private latest: readonly TraceSummary[] = [];
  private latestById = new Map<string, TraceSummary>();
  /** Every shown trace with its last known summary (kept for pinned traces the list dropped). */
  private shown = new Map<string, TraceSummary>();
  private layout: GroupLayout[] = [];
  private groupOfTrace = new Map<string, string>();
  private live = true;
  private visible = true;
  private lastInteractionMs = Number.NEGATIVE_INFINITY;
  private lastApplyMs = Number.NEGATIVE_INFINITY;
  private groupsCache: readonly TraceGroupView[] | undefined;
  private readonly expanded = new Set<string>();
  /** Endpoints the person collapsed: a trace left expanded inside one is out of sight, not being read. */
  private readonly collapsedGroups = new Set<string>();
  private localCollapsed = false;

  constructor(private readonly options: LiveTraceTreeOptions) {}

  /**
   * The receiver's newest-first list. Counts and the figures of shown traces change at once;
   * `applied` says whether rows were added, removed or moved.
   */
  receive(latest: readonly TraceSummary[], nowMs: number): { readonly applied: boolean; readonly changed: readonly string[] } {
    this.latest = latest;
    this.groupsCache = undefined;
    this.latestById = new Map(latest.map((summary) => [summary.traceId, summary]));
    if (latest.length === 0) {
      // An empty store was cleared: what was shown is gone from it, pinned or not.
      const applied = this.shown.size > 0;
      this.shown.clear();
      this.expanded.clear();
      this.relayout();
      this.lastApplyMs = nowMs;
      return { applied, changed: [] };
    }
    const changed: string[] = [];
    for (const [traceId, summary] of this.latestById) {
      const shown = this.shown.get(traceId);
      if (!shown) continue;
      if (!sameFigures(shown, summary)) changed.push(traceId);
      this.shown.set(traceId, summary);
    }
    const applied = this.applyIfFree(nowMs);
    return { applied, changed: applied ? [] : changed };
  }

  /** A person did something in the view (expand, collapse, select, hover, a row command). */
  interacted(nowMs: number): void {
    this.lastInteractionMs = Math.max(this.lastInteractionMs, nowMs);
  }

  setExpanded(traceId: string, expanded: boolean, nowMs: number): void {
    if (expanded) this.expanded.add(traceId);
    else this.expanded.delete(traceId);
    this.interacted(nowMs);
  }

  setGroupExpanded(key: string, expanded: boolean, nowMs: number): void {
    if (expanded) this.collapsedGroups.delete(key);
    else this.collapsedGroups.add(key);
    this.interacted(nowMs);
  }

  setLocalExpanded(expanded: boolean, nowMs: number): void {
    this.localCollapsed = !expanded;
    this.interacted(nowMs);
  }

  /** Whether anyone can see the view: a hidden view follows the list (no pointer over it). */
  setVisible(visible: boolean, nowMs: number): boolean {
    this.visible = visible;
    return this.applyIfFree(nowMs);
  }

  /** Follow Live on applies at once: the person asked for the newest. */
  setLive(live: boolean, nowMs: number): boolean {
    this.live = live;
    if (!live) return false;
    return this.apply(nowMs);
  }

  isLive(): boolean {
    return this.live;
  }

  /** Show New Traces: applies whatever holds them. */
  showPending(nowMs: number): boolean {
    return this.apply(nowMs);
  }

  /** Called when a hold may have ended (the adapter's timer); applies when nothing holds. */
  tick(nowMs: number): boolean {
    return this.applyIfFree(nowMs);
  }

  holdReason(nowMs: number): HoldReason | undefined {
    if (!this.live) return 'paused';
    if (!this.visible) return undefined;
    if (!this.localCollapsed) {
      for (const traceId of this.expanded) {
        const key = this.groupOfTrace.get(traceId);
        if (key !== undefined && !this.collapsedGroups.has(key)) return 'reading';
      }
    }
    if (nowMs - this.lastInteractionMs < this.options.quietMs) return 'recentInteraction';
    return undefined;
  }

  /**
   * When the adapter should call tick: once the quiet time and the least interval between applies
   * have passed, unless a pause or an open trace holds the waiting traces (only the person ends those).
   */
  nextCheckAt(nowMs: number): number | undefined {
    if (this.pendingCount() === 0) return undefined;
    const reason = this.holdReason(nowMs);
    if (reason === 'paused' || reason === 'reading') return undefined;
    const quietEnd = reason === 'recentInteraction' ? this.lastInteractionMs + this.options.quietMs : nowMs;
    return Math.max(quietEnd, this.lastApplyMs + this.options.minApplyIntervalMs);
  }

  pendingCount(): number {
    let count = 0;
    for (const summary of this.latest) if (!this.shown.has(summary.traceId)) count++;
    return count;
  }

  /** Every row of a refresh asks for its group; computed once per change of the list. */
  groups(): readonly TraceGroupView[] {
    this.groupsCache ??= this.computeGroups();
    return this.groupsCache;
  }

  private computeGroups(): TraceGroupView[] {
    const pending = new Map<string, number>();
    for (const summary of this.latest) {
      if (this.shown.has(summary.traceId)) continue;
      const key = groupKeyOf(summary);
      pending.set(key, (pending.get(key) ?? 0) + 1);
    }
    return this.layout.map((group) => {
      let errorTraces = 0;
      let latest: TraceSummary | undefined;
      let slowest: TraceSummary | undefined;
      for (const traceId of group.traceIds) {
        const summary = this.shown.get(traceId);
        if (!summary) continue;
        if (summary.errorCount > 0) errorTraces++;
        if (!latest || BigInt(summary.startNs) > BigInt(latest.startNs)) latest = summary;
        if (!slowest || summary.durationNs > slowest.durationNs) slowest = summary;
      }
      return {
        key: group.key,
        service: group.service,
        operation: group.operation,
        traceIds: group.traceIds,
        pending: pending.get(group.key) ?? 0,
        errorTraces,
        latestTraceId: latest?.traceId,
        slowestTraceId: slowest?.traceId,
      };
    });
  }

  group(key: string): TraceGroupView | undefined {
    return this.groups().find((group) => group.key === key);
  }

  /** The summary a shown trace's row shows. */
  shownSummary(traceId: string): TraceSummary | undefined {
    return this.shown.get(traceId);
  }

  /** The group a shown trace sits in (fixed at apply, even if its root arrived since). */
  groupKeyOfShown(traceId: string): string | undefined {
    return this.groupOfTrace.get(traceId);
  }

  /** Any trace the receiver listed or the view shows. */
  summary(traceId: string): TraceSummary | undefined {
    return this.latestById.get(traceId) ?? this.shown.get(traceId);
  }

  /** Every trace known, shown or waiting, newest first by the receiver's order, then pinned extras. */
  all(): TraceSummary[] {
    const all = [...this.latest];
    for (const [traceId, summary] of this.shown) if (!this.latestById.has(traceId)) all.push(summary);
    return all;
  }

  /**
   * Shows one waiting trace that a person opened (Open Trace, a link), without applying the
   * rest: it takes its place in its group, the other rows stay. Returns whether it is shown.
   */
  reveal(traceId: string): boolean {
    if (this.shown.has(traceId)) return true;
    const summary = this.latestById.get(traceId);
    if (!summary) return false;
    this.shown.set(traceId, summary);
    this.groupsCache = undefined;
    const key = groupKeyOf(summary);
    let group = this.layout.find((candidate) => candidate.key === key);
    if (!group) {
      group = { key, service: summary.rootService, operation: summary.rootName, traceIds: [] };
      this.layout.splice(insertionIndex(this.layout, group, compareGroups), 0, group);
    }
    const ids = group.traceIds;
    ids.splice(
      insertionIndex(ids, traceId, (a, b) => compareNewestFirst(this.shown.get(a), this.shown.get(b))),
      0,
      traceId,
    );
    this.groupOfTrace.set(traceId, key);
    return true;
  }

  private applyIfFree(nowMs: number): boolean {
    if (this.holdReason(nowMs) !== undefined) return false;
    if (nowMs - this.lastApplyMs < this.options.minApplyIntervalMs) return false;
    return this.apply(nowMs);
  }

  /** Shows the receiver's list plus whatever is pinned; returns whether any row changed. */
  private apply(nowMs: number): boolean {
    this.lastApplyMs = nowMs;
    const pinned = new Set<string>(this.options.pinned());
    for (const traceId of this.expanded) pinned.add(traceId);
    const next = new Map<string, TraceSummary>();
    for (const summary of this.latest) next.set(summary.traceId, summary);
    for (const traceId of pinned) {
      const kept = this.shown.get(traceId);
      if (kept && !next.has(traceId)) next.set(traceId, kept);
    }
    for (const traceId of this.expanded) if (!next.has(traceId)) this.expanded.delete(traceId);
    const before = this.layout;
    this.shown = next;
    this.relayout();
    return !sameLayout(before, this.layout);
  }

  private relayout(): void {
    this.groupsCache = undefined;
    const groups = new Map<string, GroupLayout>();
    for (const summary of this.shown.values()) {
      const key = groupKeyOf(summary);
      let group = groups.get(key);
      if (!group) {
        group = { key, service: summary.rootService, operation: summary.rootName, traceIds: [] };
        groups.set(key, group);
      }
      group.traceIds.push(summary.traceId);
    }
    this.layout = [...groups.values()].sort(compareGroups);
    this.groupOfTrace = new Map();
    for (const group of this.layout) {
      group.traceIds.sort((a, b) => compareNewestFirst(this.shown.get(a), this.shown.get(b)));
      for (const traceId of group.traceIds) this.groupOfTrace.set(traceId, group.key);
    }
  }
}

/** Endpoints by name, so a new one takes a predictable place and the others keep their order. */
function compareGroups(a: GroupLayout, b: GroupLayout): number {
  return compareText(a.service, b.service) || compareText(a.operation, b.operation);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNewestFirst(a: TraceSummary | undefined, b: TraceSummary | undefined): number {
  const aStart = BigInt(a?.startNs ?? '0');
  const bStart = BigInt(b?.startNs ?? '0');
  if (aStart !== bStart) return aStart > bStart ? -1 : 1;
  return compareText(a?.traceId ?? '', b?.traceId ?? '');
}

function insertionIndex<T>(items: readonly T[], item: T, compare: (a: T, b: T) => number): number {
  const index = items.findIndex((existing) => compare(item, existing) < 0);
  return index < 0 ? items.length : index;
}

/** Whether a trace's row would read the same (the receiver sends new objects every time). */
function sameFigures(a: TraceSummary, b: TraceSummary): boolean {
  return a.spanCount === b.spanCount && a.errorCount === b.errorCount && a.durationNs === b.durationNs && a.startNs === b.startNs && a.rootName === b.rootName && a.rootService === b.rootService;
}

function sameLayout(a: readonly GroupLayout[], b: readonly GroupLayout[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((group, index) => {
    const other = b[index];
    return other !== undefined && other.key === group.key && other.traceIds.length === group.traceIds.length && other.traceIds.every((id, i) => id === group.traceIds[i]);
  });
}
