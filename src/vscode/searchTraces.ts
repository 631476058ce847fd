import * as vscode from 'vscode';
import type { SourceConfig } from '../core/backends/sourceConfig';
import { formatDuration } from '../shared/formatDuration';
import type { SearchHit, TraceSearchQuery } from '../core/traceService/traceServiceProtocol';
import { parseSearchFilter } from '../core/backends/parseSearchFilter';
import { ReportedError } from './commandRegistry';
import { openById, type RemoteCommandDeps } from './openTrace';
import { isCancellation, signalOf } from './remoteSources';

/** One result as the contract's `searchTraces` resolves it. */
export interface SearchResultRow {
  readonly traceId: string;
  readonly rootService: string;
  readonly rootName: string;
  readonly startTime: number;
  readonly durationMs: number;
  readonly spanCount: number | undefined;
  readonly errorCount: number | undefined;
}

export interface SearchArgument extends TraceSearchQuery {
  readonly source?: string;
}

const queryKeys = ['source', 'service', 'operation', 'tags', 'query', 'minDurationMs', 'maxDurationMs', 'lookbackMinutes', 'limit'];

function isSearchArgument(argument: unknown): argument is SearchArgument {
  return typeof argument === 'object' && argument !== null && !Array.isArray(argument) && Object.keys(argument).every((key) => queryKeys.includes(key));
}

/**
 * `spanlens.searchTraces`: a query object from a script, resolving to the results; from the
 * palette a quick-pick flow (source → service → operation → filters → results). Results are
 * listed under the source in the tree either way; picking one opens it.
 */
export async function searchTraces(deps: RemoteCommandDeps, argument: unknown): Promise<{ traces: SearchResultRow[] } | undefined> {
  if (argument !== undefined && !isSearchArgument(argument)) {
    throw new Error(`spanlens.searchTraces takes { source?, service?, operation?, tags?, query?, minDurationMs?, maxDurationMs?, lookbackMinutes?, limit? }.`);
  }
  const settings = await deps.remote.prepare();
  if (argument !== undefined) {
    const { source: requested, ...query } = argument;
    const source = await deps.remote.chooseSource(settings, requested, false, 'Search Traces');
    if (!source) return undefined;
    const hits = await run(deps, source, query, false);
    return hits ? { traces: hits.map(row) } : undefined;
  }
  const source = await deps.remote.chooseSource(settings, undefined, true, 'Search Traces');
  if (!source) return undefined;
  const query = await askQuery(deps, source);
  if (!query) return undefined;
  const hits = await run(deps, source, query, true);
  if (!hits) return undefined;
  if (hits.length === 0) {
    void vscode.window.showInformationMessage(`SpanLens: no traces in "${source.name}" match this search. Try a longer time range or fewer filters.`);
    return { traces: [] };
  }
  // Every step of this flow ignores focus-out. Between steps the quick input closes and VS Code
  // hands focus back to the editor; when that is a webview (the trace view) the focus lands
  // asynchronously and can arrive after the next pick opened, which would close it at once
  // (https://github.com/microsoft/vscode/issues/75209): here a fast backend's results vanished.
  const picked = await vscode.window.showQuickPick(
    hits.map((hit) => ({ label: `${hit.rootService}: ${hit.rootName}`, description: describeHit(hit), detail: `${new Date(hit.startTime).toLocaleString()} · ${hit.traceId}`, hit })),
    {
      title: `SpanLens: ${hits.length} traces in "${source.name}"`,
      placeHolder: 'Pick a trace to open (all are listed in the Traces view)',
      matchOnDescription: true,
      matchOnDetail: true,
      ignoreFocusOut: true,
    },
  );
  if (picked) await openById(deps, picked.hit.traceId, source.name, true);
  return { traces: hits.map(row) };
}

async function run(deps: RemoteCommandDeps, source: SourceConfig, query: TraceSearchQuery, interactive: boolean): Promise<readonly SearchHit[] | undefined> {
  let hits: readonly SearchHit[];
  try {
    hits = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `SpanLens: searching "${source.name}"`, cancellable: true }, (_progress, token) =>
      deps.queries.searchRemote(source.name, query, signalOf(token)),
    );
  } catch (error: unknown) {
    if (isCancellation(error)) {
      if (interactive) return undefined;
      throw new ReportedError(error instanceof Error ? error.message : String(error), true);
    }
    throw deps.remote.failure(error);
  }
  deps.log.info(`Search in "${source.name}" found ${hits.length} traces.`);
  deps.remoteTraces.setResults(source.name, hits);
  return hits;
}

