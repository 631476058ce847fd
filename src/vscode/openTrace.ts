import * as vscode from 'vscode';
import { isBackendError } from '../core/backends/backendError';
import { canonicalTraceId } from '../core/backends/searchWindow';
import { traceIdFromText } from '../core/backends/traceIdFromText';
import type { TraceQueries } from '../core/traceService/traceServiceProtocol';
import { tracesViewId } from '../shared/contract';
import { ReportedError } from './commandRegistry';
import { isCancellation, localSourceName, signalOf, type RemoteSources } from './remoteSources';
import type { RemoteTraces } from './remoteTraces';
import { readSourceSettings } from './sourceSettings';
import { noteWalkthroughFact } from './walkthrough';
import type { TraceTreeNode, TracesTreeProvider } from './tracesTreeProvider';

export interface RemoteCommandDeps {
  readonly remote: RemoteSources;
  readonly queries: TraceQueries;
  readonly remoteTraces: RemoteTraces;
  readonly tree: TracesTreeProvider;
  readonly treeView: () => vscode.TreeView<TraceTreeNode> | undefined;
  readonly log: vscode.LogOutputChannel;
  /**
   * Hook for the trace view webview (built separately): called with the id once the trace is
   * loaded and listed in the tree. Until the lead wires it, opening shows the trace in the tree only.
   */
  readonly showTrace?: (traceId: string) => unknown;
}

export interface OpenTraceResult {
  readonly traceId: string;
  readonly spanCount: number;
  readonly source: string;
}

export interface OpenTraceArgument {
  readonly traceId: string;
  readonly source?: string;
}

function isOpenTraceArgument(argument: unknown): argument is OpenTraceArgument {
  if (typeof argument !== 'object' || argument === null) return false;
  const { traceId, source } = argument as { traceId?: unknown; source?: unknown };
  return typeof traceId === 'string' && (source === undefined || typeof source === 'string');
}

/** A trace id as typed or pasted: hex of any case, a traceparent, or base64 as some UIs show it. */
export function parseTraceIdInput(text: string): string | undefined {
  return traceIdFromText(text) ?? canonicalTraceId(text);
}

const idHint = '32 or 16 hexadecimal characters, or a W3C traceparent';

/**
 * `spanlens.openTrace`: `{ traceId, source? }` from a script; from the palette an input box,
 * prefilled when the clipboard holds an id, then the source when there are several.
 */
export async function openTrace(deps: RemoteCommandDeps, argument: unknown): Promise<OpenTraceResult | undefined> {
  if (argument !== undefined && !isOpenTraceArgument(argument)) throw new Error(`spanlens.openTrace takes { traceId: string, source?: string }.`);
  if (argument) {
    const traceId = parseTraceIdInput(argument.traceId);
    if (traceId === undefined) throw new Error(`"${argument.traceId}" is not a trace id (expected ${idHint}).`);
    return await openById(deps, traceId, argument.source, false);
  }
  // Only a silent read may prefill the box (see clipboardReadsSilently).
  const clipboard = clipboardReadsSilently() ? parseTraceIdInput((await readClipboard(clipboardPrefillWaitMs)) ?? '') : undefined;
  const traceId = await askForTraceId(clipboard ?? '', `Trace id (${idHint})`);
  if (traceId === undefined) return undefined;
  return await openById(deps, traceId, undefined, true);
}

async function askForTraceId(value: string, prompt: string): Promise<string | undefined> {
  const typed = await vscode.window.showInputBox({
    title: 'SpanLens: Open Trace',
    prompt,
    value,
    placeHolder: '4bf92f3577b34da6a3ce929d0e0e4736',
    ignoreFocusOut: true,
    validateInput: (text) => (text.trim() === '' || parseTraceIdInput(text) !== undefined ? undefined : `Not a trace id: expected ${idHint}.`),
  });
  return typed === undefined ? undefined : parseTraceIdInput(typed);
}

