import * as vscode from 'vscode';
import { traceIdFromText } from '../core/backends/traceIdFromText';
import { findTraceIds, traceIdAt } from '../core/traceIds/findTraceIds';
import { executeCommand } from './commandRegistry';
import type { CommandId } from './contributions';
import { openById, present, type OpenTraceResult, type RemoteCommandDeps } from './openTrace';
import { localSourceName } from './remoteSources';

/** What a trace id link runs; it resolves as `spanlens.openTrace` does, so tests can script a click. */
const openTraceLinkCommandId = 'spanlens.openTraceLink' satisfies CommandId;

/** Files whose trace ids become links: logs and plain text as VS Code and common extensions name them. */
export const traceLinkLanguages = ['log', 'plaintext', 'json', 'jsonl', 'jsonc', 'ndjson'] as const;

/*
 * Editor work stays bounded whatever the file: links are asked for on open and after edits,
 * so a 500 MB log must not be scanned whole (findTraceIds also caps each line).
 */
const maxScannedLines = 20_000;
const maxScannedChars = 2_000_000;

/**
 * Opens the trace a link names: a trace SpanLens already lists (local receiver, opened file or
 * a trace opened from a backend) is shown at once; otherwise the default remote source, or the
 * only one, or the one the person picks when several could hold it. When none holds it the
 * message names every place looked in.
 */
export async function openTraceLink(deps: RemoteCommandDeps, traceId: string): Promise<OpenTraceResult | undefined> {
  const listed = deps.tree.listedTraces().find((trace) => trace.traceId === traceId && trace.searchResult !== true);
  if (listed) {
    await present(deps, traceId);
    return { traceId, spanCount: listed.spanCount, source: listed.source };
  }
  const settings = await deps.remote.prepare();
  if (settings.sources.some((source) => source.name === settings.defaultSource)) {
    return await openById(deps, traceId, settings.defaultSource, true, [localSourceName]);
  }
  // The default is the built-in receiver, already searched above: openById asks among several sources.
  return await openById(deps, traceId, undefined, true);
}

export function linkArgument(argument: unknown): string {
  const traceId = typeof argument === 'object' && argument !== null ? (argument as { traceId?: unknown }).traceId : undefined;
  // Stricter than the Open Trace box (no base64, no padding of odd lengths): a link carries an exact id.
  const parsed = typeof traceId === 'string' ? traceIdFromText(traceId) : undefined;
  if (parsed === undefined) throw new Error(`${openTraceLinkCommandId} takes { traceId: string }: 32 or 16 hexadecimal characters, or a W3C traceparent.`);
  return parsed;
}

function commandUri(traceId: string): vscode.Uri {
  return vscode.Uri.parse(`command:${openTraceLinkCommandId}?${encodeURIComponent(JSON.stringify([{ traceId }]))}`);
}

class TraceTerminalLink extends vscode.TerminalLink {
  constructor(
    startIndex: number,
    length: number,
    readonly traceId: string,
  ) {
    super(startIndex, length, `Open trace ${traceId} in SpanLens`);
  }
}

class TraceIdTerminalLinks implements vscode.TerminalLinkProvider<TraceTerminalLink> {
  constructor(private readonly open: (traceId: string) => Promise<unknown>) {}

  provideTerminalLinks(context: vscode.TerminalLinkContext): TraceTerminalLink[] {
    return findTraceIds(context.line).map((match) => new TraceTerminalLink(match.start, match.end - match.start, match.traceId));
  }

  handleTerminalLink(link: TraceTerminalLink): void {
    // The failure was already shown to the person; a terminal link has nobody to reject to.
    this.open(link.traceId).catch(() => undefined);
  }
}

class TraceIdDocumentLinks implements vscode.DocumentLinkProvider {
  provideDocumentLinks(document: vscode.TextDocument, token: vscode.CancellationToken): vscode.DocumentLink[] {
    const links: vscode.DocumentLink[] = [];
    let chars = 0;
    const lines = Math.min(document.lineCount, maxScannedLines);
    for (let line = 0; line < lines && chars < maxScannedChars && !token.isCancellationRequested; line++) {
      const text = document.lineAt(line).text;
      chars += text.length + 1;
      for (const match of findTraceIds(text)) {
        const link = new vscode.DocumentLink(new vscode.Range(line, match.start, line, match.end), commandUri(match.traceId));
        link.tooltip = `Open trace ${match.traceId} in SpanLens`;
        links.push(link);
      }
    }
    return links;
  }
}

class TraceIdHovers implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (position.line >= maxScannedLines) return undefined;
    const match = traceIdAt(document.lineAt(position.line).text, position.character);
    if (!match) return undefined;
    const markdown = new vscode.MarkdownString(`[Open trace \`${match.traceId}\` in SpanLens](${commandUri(match.traceId).toString()})`);
    // Only this command may run from the hover: the text around it is the file's, not ours.
    markdown.isTrusted = { enabledCommands: [openTraceLinkCommandId] };
    return new vscode.Hover(markdown, new vscode.Range(position.line, match.start, position.line, match.end));
  }
}

/** Trace ids become links in the integrated terminal and in log, text and JSON files. */
export function registerTraceLinks(context: vscode.ExtensionContext): void {
  const selector = traceLinkLanguages.map((language) => ({ language }));
  context.subscriptions.push(
    vscode.window.registerTerminalLinkProvider(new TraceIdTerminalLinks((traceId) => executeCommand(openTraceLinkCommandId, { traceId }))),
    vscode.languages.registerDocumentLinkProvider(selector, new TraceIdDocumentLinks()),
    vscode.languages.registerHoverProvider(selector, new TraceIdHovers()),
  );
}
