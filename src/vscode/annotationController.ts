import * as vscode from 'vscode';
import { defaultPercentiles, parseAggregationWindow, parsePercentiles, type AggregationWindow } from '../core/aggregation/aggregationWindow';
import type { AnnotationsChangedEvent, DocumentAnnotations, ExceptionAnnotation, FunctionAnnotation, FunctionHover, SpanChoice } from '../core/traceService/annotationService';
import type { TraceQueries } from '../core/traceService/traceServiceProtocol';
import { placeFunction, type Placement, type SymbolSpan } from './annotationText';
import { fromPosition } from './convert';
import { readSetting, settingChanged } from './settings';

export type AnnotationQueries = Pick<TraceQueries, 'configureAnnotations' | 'statsForDocument' | 'spansForFunction' | 'hoverForFunction' | 'exceptionsForDocument'> & {
  onAnnotationsChanged(listener: (event: AnnotationsChangedEvent) => void): { dispose(): void };
};

export interface AnnotationKinds {
  readonly codeLens: boolean;
  readonly hover: boolean;
  readonly decorations: boolean;
  readonly diagnostics: boolean;
}

/** Where a function is declared, as the symbol provider reported it (the hover's hit area). */
export interface Declaration {
  /** The whole function, body included. */
  readonly range: vscode.Range;
  /** Its name; empty when the provider gave none (SymbolInformation) and the line did not show it. */
  readonly nameRange: vscode.Range;
}

/** A function's figures with where they sit in this version of the document. */
export interface PlacedFunction {
  readonly annotation: FunctionAnnotation;
  readonly placement: Placement;
  /** Set when placed on a document symbol. */
  readonly declaration: Declaration | undefined;
}

/** One document reloaded; `undefined` instead means every document may have changed. */
export interface AnnotationChange {
  readonly uri: vscode.Uri;
  readonly entry: DocumentEntry | undefined;
}

/** What the providers answer from: one document version, refreshed from the worker in the background. */
export interface DocumentEntry {
  readonly version: number;
  readonly functions: readonly PlacedFunction[];
  readonly exceptions: readonly ExceptionAnnotation[];
}

const refreshDelayMs = 300;
/** How long a load waits for document symbols before placing figures by their mapped lines. */
const symbolWaitMs = 500;
/** How long a language server gets to answer document symbols at all. */
const symbolTimeoutMs = 10_000;
const symbolRetries = 5;
const symbolRetryMs = 2000;
const functionKinds = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Constructor]);

/**
 * Owns the host-side cache of annotation data per document and keeps it fresh: worker events
 * name the files that changed, and those documents reload after a 300 ms pause (so nothing
 * flickers while spans stream in). Providers read the cache; a missing or outdated entry is
 * loaded asynchronously from the worker, never computed on this thread.
 */
export class AnnotationController implements vscode.Disposable {
  private readonly entries = new Map<string, DocumentEntry>();
  private readonly loading = new Map<string, Promise<DocumentEntry | undefined>>();
  private readonly stale = new Set<string>();
  private readonly symbolRetries = new Map<string, number>();
  private readonly symbols = new Map<string, SymbolsAsked>();
  private refreshAllPending = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly changed = new vscode.EventEmitter<AnnotationChange | undefined>();
  private readonly disposables: { dispose(): unknown }[] = [];
  private settingsShown = new Set<string>();
  kinds: AnnotationKinds = readKinds();
  private aggregation = { window: '1h' as AggregationWindow, percentiles: defaultPercentiles };

  /** Fires with a document whose entry was reloaded, or undefined when every document may have changed. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly queries: AnnotationQueries,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.changed,
      { dispose: () => this.timer !== undefined && clearTimeout(this.timer) },
      queries.onAnnotationsChanged((event) => this.workerChanged(event)),
      vscode.workspace.onDidChangeConfiguration((event) => this.configurationChanged(event)),
      vscode.workspace.onDidOpenTextDocument((document) => this.documentShown(document)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const editor of editors) this.editorShown(editor.document);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.entries.delete(document.uri.toString());
        this.symbols.delete(document.uri.toString());
      }),
    );
  }

  /** Sends the validated window and percentiles; called off the activation path. */
  async start(): Promise<void> {
    this.aggregation = this.readAggregation();
    await this.queries.configureAnnotations(this.aggregation);
    for (const editor of vscode.window.visibleTextEditors) this.documentShown(editor.document);
  }

