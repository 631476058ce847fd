import * as vscode from 'vscode';
import { basename, dirname } from 'node:path';
import type { SpanRow, TraceQueries, TraceSummary } from '../core/traceService/traceServiceProtocol';
import type { SearchHit } from '../core/traceService/traceServiceProtocol';
import type { RemoteTraces, RemoteTracesChange } from './remoteTraces';
import { formatDuration } from '../shared/formatDuration';
import { LiveTraceTree } from '../core/traceTree/liveTraceTree';
import { plural } from '../shared/plural';
import { endpointLabel, groupRowText, pendingText, traceRowText, traceTooltipLines, type TraceRowMarks } from './traceRowText';
import type { TraceList } from './traceList';
import { setContext } from './commandRegistry';
import { commandInvocation, contextKeys, type CommandId } from './contributions';

export type TraceTreeNode =
  | { readonly kind: 'source'; readonly source: 'local' }
  /** One opened trace file: its traces below it. */
  | { readonly kind: 'file'; readonly path: string }
  /** Local traces of one root endpoint (`service: operation`), see LiveTraceTree. */
  | { readonly kind: 'group'; readonly key: string }
  | { readonly kind: 'hint'; readonly label: string; readonly detail: string; readonly parent: TraceTreeNode; readonly command?: CommandId }
  | { readonly kind: 'trace'; readonly summary: TraceSummary }
  /** `key` names the span's place in the tree by span ids, not row indices (see spanKey). */
  | { readonly kind: 'span'; readonly row: SpanRow; readonly key: string; readonly parent: TraceTreeNode }
  | { readonly kind: 'more'; readonly traceId: string; readonly parentIndex: number; readonly parentKey: string; readonly shown: number; readonly total: number; readonly parent: TraceTreeNode }
  /** A `spanlens.sources` backend, shown once something was opened or found there. */
  | { readonly kind: 'remote'; readonly name: string }
  /** A search result not opened yet; clicking it opens the trace. */
  | { readonly kind: 'hit'; readonly source: string; readonly hit: SearchHit; readonly parent: TraceTreeNode };

/** Rows fetched per expansion; a span with 100k children shows a page and a "show more" row. */
export const childPageSize = 500;
/**
 * Least time between two refreshes for remote traces. The worker sends a loading trace's new
 * build at most every 250 ms; this bounds the total when several load at once, so VS Code is
 * never flooded with refreshes (each re-fetches the expanded pages).
 */
const remoteRefreshIntervalMs = 200;
/**
 * How long after a person's last move in the view (expand, collapse, select, hover) new local
 * traces keep waiting while following live. Long enough to move the pointer to a row and read it.
 */
export const liveQuietMs = 10_000;
/**
 * Least time between two updates of the local list while following live. VS Code's tooltip
 * waits for the pointer to rest on a row, and redrawing the row cancels it.
 */
export const liveApplyIntervalMs = 2_000;
/*
 * Row commands carry no arguments: their handlers read the tree's selection, which a click sets
 * first. VS Code keeps a row command's arguments only until the row is rendered again, and the
 * local source re-renders several times a second while spans stream in, so a click on a row
 * rendered a moment earlier would otherwise fail with "Actual command not found".
 */
/** The view's name in package.json; the count of waiting traces follows it. */
const tracesViewTitle = 'Traces';

const localSource: TraceTreeNode = { kind: 'source', source: 'local' };

/** What the tree shows of the built-in receiver; kept current by the adapter from service events. */
export interface LocalSourceView {
  readonly running: boolean;
  readonly endpoint: string | undefined;
  readonly spanCount: number;
  /** Newest first. */
  readonly traces: readonly TraceSummary[];
}

