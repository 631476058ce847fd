import type { ExceptionAnnotation, FunctionAnnotation, FunctionHover } from '../core/traceService/annotationService';
import type { CommandId } from './contributions';

/*
 * The vscode-free half of editor annotations: where a lens goes, and the text of hovers and
 * diagnostics. Tested under plain mocha; the providers only wrap these in VS Code types.
 */

/** A function-like document symbol, 1-based lines. */
export interface SymbolSpan {
  readonly name: string;
  readonly startLine: number;
  readonly endLine: number;
  /** The line of the symbol's name, where the lens and hover sit. */
  readonly selectionLine: number;
}

export interface Placement {
  readonly line: number;
  readonly symbol: SymbolSpan | undefined;
}

const qualifier = /[.:/\\#$]/;

/** `com.acme.Checkout.pay` → `pay`; `(*Server).Handle` → `Handle`. */
export function shortName(qualified: string): string {
  const parts = qualified.split(qualifier);
  return (parts[parts.length - 1] ?? qualified).replace(/[()*]/g, '');
}

/**
 * Where a function's figures belong: the innermost symbol around its first mapped line that is
 * named like the function, else the symbol named like it anywhere (nearest the line), else the
 * innermost symbol around the line, else the mapped line itself (no symbols: a plain-text file,
 * or a language server not ready). Nothing when neither a line nor a matching symbol is known.
 *
 * The name comes first because the mapped line is usually a call inside the function, and
 * language servers report the callbacks there as functions too (TypeScript names the arrow in
 * `traced(tracer, 'pay', async () => …)` "traced('pay') callback").
 */
export function placeFunction(entry: { readonly function: string | undefined; readonly lines: readonly number[] }, symbols: readonly SymbolSpan[]): Placement | undefined {
  const first = entry.lines[0];
  const wanted = entry.function === undefined ? undefined : shortName(entry.function);
  const named = (symbol: SymbolSpan): boolean => wanted !== undefined && (symbol.name === wanted || shortName(symbol.name) === wanted);
  const contains = (symbol: SymbolSpan): boolean => first !== undefined && symbol.startLine <= first && first <= symbol.endLine;
  const innermost = (candidates: readonly SymbolSpan[]): SymbolSpan | undefined => {
    let best: SymbolSpan | undefined;
    for (const symbol of candidates) if (best === undefined || symbol.endLine - symbol.startLine < best.endLine - best.startLine) best = symbol;
    return best;
  };
  const around = symbols.filter(contains);
  const choice = innermost(around.filter(named)) ?? nearest(symbols.filter(named), first) ?? innermost(around);
  if (choice !== undefined) return { line: choice.selectionLine, symbol: choice };
  return first === undefined ? undefined : { line: first, symbol: undefined };
}

function nearest(candidates: readonly SymbolSpan[], line: number | undefined): SymbolSpan | undefined {
  if (line === undefined) return candidates[0];
  let best: SymbolSpan | undefined;
  for (const symbol of candidates) if (best === undefined || Math.abs(symbol.selectionLine - line) < Math.abs(best.selectionLine - line)) best = symbol;
  return best;
}

/**
 * Span data rendered as markdown must stay text: every character markdown or the renderer's HTML
 * could read as syntax is escaped (a service named `[x](command:…)` must not become a link).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** A command URI whose argument list is encoded JSON, as MarkdownString links need. */
export function commandUri(command: string, args: readonly unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}

/** `just now`, `3 min ago`, `2 h ago`, `4 days ago`. */
export function timeAgo(thenMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (seconds < 60) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${String(minutes)} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${String(hours)} h ago`;
  return `${String(Math.round(hours / 24))} days ago`;
}

/** `PaymentDeclinedError: Card ending <n> was declined (3× in checkout, api; last seen 2 min ago)` */
export function diagnosticMessage(exception: Pick<ExceptionAnnotation, 'type' | 'message' | 'count' | 'services' | 'lastSeenMs'>, nowMs: number): string {
  const head = exception.message === '' ? exception.type : `${exception.type}: ${exception.message}`;
  const services = exception.services.length === 0 ? '' : ` in ${exception.services.join(', ')}`;
  return `${head} (${String(exception.count)}×${services}; last seen ${timeAgo(exception.lastSeenMs, nowMs)})`;
}

/** Leads a lens whose figures come from another build than the checkout. */
export const staleBuildMark = '⚠ stale build · ';

/**
 * The CodeLens title: the figures, marked first when they come from another build than the
 * checkout, so the mismatch is seen without hovering.
 */
export function lensTitle(annotation: FunctionAnnotation): string {
  return annotation.staleBuild === undefined ? annotation.title : `${staleBuildMark}${annotation.title}`;
}

/** A trace link of the hover: the only command its markdown may run. */
export const hoverLinkCommand = 'spanlens.openTrace' satisfies CommandId;

/**
 * The hover as markdown, short enough for the editor's hover box (the links needed
 * scrolling): a stale build first, then the figures, the trace links, and what the figures
 * are based on; details last. Lines of one block are joined by hard breaks (two spaces), not
 * paragraphs, which the hover spaces apart. Every span-derived string is escaped; no HTML.
 */
export function hoverMarkdown({ hover, links: traceLinks }: FunctionHover): string {
  const blocks: string[] = [];
  if (hover.staleBuild !== undefined) blocks.push(`⚠️ ${escapeMarkdown(hover.staleBuild)}`);
  blocks.push(lines([`**${escapeMarkdown(hover.heading)}**`, escapeMarkdown(hover.summary)]));
  const links = traceLinks.map((link) => {
    const args = link.source === undefined ? { traceId: link.traceId } : { traceId: link.traceId, source: link.source };
    return `[${escapeMarkdown(link.label)}](${commandUri(hoverLinkCommand, [args])})`;
  });
  if (links.length > 0) blocks.push(links.join(' · '));
  const details = [escapeMarkdown(hover.basis), escapeMarkdown(hover.sampling)];
  if (hover.distribution !== undefined) {
    const d = hover.distribution;
    details.push(`Distribution ${escapeMarkdown(d.sparkline)} from ${escapeMarkdown(d.lowerLabel)} to ${escapeMarkdown(d.upperLabel)}`);
  }
  if (hover.build !== undefined) details.push(`From ${escapeMarkdown(hover.build)}`);
  blocks.push(lines(details));
  for (const warning of hover.warnings) blocks.push(`⚠️ ${escapeMarkdown(warning)}`);
  return blocks.join('\n\n');
}

function lines(parts: readonly string[]): string {
  return parts.join('  \n');
}
