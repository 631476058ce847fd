import * as vscode from 'vscode';
import { deriveMappingRule } from '../core/mapping/deriveMappingRule';
import type { PathMappingRule } from '../core/mapping/mappingContext';
import type { MappedLocation, UnmappedReason } from '../core/mapping/resolveSpanLocation';
import type { FrameLocation, SpanMapping } from '../core/traceService/mappingService';
import type { TraceQueries } from '../core/traceService/traceServiceProtocol';
import type { WebviewMessage } from '../shared/protocol';
import { executeCommand, ReportedError } from './commandRegistry';
import { fromPosition, pathToUri, toPosition } from './convert';
import { inspectSetting, updateSetting } from './settings';
import {
  describeAmbiguity,
  describeRefusal,
  describeSymbolAmbiguity,
  describeUnmapped,
  explainText,
  inert,
  matchSymbols,
  parseFrameArgument,
  parseFrameText,
  parseSpanArgument,
  suggestedMappingFrom,
  type NavigationMode,
  type SpanRef,
} from './mappingText';
import type { TraceTreeNode } from './tracesTreeProvider';
import type { WorkspaceFileIndexer } from './workspaceFileIndexer';

/** What `spanlens.goToSpanCode` resolves to (contract): 1-based. */
export interface CodeLocationResult {
  readonly uri: vscode.Uri;
  readonly line: number;
  readonly column: number;
}

/** What `spanlens.explainMapping` resolves to (contract). */
export interface ExplainResult {
  readonly steps: readonly { readonly rule: string; readonly input: string; readonly result: string; readonly outcome: string }[];
  readonly location?: CodeLocationResult;
}

export interface CodeNavigationDeps {
  readonly queries: Pick<TraceQueries, 'mapSpan' | 'mapFrame'>;
  readonly indexer: Pick<WorkspaceFileIndexer, 'ready' | 'resync' | 'configuration' | 'sendConfiguration'>;
  /** The span selected in the Traces view, for the command palette. */
  readonly selectedSpan: () => SpanRef | undefined;
  readonly log: vscode.LogOutputChannel;
}

const addMapping = 'Add Path Mapping…';
const explain = 'Explain Mapping';

/**
 * `spanlens.goToSpanCode` and `spanlens.explainMapping`: asks the worker where a span's code is
 * and turns the answer into an editor, a choice, a confirmation or a reason. A script
 * is never asked anything; a person is asked only when the answer needs them.
 */
export class CodeNavigation implements vscode.Disposable {
  private output: vscode.OutputChannel | undefined;

  constructor(private readonly deps: CodeNavigationDeps) {}

  /** The contract command: `{ traceId, spanId }`, a span node, or nothing (the tree's selection). */
  goToSpanCode(argument: unknown): Promise<CodeLocationResult | undefined> {
    const { ref, mode } = this.spanOf(argument);
    return this.navigate(ref, mode, () => this.deps.queries.mapSpan(ref.traceId, ref.spanId));
  }

  /** A click on a span row: like the context menu, but a span without code is not worth a pop-up. */
  goToSpanFromTree(argument: unknown): Promise<CodeLocationResult | undefined> {
    const { ref } = this.spanOf(argument);
    return this.navigate(ref, 'treeClick', () => this.deps.queries.mapSpan(ref.traceId, ref.spanId));
  }

  /** The trace view's Go to Code on a span: a person's click, like a frame's, so an ambiguous span offers a pick. */
  goToSpanOfTraceView({ traceId, spanId }: Extract<WebviewMessage, { type: 'goToSpanCode' }>): Promise<CodeLocationResult | undefined> {
    return this.navigate({ traceId, spanId }, 'interactive', () => this.deps.queries.mapSpan(traceId, spanId));
  }

  /**
   * The contract command `spanlens.goToFrame`: `{ traceId, spanId, frame: { file, line?, column?, function? } }`
   * mapped with the span's service and rules like a span. A script is asked nothing: a frame that
   * maps nowhere resolves to undefined with the reason shown and logged.
   */
  async goToFrame(argument: unknown): Promise<CodeLocationResult | undefined> {
    if (argument !== undefined) {
      const { ref, frame } = parseFrameArgument(argument);
      return await this.navigateFrame(ref, frame, 'programmatic');
    }
    // From the palette: a frame of the span selected in the Traces view, as the stack prints it.
    const ref = this.deps.selectedSpan();
    if (!ref) throw new Error('SpanLens: select a span in the Traces view first, or pass { traceId, spanId, frame: { file, line? } }.');
    const typed = await vscode.window.showInputBox({
      title: 'Go to Frame',
      prompt: 'A stack frame’s location, as the stack trace prints it: path:line or path:line:column',
      validateInput: (text) => (parseFrameText(text) ? undefined : 'A path, optionally followed by :line and :column'),
    });
    const frame = typed === undefined ? undefined : parseFrameText(typed);
    return frame ? await this.navigateFrame(ref, frame, 'interactive') : undefined;
  }

