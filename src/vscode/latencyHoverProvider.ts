import * as vscode from 'vscode';
import type { FunctionAnnotation, FunctionHover } from '../core/traceService/annotationService';
import type { AnnotationController, DocumentEntry } from './annotationController';
import { hoverLinkCommand, hoverMarkdown } from './annotationText';
import { toPosition } from './convert';
import { signatureEnd } from './signatureEnd';

/**
 * Production figures when hovering a function's name or signature. Every string from span data
 * goes through escapeMarkdown, and the only command a link may run is SpanLens's openTrace.
 *
 * Where it answers: anywhere on the function's name, and anywhere on its signature —
 * from the start of the declaration (modifiers, decorators) to the token that opens the body,
 * over as many lines as the parameters take. Never inside the body: a hover there is about the
 * code under the pointer, and latency figures popping up over every statement would crowd out
 * the language's own hovers. A nested function answers on its own signature, innermost first.
 * Without document symbols (a language server not ready yet) only the line the lens sits on
 * answers, as before.
 */
export class LatencyHoverProvider implements vscode.HoverProvider {
  constructor(private readonly controller: AnnotationController) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!this.controller.kinds.hover) return undefined;
    const entry = await this.controller.entryFor(document);
    if (entry === undefined) return undefined;
    const hit = hoverTarget(document, entry, position);
    if (hit === undefined) return undefined;
    // The figures are read now, so they may be newer than the lens above: never older.
    const hover = await this.controller.hoverFor(document, hit.annotation);
    return hover === undefined ? undefined : new vscode.Hover(renderHover(hover), hit.range);
  }
}

function hoverTarget(document: vscode.TextDocument, entry: DocumentEntry, position: vscode.Position): { annotation: FunctionAnnotation; range: vscode.Range } | undefined {
  let best: { annotation: FunctionAnnotation; range: vscode.Range; size: number } | undefined;
  for (const { annotation, placement, declaration } of entry.functions) {
    if (declaration === undefined) {
      const line = toPosition(placement.line, undefined).line;
      if (line === position.line && best === undefined) best = { annotation, range: document.lineAt(line).range, size: Number.POSITIVE_INFINITY };
      continue;
    }
    const { range, nameRange } = declaration;
    if (!range.contains(position) && !nameRange.contains(position)) continue;
    const size = range.end.line - range.start.line;
    if (best !== undefined && best.size <= size) continue;
    if (nameRange.contains(position) && !nameRange.isEmpty) {
      best = { annotation, range: nameRange, size };
      continue;
    }
    // The signature: from the declaration's start to the body's opening, else the name's line.
    const from = nameRange.isEmpty ? range.start : nameRange.end;
    const end = signatureEnd((line) => document.lineAt(line).text, from, Math.min(range.end.line, document.lineCount - 1));
    const last = end === undefined ? document.lineAt(nameRange.start.line).range.end : new vscode.Position(end.line, end.character);
    const signature = new vscode.Range(range.start, last);
    if (signature.contains(position)) best = { annotation, range: signature, size };
  }
  return best === undefined ? undefined : { annotation: best.annotation, range: best.range };
}

export function renderHover(hover: FunctionHover): vscode.MarkdownString {
  const md = new vscode.MarkdownString(hoverMarkdown(hover), false);
  // Trusted for the trace links' one command only; span text in it is escaped (hoverMarkdown).
  md.isTrusted = { enabledCommands: [hoverLinkCommand] };
  md.supportHtml = false;
  return md;
}