/**
 * In a browser (code-server, vscode.dev) `clipboard.readText` goes through the page's clipboard
 * permission: unless the user granted it, the workbench shows its own error notification,
 * "Unable to read from the browser's clipboard", and the read waits until that closes
 * (microsoft/vscode#112089). A prefill nobody asked for must not cost that, so only the desktop
 * app, whose read is silent, prefills.
 */
function clipboardReadsSilently(): boolean {
  return vscode.env.uiKind !== vscode.UIKind.Web;
}

/** `spanlens.openTraceFromClipboard`: as openTrace, with the id taken from the clipboard. */
export async function openTraceFromClipboard(deps: RemoteCommandDeps): Promise<OpenTraceResult | undefined> {
  const text = await readClipboard(clipboardCommandWaitMs);
  let traceId: string | undefined;
  if (text === undefined) {
    if (clipboardReadsSilently()) throw new Error('SpanLens could not read the clipboard. Run "SpanLens: Open Trace…" and paste or type the id.');
    // The browser refused or is still asking, and said so itself: a second message would only
    // repeat it. Pasting into an input box needs no permission.
    traceId = await askForTraceId('', `The browser did not let SpanLens read the clipboard: paste the trace id here (${idHint})`);
    if (traceId === undefined) return undefined;
  } else {
    traceId = parseTraceIdInput(text);
    if (traceId === undefined) {
      throw new Error(`The clipboard does not hold a trace id (${idHint}). Copy one and try again, or run "SpanLens: Open Trace…" and type it.`);
    }
  }
  // One step from the clipboard: a remote default source is used without asking.
  const settings = readSourceSettings();
  const preferred = settings.sources.some((source) => source.name === settings.defaultSource) ? settings.defaultSource : undefined;
  return await openById(deps, traceId, preferred, true);
}

/**
 * A trace the tree already lists from the local receiver or a file, or one the local store
 * holds beyond the newest the tree lists, when no source was named.
 */
async function alreadyListed(deps: RemoteCommandDeps, traceId: string): Promise<OpenTraceResult | undefined> {
  // A remote trace still loading, or cut off, is not "already there": opening it again fetches it.
  const listed = deps.tree.listedTraces().find((trace) => trace.traceId === traceId && trace.searchResult !== true && trace.incomplete === undefined);
  if (listed) return { traceId, spanCount: listed.spanCount, source: listed.source };
  const stored = await deps.queries.localTrace(traceId).catch(() => undefined);
  return stored ? { traceId, spanCount: stored.spanCount, source: localSourceName } : undefined;
}

