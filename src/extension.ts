import * as vscode from 'vscode';
import { createTraceServiceClient } from './core/traceService/traceServiceClient';
import { traceViewPanelType, tracesViewId } from './shared/contract';
import { registerCommands } from './vscode/commandRegistry';
import { AnnotationController } from './vscode/annotationController';
import { ExceptionDiagnostics } from './vscode/exceptionDiagnostics';
import { HotLineDecorations } from './vscode/hotLineDecorations';
import { LatencyCodeLensProvider } from './vscode/latencyCodeLensProvider';
import { LatencyHoverProvider } from './vscode/latencyHoverProvider';
import { showSpansForFunction } from './vscode/showSpansForFunction';
import { openTraceFiles, TraceFileDropController } from './vscode/openTraceFiles';
import { TraceFileEditorProvider, traceFileEditorViewType } from './vscode/traceFileEditorProvider';
import { LocalReceiver, localServiceLaunch } from './vscode/localReceiver';
import { CodeNavigation, selectedSpan } from './vscode/codeNavigation';
import { WorkspaceFileIndexer } from './vscode/workspaceFileIndexer';
import { TraceList } from './vscode/traceList';
import { TracesTreeProvider, type ListedTrace, type TraceTreeNode } from './vscode/tracesTreeProvider';
import { traceTreeCommands } from './vscode/traceTreeCommands';
import { TraceViewController } from './vscode/traceViewController';
import { editSources, notedMapping, noteWalkthroughFact, registerWalkthrough } from './vscode/walkthrough';
import { openTrace, openTraceFromClipboard, type RemoteCommandDeps } from './vscode/openTrace';
import { RemoteSources } from './vscode/remoteSources';
import { RemoteTraces } from './vscode/remoteTraces';
import { searchTraces } from './vscode/searchTraces';
import { setSourceCredentials, SourceCredentialStore } from './vscode/sourceCredentials';
import { linkArgument, openTraceLink, registerTraceLinks } from './vscode/traceLinks';
import { showRemoteLatencyForFile } from './vscode/remoteFunctionLatency';

/** What the extension exposes to other extensions and to its own tests. */
export interface SpanLensApi {
  /** Wall time spent inside activate(), in milliseconds (reported by `npm run bench`). */
  readonly activationMs: number;
  /** The traces the SpanLens view lists, per source, newest local traces first. */
  listedTraces(): ListedTrace[];
  /** The trace ids shown in open trace view panels, oldest first. */
  openPanels(): string[];
}

