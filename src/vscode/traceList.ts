import * as vscode from 'vscode';
import type { TraceSummary } from '../core/traceService/traceServiceProtocol';

/** One opened trace file and the traces loaded from it, in the file's order. */
export interface OpenedTraceFile {
  readonly path: string;
  readonly traces: readonly TraceSummary[];
}

/** The traces loaded from files, by file, as the tree shows them. */
export class TraceList implements vscode.Disposable {
  private readonly summaries = new Map<string, TraceSummary>();
  /** Paths in the order first opened, so opening another file never moves the rows of the others. */
  private readonly paths: string[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  add(traces: readonly TraceSummary[]): void {
    for (const trace of traces) {
      this.summaries.delete(trace.traceId);
      this.summaries.set(trace.traceId, trace);
      if (!this.paths.includes(trace.origin)) this.paths.push(trace.origin);
    }
    if (traces.length > 0) this.changed.fire();
  }

  get(traceId: string): TraceSummary | undefined {
    return this.summaries.get(traceId);
  }

  /** Newest loaded first. */
  all(): TraceSummary[] {
    return [...this.summaries.values()].reverse();
  }

  /** Files with at least one trace; a trace found in two files is listed under the last opened. */
  files(): OpenedTraceFile[] {
    const byPath = new Map<string, TraceSummary[]>(this.paths.map((path) => [path, []]));
    for (const summary of this.summaries.values()) byPath.get(summary.origin)?.push(summary);
    return [...byPath].filter(([, traces]) => traces.length > 0).map(([path, traces]) => ({ path, traces }));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
