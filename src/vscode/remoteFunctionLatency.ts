import * as vscode from 'vscode';
import { parseAggregationWindow, parsePercentiles } from '../core/aggregation/aggregationWindow';
import { formatDuration } from '../shared/formatDuration';
import type { SourceConfig } from '../core/backends/sourceConfig';
import type { RemoteFunctionSpansReport, RemoteFunctionSpansRequest } from '../core/traceService/traceServiceProtocol';
import type { RemoteFunctionFigures } from '../core/traceService/functionSpansService';
import { executeCommand, ReportedError } from './commandRegistry';
import { uriOf, workspaceFileOf } from './convert';
import type { RemoteCommandDeps } from './openTrace';
import { isCancellation, signalOf } from './remoteSources';
import { readSetting, showSettings } from './settings';

/** The command that asks a remote source for production spans of the open file's functions. */

export interface RemoteLatencyArgument {
  readonly uri?: vscode.Uri | string;
  readonly source?: string;
  /** Jaeger needs one; asked for interactively when absent. */
  readonly service?: string;
  readonly traceLimit?: number;
  /** Scripts get the report without a quick pick unless they ask for one. */
  readonly interactive?: boolean;
}

const argumentKeys = ['uri', 'source', 'service', 'traceLimit', 'interactive'];
const functionKinds = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Constructor]);
const symbolTimeoutMs = 5000;
const addSourceAction = 'Add a Source…';

function parseArgument(argument: unknown): RemoteLatencyArgument | undefined {
  if (argument === undefined) return undefined;
  const usage = `spanlens.showRemoteLatencyForFile takes { uri?, source?, service?, traceLimit?, interactive? }.`;
  if (typeof argument !== 'object' || argument === null || Array.isArray(argument) || argument instanceof vscode.Uri) {
    // The editor title and explorer menus pass the file's Uri.
    if (argument instanceof vscode.Uri) return { uri: argument, interactive: true };
    throw new Error(usage);
  }
  if (!Object.keys(argument).every((key) => argumentKeys.includes(key))) throw new Error(usage);
  const { uri, source, service, traceLimit, interactive } = argument as Record<string, unknown>;
  if (uri !== undefined && !(uri instanceof vscode.Uri) && typeof uri !== 'string') throw new Error(usage);
  if ((source !== undefined && typeof source !== 'string') || (service !== undefined && typeof service !== 'string')) throw new Error(usage);
  if (traceLimit !== undefined && (typeof traceLimit !== 'number' || !Number.isSafeInteger(traceLimit) || traceLimit < 1 || traceLimit > 1000))
    throw new Error(`${usage} traceLimit is a whole number from 1 to 1000.`);
  return {
    ...(uri === undefined ? {} : { uri }),
    ...(source === undefined ? {} : { source }),
    ...(service === undefined ? {} : { service }),
    ...(traceLimit === undefined ? {} : { traceLimit }),
    interactive: interactive === true,
  };
}

/**
 * `spanlens.showRemoteLatencyForFile`: picks the remote source, asks it for the spans of the open
 * file's functions in the annotation window (with progress and cancel), and lists the functions
 * slowest first with their figures and sample size. Picking one opens its slowest trace through
 * `spanlens.openTrace`. The counted spans also join the file's CodeLens figures.
 */
