import * as vscode from 'vscode';
import { formatDuration } from '../shared/formatDuration';
import { plural } from '../shared/plural';
import { shortTraceId } from '../shared/traceTitle';
import { endpointLabel, startClock } from './traceRowText';
import { askSaveTarget } from './traceViewController';
import type { TraceQueries } from '../core/traceService/traceServiceProtocol';
import { executeCommand, ReportedError } from './commandRegistry';
import type { CommandArgs, CommandHandlers, CommandId, CommandResult } from './contributions';
import { parseTraceIdInput, type OpenTraceResult } from './openTrace';
import type { LoadedTrace, TraceTreeNode, TracesTreeProvider } from './tracesTreeProvider';

export interface TraceTreeCommandDeps {
  readonly tree: TracesTreeProvider;
  readonly treeView: vscode.TreeView<TraceTreeNode>;
  readonly queries: TraceQueries;
}

/**
 * The Traces view's own commands: Copy Trace ID, the live list's Pause / Follow Live / Show New
 * Traces, and the trace rows' context menu. The menu's entries take the row VS Code passes and
 * call the public commands (Open Trace, Compare Traces, Save Trace, Go to Code) with their
 * programmatic arguments, so the row menu and a script do the same thing; they are hidden from
 * the palette (package.json), where there is no row.
 */
export function traceTreeCommands(deps: TraceTreeCommandDeps): Pick<CommandHandlers, TraceTreeCommandId> {
  return {
    'spanlens.copyTraceId': (argument) => copyTraceId(deps, argument),
    'spanlens.showNewTraces': () => ({ shown: deps.tree.showNewTraces() }),
    'spanlens.pauseLiveTraces': () => setLive(deps, false),
    'spanlens.followLiveTraces': () => setLive(deps, true),
    'spanlens.traceItem.open': (argument) => openItem(deps, argument),
    'spanlens.traceItem.compareWith': (argument) => compareWith(deps, argument),
    'spanlens.traceItem.saveAsOtlpJson': (argument) => saveAs(deps, argument),
    'spanlens.traceItem.goToRootSpanCode': (argument) => goToRootSpanCode(deps, argument),
  };
}

/**
 * Runs a public command for a row. It reports its own failure (commandRegistry), so the failure
 * is passed on as already shown: one message, not one per layer.
 */
async function runPublic<K extends CommandId>(command: K, ...args: CommandArgs<K>): Promise<Awaited<CommandResult<K>>> {
  try {
    return await executeCommand(command, ...args);
  } catch (error: unknown) {
    throw new ReportedError(error instanceof Error ? error.message : String(error), true, { cause: error });
  }
}

type TraceTreeCommandId =
  | 'spanlens.copyTraceId'
  | 'spanlens.showNewTraces'
  | 'spanlens.pauseLiveTraces'
  | 'spanlens.followLiveTraces'
  | 'spanlens.traceItem.open'
  | 'spanlens.traceItem.compareWith'
  | 'spanlens.traceItem.saveAsOtlpJson'
  | 'spanlens.traceItem.goToRootSpanCode';

function setLive(deps: TraceTreeCommandDeps, live: boolean): { live: boolean; pending: number } {
  deps.tree.setLive(live);
  return { live: deps.tree.isLive(), pending: deps.tree.pendingCount() };
}

/** The trace a tree row names: a trace, one of its spans, or a search result. */
function traceIdOfNode(argument: unknown): string | undefined {
  if (typeof argument !== 'object' || argument === null || !('kind' in argument)) return undefined;
  const node = argument as TraceTreeNode;
  switch (node.kind) {
    case 'trace':
      return node.summary.traceId;
    case 'span':
      return node.row.traceId;
    case 'hit':
      return node.hit.traceId;
    default:
      return undefined;
  }
}

function traceIdOf(argument: unknown, command: string): string {
  const fromNode = traceIdOfNode(argument);
  if (fromNode !== undefined) return fromNode;
  const raw = typeof argument === 'object' && argument !== null ? (argument as { traceId?: unknown }).traceId : undefined;
  if (typeof raw !== 'string') throw new Error(`${command} takes a trace row of the SpanLens view or { traceId: string }.`);
  const traceId = parseTraceIdInput(raw);
  if (traceId === undefined) throw new Error(`"${raw}" is not a trace id (expected 32 or 16 hexadecimal characters, or a W3C traceparent).`);
  return traceId;
}

/** `spanlens.copyTraceId`: a row or `{ traceId }`; from the palette the selected row, else a pick. */
async function copyTraceId(deps: TraceTreeCommandDeps, argument: unknown): Promise<string | undefined> {
  let traceId: string | undefined;
  if (argument !== undefined) {
    deps.tree.interacted();
    traceId = traceIdOf(argument, 'spanlens.copyTraceId');
  } else {
    traceId = traceIdOfNode(deps.treeView.selection[0]) ?? (await pickTrace(deps.tree.loadedTraces(), 'SpanLens: Copy Trace ID', 'The trace whose id to copy'))?.summary.traceId;
    if (traceId === undefined) return undefined;
  }
  await vscode.env.clipboard.writeText(traceId);
  vscode.window.setStatusBarMessage(`$(copy) Trace ID ${traceId} copied`, 4_000);
  return traceId;
}

