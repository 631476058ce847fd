import * as vscode from 'vscode';
import { traceFormatLabels, type TraceFormat } from '../core/formats/traceFormat';
import type { OpenedFile, TraceQueries } from '../core/traceService/traceServiceProtocol';
import { tracesViewId } from '../shared/contract';
import { filePathsFromArgument, pathsFromUriList } from './convert';
import type { TraceList } from './traceList';
import type { TraceTreeNode, TracesTreeProvider } from './tracesTreeProvider';

type FailedFile = Extract<OpenedFile, { ok: false }>;
type LoadedFile = Extract<OpenedFile, { ok: true }>;

export interface OpenTraceFileResult {
  readonly format: TraceFormat;
  readonly traces: readonly { readonly traceId: string; readonly spanCount: number }[];
}

export interface OpenTraceFilesDeps {
  readonly queries: TraceQueries;
  readonly traces: TraceList;
  readonly tree: TracesTreeProvider;
  readonly treeView: () => vscode.TreeView<TraceTreeNode> | undefined;
  readonly log: vscode.LogOutputChannel;
}

const fileFilters = {
  'Trace files': ['json', 'jsonl', 'ndjson', 'pb', 'binpb', 'proto', 'otlp', 'bin'],
  'All files': ['*'],
};

/**
 * `spanlens.openTraceFile`: decodes the files in the trace service (a worker), lists their traces
 * in the tree, and reports every file that failed by name while the others still load. Rejects
 * only when no file could be opened.
 */
export async function openTraceFiles(deps: OpenTraceFilesDeps, argument: unknown): Promise<OpenTraceFileResult | undefined> {
  let paths = filePathsFromArgument(argument);
  if (!paths) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Open Trace', filters: fileFilters, title: 'SpanLens: Open Trace File' });
    if (!picked || picked.length === 0) return undefined;
    paths = picked.map((uri) => uri.fsPath);
  }
  const chosen = paths;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `SpanLens: opening ${chosen.length === 1 ? 'trace file' : `${chosen.length} trace files`}` }, () =>
    deps.queries.openFiles(chosen),
  );
  const failed = result.files.filter((file): file is FailedFile => !file.ok);
  const opened = result.files.filter((file): file is LoadedFile => file.ok);
  for (const file of result.files) {
    if (file.ok) {
      deps.log.info(`Opened ${file.path}: ${traceFormatLabels[file.format]}, ${file.spanCount} spans in ${file.traceIds.length} traces.`);
      for (const warning of file.warnings) deps.log.warn(`${file.path}: ${warning}`);
    } else {
      deps.log.error(file.message);
    }
  }
  const firstOpened = opened[0];
  if (!firstOpened) {
    const messages = failed.map((file) => file.message);
    throw new Error(messages.length === 1 ? (messages[0] ?? '') : `None of the ${messages.length} files could be opened:\n${messages.join('\n')}`);
  }
  if (failed.length > 0) {
    void vscode.window.showErrorMessage(`SpanLens: ${failed.length} of ${result.files.length} files could not be opened; the others are loaded. ${failed.map((file) => file.message).join(' ')}`);
  }
  if (result.traces.length === 0) {
    void vscode.window.showWarningMessage(`SpanLens: ${firstOpened.path} holds no spans.`);
  }
  deps.traces.add(result.traces);
  await revealFirst(deps, result.traces[0]?.traceId);
  return { format: firstOpened.format, traces: result.traces.map((t) => ({ traceId: t.traceId, spanCount: t.spanCount })) };
}

async function revealFirst(deps: OpenTraceFilesDeps, traceId: string | undefined): Promise<void> {
  const view = deps.treeView();
  if (!traceId || !view) return;
  const node = deps.tree.traceNode(traceId);
  if (!node) return;
  try {
    await vscode.commands.executeCommand(`${tracesViewId}.focus`);
    await view.reveal(node, { select: true, focus: false, expand: true });
  } catch (error: unknown) {
    // Revealing is a courtesy; the trace is loaded either way.
    deps.log.warn(`Could not reveal trace ${traceId}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Files dropped on the Traces view are opened like the command would. */
export class TraceFileDropController implements vscode.TreeDragAndDropController<TraceTreeNode> {
  readonly dropMimeTypes = ['text/uri-list', 'files'];
  readonly dragMimeTypes: string[] = [];

  constructor(private readonly open: (paths: string[]) => Promise<unknown>) {}

  async handleDrop(_target: TraceTreeNode | undefined, data: vscode.DataTransfer): Promise<void> {
    const list = await data.get('text/uri-list')?.asString();
    const paths = list ? pathsFromUriList(list) : [];
    if (paths.length > 0) await this.open(paths);
  }
}