export interface TracesTreeOptions {
  /** Traces open in a trace view: kept listed until their panel closes. */
  readonly openTraceIds?: () => Iterable<string>;
  readonly quietMs?: number;
  readonly minApplyIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * The `spanlens.traces` view: sources → traces → spans, the local receiver's traces grouped by
 * endpoint and held still while a person uses them (LiveTraceTree), opened files by file. Span
 * rows come from the trace service a page at a time, so a huge trace costs the extension host
 * only the rows on screen. While no trace is loaded the view is empty and VS Code shows its
 * welcome content.
 */
export class TracesTreeProvider implements vscode.TreeDataProvider<TraceTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TraceTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly traceNodes = new Map<string, TraceTreeNode>();
  /** How many children each expanded parent shows, keyed by the parent's tree key. */
  private readonly shown = new Map<string, number>();
  private readonly subscription: vscode.Disposable;
  private local: Omit<LocalSourceView, 'traces'> = { running: false, endpoint: undefined, spanCount: 0 };
  private readonly live: LiveTraceTree;
  private readonly now: () => number;
  /** Traces selected in the view (a click or a reveal): pinned while selected. */
  private selectedTraceIds: readonly string[] = [];
  private holdTimer: NodeJS.Timeout | undefined;
  private view: vscode.TreeView<TraceTreeNode> | undefined;
  private shownContext: { live?: boolean; pending?: boolean } = {};

  constructor(
    private readonly queries: TraceQueries,
    private readonly traces: TraceList,
    private readonly remote?: RemoteTraces,
    options: TracesTreeOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.live = new LiveTraceTree({
      quietMs: options.quietMs ?? liveQuietMs,
      minApplyIntervalMs: options.minApplyIntervalMs ?? liveApplyIntervalMs,
      pinned: () => [...this.selectedTraceIds, ...(options.openTraceIds?.() ?? [])],
    });
    this.subscription = traces.onDidChange(() => this.changed.fire(undefined));
    this.remoteSubscription = remote?.onDidChange((change) => this.remoteChanged(change));
  }

  /**
   * Listens to what a person does in the view: expanding a local trace holds new traces back
   * while it is open, any move restarts the quiet time, a selected trace is pinned.
   */
  attach(view: vscode.TreeView<TraceTreeNode>): vscode.Disposable {
    this.view = view;
    const expand = (node: TraceTreeNode, expanded: boolean): void => {
      const now = this.now();
      if (node.kind === 'trace' && this.live.groupKeyOfShown(node.summary.traceId) !== undefined) this.live.setExpanded(node.summary.traceId, expanded, now);
      else if (node.kind === 'group') this.live.setGroupExpanded(node.key, expanded, now);
      else if (node === localSource) this.live.setLocalExpanded(expanded, now);
      else this.live.interacted(now);
      this.afterLocalChange(false);
    };
    this.live.setVisible(view.visible, this.now());
    this.updateContext();
    return vscode.Disposable.from(
      view.onDidExpandElement((event) => expand(event.element, true)),
      view.onDidCollapseElement((event) => expand(event.element, false)),
      view.onDidChangeSelection((event) => {
        this.selectedTraceIds = event.selection.flatMap((node) => (node.kind === 'trace' ? [node.summary.traceId] : node.kind === 'span' ? [node.row.traceId] : []));
        this.live.interacted(this.now());
        this.afterLocalChange(false);
      }),
      view.onDidChangeVisibility((event) => this.afterLocalChange(this.live.setVisible(event.visible, this.now()))),
    );
  }

  /** A row command or a menu action of the view: the person is using it. */
  interacted(): void {
    this.live.interacted(this.now());
    this.afterLocalChange(false);
  }

  /** Pause (false) or Follow Live (true); following shows what waited at once. */
  setLive(live: boolean): void {
    this.afterLocalChange(this.live.setLive(live, this.now()));
  }

  isLive(): boolean {
    return this.live.isLive();
  }

  /** Show New Traces: lists the local traces that waited; returns how many there were. */
  showNewTraces(): number {
    const pending = this.live.pendingCount();
    this.afterLocalChange(this.live.showPending(this.now()));
    return pending;
  }

  pendingCount(): number {
    return this.live.pendingCount();
  }

  private readonly pendingRemote = new Set<string>();
  private pendingRemoteListing = false;
  private remoteTimer: NodeJS.Timeout | undefined;
  private lastRemoteRefresh = Number.NEGATIVE_INFINITY;

