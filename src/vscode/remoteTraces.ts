import * as vscode from 'vscode';
import type { RemoteTraceEvent, SearchHit, TraceSummary } from '../core/traceService/traceServiceProtocol';

interface SourceEntry {
  /** Loaded in the trace service, by id, oldest first; a partial one (still loading, or cut off) too. */
  readonly opened: Map<string, TraceSummary>;
  /** The last search's results, newest first. */
  hits: readonly SearchHit[];
}

/**
 * What changed. `traceId`: only that listed trace's summary and rows (a newer partial build); the
 * tree refreshes that one row and its children. Otherwise the listing itself changed.
 */
export interface RemoteTracesChange {
  readonly traceId?: string;
}

/** The worker's stream of partial remote traces (TraceServiceClient in the extension). */
export interface RemoteTraceEvents {
  onRemoteTraceEvent(listener: (event: RemoteTraceEvent) => void): { dispose(): void };
}

/** What the tree lists under each remote source: traces opened from it and its last search results. */
export class RemoteTraces implements vscode.Disposable {
  private readonly bySource = new Map<string, SourceEntry>();
  private readonly changed = new vscode.EventEmitter<RemoteTracesChange>();
  readonly onDidChange = this.changed.event;
  private readonly firstPartial = new vscode.EventEmitter<{ readonly source: string; readonly traceId: string }>();
  /** A trace started to show while it downloads: Open Trace reveals it before it is whole. */
  readonly onDidShowPartial = this.firstPartial.event;
  private readonly subscription: { dispose(): void } | undefined;

  constructor(events?: RemoteTraceEvents) {
    this.subscription = events?.onRemoteTraceEvent((event) => this.onEvent(event));
  }

  addOpened(source: string, summary: TraceSummary): void {
    const entry = this.entry(source);
    entry.opened.delete(summary.traceId);
    entry.opened.set(summary.traceId, summary);
    this.changed.fire({});
  }

  setResults(source: string, hits: readonly SearchHit[]): void {
    this.entry(source).hits = hits;
    this.changed.fire({});
  }

  /**
   * After an open failed: a trace still marked loading is taken off the list. The worker says
   * `failed` or `dropped` before it answers; a trace left loading means it never could (it
   * exited), and its spans are gone with it.
   */
  forgetLoading(source: string, traceId: string): void {
    const entry = this.bySource.get(source);
    if (entry?.opened.get(traceId)?.incomplete?.state !== 'loading') return;
    entry.opened.delete(traceId);
    this.changed.fire({});
  }

  /** Sources with something to show, in the order they first got something. */
  sources(): string[] {
    return [...this.bySource].filter(([, entry]) => entry.opened.size > 0 || entry.hits.length > 0).map(([name]) => name);
  }

  has(source: string): boolean {
    return this.bySource.has(source);
  }

  /** Newest opened first. */
  opened(source: string): TraceSummary[] {
    return [...(this.bySource.get(source)?.opened.values() ?? [])].reverse();
  }

  /** Search results not opened yet (an opened trace is listed once, as a trace). */
  hits(source: string): SearchHit[] {
    const entry = this.bySource.get(source);
    if (!entry) return [];
    return entry.hits.filter((hit) => !entry.opened.has(hit.traceId));
  }

  get(traceId: string): TraceSummary | undefined {
    for (const entry of this.bySource.values()) {
      const summary = entry.opened.get(traceId);
      if (summary) return summary;
    }
    return undefined;
  }

  dispose(): void {
    this.subscription?.dispose();
    this.firstPartial.dispose();
    this.changed.dispose();
  }

  private onEvent(event: RemoteTraceEvent): void {
    switch (event.type) {
      case 'partial': {
        const entry = this.entry(event.source);
        const before = entry.opened.get(event.summary.traceId);
        // A newer build of a trace already listed keeps its place: rows must not jump while a person reads them.
        entry.opened.set(event.summary.traceId, event.summary);
        const sameListing = before !== undefined && (before.incomplete === undefined) === (event.summary.incomplete === undefined);
        this.changed.fire(sameListing ? { traceId: event.summary.traceId } : {});
        if (before === undefined) this.firstPartial.fire({ source: event.source, traceId: event.summary.traceId });
        return;
      }
      case 'dropped': {
        const entry = this.bySource.get(event.source);
        if (entry?.opened.get(event.traceId)?.incomplete === undefined) return;
        entry.opened.delete(event.traceId);
        this.changed.fire({});
        return;
      }
    }
  }

  private entry(source: string): SourceEntry {
    let entry = this.bySource.get(source);
    if (!entry) {
      entry = { opened: new Map(), hits: [] };
      this.bySource.set(source, entry);
    }
    return entry;
  }
}
