import * as vscode from 'vscode';
import type { SpanRow, TraceQueries, TraceSummary } from '../core/traceService/traceServiceProtocol';
import type { SearchHit } from '../core/traceService/traceServiceProtocol';
import type { RemoteTraces, RemoteTracesChange } from './remoteTraces';
import { durationNs, formatDuration } from '../core/model/units';
import type { TraceList } from './traceList';

export type SourceId = 'local' | 'files';

export type TraceTreeNode =
  | { readonly kind: 'source'; readonly source: SourceId }
  | { readonly kind: 'hint'; readonly label: string; readonly detail: string; readonly parent: TraceTreeNode }
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
export const showMoreCommandId = 'spanlens.internal.showMoreChildren';
/** A click on a span row: Go to Code, quiet when the span has no code location. */
/*
 * Row commands carry no arguments: their handlers read the tree's selection, which a click sets
 * first. VS Code keeps a row command's arguments only until the row is rendered again, and the
 * local source re-renders several times a second while spans stream in, so a click on a row
 * rendered a moment earlier would otherwise fail with "Actual command not found".
 */
export const goToSpanFromTreeCommandId = 'spanlens.internal.goToSpanCodeFromTree';
/** A click on a trace row: the trace view panel. */
export const showTraceViewFromTreeCommandId = 'spanlens.internal.showTraceViewFromTree';

const filesSource: TraceTreeNode = { kind: 'source', source: 'files' };
const localSource: TraceTreeNode = { kind: 'source', source: 'local' };

/** What the tree shows of the built-in receiver; kept current by the adapter from service events. */
export interface LocalSourceView {
  readonly running: boolean;
  readonly endpoint: string | undefined;
  readonly spanCount: number;
  /** Newest first. */
  readonly traces: readonly TraceSummary[];
}

/**
 * The `spanlens.traces` view: sources → traces → spans. Span rows come from the trace service a
 * page at a time, so a huge trace costs the extension host only the rows on screen. While no
 * trace is loaded the view is empty and VS Code shows its welcome content.
 */