  /** Coalesces remote changes: the first goes out at once, later ones at most every remoteRefreshIntervalMs. */
  private remoteChanged(change: RemoteTracesChange): void {
    if (change.traceId === undefined) this.pendingRemoteListing = true;
    else this.pendingRemote.add(change.traceId);
    if (this.remoteTimer !== undefined) return;
    const wait = Math.max(0, this.lastRemoteRefresh + remoteRefreshIntervalMs - performance.now());
    this.remoteTimer = setTimeout(() => this.flushRemote(), wait);
  }

  private flushRemote(): void {
    this.remoteTimer = undefined;
    this.lastRemoteRefresh = performance.now();
    const listing = this.pendingRemoteListing;
    const traceIds = [...this.pendingRemote];
    this.pendingRemoteListing = false;
    this.pendingRemote.clear();
    // The node VS Code was handed: a new object with the same id would be ignored by a refresh.
    const nodes = traceIds.map((traceId) => this.traceNodes.get(traceId));
    if (listing || nodes.some((node) => node === undefined)) {
      this.changed.fire(undefined);
      return;
    }
    for (const node of nodes) this.changed.fire(node);
  }

  private readonly remoteSubscription: vscode.Disposable | undefined;
  /** One node object per remote source, file and group, so reveal() and getParent() agree on identity. */
  private readonly remoteNodes = new Map<string, TraceTreeNode>();
  private readonly fileNodes = new Map<string, TraceTreeNode>();
  private readonly groupNodes = new Map<string, TraceTreeNode>();

  private remoteNode(name: string): TraceTreeNode {
    return cached(this.remoteNodes, name, () => ({ kind: 'remote', name }));
  }

  private fileNode(path: string): TraceTreeNode {
    return cached(this.fileNodes, path, () => ({ kind: 'file', path }));
  }

  private groupNode(key: string): TraceTreeNode {
    return cached(this.groupNodes, key, () => ({ kind: 'group', key }));
  }

  /**
   * New local state; the adapter calls this at most a few times a second, however fast spans
   * arrive. A refresh of a row redraws everything below it (and cancels a tooltip about to show),
   * so only what changed is refreshed: the local subtree when rows were added or moved, else the
   * rows of shown traces whose figures changed. What waits is counted in the view's title.
   */
  setLocal(view: LocalSourceView): void {
    const wasShown = this.localShown();
    const sourceChanged = view.running !== this.local.running || view.endpoint !== this.local.endpoint;
    this.local = { running: view.running, endpoint: view.endpoint, spanCount: view.spanCount };
    const { applied, changed } = this.live.receive(view.traces, this.now());
    if (wasShown !== this.localShown()) this.afterLocalChange(true, true);
    else this.afterLocalChange(applied || sourceChanged);
    if (applied || sourceChanged) return;
    for (const traceId of changed) {
      // The node VS Code was handed: a new object with the same id would be ignored by a refresh.
      const node = this.traceNodes.get(traceId);
      if (node) this.changed.fire(node);
    }
  }

  /**
   * Refreshes the local subtree when `refresh`, keeps the title bar's keys, the count of waiting
   * traces and the badge in step, and arms the timer that shows waiting traces once the person
   * has been still for the quiet time.
   */
  private afterLocalChange(refresh: boolean, whole = false): void {
    if (refresh) this.changed.fire(whole ? undefined : localSource);
    this.updateContext();
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const at = this.live.nextCheckAt(this.now());
    if (at !== undefined) {
      this.holdTimer = setTimeout(
        () => {
          this.holdTimer = undefined;
          this.afterLocalChange(this.live.tick(this.now()));
        },
        Math.max(0, at - this.now()) + 50,
      );
    }
  }