  /** A click on a stack frame in the trace view: the command's path, with a person there to pick a file. */
  goToFrameOfTraceView({ traceId, spanId, frame }: Extract<WebviewMessage, { type: 'goToFrame' }>): Promise<CodeLocationResult | undefined> {
    if (frame.file === undefined) throw new Error('SpanLens: this stack frame names no file to go to.');
    const location: FrameLocation = {
      file: frame.file,
      ...(frame.line === undefined ? {} : { line: frame.line }),
      ...(frame.column === undefined ? {} : { column: frame.column }),
      ...(frame.function === undefined ? {} : { function: frame.function }),
    };
    return this.navigateFrame({ traceId, spanId }, location, 'interactive');
  }

  private navigateFrame(ref: SpanRef, frame: FrameLocation, mode: NavigationMode): Promise<CodeLocationResult | undefined> {
    return this.navigate(ref, mode, () => this.deps.queries.mapFrame(ref.traceId, ref.spanId, frame));
  }

  async explainMapping(argument: unknown): Promise<ExplainResult> {
    const { ref } = this.spanOf(argument);
    const mapping = await this.mapped(() => this.deps.queries.mapSpan(ref.traceId, ref.spanId));
    const location = mapping.location ? { uri: pathToUri(mapping.location.path), line: mapping.location.line ?? 1, column: mapping.location.column ?? 1 } : undefined;
    const shown = location ? `${location.uri.fsPath}:${location.line}:${location.column}` : undefined;
    this.output ??= vscode.window.createOutputChannel('SpanLens: Code Mapping');
    this.output.appendLine(explainText(mapping, ref, shown));
    this.output.appendLine('');
    this.output.show(true);
    const steps = mapping.steps.map(({ rule, input, result, outcome }) => ({ rule, input, result, outcome }));
    return location ? { steps, location } : { steps };
  }

  dispose(): void {
    this.output?.dispose();
  }

  private spanOf(argument: unknown): { ref: SpanRef; mode: NavigationMode } {
    const parsed = parseSpanArgument(argument);
    if (parsed) return parsed;
    const selected = this.deps.selectedSpan();
    if (!selected) throw new Error('SpanLens: select a span in the Traces view first, or pass { traceId, spanId }.');
    return { ref: selected, mode: 'interactive' };
  }

  private async mapped(map: () => Promise<SpanMapping>): Promise<SpanMapping> {
    await this.deps.indexer.ready();
    const mapping = await map();
    if (mapping.configured) return mapping;
    this.deps.log.info('Code mapping: the trace service restarted; sending the workspace index again.');
    await this.deps.indexer.resync();
    return await map();
  }

  private async navigate(ref: SpanRef, mode: NavigationMode, map: () => Promise<SpanMapping>): Promise<CodeLocationResult | undefined> {
    const mapping = await this.mapped(map);
    if (mapping.location) return await this.open(mapping.location.path, mapping.location.line, mapping.location.column, mode);
    const reason = mapping.reason;
    switch (reason?.kind) {
      case 'ambiguous':
        return await this.choose(mapping, reason.path, mapping.candidates ?? [], mode, reason.basenameOnly === true);
      case 'outsideWorkspace':
        return await this.confirmOutside(mapping, reason, mode);
      case 'needsSymbolSearch':
        return await this.searchSymbol(ref, mapping, mode);
      default:
        this.tellUnmapped(ref, mapping, reason, mode);
        return undefined;
    }
  }