function row(hit: SearchHit): SearchResultRow {
  return { traceId: hit.traceId, rootService: hit.rootService, rootName: hit.rootName, startTime: hit.startTime, durationMs: hit.durationMs, spanCount: hit.spanCount, errorCount: hit.errorCount };
}

function describeHit(hit: SearchHit): string {
  const parts = [formatDuration(hit.durationMs * 1e6)];
  if (hit.spanCount !== undefined) parts.push(`${hit.spanCount} span${hit.spanCount === 1 ? '' : 's'}`);
  if (hit.errorCount !== undefined && hit.errorCount > 0) parts.push(`${hit.errorCount} error${hit.errorCount === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

const anyItem = '$(circle-slash) Any';

/**
 * A quick pick whose items load from the source. Closing it while loading aborts the request
 * in the worker, so an abandoned pick costs the backend nothing more.
 */
async function pickLoaded(title: string, placeholder: string, load: (signal: AbortSignal) => Promise<readonly string[]>, allowAny: boolean): Promise<string | null | undefined> {
  const pick = vscode.window.createQuickPick();
  pick.title = title;
  pick.placeholder = placeholder;
  pick.busy = true;
  pick.ignoreFocusOut = true;
  const controller = new AbortController();
  try {
    return await new Promise<string | null | undefined>((resolve, reject) => {
      pick.onDidHide(() => {
        controller.abort();
        resolve(undefined);
      });
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0];
        if (!chosen) return;
        resolve(chosen.label === anyItem ? null : chosen.label);
        pick.hide();
      });
      pick.show();
      load(controller.signal).then(
        (names) => {
          pick.items = [...(allowAny ? [{ label: anyItem, description: 'no filter' }] : []), ...[...names].sort().map((label) => ({ label }))];
          pick.busy = false;
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          reject(error instanceof Error ? error : new Error(String(error)));
          pick.hide();
        },
      );
    });
  } finally {
    pick.dispose();
  }
}

const lookbacks: readonly { label: string; minutes: number }[] = [
  { label: 'Last 15 minutes', minutes: 15 },
  { label: 'Last hour', minutes: 60 },
  { label: 'Last 6 hours', minutes: 360 },
  { label: 'Last 24 hours', minutes: 1440 },
  { label: 'Last 7 days', minutes: 10080 },
];

async function askQuery(deps: RemoteCommandDeps, source: SourceConfig): Promise<TraceSearchQuery | undefined> {
  const title = `SpanLens: Search "${source.name}"`;
  let service: string | null | undefined;
  let operation: string | null | undefined = null;
  try {
    // Jaeger's search needs a service; Tempo and Zipkin can search across all.
    service = await pickLoaded(title, 'Service', (signal) => deps.queries.remoteServices(source.name, signal), source.type !== 'jaeger');
    if (service === undefined) return undefined;
    if (service !== null) {
      const chosenService = service;
      operation = await pickLoaded(title, `Operation of ${service}`, (signal) => deps.queries.remoteOperations(source.name, chosenService, signal), true);
      if (operation === undefined) return undefined;
    }
  } catch (error: unknown) {
    if (isCancellation(error)) return undefined;
    throw deps.remote.failure(error);
  }
  const lookback = await vscode.window.showQuickPick(lookbacks, { title, placeHolder: 'Time range', ignoreFocusOut: true });
  if (!lookback) return undefined;
  const minDuration = await vscode.window.showInputBox({
    title,
    prompt: 'Minimum duration in milliseconds (optional)',
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' || (Number.isFinite(Number(value)) && Number(value) >= 0) ? undefined : 'A number of milliseconds, or nothing'),
  });
  if (minDuration === undefined) return undefined;
  const filter = await vscode.window.showInputBox({
    title,
    prompt: source.type === 'tempo' ? 'Tags as key=value separated by spaces, or a TraceQL query such as { status = error } (optional)' : 'Tags as key=value separated by spaces (optional)',
    ignoreFocusOut: true,
    validateInput: (value) => (parseSearchFilter(value, source.type === 'tempo') === undefined ? 'Use key=value pairs separated by spaces' : undefined),
  });
  if (filter === undefined) return undefined;
  const parsed = parseSearchFilter(filter, source.type === 'tempo') ?? {};
  return {
    ...(service !== null ? { service } : {}),
    ...(operation !== null ? { operation } : {}),
    lookbackMinutes: lookback.minutes,
    ...(minDuration.trim() === '' ? {} : { minDurationMs: Number(minDuration) }),
    ...parsed,
  };
}
