import * as vscode from 'vscode';
import { formatDuration } from '../shared/formatDuration';
import type { SpanChoice } from '../core/traceService/annotationService';
import type { AnnotationController } from './annotationController';
import { executeCommand } from './commandRegistry';
import { fromPosition, uriOf } from './convert';

export interface ShowSpansResult {
  readonly spans: readonly { readonly traceId: string; readonly spanId: string; readonly durationMs: number; readonly error: boolean }[];
}

interface ShowSpansArgument {
  readonly uri: vscode.Uri;
  readonly line: number;
  /** Set by the CodeLens: list the spans in a quick pick as well as answering them. */
  readonly interactive?: boolean;
}

function parseArgument(argument: unknown): ShowSpansArgument | undefined {
  if (argument === undefined) return undefined;
  if (typeof argument !== 'object' || argument === null) throw new Error('spanlens.showSpansForFunction takes { uri, line } with a 1-based line.');
  const { uri, line, interactive } = argument as { uri?: unknown; line?: unknown; interactive?: unknown };
  const parsed = uri instanceof vscode.Uri || typeof uri === 'string' ? uriOf(uri) : undefined;
  if (parsed === undefined || typeof line !== 'number' || !Number.isInteger(line) || line < 1) throw new Error('spanlens.showSpansForFunction takes { uri, line } with a 1-based line.');
  return { uri: parsed, line, interactive: interactive === true };
}

/**
 * `spanlens.showSpansForFunction` (contract): the spans of the function at a line, slowest first.
 * From the palette (cursor) or a CodeLens click it also lists them; picking one opens its trace.
 */
export async function showSpansForFunction(controller: AnnotationController, argument: unknown): Promise<ShowSpansResult> {
  const parsed = parseArgument(argument);
  const editor = vscode.window.activeTextEditor;
  if (parsed === undefined && editor === undefined) throw new Error('Open a file and put the cursor in a function, then run "Show Spans for Function at Cursor" again.');
  const uri = parsed?.uri ?? (editor as vscode.TextEditor).document.uri;
  const line = parsed?.line ?? fromPosition((editor as vscode.TextEditor).selection.active).line;
  const interactive = parsed === undefined || parsed.interactive === true;
  const document = await vscode.workspace.openTextDocument(uri);
  const entry = await controller.entryFor(document);
  const placed = entry === undefined ? undefined : controller.functionAt(entry, line);
  const spans = placed === undefined ? [] : await controller.spansFor(document, placed.annotation);
  if (interactive) await pick(spans, placed === undefined);
  return { spans: spans.map((s) => ({ traceId: s.traceId, spanId: s.spanId, durationMs: s.durationMs, error: s.error })) };
}

async function pick(spans: readonly SpanChoice[], noFunction: boolean): Promise<void> {
  if (spans.length === 0) {
    void vscode.window.showInformationMessage(noFunction ? 'SpanLens has no production data for the function at this line.' : 'SpanLens holds no spans of this function in the current window.');
    return;
  }
  const items = spans.map((span) => ({
    label: `${span.error ? '$(error) ' : ''}${formatDuration(span.durationMs * 1e6)}`,
    description: `${span.service}: ${span.name}`,
    detail: `trace ${span.traceId} · ${new Date(span.endTimeMs).toLocaleString()}${span.source === undefined ? '' : ` · ${span.source}`}`,
    span,
  }));
  const chosen = await vscode.window.showQuickPick(items, { title: 'SpanLens: spans of this function, slowest first', matchOnDescription: true, matchOnDetail: true });
  if (chosen === undefined) return;
  const { traceId, source } = chosen.span;
  await executeCommand('spanlens.openTrace', source === undefined ? { traceId } : { traceId, source });
}
