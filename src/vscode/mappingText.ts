/*
 * The words of "Go to Code" and "Explain Code Mapping", kept free of the `vscode` module so they
 * are unit-tested under plain mocha. Everything here handles span data, which is untrusted.
 */
import type { SymbolQuery, UnmappedReason } from '../core/mapping/resolveSpanLocation';
import type { Absence } from '../core/mapping/resolveWorkspacePath';
import type { FrameLocation, SpanMapping } from '../core/traceService/mappingService';

export interface SpanRef {
  readonly traceId: string;
  readonly spanId: string;
}

/** Who asked: a script (asks nothing), a person (may be asked), or a click in the tree (quiet when nothing maps). */
export type NavigationMode = 'programmatic' | 'interactive' | 'treeClick';

/**
 * The command's argument: `{ traceId, spanId }` from a script, or a span node of the Traces view
 * (its context menu passes the node). Anything else is a caller's mistake and says so.
 */
export function parseSpanArgument(argument: unknown): { ref: SpanRef; mode: NavigationMode } | undefined {
  if (argument === undefined || argument === null) return undefined;
  if (typeof argument === 'object') {
    const value = argument as Record<string, unknown>;
    if (value['kind'] === 'span' && typeof value['row'] === 'object' && value['row'] !== null) {
      const row = value['row'] as Record<string, unknown>;
      if (typeof row['traceId'] === 'string' && typeof row['spanId'] === 'string') return { ref: { traceId: row['traceId'], spanId: row['spanId'] }, mode: 'interactive' };
    }
    if (typeof value['traceId'] === 'string' && typeof value['spanId'] === 'string' && value['traceId'] !== '' && value['spanId'] !== '') {
      return { ref: { traceId: value['traceId'], spanId: value['spanId'] }, mode: 'programmatic' };
    }
  }
  throw new Error('SpanLens: expected { traceId, spanId } (strings) or a span of the Traces view.');
}

/**
 * `spanlens.goToFrame`'s argument: `{ traceId, spanId, frame: { file, line?, column?, function? } }`.
 * Lines and columns are 1-based as stack traces print them; anything else is refused with the shape.
 */
export function parseFrameArgument(argument: unknown): { ref: SpanRef; frame: FrameLocation } {
  const shape = 'SpanLens: expected { traceId, spanId, frame: { file, line?, column?, function? } } (strings; line and column positive integers).';
  if (typeof argument !== 'object' || argument === null) throw new Error(shape);
  const value = argument as Record<string, unknown>;
  const { traceId, spanId, frame } = value;
  if (typeof traceId !== 'string' || traceId === '' || typeof spanId !== 'string' || spanId === '' || typeof frame !== 'object' || frame === null) throw new Error(shape);
  const f = frame as Record<string, unknown>;
  const position = (n: unknown): boolean => n === undefined || (typeof n === 'number' && Number.isSafeInteger(n) && n > 0);
  if (typeof f['file'] !== 'string' || f['file'].trim() === '' || !position(f['line']) || !position(f['column']) || (f['function'] !== undefined && typeof f['function'] !== 'string'))
    throw new Error(shape);
  return {
    ref: { traceId, spanId },
    frame: {
      file: f['file'],
      ...(typeof f['line'] === 'number' ? { line: f['line'] } : {}),
      ...(typeof f['column'] === 'number' ? { column: f['column'] } : {}),
      ...(typeof f['function'] === 'string' ? { function: f['function'] } : {}),
    },
  };
}

/** `path:line:column` as a stack prints it (a Windows drive's colon is part of the path). */
export function parseFrameText(text: string): FrameLocation | undefined {
  const match = /^(.*?)(?::(\d+))?(?::(\d+))?$/.exec(text.trim());
  const file = match?.[1];
  if (!match || file === undefined || file === '' || /^[A-Za-z]$/.test(file)) return undefined;
  return { file, ...(match[2] === undefined ? {} : { line: Number(match[2]) }), ...(match[3] === undefined ? {} : { column: Number(match[3]) }) };
}

/**
 * Span text made inert where VS Code would interpret it: notifications turn `[text](command:…)`
 * into links and quick picks turn `$(name)` into icons. A zero-width space breaks both patterns
 * while the text reads the same.
 */