  private updateContext(): void {
    const live = this.live.isLive();
    const pending = this.live.pendingCount();
    if (this.shownContext.live !== live) setContext(contextKeys.tracesLive, live);
    if (this.shownContext.pending !== pending > 0) setContext(contextKeys.tracesPending, pending > 0);
    this.shownContext = { live, pending: pending > 0 };
    if (!this.view) return;
    this.view.badge = pending > 0 ? { value: pending, tooltip: `${plural(pending, 'new trace')} not shown yet` } : undefined;
    // The view's title, not a row: changing a row's text would redraw the rows below it. The
    // title rather than the description: with one view in the container, code-server and VS Code
    // show the view's title in the side bar's header and drop its description.
    const waiting = pendingText(pending, live);
    this.view.title = waiting === undefined ? tracesViewTitle : `${tracesViewTitle} · ${waiting}`;
  }

  private localShown(): boolean {
    return this.local.running || this.live.all().length > 0;
  }

  traceNode(traceId: string): TraceTreeNode | undefined {
    let summary = this.traces.get(traceId);
    if (!summary && this.live.summary(traceId)) {
      // Opened or revealed while waiting to be shown: it takes its row now, the others stay put.
      const wasShown = this.live.shownSummary(traceId) !== undefined;
      this.live.reveal(traceId);
      summary = this.live.shownSummary(traceId);
      if (!wasShown) this.afterLocalChange(true);
    }
    summary ??= this.remote?.get(traceId);
    if (!summary) return undefined;
    let node = this.traceNodes.get(traceId);
    // A loading trace keeps one node across its builds (getTreeItem reads the latest summary), so the coalesced refreshes name a node VS Code knows.
    const sameLoading = node?.kind === 'trace' && node.summary.incomplete?.state === 'loading' && summary.incomplete?.state === 'loading';
    if (node?.kind !== 'trace' || (node.summary !== summary && !sameLoading)) {
      node = { kind: 'trace', summary };
      this.traceNodes.set(traceId, node);
    }
    return node;
  }

  /** The traces the view lists, per source, as a person reads them (the extension's API and tests use it). */
  listedTraces(): ListedTrace[] {
    const listed: ListedTrace[] = [];
    // Local traces waiting to be shown are listed too: they are loaded, and opening one shows it.
    for (const summary of this.live.all()) listed.push(listedTrace('local', summary));
    for (const summary of this.traces.all()) listed.push(listedTrace('files', summary));
    for (const source of this.remote?.sources() ?? []) {
      for (const summary of this.remote?.opened(source) ?? []) listed.push(listedTrace(source, summary));
      for (const hit of this.remote?.hits(source) ?? []) {
        listed.push({ source, traceId: hit.traceId, label: `${hit.rootService}: ${hit.rootName}`, spanCount: hit.spanCount ?? 0, errorCount: hit.errorCount ?? 0, searchResult: true });
      }
    }
    return listed;
  }

  /** Loaded traces (not search results) with where they are: `files`, `local` or a remote source's name. */
  loadedTraces(): LoadedTrace[] {
    const loaded: LoadedTrace[] = [];
    const seen = new Set<string>();
    const add = (source: string, summary: TraceSummary): void => {
      if (seen.has(summary.traceId)) return;
      seen.add(summary.traceId);
      loaded.push({ source, summary });
    };
    for (const summary of this.traces.all()) add('files', summary);
    for (const summary of this.live.all()) add('local', summary);
    for (const source of this.remote?.sources() ?? []) for (const summary of this.remote?.opened(source) ?? []) add(source, summary);
    return loaded;
  }

  showMore(node: TraceTreeNode): void {
    if (node.kind !== 'more') return;
    this.shown.set(node.parentKey, node.shown + childPageSize);
    this.changed.fire(node.parent);
  }

