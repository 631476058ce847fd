import { isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import type { TraceQueries, TraceSummary } from '../core/traceService/traceServiceProtocol';
import { plural } from '../shared/plural';
import { executeCommand } from './commandRegistry';
import { formatDuration } from '../shared/formatDuration';
import { epochMsOf, traceTabTitle } from '../shared/traceTitle';
import type { ListedTrace, TraceTreeNode, TracesTreeProvider } from './tracesTreeProvider';
import { TraceViewPanels, type ShowTraceOptions, type TraceViewActions, type TraceViewBackend } from './traceViewPanel';

export interface TraceViewControllerDeps {
  readonly extensionUri: vscode.Uri;
  readonly queries: TraceQueries;
  readonly tree: TracesTreeProvider;
  readonly log: vscode.LogOutputChannel;
  /** Loads a trace file into the service and the tree without opening a panel (restored panels). */
  readonly reopenFile: (path: string) => Promise<unknown>;
  /** Go to Code from a panel: a plain object, spread into the panel's actions. */
  readonly navigation: Pick<TraceViewActions, 'goToSpanCode' | 'goToFrame'>;
}

export interface CompareTracesResult {
  readonly matched: number;
  readonly added: number;
  readonly removed: number;
}

/** How long a command that promises "shown in the trace view" waits for the webview to say ready. */
const shownTimeoutMs = 20_000;

/** A command argument's fields; anything that is not an object has none. */
function fieldsOf(argument: unknown): Readonly<Record<string, unknown>> {
  return typeof argument === 'object' && argument !== null ? (argument as Record<string, unknown>) : {};
}

interface TracePick extends vscode.QuickPickItem {
  readonly traceId: string;
}

/**
 * The trace view as the commands see it: which panel shows which trace, where a restored panel
 * reloads its trace from, and the compare and export commands (contract.md).
 */
export class TraceViewController implements vscode.Disposable {
  readonly panels: TraceViewPanels;
  /** Traces being reloaded for a restored panel, whose own "shown" must not be awaited in between. */
  private readonly reloading = new Set<string>();

  constructor(private readonly deps: TraceViewControllerDeps) {
    const backend: TraceViewBackend = {
      traceView: (traceId) => deps.queries.traceView(traceId),
      spanDetails: (traceId, row) => deps.queries.spanDetails(traceId, row),
      attributeMatches: (traceId, key, value) => deps.queries.attributeMatches(traceId, key, value),
      reload: (traceId, origin) => this.reload(traceId, origin),
    };
    const actions: TraceViewActions = { ...deps.navigation, openTrace: (traceId, spanId) => this.openLinkedTrace(traceId, spanId) };
    this.panels = new TraceViewPanels(deps.extensionUri, backend, actions, (message) => deps.log.warn(message));
  }

  /** Opens (or reveals) the panel of a loaded trace, titled after its root span. */
  show(traceId: string, options: ShowTraceOptions = {}): ReturnType<TraceViewPanels['show']> {
    const node = this.deps.tree.traceNode(traceId);
    const summary = node?.kind === 'trace' ? node.summary : undefined;
    const origin = options.origin ?? (summary?.origin === '' ? undefined : summary?.origin);
    const title = options.title ?? (summary ? tabTitle(summary) : undefined);
    return this.panels.show(traceId, { ...options, ...(origin === undefined ? {} : { origin }), ...(title === undefined ? {} : { title }) });
  }

  /** For commands that resolve "once shown": waits for the data to reach the webview, within reason. */
  async showAndWait(traceId: string): Promise<void> {
    const panel = this.show(traceId);
    if (this.reloading.has(traceId)) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.deps.log.warn(`The trace view of ${traceId} did not report ready within ${shownTimeoutMs / 1000} s; the command goes on.`);
        resolve();
      }, shownTimeoutMs);
    });
    try {
      await Promise.race([panel.whenShown(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A click on a trace row of the tree. */
  showFromTree(node: unknown): void {
    const traceNode = node as TraceTreeNode | undefined;
    if (traceNode?.kind !== 'trace') return;
    this.show(traceNode.summary.traceId);
  }

  openTraceIds(): string[] {
    return this.panels.traceIds();
  }

  /** `spanlens.compareTraces`: `{ traceId, baselineTraceId }`, or two quick picks from the palette. */
  async compareTraces(argument: unknown): Promise<CompareTracesResult | undefined> {
    let traceId: string;
    let baselineTraceId: string;
    if (argument !== undefined) {
      const value = fieldsOf(argument);
      if (typeof value['traceId'] !== 'string' || typeof value['baselineTraceId'] !== 'string') {
        throw new Error('spanlens.compareTraces takes { traceId: string, baselineTraceId: string }, two loaded traces.');
      }
      traceId = value['traceId'];
      baselineTraceId = value['baselineTraceId'];
    } else {
      const picks = this.loadedTracePicks();
      if (picks.length < 2) throw new Error('Compare Traces needs two loaded traces: open another trace (file, local receiver or remote source) and try again.');
      const current = await vscode.window.showQuickPick(picks, { title: 'SpanLens: Compare Traces (1/2)', placeHolder: 'The trace to examine', matchOnDescription: true, matchOnDetail: true });
      if (!current) return undefined;
      const baseline = await vscode.window.showQuickPick(
        picks.filter((pick) => pick.traceId !== current.traceId),
        { title: 'SpanLens: Compare Traces (2/2)', placeHolder: `The baseline to compare "${current.label}" with`, matchOnDescription: true, matchOnDetail: true },
      );
      if (!baseline) return undefined;
      traceId = current.traceId;
      baselineTraceId = baseline.traceId;
    }
    const result = await this.deps.queries.compareTraces(baselineTraceId, traceId);
    this.panels.showComparison(result);
    return { matched: result.matched, added: result.added, removed: result.removed };
  }

  /** `spanlens.exportTrace`: `{ traceId, file }` (absolute path or file Uri), or a pick and a save dialog. */
  async exportTrace(argument: unknown): Promise<string | undefined> {
    let traceId: string;
    let path: string;
    if (argument !== undefined) {
      const value = fieldsOf(argument);
      const raw = value['file'];
      const file = raw instanceof vscode.Uri ? (raw.scheme === 'file' ? raw.fsPath : undefined) : raw;
      const id = value['traceId'];
      if (typeof id !== 'string' || typeof file !== 'string') {
        throw new Error('spanlens.exportTrace takes { traceId: string, file: string } with file an absolute path (or a file: Uri).');
      }
      if (!isAbsolute(file)) throw new Error(`spanlens.exportTrace: "${file}" is not an absolute path; pass the full path of the file to write.`);
      traceId = id;
      path = file;
    } else {
      const picks = this.loadedTracePicks();
      if (picks.length === 0) throw new Error('No trace is loaded: open a trace first, then save it.');
      const picked =
        picks.length === 1 ? picks[0] : await vscode.window.showQuickPick(picks, { title: 'SpanLens: Save Trace as OTLP JSON', placeHolder: 'The trace to save', matchOnDescription: true });
      if (!picked) return undefined;
      const target = await askSaveTarget(picked.traceId);
      if (target === undefined) return undefined;
      traceId = picked.traceId;
      path = target;
    }
    const written = await this.deps.queries.exportTrace(traceId, path);
    this.deps.log.info(`Saved trace ${traceId} as OTLP JSON to ${written}.`);
    if (argument === undefined) void vscode.window.showInformationMessage(`SpanLens: saved trace ${traceId} to ${written}.`);
    return written;
  }

  dispose(): void {
    this.panels.dispose();
  }

  private loadedTracePicks(): TracePick[] {
    const seen = new Set<string>();
    const picks: TracePick[] = [];
    for (const trace of this.deps.tree.listedTraces()) {
      if (trace.searchResult === true || seen.has(trace.traceId)) continue;
      seen.add(trace.traceId);
      picks.push(tracePick(trace, this.summaryOf(trace.traceId)));
    }
    return picks;
  }

  private summaryOf(traceId: string): TraceSummary | undefined {
    const node = this.deps.tree.traceNode(traceId);
    return node?.kind === 'trace' ? node.summary : undefined;
  }

  /** A span link: the linked trace from wherever it is loaded, else through Open Trace's sources. */
  private async openLinkedTrace(traceId: string, spanId: string | undefined): Promise<void> {
    const loaded = this.deps.tree.listedTraces().some((trace) => trace.traceId === traceId && trace.searchResult !== true);
    if (!loaded) {
      const opened = await executeCommand('spanlens.openTrace', { traceId });
      if (opened === undefined) return;
    }
    this.show(traceId, spanId === undefined ? {} : { revealSpanId: spanId });
  }

  /** A panel restored after a reload names its trace and origin; the new worker has to load it again. */
  private async reload(traceId: string, origin: string | undefined): Promise<void> {
    this.reloading.add(traceId);
    try {
      if (origin !== undefined && isAbsolute(origin)) await this.deps.reopenFile(origin);
      else await executeCommand('spanlens.openTrace', origin === undefined || origin === '' ? { traceId } : { traceId, source: origin });
    } finally {
      this.reloading.delete(traceId);
    }
  }
}

/** The panel's title at the host's local time (traceTabTitle is pure and takes the offset). */
/** The save dialog of Save Trace as OTLP JSON: the chosen local path, or undefined when cancelled. */
export async function askSaveTarget(traceId: string): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = `trace-${traceId}.json`;
  const target = await vscode.window.showSaveDialog({
    title: 'SpanLens: Save Trace as OTLP JSON',
    saveLabel: 'Save Trace',
    filters: { 'OTLP JSON': ['json'] },
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
  });
  if (!target) return undefined;
  if (target.scheme !== 'file') throw new Error(`SpanLens can save traces to local files only, not to ${target.toString()}.`);
  return target.fsPath;
}

function tabTitle(summary: TraceSummary): string {
  const offset = -new Date(epochMsOf(summary.startNs) || Date.now()).getTimezoneOffset();
  return traceTabTitle(summary, offset);
}

/**
 * A palette entry of a loaded trace. Compare Traces… asks for two traces that usually share a
 * root name, so duration, start time and span count come first: they tell the slow one from the
 * fast one. The id stays in the detail, where typing it still matches.
 */
function tracePick(trace: ListedTrace, summary: TraceSummary | undefined): TracePick {
  const errors = trace.errorCount > 0 ? ` · ${plural(trace.errorCount, 'error')}` : '';
  const spans = plural(summary?.spanCount ?? trace.spanCount, 'span');
  if (summary === undefined) return { traceId: trace.traceId, label: trace.label, description: `${spans}${errors}`, detail: `${trace.traceId} · ${trace.source}` };
  const started = new Date(epochMsOf(summary.startNs));
  const when = Number.isNaN(started.getTime()) ? '' : `${started.toLocaleDateString()} ${started.toLocaleTimeString()} · `;
  return {
    traceId: trace.traceId,
    label: trace.label,
    description: `${formatDuration(summary.durationNs)} · ${when}${spans}${errors}`,
    detail: `${trace.traceId} · ${trace.source}`,
  };
}