export function inert(text: string): string {
  return text.replace(/\]\(/g, ']\u200B(').replace(/\$\(/g, '$\u200B(');
}

function spanLabel(mapping: Pick<SpanMapping, 'spanName' | 'service'>): string {
  return `span "${inert(mapping.spanName)}"${mapping.service === '' ? '' : ` of ${inert(mapping.service)}`}`;
}

/** Paths for a message: each once, with how often a stack named it, the first few then a count. */
function listed(paths: readonly string[], limit = 3): string {
  const counts = new Map<string, number>();
  for (const path of paths) counts.set(path, (counts.get(path) ?? 0) + 1);
  const entries = [...counts];
  const shown = entries
    .slice(0, limit)
    .map(([path, n]) => (n > 1 ? `${inert(path)} (${n} times)` : inert(path)))
    .join(', ');
  return entries.length > limit ? `${shown} and ${entries.length - limit} more` : shown;
}

function absenceWords(absence: Absence): string {
  switch (absence.what) {
    case 'dependency':
      return `code of ${absence.name === undefined ? 'a dependency' : `the dependency ${inert(absence.name)}`}, which neither this workspace nor this machine holds (a dependency's frame maps only to that dependency's own files, never to application code)`;
    case 'runtime':
      return 'code of the language runtime, which no workspace contains';
    case 'buildOutput':
      return 'build output, which this checkout does not contain; build it with source maps, or go to a frame of the source';
  }
}

/** Why a span maps nowhere, in words a person can act on. */
export function describeUnmapped(mapping: Pick<SpanMapping, 'spanName' | 'service'>, reason: UnmappedReason | undefined): string {
  const span = spanLabel(mapping);
  switch (reason?.kind) {
    case undefined:
    case 'noCodeLocation':
      return `SpanLens: ${span} records no code location (no code.* attributes, exception stack trace or code.stacktrace).`;
    case 'notInWorkspace':
      return `SpanLens: ${span} names ${listed(reason.paths)}, which matches no file of the workspace. Add a path mapping from the production folder to your checkout.`;
    case 'onlyLibraryFrames':
      return `SpanLens: ${span} names only library or runtime code (${listed(reason.paths)}), not code of this workspace.`;
    case 'needsSymbolSearch':
      return `SpanLens: ${span} names a function but no file, and neither the files its namespace names nor a workspace symbol declare it. Open the service's code, or add a path mapping.`;
    case 'ambiguous':
      return reason.basenameOnly === true
        ? `SpanLens: ${span}: only the file name of ${inert(reason.path)} matches workspace files, which is not enough to open one.`
        : `SpanLens: ${span}: ${inert(reason.path)} matches several workspace files.`;
    case 'outsideWorkspace':
      return `SpanLens: ${span}: ${inert(reason.path)} is outside the workspace folders.`;
    case 'cannotBeInWorkspace':
      return `SpanLens: ${span}: ${inert(reason.path)} is ${absenceWords(reason.absence)}. Nothing was opened.`;
  }
}

/** The rejection of a programmatic call that would have to ask which file. */
export function describeAmbiguity(path: string, candidates: readonly string[], basenameOnly = false): string {
  if (basenameOnly) {
    return `SpanLens: only the file name of ${inert(path)} matches ${listed(candidates, 5)}; SpanLens opens no file on its name alone. Run "Go to Code" from the Traces view to confirm one (remembered as a path mapping), or add a spanlens.pathMappings rule.`;
  }
  return `SpanLens: ${inert(path)} matches ${candidates.length} workspace files: ${candidates.map(inert).join(', ')}. Run "Go to Code" from the Traces view to choose one (the choice is remembered as a path mapping), or add a spanlens.pathMappings rule.`;
}

/** The rejection of a programmatic call whose function is declared in several places. */
export function describeSymbolAmbiguity(name: string, places: readonly string[]): string {
  return `SpanLens: ${inert(name)} is declared in ${places.length} places: ${listed(places, 5)}. Run "Go to Code" from the Traces view to choose one, or set spanlens.serviceFolders so the span's service has its own folder.`;
}

const refusalWords: Readonly<Record<string, string>> = {
  outsideWorkspace: 'it is outside every workspace folder',
  escapesRoot: 'its `..` segments climb out of the folder',
  symlinkEscape: 'a symbolic link leads outside the workspace folders',
};

export function describeRefusal(path: string, why: string): string {
  return `SpanLens: the span's code is at ${inert(path)}, and ${refusalWords[why] ?? why}, so it was not opened. Confirm opening it from "Go to Code" in the Traces view, or add a spanlens.pathMappings rule into your checkout.`;
}

/** The explain view as plain text (an output channel shows it; nothing is rendered as markup). */
export function explainText(mapping: SpanMapping, ref: SpanRef, location: string | undefined): string {
  const lines = [`Code mapping of span "${mapping.spanName}" (${mapping.service || 'no service.name'}), trace ${ref.traceId}, span ${ref.spanId}`];
  mapping.steps.forEach((step, i) => {
    lines.push(`  ${i + 1}. [${step.outcome}] ${step.rule}: ${step.input}`, `       → ${step.result}`);
  });
  if (location !== undefined) lines.push(`Result: ${location}`);
  else if (mapping.candidates && mapping.candidates.length > 0) lines.push(`Result: ambiguous, one of ${mapping.candidates.map((c) => c.relativePath).join(', ')}`);
  else lines.push(`Result: no location. ${describeUnmapped(mapping, mapping.reason)}`);
  return lines.join('\n');
}

/** A workspace symbol as the matcher needs it. */
export interface FoundSymbol {
  readonly name: string;
  readonly containerName: string;
  readonly path: string;
}

/**
 * The workspace symbols that are the span's function: the same name (Java-style providers append
 * the signature), in a container whose name ends the namespace when one is known; the files the
 * namespace points at are preferred when any match lies in them.
 */
export function matchSymbols<T extends FoundSymbol>(found: readonly T[], symbol: SymbolQuery): T[] {
  const wanted = symbol.function;
  const container = symbol.namespace
    ?.split(/[.:/\\#]+/)
    .filter((s) => s !== '')
    .pop();
  const named = found.filter((s) => s.name === wanted || s.name.startsWith(`${wanted}(`));
  const contained = container === undefined ? named : named.filter((s) => s.containerName === container || s.containerName.endsWith(`.${container}`));
  const files = new Set(symbol.files.map((f) => f.path));
  const inFiles = contained.filter((s) => files.has(s.path));
  return inFiles.length > 0 ? inFiles : contained;
}

/** The folder part of a production path, offered as the `from` of a new path mapping. */
export function suggestedMappingFrom(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut > 0 ? path.slice(0, cut) : path;
}