  getTreeItem(node: TraceTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'source':
        return localItem(this.local, this.live.all().length);
      case 'file':
        return fileItem(node.path, this.traces.files().find((file) => file.path === node.path)?.traces.length ?? 0);
      case 'group': {
        const group = this.live.group(node.key);
        if (!group) return new vscode.TreeItem('(gone)');
        const text = groupRowText(group, this.summaryOf(group.slowestTraceId), this.summaryOf(group.latestTraceId));
        const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.Collapsed);
        // Readable parts, not the key's separator character, in an id VS Code keeps and logs.
        item.id = `group:${JSON.stringify([group.service, group.operation])}`;
        item.description = text.description;
        item.iconPath = group.errorTraces > 0 ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('symbol-event');
        item.contextValue = 'spanlens.traceGroup';
        // The tooltip is resolved on hover (resolveTreeItem), which also tells the tree a person is pointing at it.
        return item;
      }
      case 'hint': {
        const item = new vscode.TreeItem(node.label);
        item.id = `hint:${node.label}`;
        item.description = node.detail;
        item.iconPath = new vscode.ThemeIcon('info');
        if (node.command) item.command = { command: node.command, title: node.label };
        return item;
      }
      case 'trace': {
        // A refreshed remote row keeps its node object; its summary is the latest build's.
        const summary = this.currentSummary(node.summary);
        const groupKey = this.live.groupKeyOfShown(summary.traceId);
        const grouped = groupKey !== undefined && this.traces.get(summary.traceId) === undefined;
        const group = grouped ? this.live.group(groupKey) : undefined;
        const marks: TraceRowMarks = { latest: group?.latestTraceId === summary.traceId && group.traceIds.length > 1, slowest: group?.slowestTraceId === summary.traceId && group.traceIds.length > 1 };
        const item = traceItem(summary, grouped, marks);
        // Clicking a trace opens its waterfall; the twistie still expands its spans here.
        // While loading it opens by itself once whole (Open Trace), so a click shows nothing half-made.
        if (summary.incomplete?.state !== 'loading') item.command = commandInvocation('spanlens.internal.showTraceViewFromTree', 'Open Trace View');
        return item;
      }
      case 'span': {
        const item = spanItem(node.row, node.key);
        // Clicking a span goes to its code; the node names the span.
        item.command = commandInvocation('spanlens.internal.goToSpanCodeFromTree', 'Go to Code');
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(`Show ${Math.min(childPageSize, node.total - node.shown)} more (${node.total - node.shown} not shown)`);
        item.id = `more:${node.parentKey}/${node.shown}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = commandInvocation('spanlens.internal.showMoreChildren', 'Show more');
        return item;
      }
      case 'remote':
        return remoteItem(node.name, this.remote?.opened(node.name).length ?? 0, this.remote?.hits(node.name).length ?? 0);
      case 'hit':
        return hitItem(node.source, node.hit);
    }
  }

  /**
   * Tooltips of trace and group rows, built when a person hovers one. VS Code asks for them only
   * then, so the hover is also the one sign the extension gets that the pointer rests on a row:
   * new traces wait while it does.
   */
  resolveTreeItem(item: vscode.TreeItem, node: TraceTreeNode): vscode.TreeItem {
    if (node.kind === 'trace') {
      this.interacted();
      item.tooltip = traceTooltip(this.currentSummary(node.summary), this.sourceLabel(node.summary));
    } else if (node.kind === 'group') {
      this.interacted();
      const group = this.live.group(node.key);
      if (group) item.tooltip = textTooltip(groupRowText(group, this.summaryOf(group.slowestTraceId), this.summaryOf(group.latestTraceId)).tooltipLines);
    }
    return item;
  }

  async getChildren(node?: TraceTreeNode): Promise<TraceTreeNode[]> {
    if (!node) {
      const roots: TraceTreeNode[] = [];
      if (this.localShown()) roots.push(localSource);
      for (const file of this.traces.files()) roots.push(this.fileNode(file.path));
      for (const name of this.remote?.sources() ?? []) roots.push(this.remoteNode(name));
      return roots;
    }
    switch (node.kind) {
      case 'source': {
        const groups = this.live.groups();
        if (groups.length > 0) return groups.map((group) => this.groupNode(group.key));
        const pending = this.live.pendingCount();
        // Static words: this row is redrawn only with the list, so a count in it would go stale.
        if (pending > 0) return [{ kind: 'hint', label: 'New traces are waiting', detail: 'click to show them', parent: node, command: 'spanlens.showNewTraces' }];
        const endpoint = this.local.endpoint ?? 'http://127.0.0.1:4318';
        return [{ kind: 'hint', label: 'Waiting for traces', detail: `export OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`, parent: node }];
      }
      case 'file':
        return (this.traces.files().find((file) => file.path === node.path)?.traces ?? []).flatMap((summary) => this.nodesOf(summary.traceId));
      case 'group':
        return (this.live.group(node.key)?.traceIds ?? []).flatMap((traceId) => this.nodesOf(traceId));
      case 'hint':
        return [];
      case 'trace':
        return await this.page(node.summary.traceId, -1, node);
      case 'span':
        return await this.page(node.row.traceId, node.row.index, node);
      case 'more':
        return [];
      case 'remote': {
        const opened = (this.remote?.opened(node.name) ?? []).map((summary) => this.traceNode(summary.traceId) ?? { kind: 'trace' as const, summary });
        const hits = (this.remote?.hits(node.name) ?? []).map((hit): TraceTreeNode => ({ kind: 'hit', source: node.name, hit, parent: node }));
        return [...opened, ...hits];
      }
      case 'hit':
        return [];
    }
  }

  getParent(node: TraceTreeNode): TraceTreeNode | undefined {
    switch (node.kind) {
      case 'source':
      case 'file':
      case 'remote':
        return undefined;
      case 'group':
        return localSource;
      case 'trace': {
        const traceId = node.summary.traceId;
        if (this.traces.get(traceId)) return this.fileNode(this.traces.get(traceId)?.origin ?? node.summary.origin);
        const groupKey = this.live.groupKeyOfShown(traceId);
        if (groupKey !== undefined) return this.groupNode(groupKey);
        if (this.remote?.get(traceId)?.origin === node.summary.origin && this.remote.has(node.summary.origin)) return this.remoteNode(node.summary.origin);
        return undefined;
      }
      case 'span':
      case 'more':
      case 'hint':
      case 'hit':
        return node.parent;
    }
  }

  dispose(): void {
    clearTimeout(this.remoteTimer);
    clearTimeout(this.holdTimer);
    this.remoteSubscription?.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }

  private nodesOf(traceId: string): TraceTreeNode[] {
    const node = this.traceNode(traceId);
    return node ? [node] : [];
  }

  private summaryOf(traceId: string | undefined): TraceSummary | undefined {
    return traceId === undefined ? undefined : this.live.shownSummary(traceId);
  }

  /** The latest summary of a row: a loading remote trace's newest build, a local trace's newest figures. */
  private currentSummary(summary: TraceSummary): TraceSummary {
    if (summary.incomplete !== undefined) return this.remote?.get(summary.traceId) ?? summary;
    return this.traces.get(summary.traceId) ?? this.live.shownSummary(summary.traceId) ?? summary;
  }

  private sourceLabel(summary: TraceSummary): string {
    if (this.traces.get(summary.traceId)) return summary.origin;
    if (this.live.summary(summary.traceId)) return 'the local receiver';
    return `"${summary.origin}" (spanlens.sources)`;
  }

  private async page(traceId: string, parentIndex: number, parent: TraceTreeNode): Promise<TraceTreeNode[]> {
    const parentKey = parent.kind === 'span' ? parent.key : `${traceId}/root`;
    const limit = this.shown.get(parentKey) ?? childPageSize;
    const page = await this.queries.children(traceId, parentIndex, 0, limit);
    const keys = new Set<string>();
    const nodes: TraceTreeNode[] = page.rows.map((row) => ({ kind: 'span', row, key: spanKey(traceId, parent, row, keys), parent }));
    if (page.total > page.rows.length) nodes.push({ kind: 'more', traceId, parentIndex, parentKey, shown: page.rows.length, total: page.total, parent });
    return nodes;
  }
}

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/**
 * A span row's tree key: its parent's span id and its own, not row indices. A loading remote
 * trace is rebuilt as spans arrive and its indices shift; keyed by ids, a row a person expanded
 * stays expanded and selected across builds. An orphan whose parent arrives moves, and its key
 * with it. Repeated span ids among siblings (broken data) get a suffix, as VS Code refuses two
 * rows with one id.
 */
function spanKey(traceId: string, parent: TraceTreeNode, row: SpanRow, siblings: Set<string>): string {
  const base = `${traceId}/${parent.kind === 'span' ? parent.row.spanId : 'root'}/${row.spanId}`;
  let key = base;
  for (let n = 2; siblings.has(key); n++) key = `${base}#${n}`;
  siblings.add(key);
  return key;
}

export interface LoadedTrace {
  readonly source: string;
  readonly summary: TraceSummary;
}

export interface ListedTrace {
  /** 'local', 'files', or the name of a `spanlens.sources` backend. */
  readonly source: string;
  readonly traceId: string;
  readonly label: string;
  readonly spanCount: number;
  readonly errorCount: number;
  /** A remote search result listed but not opened (its counts are the backend's, 0 when unknown). */
  readonly searchResult?: true;
  /** A remote trace not whole: `loading` while it downloads, `failed` when the download broke off. */
  readonly incomplete?: 'loading' | 'failed';
}

function listedTrace(source: string, summary: TraceSummary): ListedTrace {
  const listed: ListedTrace = { source, traceId: summary.traceId, label: endpointLabel(summary.rootService, summary.rootName), spanCount: summary.spanCount, errorCount: summary.errorCount };
  return summary.incomplete === undefined ? listed : { ...listed, incomplete: summary.incomplete.state };
}

/** Span data is untrusted: every tooltip line goes in with appendText, which escapes Markdown; no HTML, no command links. */
function textTooltip(lines: readonly string[]): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString();
  tooltip.isTrusted = false;
  tooltip.supportHtml = false;
  lines.forEach((line, index) => tooltip.appendText(index === 0 ? line : `\n\n${line}`));
  return tooltip;
}