/** `searchedBefore`: places the caller already looked in, named too when no source holds the trace. */
export async function openById(
  deps: RemoteCommandDeps,
  traceId: string,
  requested: string | undefined,
  interactive: boolean,
  searchedBefore: readonly string[] = [],
): Promise<OpenTraceResult | undefined> {
  if (requested === localSourceName || requested === 'files') {
    const listed = await alreadyListed(deps, traceId);
    if (listed?.source !== requested)
      throw new Error(
        `Trace ${traceId} is not in ${requested === localSourceName ? "the local receiver's store" : 'the opened files'}. Open it from a remote source, or send it to the local receiver first.`,
      );
    await present(deps, traceId);
    return listed;
  }
  const settings = await deps.remote.prepare();
  // No source named and the default is the built-in receiver: a trace it already holds needs no request.
  const checkedLocal = requested === undefined && !settings.sources.some((source) => source.name === settings.defaultSource);
  if (checkedLocal) {
    const listed = await alreadyListed(deps, traceId);
    if (listed) {
      await present(deps, traceId);
      return listed;
    }
    if (settings.sources.length === 0) {
      throw new Error(
        `${notFoundIn(traceId, [localSourceName])} (the receiver's store and opened files). Send it to the local receiver, open its trace file, or add the backend that holds it to spanlens.sources.`,
      );
    }
  }
  const source = await deps.remote.chooseSource(settings, requested, interactive, 'Open Trace');
  if (!source) return undefined;
  let summary;
  // A large trace is listed, with the rows decoded so far, long before its last byte: show it then.
  const partialShown = deps.remoteTraces.onDidShowPartial((shown) => {
    if (shown.source === source.name && shown.traceId === traceId) void reveal(deps, traceId);
  });
  try {
    summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `SpanLens: opening trace ${traceId} from "${source.name}"`, cancellable: true },
      (_progress, token) => deps.queries.openRemoteTrace(source.name, traceId, signalOf(token)),
    );
  } catch (error: unknown) {
    deps.remoteTraces.forgetLoading(source.name, traceId);
    const kept = deps.remoteTraces.get(traceId);
    if (kept?.origin === source.name && kept.incomplete?.state === 'failed') {
      // Nothing lost silently: the failure is reported, and so is the part that is kept.
      const message = `${error instanceof Error ? error.message : String(error)} The ${kept.spanCount.toLocaleString('en-US')} spans that arrived before are kept in the SpanLens view, marked incomplete; open the trace again to retry.`;
      deps.log.error(message);
      void vscode.window.showErrorMessage(message);
      throw new ReportedError(message, true, { cause: error });
    }
    if (isCancellation(error)) {
      if (interactive) return undefined;
      throw new ReportedError(error instanceof Error ? error.message : String(error), true);
    }
    // Every place looked in is named, so a person knows where else the trace might be.
    if (isBackendError(error, 'traceNotFound')) {
      throw new Error(
        `${notFoundIn(traceId, [...searchedBefore, ...(checkedLocal ? [localSourceName] : []), source.name])}. It may be outside the backend's retention, not yet ingested, or stored in another source.`,
        { cause: error },
      );
    }
    throw deps.remote.failure(error);
  } finally {
    partialShown.dispose();
  }
  deps.log.info(`Opened trace ${summary.traceId} from "${source.name}": ${summary.spanCount} spans.`);
  for (const warning of summary.warnings) deps.log.warn(`${source.name} ${summary.traceId}: ${warning}`);
  deps.remoteTraces.addOpened(source.name, summary);
  await present(deps, summary.traceId);
  return { traceId: summary.traceId, spanCount: summary.spanCount, source: source.name };
}

/** "Trace … was not found in local, "jaeger"": the built-in receiver bare, remote sources quoted. */
export function notFoundIn(traceId: string, sources: readonly string[]): string {
  return `Trace ${traceId} was not found in ${sources.map((name) => (name === localSourceName ? name : `"${name}"`)).join(', ')}`;
}

/** Selects the trace in the tree and hands it to the trace view hook; the trace is loaded either way. */
export async function present(deps: RemoteCommandDeps, traceId: string): Promise<void> {
  try {
    await revealInTree(deps, traceId);
    await deps.showTrace?.(traceId);
    noteWalkthroughFact('traceOpened');
  } catch (error: unknown) {
    // A view that fails to open must not turn a loaded, listed trace into a failed command.
    deps.log.warn(`Could not show trace ${traceId}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function revealInTree(deps: RemoteCommandDeps, traceId: string): Promise<void> {
  const view = deps.treeView();
  const node = deps.tree.traceNode(traceId);
  if (!view || !node) return;
  await vscode.commands.executeCommand(`${tracesViewId}.focus`);
  await view.reveal(node, { select: true, focus: false, expand: true });
}

/** Reveals a trace still loading; the trace view waits for the whole trace (present). */
async function reveal(deps: RemoteCommandDeps, traceId: string): Promise<void> {
  try {
    await revealInTree(deps, traceId);
  } catch (error: unknown) {
    deps.log.warn(`Could not show trace ${traceId} while it loads: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** How long the Open Trace prompt waits for the clipboard before opening empty. */
const clipboardPrefillWaitMs = 500;
const clipboardCommandWaitMs = 5_000;

/**
 * The clipboard's text, or undefined when it cannot be had in time. In a browser (code-server,
 * vscode.dev) the read waits on a permission the user may never grant, and a prefill must not
 * keep the input box from opening.
 */
async function readClipboard(waitMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), waitMs);
  });
  try {
    return await Promise.race([Promise.resolve(vscode.env.clipboard.readText()).catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