export class TracesTreeProvider implements vscode.TreeDataProvider<TraceTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TraceTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly traceNodes = new Map<string, TraceTreeNode>();
  /** How many children each expanded parent shows, keyed by the parent's tree key. */
  private readonly shown = new Map<string, number>();
  private readonly subscription: vscode.Disposable;
  private local: LocalSourceView = { running: false, endpoint: undefined, spanCount: 0, traces: [] };
  private localById = new Map<string, TraceSummary>();

  constructor(
    private readonly queries: TraceQueries,
    private readonly traces: TraceList,
    private readonly remote?: RemoteTraces,
  ) {
    this.subscription = traces.onDidChange(() => this.changed.fire(undefined));
    this.remoteSubscription = remote?.onDidChange((change) => this.remoteChanged(change));
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
  /** One node object per remote source, so reveal() and getParent() agree on identity. */
  private readonly remoteNodes = new Map<string, TraceTreeNode>();

  private remoteNode(name: string): TraceTreeNode {
    let node = this.remoteNodes.get(name);
    if (!node) {
      node = { kind: 'remote', name };
      this.remoteNodes.set(name, node);
    }
    return node;
  }

  /** New local state; the adapter calls this at most a few times a second, however fast spans arrive. */
  setLocal(view: LocalSourceView): void {
    const wasShown = this.localShown();
    this.local = view;
    this.localById = new Map(view.traces.map((summary) => [summary.traceId, summary]));
    // Only the local subtree changes while spans stream in; the rest of the view keeps its rows.
    this.changed.fire(wasShown && this.localShown() ? localSource : undefined);
  }

  private localShown(): boolean {
    return this.local.running || this.local.traces.length > 0;
  }

  traceNode(traceId: string): TraceTreeNode | undefined {
    const summary = this.traces.get(traceId) ?? this.localById.get(traceId) ?? this.remote?.get(traceId);
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
    for (const summary of this.local.traces) listed.push(listedTrace('local', summary));
    for (const summary of this.traces.all()) listed.push(listedTrace('files', summary));
    for (const source of this.remote?.sources() ?? []) {
      for (const summary of this.remote?.opened(source) ?? []) listed.push(listedTrace(source, summary));
      for (const hit of this.remote?.hits(source) ?? []) {
        listed.push({ source, traceId: hit.traceId, label: `${hit.rootService}: ${hit.rootName}`, spanCount: hit.spanCount ?? 0, errorCount: hit.errorCount ?? 0, searchResult: true });
      }
    }
    return listed;
  }

  showMore(node: TraceTreeNode): void {
    if (node.kind !== 'more') return;
    this.shown.set(node.parentKey, node.shown + childPageSize);
    this.changed.fire(node.parent);
  }

  getTreeItem(node: TraceTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'source':
        return node.source === 'files' ? filesItem() : localItem(this.local);
      case 'hint': {
        const item = new vscode.TreeItem(node.label);
        item.id = `hint:${node.label}`;
        item.description = node.detail;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
      case 'trace': {
        // A refreshed remote row keeps its node object; its summary is the latest build's.
        const summary = node.summary.incomplete !== undefined ? (this.remote?.get(node.summary.traceId) ?? node.summary) : node.summary;
        const item = traceItem(summary);
        // Clicking a trace opens its waterfall (issue 8); the twistie still expands its spans here.
        // While loading it opens by itself once whole (Open Trace), so a click shows nothing half-made.
        if (summary.incomplete?.state !== 'loading') item.command = { command: showTraceViewFromTreeCommandId, title: 'Open Trace View' };
        return item;
      }
      case 'span': {
        const item = spanItem(node.row, node.key);
        // Clicking a span goes to its code (issue 6); the node names the span.
        item.command = { command: goToSpanFromTreeCommandId, title: 'Go to Code' };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(`Show ${Math.min(childPageSize, node.total - node.shown)} more (${node.total - node.shown} not shown)`);
        item.id = `more:${node.parentKey}/${node.shown}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: showMoreCommandId, title: 'Show more' };
        return item;
      }
      case 'remote':
        return remoteItem(node.name, this.remote?.opened(node.name).length ?? 0, this.remote?.hits(node.name).length ?? 0);
      case 'hit':
        return hitItem(node.source, node.hit);
    }
  }

  async getChildren(node?: TraceTreeNode): Promise<TraceTreeNode[]> {
    if (!node) {
      const roots: TraceTreeNode[] = [];
      if (this.localShown()) roots.push(localSource);
      if (this.traces.all().length > 0) roots.push(filesSource);
      for (const name of this.remote?.sources() ?? []) roots.push(this.remoteNode(name));
      return roots;
    }
    switch (node.kind) {
      case 'source': {
        const summaries = node.source === 'files' ? this.traces.all() : this.local.traces;
        if (node.source === 'local' && summaries.length === 0) {
          const endpoint = this.local.endpoint ?? 'http://127.0.0.1:4318';
          return [{ kind: 'hint', label: 'Waiting for traces', detail: `export OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`, parent: node }];
        }
        return summaries.map((summary) => this.traceNode(summary.traceId) ?? { kind: 'trace', summary });
      }
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
      case 'remote':
        return undefined;
      case 'trace':
        if (this.remote?.get(node.summary.traceId)?.origin === node.summary.origin && this.remote.has(node.summary.origin)) return this.remoteNode(node.summary.origin);
        return node.summary.origin === 'local' ? localSource : filesSource;
      case 'span':
      case 'more':
      case 'hint':
      case 'hit':
        return node.parent;
    }
  }

  dispose(): void {
    clearTimeout(this.remoteTimer);
    this.remoteSubscription?.dispose();
    this.subscription.dispose();
    this.changed.dispose();
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
  const listed: ListedTrace = { source, traceId: summary.traceId, label: traceLabel(summary), spanCount: summary.spanCount, errorCount: summary.errorCount };
  return summary.incomplete === undefined ? listed : { ...listed, incomplete: summary.incomplete.state };
}

function traceLabel(summary: TraceSummary): string {
  // No service: a partial trace whose root has not arrived says so in its name alone.
  return summary.rootService === '' ? summary.rootName : `${summary.rootService}: ${summary.rootName}`;
}

function filesItem(): vscode.TreeItem {
  const item = new vscode.TreeItem('Files', vscode.TreeItemCollapsibleState.Expanded);
  item.id = 'source:files';
  item.iconPath = new vscode.ThemeIcon('files');
  item.contextValue = 'spanlens.source.files';
  return item;
}

function localItem(local: LocalSourceView): vscode.TreeItem {
  const item = new vscode.TreeItem('Local receiver', vscode.TreeItemCollapsibleState.Expanded);
  item.id = 'source:local';
  item.iconPath = new vscode.ThemeIcon(local.running ? 'radio-tower' : 'debug-disconnect');
  const count = `${local.spanCount.toLocaleString('en-US')} span${local.spanCount === 1 ? '' : 's'}`;
  item.description = local.running && local.endpoint ? `${local.endpoint} · ${count}` : `stopped · ${count}`;
  item.tooltip = local.running
    ? `SpanLens's built-in OTLP receiver listens on ${local.endpoint ?? ''}. Newest traces first; ${local.traces.length} listed.`
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
  const parts = [formatDuration(durationNs(Math.round(hit.durationMs * 1e6)))];
  if (hit.spanCount !== undefined) parts.push(plural(hit.spanCount, 'span'));
  if (hit.errorCount !== undefined && hit.errorCount > 0) parts.push(plural(hit.errorCount, 'error'));
  parts.push(new Date(hit.startTime).toLocaleString());
  item.description = parts.join(' · ');
  item.iconPath = hit.errorCount !== undefined && hit.errorCount > 0 ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('cloud-download');
  item.contextValue = 'spanlens.searchResult';
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText(`Trace ${hit.traceId} in "${source}" (not opened yet; click to open)`);
  item.tooltip = tooltip;
  item.command = { command: 'spanlens.openTrace', title: 'Open Trace', arguments: [{ traceId: hit.traceId, source }] };
  return item;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function traceItem(summary: TraceSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(traceLabel(summary), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `trace:${summary.traceId}`;
  const spans = summary.spanCount.toLocaleString('en-US');
  const parts = [formatDuration(durationNs(summary.durationNs)), plural(summary.spanCount, 'span')];
  if (summary.errorCount > 0) parts.push(plural(summary.errorCount, 'error'));
  item.description = parts.join(' · ');
  item.iconPath = summary.errorCount > 0 ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('pulse');
  item.contextValue = 'spanlens.trace';
  // Counts of a trace not whole are "so far": no total is claimed that the backend has not sent.
  if (summary.incomplete?.state === 'loading') {
    item.description = `loading… ${spans} span${summary.spanCount === 1 ? '' : 's'} so far`;
    item.iconPath = new vscode.ThemeIcon('loading~spin');
    item.contextValue = 'spanlens.trace.loading';
  } else if (summary.incomplete?.state === 'failed') {
    item.description = `incomplete: download failed after ${spans} span${summary.spanCount === 1 ? '' : 's'}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  }
  // Span data is untrusted: tooltips are built with appendText, which escapes Markdown.
  const tooltip = new vscode.MarkdownString();
  if (summary.incomplete?.state === 'loading') tooltip.appendText(`Still downloading: the spans below are those decoded so far; a span whose parent has not arrived yet is listed at the top ("parent missing") until it does.\n\n`);
  if (summary.incomplete?.state === 'failed') tooltip.appendText(`Incomplete: the download broke off, so only the spans that arrived are shown. ${summary.incomplete.reason}\n\nOpen the trace again to retry.\n\n`);
  tooltip.appendText(`Trace ${summary.traceId}\n\n`);
  tooltip.appendText(`Services: ${summary.services.join(', ')}\n\n`);
  tooltip.appendText(`Started: ${new Date(Number(BigInt(summary.startNs) / 1_000_000n)).toISOString()}\n\n`);
  tooltip.appendText(`From: ${summary.origin}`);
  for (const warning of summary.warnings.slice(0, 5)) tooltip.appendText(`\n\n⚠ ${warning}`);
  item.tooltip = tooltip;
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
  item.description = `${row.service} · ${formatDuration(durationNs(row.durationNs))}${row.orphan ? ' · parent missing' : ''}`;
  item.iconPath = row.error ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon(kindIcons[row.kind] ?? 'circle-small-filled');
  item.contextValue = 'spanlens.span';
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText(`${row.name}\n\n${row.kind} span of ${row.service}, ${formatDuration(durationNs(row.durationNs))}, starts at +${formatDuration(durationNs(row.offsetNs))}\n\n`);
  if (row.error) tooltip.appendText(`Error${row.statusMessage ? `: ${row.statusMessage}` : ''}\n\n`);
  if (row.orphan) tooltip.appendText('Its parent span is not in this trace.\n\n');
  for (const [key, value] of row.keyAttributes) tooltip.appendText(`${key} = ${value}\n\n`);
  tooltip.appendText(`Span ${row.spanId}`);
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: `${row.name}, ${row.service}, ${formatDuration(durationNs(row.durationNs))}${row.error ? ', error' : ''}` };
  return item;
}