function traceTooltip(summary: TraceSummary, source: string): vscode.MarkdownString {
  const lines: string[] = [];
  if (summary.incomplete?.state === 'loading')
    lines.push('Still downloading: the spans below are those decoded so far; a span whose parent has not arrived yet is listed at the top ("parent missing") until it does.');
  if (summary.incomplete?.state === 'failed')
    lines.push(`Incomplete: the download broke off, so only the spans that arrived are shown. ${summary.incomplete.reason}`, 'Open the trace again to retry.');
  return textTooltip([...lines, ...traceTooltipLines(summary, source)]);
}

function fileItem(path: string, traceCount: number): vscode.TreeItem {
  const item = new vscode.TreeItem(basename(path), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `file:${path}`;
  item.resourceUri = vscode.Uri.file(path);
  item.iconPath = vscode.ThemeIcon.File;
  item.description = `${plural(traceCount, 'trace')} · ${dirname(path)}`;
  item.tooltip = textTooltip([path, `${plural(traceCount, 'trace')} loaded from this file`]);
  item.contextValue = 'spanlens.source.file';
  return item;
}

/**
 * The local source's row. No span count: it changes with every batch, and redrawing this row
 * redraws every row below it (the status bar counts spans).
 */
function localItem(local: Omit<LocalSourceView, 'traces'>, listed: number): vscode.TreeItem {
  const item = new vscode.TreeItem('Local receiver', vscode.TreeItemCollapsibleState.Expanded);
  item.id = 'source:local';
  item.iconPath = new vscode.ThemeIcon(local.running ? 'radio-tower' : 'debug-disconnect');
  item.description = local.running && local.endpoint ? local.endpoint : 'stopped';
  item.tooltip = local.running
    ? `SpanLens's built-in OTLP receiver listens on ${local.endpoint ?? ''}. Its ${listed} newest traces, grouped by endpoint. New traces wait, counted in the view's title, while you use the list or while paused: Show New Traces lists them.`
    : 'The built-in OTLP receiver is stopped; these traces were kept from earlier.';
  item.contextValue = local.running ? 'spanlens.source.local.running' : 'spanlens.source.local.stopped';
  return item;
}

function remoteItem(name: string, opened: number, found: number): vscode.TreeItem {
  const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `remote:${name}`;
  item.iconPath = new vscode.ThemeIcon('cloud');
  const parts = [];
  if (opened > 0) parts.push(`${opened} opened`);
  if (found > 0) parts.push(`${found} found`);
  item.description = parts.join(' · ');
  item.tooltip = `Trace source "${name}" from spanlens.sources: traces opened from it, then the last search's results (click one to open it).`;
  item.contextValue = 'spanlens.source.remote';
  return item;
}

function hitItem(source: string, hit: SearchHit): vscode.TreeItem {
  const item = new vscode.TreeItem(`${hit.rootService}: ${hit.rootName}`, vscode.TreeItemCollapsibleState.None);
  item.id = `hit:${source}/${hit.traceId}`;
  const parts = [formatDuration(hit.durationMs * 1e6)];
  if (hit.spanCount !== undefined) parts.push(plural(hit.spanCount, 'span'));
  if (hit.errorCount !== undefined && hit.errorCount > 0) parts.push(plural(hit.errorCount, 'error'));
  parts.push(new Date(hit.startTime).toLocaleString());
  item.description = parts.join(' · ');
  item.iconPath = hit.errorCount !== undefined && hit.errorCount > 0 ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('cloud-download');
  item.contextValue = 'spanlens.searchResult';
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText(`Trace ${hit.traceId} in "${source}" (not opened yet; click to open)`);
  item.tooltip = tooltip;
  item.command = commandInvocation('spanlens.openTrace', 'Open Trace', { traceId: hit.traceId, source });
  return item;
}

function traceItem(summary: TraceSummary, grouped: boolean, marks: TraceRowMarks): vscode.TreeItem {
  const text = traceRowText(summary, grouped, marks);
  const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `trace:${summary.traceId}`;
  item.description = text.description;
  item.accessibilityInformation = { label: text.accessibleLabel };
  item.iconPath = summary.errorCount > 0 ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon(marks.slowest ? 'flame' : 'pulse');
  item.contextValue = 'spanlens.trace';
  // Counts of a trace not whole are "so far": no total is claimed that the backend has not sent.
  const spans = summary.spanCount.toLocaleString('en-US');
  if (summary.incomplete?.state === 'loading') {
    item.description = `loading… ${spans} span${summary.spanCount === 1 ? '' : 's'} so far`;
    item.iconPath = new vscode.ThemeIcon('loading~spin');
    item.contextValue = 'spanlens.trace.loading';
  } else if (summary.incomplete?.state === 'failed') {
    item.description = `incomplete: download failed after ${spans} span${summary.spanCount === 1 ? '' : 's'}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.contextValue = 'spanlens.trace.incomplete';
  }
  return item;
}

const kindIcons: Readonly<Record<string, string>> = {
  server: 'arrow-circle-right',
  client: 'arrow-circle-left',
  producer: 'arrow-up',
  consumer: 'arrow-down',
  internal: 'circle-small-filled',
  unspecified: 'circle-small-filled',
};

function spanItem(row: SpanRow, key: string): vscode.TreeItem {
  const item = new vscode.TreeItem(row.name || '(unnamed span)', row.childCount > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `span:${key}`;
  item.description = `${row.service} · ${formatDuration(row.durationNs)}${row.orphan ? ' · parent missing' : ''}`;
  item.iconPath = row.error ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon(kindIcons[row.kind] ?? 'circle-small-filled');
  item.contextValue = 'spanlens.span';
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText(`${row.name}\n\n${row.kind} span of ${row.service}, ${formatDuration(row.durationNs)}, starts at +${formatDuration(row.offsetNs)}\n\n`);
  if (row.error) tooltip.appendText(`Error${row.statusMessage ? `: ${row.statusMessage}` : ''}\n\n`);
  if (row.orphan) tooltip.appendText('Its parent span is not in this trace.\n\n');
  for (const [key, value] of row.keyAttributes) tooltip.appendText(`${key} = ${value}\n\n`);
  tooltip.appendText(`Span ${row.spanId}`);
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: `${row.name}, ${row.service}, ${formatDuration(row.durationNs)}${row.error ? ', error' : ''}` };
  return item;
}
