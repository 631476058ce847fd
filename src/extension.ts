import * as vscode from 'vscode';
import { TraceServiceClient } from './core/traceService/traceServiceClient';
import { tracesViewId } from './shared/contract';
import { registerCommands } from './vscode/commandRegistry';
import { notBuiltYet } from './vscode/notBuiltYet';
import { openTraceFiles, TraceFileDropController } from './vscode/openTraceFiles';
import { TraceFileEditorProvider, traceFileEditorViewType } from './vscode/traceFileEditorProvider';
import { LocalReceiver } from './vscode/localReceiver';
import { CodeNavigation, goToFrameCommandId, selectedSpan } from './vscode/codeNavigation';
import { WorkspaceFileIndexer } from './vscode/workspaceFileIndexer';
import { TraceList } from './vscode/traceList';
import { showMoreCommandId, TracesTreeProvider, type ListedTrace, type TraceTreeNode } from './vscode/tracesTreeProvider';
import { goToSpanFromTreeCommandId } from './vscode/tracesTreeProvider';
import { openTrace, openTraceFromClipboard, type RemoteCommandDeps } from './vscode/openTrace';
import { RemoteSources } from './vscode/remoteSources';
import { RemoteTraces } from './vscode/remoteTraces';
import { searchTraces } from './vscode/searchTraces';
import { registerSetSourceCredentials, SourceCredentialStore } from './vscode/sourceCredentials';

/** What the extension exposes to other extensions and to its own tests. */
export interface SpanLensApi {
  /** Wall time spent inside activate(), in milliseconds (reported by `npm run bench`). */
  readonly activationMs: number;
  /** The traces the SpanLens view lists, per source, newest local traces first. */
  listedTraces(): ListedTrace[];
}

export function activate(context: vscode.ExtensionContext): SpanLensApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('SpanLens', { log: true });
  // Parsing and indexing run in a worker that starts on first use, not here.
  const traceService = new TraceServiceClient(context.asAbsolutePath('dist/traceWorker.js'));
  const traces = new TraceList();
  const remoteTraces = new RemoteTraces();
  const tree = new TracesTreeProvider(traceService, traces, remoteTraces);
  const view: { current?: vscode.TreeView<TraceTreeNode> } = {};
  const openFiles = (argument: unknown): ReturnType<typeof openTraceFiles> =>
    openTraceFiles({ queries: traceService, traces, tree, treeView: () => view.current, log }, argument);
  const treeView = vscode.window.createTreeView(tracesViewId, {
    treeDataProvider: tree,
    showCollapseAll: true,
    dragAndDropController: new TraceFileDropController((paths) => openFiles(paths)),
  });
  view.current = treeView;
  context.subscriptions.push(
    log,
    traces,
    tree,
    treeView,
    { dispose: () => void traceService.dispose() },
    vscode.window.registerCustomEditorProvider(traceFileEditorViewType, new TraceFileEditorProvider((uri) => openFiles(uri))),
    vscode.commands.registerCommand(showMoreCommandId, (node: TraceTreeNode) => tree.showMore(node)),
  );
  const receiver = new LocalReceiver({ service: traceService, tree, log, context });
  context.subscriptions.push(receiver);
  // Off the activation path: the worker starts and the store's log replays in the background.
  setTimeout(() => void receiver.initialize(), 0);
  const fileIndexer = new WorkspaceFileIndexer(traceService, log);
  const navigation = new CodeNavigation({ queries: traceService, indexer: fileIndexer, log, selectedSpan: () => selectedSpan(treeView) });
  context.subscriptions.push(
    fileIndexer,
    navigation,
    vscode.commands.registerCommand(goToSpanFromTreeCommandId, (node: unknown) => navigation.goToSpanFromTree(node)),
    vscode.commands.registerCommand(goToFrameCommandId, (argument: unknown) => navigation.goToFrame(argument)),
  );
  // The workspace listing for code mapping is built in the background too.
  setTimeout(() => fileIndexer.start(), 0);
  const credentials = new SourceCredentialStore(context.secrets);
  // showTrace: the hook for the trace view panel, for the lead to wire once it lands.
  const remote: RemoteCommandDeps = {
    remote: new RemoteSources({ queries: traceService, credentials, log }),
    queries: traceService,
    remoteTraces,
    tree,
    treeView: () => view.current,
    log,
  };
  context.subscriptions.push(remoteTraces);
  registerSetSourceCredentials(context, credentials);

  registerCommands(context, {
    'spanlens.openTrace': (argument) => openTrace(remote, argument),
    // From the explorer's context menu the second argument is the whole multi-selection.
    'spanlens.openTraceFile': (argument, selection) => openFiles(Array.isArray(selection) && selection.length > 0 ? selection : argument),
    'spanlens.openTraceFromClipboard': () => openTraceFromClipboard(remote),
    'spanlens.searchTraces': (argument) => searchTraces(remote, argument),
    'spanlens.goToSpanCode': (argument) => navigation.goToSpanCode(argument),
    'spanlens.explainMapping': (argument) => navigation.explainMapping(argument),
    'spanlens.showSpansForFunction': notBuiltYet('Show Spans for Function at Cursor'),
    'spanlens.compareTraces': notBuiltYet('Compare Traces…'),
    'spanlens.exportTrace': notBuiltYet('Save Trace as OTLP JSON…'),
    'spanlens.receiver.start': () => receiver.start({ interactive: true }),
    'spanlens.receiver.stop': () => receiver.stop(),
    'spanlens.receiver.clear': () => receiver.clear(),
    'spanlens.refreshAnnotations': notBuiltYet('Refresh Code Annotations'),
  });

  return { activationMs: performance.now() - started, listedTraces: () => tree.listedTraces() };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