export function activate(context: vscode.ExtensionContext): SpanLensApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('SpanLens', { log: true });
  // Parsing and indexing run in a worker that starts on first use, not here.
  const traceService = createTraceServiceClient(context.asAbsolutePath('dist/traceWorker.js'), { localService: localServiceLaunch(context) });
  const traces = new TraceList();
  const remoteTraces = new RemoteTraces(traceService);
  // Traces open in a trace view stay listed in the tree until their panel closes.
  const tree: TracesTreeProvider = new TracesTreeProvider(traceService, traces, remoteTraces, { openTraceIds: (): string[] => traceViews.openTraceIds() });
  const view: { current?: vscode.TreeView<TraceTreeNode> } = {};
  const openFiles = (argument: unknown): ReturnType<typeof openTraceFiles> => openTraceFiles({ queries: traceService, traces, tree, treeView: () => view.current, log }, argument);
  const traceViews = new TraceViewController({
    extensionUri: context.extensionUri,
    queries: traceService,
    tree,
    log,
    reopenFile: (path) => openFiles(path),
    navigation: { goToSpanCode: (message) => notedMapping(navigation.goToSpanOfTraceView(message)), goToFrame: (message) => notedMapping(navigation.goToFrameOfTraceView(message)) },
  });
  // Every way of opening a file shows its first trace in the trace view.
  const openFilesAndShow = async (argument: unknown): ReturnType<typeof openTraceFiles> => {
    const result = await openFiles(argument);
    const first = result?.traces[0];
    if (first) {
      traceViews.show(first.traceId);
      noteWalkthroughFact('traceOpened');
    }
    return result;
  };
  const treeView = vscode.window.createTreeView(tracesViewId, {
    treeDataProvider: tree,
    showCollapseAll: true,
    dragAndDropController: new TraceFileDropController((paths) => openFilesAndShow(paths)),
  });
  view.current = treeView;
  context.subscriptions.push(
    log,
    traces,
    tree,
    treeView,
    tree.attach(treeView),
    { dispose: () => void traceService.dispose() },
    vscode.window.registerCustomEditorProvider(traceFileEditorViewType, new TraceFileEditorProvider((uri) => openFilesAndShow(uri))),
    traceViews,
    vscode.window.registerWebviewPanelSerializer(traceViewPanelType, traceViews.panels),
  );
  const receiver = new LocalReceiver({ service: traceService, tree, log, context });
  context.subscriptions.push(receiver);
  // Off the activation path: the worker starts and the store's log replays in the background.
  setTimeout(() => void receiver.initialize(), 0);
  const fileIndexer = new WorkspaceFileIndexer(traceService, log);
  const navigation = new CodeNavigation({ queries: traceService, indexer: fileIndexer, log, selectedSpan: () => selectedSpan(treeView) });
  context.subscriptions.push(fileIndexer, navigation);
  // The workspace listing for code mapping is built in the background too.
  setTimeout(() => fileIndexer.start(), 0);
  const credentials = new SourceCredentialStore(context.secrets);
  const remote: RemoteCommandDeps = {
    remote: new RemoteSources({ queries: traceService, credentials, log }),
    queries: traceService,
    remoteTraces,
    tree,
    treeView: () => view.current,
    log,
    showTrace: (traceId) => traceViews.showAndWait(traceId),
  };
  context.subscriptions.push(remoteTraces);
  registerTraceLinks(context);
  // Editor annotations: figures come from the worker, providers answer from a host cache.
  const annotations = new AnnotationController(traceService, log);
  const exceptionDiagnostics = new ExceptionDiagnostics(annotations);
  context.subscriptions.push(
    annotations,
    exceptionDiagnostics,
    new HotLineDecorations(annotations),
    vscode.languages.registerCodeLensProvider({ scheme: 'file' }, new LatencyCodeLensProvider(annotations)),
    vscode.languages.registerHoverProvider({ scheme: 'file' }, new LatencyHoverProvider(annotations)),
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, exceptionDiagnostics, { providedCodeActionKinds: ExceptionDiagnostics.providedCodeActionKinds }),
  );
  setTimeout(() => void annotations.start().catch((error: unknown) => log.warn(`Editor annotations did not start: ${String(error)}`)), 0);

  registerWalkthrough(context);
  registerCommands(context, {
    'spanlens.openTrace': (argument) => openTrace(remote, argument),
    // From the explorer's context menu the second argument is the whole multi-selection.
    'spanlens.openTraceFile': (argument, selection) => openFilesAndShow(Array.isArray(selection) && selection.length > 0 ? selection : argument),
    'spanlens.openTraceFromClipboard': () => openTraceFromClipboard(remote),
    'spanlens.searchTraces': (argument) => searchTraces(remote, argument),
    'spanlens.goToSpanCode': (argument) => notedMapping(navigation.goToSpanCode(argument)),
    'spanlens.goToFrame': (argument) => notedMapping(navigation.goToFrame(argument)),
    'spanlens.explainMapping': (argument) => navigation.explainMapping(argument),
    'spanlens.showSpansForFunction': (argument) => showSpansForFunction(annotations, argument),
    'spanlens.compareTraces': (argument) => traceViews.compareTraces(argument),
    'spanlens.exportTrace': (argument) => traceViews.exportTrace(argument),
    'spanlens.receiver.start': () => receiver.start({ interactive: true }),
    'spanlens.receiver.stop': () => receiver.stop(),
    'spanlens.receiver.clear': () => receiver.clear(),
    'spanlens.refreshAnnotations': () => annotations.refreshAll(),
    'spanlens.setSourceCredentials': (argument) => setSourceCredentials(credentials, argument),
    'spanlens.showRemoteLatencyForFile': (argument) => showRemoteLatencyForFile(remote, argument),
    ...traceTreeCommands({ tree, treeView, queries: traceService }),
    'spanlens.internal.showMoreChildren': (node) => {
      const target = node ?? treeView.selection[0];
      if (target) tree.showMore(target);
    },
    'spanlens.internal.showTraceViewFromTree': (node) => {
      traceViews.showFromTree(node ?? treeView.selection[0]);
      noteWalkthroughFact('traceOpened');
    },
    'spanlens.internal.goToSpanCodeFromTree': (node) => notedMapping(navigation.goToSpanFromTree(node ?? treeView.selection[0])),
    'spanlens.internal.receiverMenu': () => receiver.showMenu(),
    'spanlens.internal.editSources': editSources,
    'spanlens.openTraceLink': (argument) => openTraceLink(remote, linkArgument(argument)),
  });

  return { activationMs: performance.now() - started, listedTraces: () => tree.listedTraces(), openPanels: () => traceViews.openTraceIds() };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