function loadedNode(deps: TraceTreeCommandDeps, argument: unknown, command: string): LoadedTrace {
  const traceId = traceIdOf(argument, command);
  const loaded = deps.tree.loadedTraces().find((trace) => trace.summary.traceId === traceId);
  if (!loaded) throw new Error(`Trace ${traceId} is not loaded in SpanLens: open it first (SpanLens: Open Trace…).`);
  return loaded;
}

/** Open: the trace view of the row's trace, through Open Trace where it names the place to look. */
async function openItem(deps: TraceTreeCommandDeps, argument: unknown): Promise<OpenTraceResult | undefined> {
  deps.tree.interacted();
  const node = argument as TraceTreeNode | undefined;
  if (node?.kind === 'hit') return await runPublic('spanlens.openTrace', { traceId: node.hit.traceId, source: node.source });
  const loaded = loadedNode(deps, argument, 'Open');
  // A trace opened from a remote source is here already: Open Trace with its source would download it again.
  if (loaded.source !== 'local' && loaded.source !== 'files') {
    await executeCommand('spanlens.internal.showTraceViewFromTree', deps.tree.traceNode(loaded.summary.traceId));
    return { traceId: loaded.summary.traceId, spanCount: loaded.summary.spanCount, source: loaded.source };
  }
  return await runPublic('spanlens.openTrace', { traceId: loaded.summary.traceId, source: loaded.source });
}

/** Compare with…: this row's trace against a baseline picked by endpoint, duration and start. */
async function compareWith(deps: TraceTreeCommandDeps, argument: unknown): Promise<CommandResult<'spanlens.compareTraces'>> {
  deps.tree.interacted();
  const current = loadedNode(deps, argument, 'Compare with…');
  const others = deps.tree.loadedTraces().filter((trace) => trace.summary.traceId !== current.summary.traceId);
  if (others.length === 0) throw new Error('Compare needs another loaded trace: open a second trace (file, local receiver or remote source) and try again.');
  // The same endpoint first: that is the baseline a person nearly always wants.
  const endpoint = endpointLabel(current.summary.rootService, current.summary.rootName);
  const sameFirst = [...others].sort((a, b) => Number(endpointOf(b) === endpoint) - Number(endpointOf(a) === endpoint));
  const baseline = await pickTrace(sameFirst, `SpanLens: Compare ${endpoint} ${shortTraceId(current.summary.traceId)} with…`, 'The baseline trace');
  if (!baseline) return undefined;
  return await runPublic('spanlens.compareTraces', { traceId: current.summary.traceId, baselineTraceId: baseline.summary.traceId });
}

function endpointOf(trace: LoadedTrace): string {
  return endpointLabel(trace.summary.rootService, trace.summary.rootName);
}

/** Save as OTLP JSON…: a save dialog, then Save Trace with the chosen file. */
async function saveAs(deps: TraceTreeCommandDeps, argument: unknown): Promise<string | undefined> {
  deps.tree.interacted();
  const { summary } = loadedNode(deps, argument, 'Save as OTLP JSON…');
  const target = await askSaveTarget(summary.traceId);
  if (target === undefined) return undefined;
  const written = await runPublic('spanlens.exportTrace', { traceId: summary.traceId, file: target });
  if (written === undefined) return undefined;
  void vscode.window.showInformationMessage(`SpanLens: saved trace ${summary.traceId} to ${written}.`);
  return written;
}

/** Go to Code on a trace row: the root span's code (the first root, for a trace with several). */
async function goToRootSpanCode(deps: TraceTreeCommandDeps, argument: unknown): Promise<CommandResult<'spanlens.goToSpanCode'>> {
  deps.tree.interacted();
  const { summary } = loadedNode(deps, argument, 'Go to Code');
  const page = await deps.queries.children(summary.traceId, -1, 0, 1);
  const root = page.rows[0];
  if (!root) throw new Error(`Trace ${summary.traceId} has no spans to go to.`);
  return await runPublic('spanlens.goToSpanCode', { traceId: summary.traceId, spanId: root.spanId });
}

interface TracePick extends vscode.QuickPickItem {
  readonly trace: LoadedTrace;
}

/** A pick that tells traces apart: endpoint, then duration, short id and start, then size and place. */
async function pickTrace(traces: readonly LoadedTrace[], title: string, placeHolder: string): Promise<LoadedTrace | undefined> {
  if (traces.length === 0) throw new Error('No trace is loaded: open a trace file, start the local receiver or open a trace by id first.');
  const picks: TracePick[] = traces.map((trace) => ({
    trace,
    label: endpointOf(trace),
    description: `${formatDuration(trace.summary.durationNs)} · ${shortTraceId(trace.summary.traceId)} · ${startClock(trace.summary.startNs)}`,
    detail: [
      plural(trace.summary.spanCount, 'span'),
      ...(trace.summary.errorCount > 0 ? [plural(trace.summary.errorCount, 'error')] : []),
      trace.source === 'files' ? trace.summary.origin : trace.source,
    ].join(' · '),
  }));
  const picked = await vscode.window.showQuickPick(picks, { title, placeHolder, matchOnDescription: true, matchOnDetail: true });
  return picked?.trace;
}
