import * as vscode from 'vscode';
import type { TraceSummary } from '../core/traceService/traceServiceProtocol';

/** The traces the editor knows about, newest first, as the tree shows them. */
export class TraceList implements vscode.Disposable {
  private readonly summaries = new Map<string, TraceSummary>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  add(traces: readonly TraceSummary[]): void {
    for (const trace of traces) {
      this.summaries.delete(trace.traceId);
      this.summaries.set(trace.traceId, trace);
    }
    if (traces.length > 0) this.changed.fire();
  }

  get(traceId: string): TraceSummary | undefined {
    return this.summaries.get(traceId);
  }

  all(): TraceSummary[] {
    return [...this.summaries.values()].reverse();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