export async function showRemoteLatencyForFile(deps: RemoteCommandDeps, argument: unknown): Promise<RemoteFunctionSpansReport | undefined> {
  const parsed = parseArgument(argument);
  const interactive = parsed === undefined || parsed.interactive === true;
  const uri = (parsed?.uri === undefined ? undefined : uriOf(parsed.uri)) ?? vscode.window.activeTextEditor?.document.uri;
  if (uri === undefined || uri.scheme !== 'file') throw new Error('Open a source file in the editor, then run "Show Production Latency from Remote Source for This File" again.');
  const settings = await deps.remote.prepare();
  if (settings.sources.length === 0 && parsed?.source === undefined) {
    const message = 'SpanLens: no remote trace source is configured, so there is nowhere to ask for production spans. Add a Jaeger, Tempo or Zipkin source to spanlens.sources (user settings).';
    void vscode.window.showWarningMessage(message, addSourceAction).then((choice) => {
      if (choice === addSourceAction) void showSettings('spanlens.sources');
    });
    throw new ReportedError(message, true);
  }
  const source = await deps.remote.chooseSource(settings, parsed?.source, interactive, 'Production Latency for This File');
  if (!source) return undefined;

  const document = await vscode.workspace.openTextDocument(uri);
  const functions = await functionNames(document);
  if (functions.length === 0) {
    throw new Error(`SpanLens found no functions in ${vscode.workspace.asRelativePath(uri)}: the language has no symbol provider, or it is not ready yet. Try again in a moment.`);
  }
  const service = parsed?.service ?? (source.type === 'jaeger' ? await pickService(deps, source, interactive) : undefined);
  if (source.type === 'jaeger' && service === undefined) return undefined;
  const window = parseAggregationWindow(readSetting('spanlens.annotations.window'));
  const percentiles = parsePercentiles(readSetting('spanlens.annotations.percentiles'));
  const request: RemoteFunctionSpansRequest = {
    functions,
    relativePath: workspaceFileOf(uri)?.relativePath ?? uri.path.split('/').pop() ?? '',
    fsPath: uri.fsPath,
    window: window.ok ? window.value : '1h',
    percentiles: percentiles.ok ? percentiles.value : [50, 95, 99],
    lookbackMinutes: windowMinutes[window.ok ? window.value : '1h'],
    ...(service === undefined ? {} : { service }),
    ...(parsed?.traceLimit === undefined ? {} : { traceLimit: parsed.traceLimit }),
  };

  let report: RemoteFunctionSpansReport;
  try {
    report = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `SpanLens: asking "${source.name}" for ${functions.length} ${functions.length === 1 ? 'function' : 'functions'} of this file`,
        cancellable: true,
      },
      (_progress, token) => deps.queries.remoteFunctionSpans(source.name, request, signalOf(token)),
    );
  } catch (error: unknown) {
    if (isCancellation(error)) {
      if (interactive) return undefined;
      throw new ReportedError(error instanceof Error ? error.message : String(error), true);
    }
    throw deps.remote.failure(error);
  }
  deps.log.info(
    `Remote latency for ${request.relativePath} from "${source.name}": ${report.requests} requests, ${report.functions.length} functions with spans, ${report.elsewhere} same-named spans elsewhere left out.`,
  );
  for (const skipped of report.skipped) deps.log.warn(`Not asked about ${skipped.function}: ${skipped.reason}.`);
  if (report.functions.length === 0) {
    if (interactive) void vscode.window.showInformationMessage(`SpanLens: ${report.message ?? `no spans found for these functions in the ${report.windowLabel} at "${source.name}".`}`);
    return report;
  }
  if (interactive) await pick(report);
  return report;
}

const windowMinutes = { '15m': 15, '1h': 60, '24h': 1440, '7d': 10080 } as const;

async function pick(report: RemoteFunctionSpansReport): Promise<void> {
  const items = report.functions.map((figures) => ({
    label: figures.function,
    description: figures.title,
    detail: detailOf(figures),
    figures,
  }));
  const notFound = report.notFound.length === 0 ? '' : ` · nothing for ${report.notFound.length}`;
  const chosen = await vscode.window.showQuickPick(items, {
    title: `SpanLens: production latency from "${report.source}", ${report.windowLabel}, slowest first${notFound}`,
    placeHolder: 'Pick a function to open its slowest trace',
    matchOnDescription: true,
    matchOnDetail: true,
    // Opens after the search's progress: see searchTraces.ts on webview focus arriving late.
    ignoreFocusOut: true,
  });
  const slowest = chosen?.figures.slowest;
  if (slowest === undefined) return;
  await executeCommand('spanlens.openTrace', { traceId: slowest.traceId, source: report.source });
}

function detailOf(figures: RemoteFunctionFigures): string {
  const parts = [figures.sample];
  if (figures.evidence === 'name') parts.push('matched by name only: the spans do not say their file');
  if (figures.slowest !== undefined) parts.push(`slowest ${formatDuration(figures.slowest.durationMs * 1e6)}${figures.slowest.error ? ' (error)' : ''}`);
  return parts.join(' · ');
}

/** Jaeger searches one service at a time; the pick loads the service list from the source. */
async function pickService(deps: RemoteCommandDeps, source: SourceConfig, interactive: boolean): Promise<string | undefined> {
  if (!interactive) throw new Error(`Jaeger searches one service at a time: pass "service" with "source": "${source.name}".`);
  const controller = new AbortController();
  const names = deps.queries.remoteServices(source.name, controller.signal).then(
    (list) => [...list].sort().map((label) => ({ label })),
    (error: unknown) => {
      throw isCancellation(error) ? error : deps.remote.failure(error);
    },
  );
  try {
    const chosen = await vscode.window.showQuickPick(names, {
      title: `SpanLens: Production Latency from "${source.name}"`,
      placeHolder: 'Which service runs this file? (Jaeger searches one service at a time)',
    });
    return chosen?.label;
  } finally {
    controller.abort();
  }
}

/** The names of function-like symbols, outer containers included, without duplicates. */
async function functionNames(document: vscode.TextDocument): Promise<string[]> {
  let timeout: ReturnType<typeof setTimeout> | undefined;
  const symbols = await Promise.race([
    Promise.resolve(vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>('vscode.executeDocumentSymbolProvider', document.uri)).catch(() => undefined),
    new Promise<undefined>((resolve) => (timeout = setTimeout(() => resolve(undefined), symbolTimeoutMs))),
  ]);
  if (timeout !== undefined) clearTimeout(timeout);
  const names = new Set<string>();
  const visit = (symbol: vscode.DocumentSymbol | vscode.SymbolInformation): void => {
    if (functionKinds.has(symbol.kind)) names.add(symbol.name);
    if ('children' in symbol) for (const child of symbol.children) visit(child);
  };
  for (const symbol of symbols ?? []) visit(symbol);
  return [...names];
}