  private async open(path: string, line: number | undefined, column: number | undefined, mode: NavigationMode): Promise<CodeLocationResult> {
    const position = toPosition(line, column);
    const quiet = mode === 'treeClick';
    // A click in the tree keeps focus there, so arrow keys keep walking spans.
    const editor = await vscode.window.showTextDocument(pathToUri(path), { selection: new vscode.Range(position, position), preview: quiet, preserveFocus: quiet });
    editor.revealRange(editor.selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return { uri: editor.document.uri, ...fromPosition(editor.selection.active) };
  }

  private async choose(mapping: SpanMapping, path: string, candidates: readonly MappedLocation[], mode: NavigationMode, basenameOnly: boolean): Promise<CodeLocationResult | undefined> {
    const names = candidates.map((c) => `${c.folder}/${c.relativePath}`);
    if (mode === 'programmatic') throw new Error(describeAmbiguity(path, names, basenameOnly));
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const picked = await vscode.window.showQuickPick(
      candidates.map((candidate) => ({
        label: inert(candidate.relativePath),
        description: multiRoot ? inert(candidate.folder) : '',
        ...(candidate.line === undefined ? {} : { detail: `line ${candidate.line}` }),
        candidate,
      })),
      {
        title: basenameOnly ? `Only the file name of ${inert(path)} matches: is it one of these?` : `${inert(path)} matches ${candidates.length} files`,
        placeHolder: 'Pick the file this span ran; SpanLens remembers it as a path mapping',
        matchOnDescription: true,
      },
    );
    if (!picked) return undefined;
    const folders = this.deps.indexer.configuration().folders;
    const rule = deriveMappingRule(path, picked.candidate, folders, mapping.service === '' ? undefined : mapping.service);
    if (rule) await this.remember(rule);
    return await this.open(picked.candidate.path, picked.candidate.line, picked.candidate.column, mode);
  }

  private async confirmOutside(mapping: SpanMapping, reason: Extract<UnmappedReason, { kind: 'outsideWorkspace' }>, mode: NavigationMode): Promise<CodeLocationResult | undefined> {
    const message = describeRefusal(reason.path, reason.why);
    if (mode === 'programmatic') throw new Error(message);
    const open = 'Open Anyway';
    const answer = await vscode.window.showWarningMessage(
      `SpanLens: open ${inert(reason.path)}? It is outside the workspace folders.`,
      { modal: true, detail: `Span "${mapping.spanName}" points there. A trace can name any path; open it only if you expected this file.` },
      open,
    );
    if (answer !== open) return undefined;
    const from = mapping.from?.kind === 'file' ? mapping.from : undefined;
    return await this.open(reason.path, from?.line, from?.column, mode);
  }

  /**
   * A span named by its function only, whose declaration the worker's text search found in
   * several files or in none: the workspace symbol providers (a language server, when one runs)
   * may tell them apart or find it; without one, the text search's declarations are offered.
   */
  private async searchSymbol(ref: SpanRef, mapping: SpanMapping, mode: NavigationMode): Promise<CodeLocationResult | undefined> {
    const symbol = mapping.symbol;
    if (!symbol) return undefined;
    const found = await this.workspaceSymbols(symbol.function);
    const matches = matchSymbols(
      found.map((s) => ({ name: s.name, containerName: s.containerName, path: s.location.uri.fsPath, symbol: s })),
      symbol,
    );
    const declarations = symbol.declarations ?? [];
    if (declarations.length > 0) {
      const declared = new Set(declarations.map((d) => pathToUri(d.path).fsPath));
      const among = matches.filter((m) => declared.has(m.path));
      const [one] = among;
      if (among.length === 1 && one) return await this.openSymbol(one.path, one.symbol, mode);
      return await this.chooseDeclaration(symbol.qualifiedName, declarations, mode);
    }
    const only = matches[0];
    if (matches.length === 1 && only) return await this.openSymbol(only.path, only.symbol, mode);
    if (matches.length === 0) {
      this.tellUnmapped(ref, mapping, mapping.reason, mode);
      return undefined;
    }
    if (mode === 'programmatic')
      throw new Error(
        describeSymbolAmbiguity(
          symbol.qualifiedName,
          matches.map((m) => `${m.path} (${m.containerName}.${m.name})`),
        ),
      );
    const picked = await vscode.window.showQuickPick(
      matches.map((m) => ({ label: inert(m.name), description: inert(m.containerName), detail: inert(vscode.workspace.asRelativePath(m.path)), m })),
      { title: `Several symbols are named ${inert(symbol.function)}` },
    );
    if (!picked) return undefined;
    return await this.openSymbol(picked.m.path, picked.m.symbol, mode);
  }

  /** The providers' symbols, or none: a provider that fails must not stop the text search's answer. */
  private async workspaceSymbols(name: string): Promise<vscode.SymbolInformation[]> {
    try {
      return (await vscode.commands.executeCommand<vscode.SymbolInformation[] | undefined>('vscode.executeWorkspaceSymbolProvider', name)) ?? [];
    } catch (error: unknown) {
      this.deps.log.info(`Code mapping: the workspace symbol providers failed for ${name}: ${String(error)}`);
      return [];
    }
  }

  private async openSymbol(path: string, symbol: vscode.SymbolInformation, mode: NavigationMode): Promise<CodeLocationResult> {
    const start = symbol.location.range.start;
    return await this.open(path, start.line + 1, start.character + 1, mode);
  }

  private async chooseDeclaration(qualifiedName: string, declarations: readonly MappedLocation[], mode: NavigationMode): Promise<CodeLocationResult | undefined> {
    if (mode === 'programmatic')
      throw new Error(
        describeSymbolAmbiguity(
          qualifiedName,
          declarations.map((d) => `${d.folder}/${d.relativePath}:${d.line ?? 1}`),
        ),
      );
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const picked = await vscode.window.showQuickPick(
      declarations.map((d) => ({ label: inert(d.relativePath), description: multiRoot ? inert(d.folder) : '', ...(d.line === undefined ? {} : { detail: `line ${d.line}` }), d })),
      { title: `${inert(qualifiedName)} is declared in ${declarations.length} files`, placeHolder: 'Pick the one this span ran', matchOnDescription: true },
    );
    return picked ? await this.open(picked.d.path, picked.d.line, picked.d.column, mode) : undefined;
  }

  private tellUnmapped(ref: SpanRef, mapping: SpanMapping, reason: UnmappedReason | undefined, mode: NavigationMode): void {
    const message = describeUnmapped(mapping, reason);
    this.deps.log.info(message);
    if (mode === 'treeClick' && (reason === undefined || reason.kind === 'noCodeLocation')) {
      vscode.window.setStatusBarMessage(message, 5000);
      return;
    }
    const paths = reason?.kind === 'notInWorkspace' || reason?.kind === 'onlyLibraryFrames' ? reason.paths : [];
    // A path mapping cannot bring a dependency, the runtime or a missing build into the workspace.
    const actions = reason === undefined || reason.kind === 'noCodeLocation' || reason.kind === 'cannotBeInWorkspace' || reason.kind === 'onlyLibraryFrames' ? [explain] : [addMapping, explain];
    // Not awaited: a script gets its `undefined` now, while the message waits for a person.
    void vscode.window.showInformationMessage(message, ...actions).then(async (action) => {
      if (action === explain) await executeCommand('spanlens.explainMapping', ref);
      else if (action === addMapping && (await this.askForMapping(paths[0] ?? mapping.symbol?.qualifiedName, mapping.service))) {
        await executeCommand('spanlens.goToSpanCode', ref);
      }
    });
  }

  /** Asks for `from` and `to`; resolves true when a rule was saved. */
  private async askForMapping(path: string | undefined, service: string): Promise<boolean> {
    const from = await vscode.window.showInputBox({
      title: 'Add Path Mapping (1/2): production folder',
      prompt: `The start of paths as ${service === '' ? 'the service' : inert(service)} recorded them`,
      value: path === undefined ? '' : suggestedMappingFrom(path),
      validateInput: (text) => (text.trim() === '' ? 'A prefix of the recorded paths, for example /app' : undefined),
    });
    if (from === undefined) return false;
    const to = await vscode.window.showInputBox({
      title: 'Add Path Mapping (2/2): folder of your checkout',
      prompt: 'Where those files are here; ${workspaceFolder} and ${workspaceFolder:name} work',
      value: '${workspaceFolder}',
      validateInput: (text) => (text.trim() === '' ? 'A folder, for example ${workspaceFolder}/services/api' : undefined),
    });
    if (to === undefined) return false;
    await this.remember({ from: from.trim(), to: to.trim() });
    return true;
  }

  /** Saves a rule in the workspace's settings (beside the code it maps) and tells the worker at once. */
  private async remember(rule: PathMappingRule): Promise<void> {
    const current = inspectSetting('spanlens.pathMappings')?.workspaceValue;
    const target = vscode.workspace.workspaceFolders === undefined ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace;
    try {
      await updateSetting('spanlens.pathMappings', [...(Array.isArray(current) ? (current as unknown[]) : []), rule], target);
    } catch (error: unknown) {
      throw new ReportedError(`SpanLens: could not save the path mapping ${rule.from} → ${rule.to}: ${String(error)}`, false);
    }
    await this.deps.indexer.sendConfiguration();
    this.deps.log.info(`Code mapping: remembered ${rule.from} → ${rule.to}${rule.service === undefined ? '' : ` for ${rule.service}`}.`);
    void vscode.window.showInformationMessage(`SpanLens: remembered ${inert(rule.from)} → ${inert(rule.to)} in spanlens.pathMappings.`);
  }
}

/** The span selected in the Traces view, if the selection is a span. */
export function selectedSpan(view: vscode.TreeView<TraceTreeNode>): SpanRef | undefined {
  const node = view.selection.find((n) => n.kind === 'span');
  return node?.kind === 'span' ? { traceId: node.row.traceId, spanId: node.row.spanId } : undefined;
}
