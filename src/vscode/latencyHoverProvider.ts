import * as vscode from 'vscode';
import type { FunctionAnnotation } from '../core/traceService/annotationService';
import type { AnnotationController } from './annotationController';
import { commandUri, escapeMarkdown } from './annotationText';

const openTraceCommand = 'spanlens.openTrace';

/**
 * Production figures when hovering a function's declaration line. Every string from span data
 * goes through escapeMarkdown, and the only command a link may run is SpanLens's openTrace.
 */
export class LatencyHoverProvider implements vscode.HoverProvider {
  constructor(private readonly controller: AnnotationController) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!this.controller.kinds.hover) return undefined;
    const entry = await this.controller.entryFor(document);
    if (entry === undefined) return undefined;
    const line = position.line + 1;
    const placed = entry.functions.find(({ placement }) => placement.line === line || (placement.symbol !== undefined && placement.symbol.startLine <= line && line <= placement.symbol.selectionLine));
    if (placed === undefined) return undefined;
    return new vscode.Hover(renderHover(placed.annotation), document.lineAt(position.line).range);
  }
}

export function renderHover(annotation: FunctionAnnotation): vscode.MarkdownString {
  const { hover } = annotation;
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = { enabledCommands: [openTraceCommand] };
  md.supportHtml = false;
  md.appendMarkdown(`**${escapeMarkdown(hover.heading)}**\n\n`);
  md.appendMarkdown(`${escapeMarkdown(hover.summary)}\n\n`);
  md.appendMarkdown('| | |\n|---|---|\n');
  for (const row of hover.rows) md.appendMarkdown(`| ${escapeMarkdown(row.label)} | ${escapeMarkdown(row.value)} |\n`);
  md.appendMarkdown('\n');
  if (hover.distribution !== undefined) {
    const d = hover.distribution;
    md.appendMarkdown(`Distribution: ${escapeMarkdown(d.sparkline)} (${escapeMarkdown(d.lowerLabel)} … ${escapeMarkdown(d.upperLabel)})\n\n`);
  }
  const links = annotation.links.map((link) => {
    const args = link.source === undefined ? { traceId: link.traceId } : { traceId: link.traceId, source: link.source };
    return `[${escapeMarkdown(link.label)}](${commandUri(openTraceCommand, [args])})`;
  });
  if (links.length > 0) md.appendMarkdown(`${links.join(' · ')}\n\n`);
  for (const warning of hover.warnings) md.appendMarkdown(`⚠️ ${escapeMarkdown(warning)}\n\n`);
  return md;
}
