import * as vscode from 'vscode';
import type { SearchHit, TraceSummary } from '../core/traceService/traceServiceProtocol';

interface SourceEntry {
  /** Loaded in the trace service, by id, oldest first. */
  readonly opened: Map<string, TraceSummary>;
  /** The last search's results, newest first. */
  hits: readonly SearchHit[];
}

/** What the tree lists under each remote source: traces opened from it and its last search results. */
export class RemoteTraces implements vscode.Disposable {
  private readonly bySource = new Map<string, SourceEntry>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  addOpened(source: string, summary: TraceSummary): void {
    const entry = this.entry(source);
    entry.opened.delete(summary.traceId);
    entry.opened.set(summary.traceId, summary);
    this.changed.fire();
  }

  setResults(source: string, hits: readonly SearchHit[]): void {
    this.entry(source).hits = hits;
    this.changed.fire();
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
    this.changed.dispose();
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