  /** The cached entry when it matches the document's version, else one loaded now. */
  async entryFor(document: vscode.TextDocument): Promise<DocumentEntry | undefined> {
    if (!isAnnotatable(document)) return undefined;
    const key = document.uri.toString();
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.version === document.version && !this.stale.has(key)) return cached;
    // While a reload is due, the last figures keep showing: they are replaced, not blanked.
    if (cached !== undefined && this.stale.has(key)) return cached;
    return await this.load(document);
  }

  /** `spanlens.refreshAnnotations`: every open document reloads now. */
  async refreshAll(): Promise<void> {
    this.entries.clear();
    this.stale.clear();
    await Promise.all(vscode.workspace.textDocuments.filter(isAnnotatable).map((document) => this.load(document)));
    this.changed.fire(undefined);
  }

  spansFor(document: vscode.TextDocument, fn: FunctionAnnotation): Promise<readonly SpanChoice[]> {
    return this.queries.spansForFunction(document.uri.fsPath, fn.target);
  }

  /** The hover of a function, from the worker when asked: refreshes carry titles only. */
  hoverFor(document: vscode.TextDocument, fn: FunctionAnnotation): Promise<FunctionHover | undefined> {
    return this.queries.hoverForFunction(document.uri.fsPath, fn.target);
  }

  /** The function whose symbol holds `line` (1-based), innermost first; else the one placed there. */
  functionAt(entry: DocumentEntry, line: number): PlacedFunction | undefined {
    let best: PlacedFunction | undefined;
    for (const placed of entry.functions) {
      const symbol = placed.placement.symbol;
      if (symbol === undefined || symbol.startLine > line || symbol.endLine < line) continue;
      if (best?.placement.symbol === undefined || symbol.endLine - symbol.startLine < best.placement.symbol.endLine - best.placement.symbol.startLine) best = placed;
    }
    if (best !== undefined) return best;
    // Without symbols, the nearest function placed at or above the line is the best guess.
    let above: PlacedFunction | undefined;
    for (const placed of entry.functions) if (placed.placement.line <= line && (above === undefined || placed.placement.line > above.placement.line)) above = placed;
    return above;
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }

  private load(document: vscode.TextDocument): Promise<DocumentEntry | undefined> {
    const key = document.uri.toString();
    const running = this.loading.get(key);
    if (running !== undefined) {
      // Marked stale after that load asked: its answer may predate the news, so ask again after it.
      return this.stale.has(key) ? running.then(() => this.load(document)) : running;
    }
    // Cleared as the question is asked, not when it is answered: news arriving meanwhile stays marked.
    this.stale.delete(key);
    const promise = this.fetch(document)
      .then((entry) => {
        this.entries.set(key, entry);
        return entry;
      })
      .catch((error: unknown) => {
        this.stale.add(key);
        this.log.warn(`Annotations for ${document.uri.fsPath} could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
        return this.entries.get(key);
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, promise);
    return promise;
  }

  private async fetch(document: vscode.TextDocument): Promise<DocumentEntry> {
    const version = document.version;
    const fsPath = document.uri.fsPath;
    // The symbols are asked beside the figures, not after them: a freshly opened editor waits for
    // the slower of the two, not for both one after the other.
    const symbols = this.symbolsOf(document).catch((): Symbols => new Map());
    const [stats, exceptions] = await Promise.all([this.queries.statsForDocument(fsPath), this.queries.exceptionsForDocument(fsPath)]);
    return { version, functions: place(stats, stats.functions.length === 0 ? new Map() : await symbols), exceptions };
  }

  /**
   * The document's function symbols, asked of its language server once per version: under
   * traffic the figures reload every few hundred milliseconds, the declarations do not move.
   * A server still starting does not hold the figures back: they are placed by mapped lines
   * first and placed again when the symbols arrive.
   */
  private async symbolsOf(document: vscode.TextDocument): Promise<Symbols> {
    const key = document.uri.toString();
    let cached = this.symbols.get(key);
    if (cached?.version !== document.version) {
      const asked: SymbolsAsked = { version: document.version, symbols: documentSymbols(document), settled: false, late: false };
      cached = asked;
      this.symbols.set(key, asked);
      void asked.symbols.then((symbols) => {
        asked.settled = true;
        if (symbols.size === 0 && this.symbols.get(key) === asked) {
          // Nothing came back: a server still starting, or a language without one. Ask a few more times.
          this.symbols.delete(key);
          const tries = (this.symbolRetries.get(key) ?? 0) + 1;
          this.symbolRetries.set(key, tries);
          if (tries <= symbolRetries) setTimeout(() => this.reloadLater(key), symbolRetryMs);
          return;
        }
        this.symbolRetries.delete(key);
        if (asked.late) this.reloadLater(key);
      });
    }
    if (cached.settled) return await cached.symbols;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const waited = await Promise.race([cached.symbols, new Promise<undefined>((resolve) => (timeout = setTimeout(() => resolve(undefined), symbolWaitMs)))]);
    clearTimeout(timeout);
    if (waited !== undefined) return waited;
    cached.late = true;
    return new Map();
  }

  private reloadLater(key: string): void {
    this.stale.add(key);
    this.schedule();
  }

  private workerChanged(event: AnnotationsChangedEvent): void {
    if (event.all) this.refreshAllPending = true;
    const files = new Set(event.files);
    for (const document of vscode.workspace.textDocuments) if (event.all || files.has(document.uri.fsPath)) this.stale.add(document.uri.toString());
    // Files that are not open still get their diagnostics: the Problems view lists them.
    for (const file of files) this.stale.add(vscode.Uri.file(file).toString());
    this.schedule();
  }

  /** A person is looking at it: its figures load now, not after the refresh pause. */
  private editorShown(document: vscode.TextDocument): void {
    if (!isAnnotatable(document) || this.entries.has(document.uri.toString())) return;
    void this.load(document).then((entry) => this.changed.fire({ uri: document.uri, entry }));
  }

  private documentShown(document: vscode.TextDocument): void {
    if (!isAnnotatable(document) || this.entries.has(document.uri.toString())) return;
    this.stale.add(document.uri.toString());
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, refreshDelayMs);
  }

  private async flush(): Promise<void> {
    const keys = [...this.stale];
    const all = this.refreshAllPending;
    this.refreshAllPending = false;
    const open = new Map(vscode.workspace.textDocuments.map((document) => [document.uri.toString(), document]));
    await Promise.all(
      keys.map(async (key) => {
        const document = open.get(key) ?? (await this.openQuietly(key));
        if (document === undefined) {
          this.stale.delete(key);
          return;
        }
        const entry = await this.load(document);
        if (!open.has(key)) this.entries.delete(key);
        this.changed.fire({ uri: document.uri, entry });
      }),
    );
    if (all) this.changed.fire(undefined);
  }

  /** A file with fresh exceptions that is not open: loaded for its diagnostics only. */
  private async openQuietly(key: string): Promise<vscode.TextDocument | undefined> {
    const uri = vscode.Uri.parse(key);
    if (uri.scheme !== 'file') return undefined;
    try {
      return await vscode.workspace.openTextDocument(uri);
    } catch {
      return undefined;
    }
  }

  private configurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (!settingChanged(event, 'spanlens.annotations')) return;
    this.kinds = readKinds();
    if (settingChanged(event, 'spanlens.annotations.window', 'spanlens.annotations.percentiles')) {
      this.settingsShown = new Set();
      this.aggregation = this.readAggregation();
      // The worker answers with an `all` change, which reloads every document.
      void this.queries.configureAnnotations(this.aggregation).catch((error: unknown) => this.log.warn(`Annotation settings not applied: ${String(error)}`));
    }
    this.changed.fire(undefined);
  }

  /** Bad values fall back to the defaults, with a message saying what to write instead (once per value). */
  private readAggregation(): { window: AggregationWindow; percentiles: readonly number[] } {
    const window = parseAggregationWindow(readSetting('spanlens.annotations.window'));
    const percentiles = parsePercentiles(readSetting('spanlens.annotations.percentiles'));
    for (const result of [window, percentiles]) {
      if (result.ok || this.settingsShown.has(result.message)) continue;
      this.settingsShown.add(result.message);
      this.log.warn(result.message);
      void vscode.window.showWarningMessage(`${result.message} Using the default for now.`);
    }
    return { window: window.ok ? window.value : '1h', percentiles: percentiles.ok ? percentiles.value : defaultPercentiles };
  }
}

function readKinds(): AnnotationKinds {
  return {
    codeLens: readSetting('spanlens.annotations.codeLens'),
    hover: readSetting('spanlens.annotations.hover'),
    decorations: readSetting('spanlens.annotations.decorations'),
    diagnostics: readSetting('spanlens.annotations.diagnostics'),
  };
}

export function isAnnotatable(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file';
}

/** One document version's question to its language server. */
interface SymbolsAsked {
  readonly version: number;
  readonly symbols: Promise<Symbols>;
  settled: boolean;
  /** A load stopped waiting for it: the answer, when it comes, must reload the document. */
  late: boolean;
}

/** The placing core works on 1-based SymbolSpans; each remembers the editor ranges it came from. */
type Symbols = ReadonlyMap<SymbolSpan, Declaration>;

function place(stats: DocumentAnnotations, symbols: Symbols): PlacedFunction[] {
  const spans = [...symbols.keys()];
  const out: PlacedFunction[] = [];
  for (const annotation of stats.functions) {
    const placement = placeFunction(annotation, spans);
    if (placement !== undefined) out.push({ annotation, placement, declaration: placement.symbol === undefined ? undefined : symbols.get(placement.symbol) });
  }
  return out;
}

/** Function-like symbols, flattened; none when the language has no provider or it is not ready in time. */
async function documentSymbols(document: vscode.TextDocument): Promise<Map<SymbolSpan, Declaration>> {
  let timeout: ReturnType<typeof setTimeout> | undefined;
  const symbols = await Promise.race([
    Promise.resolve(vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>('vscode.executeDocumentSymbolProvider', document.uri)).catch(() => undefined),
    new Promise<undefined>((resolve) => (timeout = setTimeout(() => resolve(undefined), symbolTimeoutMs))),
  ]);
  if (timeout !== undefined) clearTimeout(timeout);
  const out = new Map<SymbolSpan, Declaration>();
  const add = (name: string, range: vscode.Range, nameRange: vscode.Range): void => {
    out.set({ name, startLine: fromPosition(range.start).line, endLine: fromPosition(range.end).line, selectionLine: fromPosition(nameRange.start).line }, { range, nameRange });
  };
  const visit = (symbol: vscode.DocumentSymbol | vscode.SymbolInformation): void => {
    if ('selectionRange' in symbol) {
      if (functionKinds.has(symbol.kind)) add(symbol.name, symbol.range, symbol.selectionRange);
      for (const child of symbol.children) visit(child);
    } else if (functionKinds.has(symbol.kind)) {
      // Flat providers give no name range: find the name on the symbol's first line.
      const range = symbol.location.range;
      const column = range.start.line < document.lineCount ? document.lineAt(range.start.line).text.indexOf(symbol.name, range.start.character) : -1;
      const nameStart = column < 0 ? range.start : new vscode.Position(range.start.line, column);
      add(symbol.name, range, new vscode.Range(nameStart, column < 0 ? nameStart : nameStart.translate(0, symbol.name.length)));
    }
  };
  for (const symbol of symbols ?? []) visit(symbol);
  return out;
}
