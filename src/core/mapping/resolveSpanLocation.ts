import { stringAttribute } from '../model/attributes';
import type { Span } from '../model/span';
import type { CandidateLocation, FileCandidate } from './candidateLocation';
import { extractSpanLocations } from './extractSpanLocations';
import type { MappingContext } from './mappingContext';
import type { MappingStep } from './mappingStep';
import { findDeclarations, languageOfFile } from './findDeclaration';
import { resolveWorkspacePath, serviceFolderOf, toResolved, type Absence, type RefusalReason, type ResolvedFile } from './resolveWorkspacePath';
import { symbolTargets, type SymbolTarget } from './symbolTargets';

/** A workspace location. Lines and columns are 1-based; the adapter converts to VS Code's 0-based. */
export interface MappedLocation extends ResolvedFile {
  readonly line: number | undefined;
  readonly column: number | undefined;
}

/** What the adapter asks VS Code's symbol providers for when only a function name is known. */
export interface SymbolQuery {
  readonly qualifiedName: string;
  readonly namespace: string | undefined;
  readonly function: string;
  /** Files the namespace points at (package → path, class → file); search these first when present. */
  readonly files: readonly ResolvedFile[];
  /** Set when the text search found the declaration in several files: the choices, on their declaration lines. */
  readonly declarations?: readonly MappedLocation[];
}

/** Why a span has no single location; the adapter turns each into a message a person can act on. */
export type UnmappedReason =
  | { readonly kind: 'noCodeLocation' }
  | { readonly kind: 'notInWorkspace'; readonly paths: readonly string[] }
  /** `basenameOnly`: the candidates share only the file name with the path, so each is a guess to confirm. */
  | { readonly kind: 'ambiguous'; readonly path: string; readonly basenameOnly?: boolean }
  /** Only for a file that exists (when existence can be checked): it may be opened once confirmed. */
  | { readonly kind: 'outsideWorkspace'; readonly path: string; readonly why: RefusalReason }
  /** Dependency, runtime or build output that neither the workspace nor this machine holds. */
  | { readonly kind: 'cannotBeInWorkspace'; readonly path: string; readonly absence: Absence }
  | { readonly kind: 'needsSymbolSearch' }
  | { readonly kind: 'onlyLibraryFrames'; readonly paths: readonly string[] };

export interface SpanLocationResult {
  readonly location?: MappedLocation;
  /** Set with reason `ambiguous`: offer them, then remember the choice with deriveMappingRule. */
  readonly candidates?: readonly MappedLocation[];
  /** Set with reason `needsSymbolSearch`. */
  readonly symbol?: SymbolQuery;
  readonly reason?: UnmappedReason;
  /** The span location the answer came from (the raw path for deriveMappingRule). */
  readonly from?: CandidateLocation;
  readonly steps: readonly MappingStep[];
}

export interface ResolveSpanOptions {
  /** Library frames are listed by extractSpanLocations but not tried unless asked. */
  readonly includeLibraryFrames?: boolean;
  /** A bound on the frames tried, so a 500-frame trace of unknown paths stays cheap. */
  readonly maxCandidates?: number;
}

const generatedJs = /\.(?:js|mjs|cjs|jsx)$/i;

/**
 * Maps a span to one place in the workspace, or says why it cannot: the candidates of
 * extractSpanLocations are tried in order through resolveWorkspacePath and, for generated
 * JavaScript, its source map. The first unique match wins; ambiguity stops the search and returns
 * the choices (a later, unrelated frame is not a better answer); a refusal is remembered and
 * returned only if nothing else maps.
 */
export async function resolveSpanLocation(span: Span, context: MappingContext, options: ResolveSpanOptions = {}): Promise<SpanLocationResult> {
  const steps: MappingStep[] = [];
  const all = extractSpanLocations(span);
  if (all.length === 0) {
    steps.push({ rule: 'attributes', input: span.name, result: 'no code.* attributes, exception stack trace or code.stacktrace', outcome: 'failed' });
    return { reason: { kind: 'noCodeLocation' }, steps };
  }
  const tried = all.filter((c) => options.includeLibraryFrames === true || !isLibrary(c)).slice(0, options.maxCandidates ?? 25);
  const service = span.resource.serviceName;
  const missed: { path: string; absent: Absence | undefined }[] = [];
  let refusal: { path: string; why: RefusalReason; from: CandidateLocation } | undefined;
  let offer: SpanLocationResult | undefined;
  let bySymbol: SpanLocationResult | undefined;

  for (const candidate of tried) {
    if (candidate.kind === 'symbol') {
      // A file-name-only match of an earlier frame beats a search by name alone.
      if (offer) break;
      const answer = await resolveSymbol(candidate, context, service, stringAttribute(span.resource.attributes, 'telemetry.sdk.language'), steps);
      if (answer.location || (answer.symbol?.declarations?.length ?? 0) > 0) return { ...answer, from: candidate, steps };
      // A later symbol (a frame that names only its method) may be declared where this one is not.
      bySymbol ??= { ...answer, from: candidate, steps };
      continue;
    }
    // Library code is no better answer than the function the span names.
    if (bySymbol) break;
    const answer = await resolveFileCandidate(candidate, context, service, steps);
    if (answer.kind === 'answer') return answer.result;
    // Frames further down may map for certain; a guess on the file name is kept for last.
    if (answer.kind === 'unconfirmed') offer ??= unconfirmed(candidate, answer.candidates, steps);
    else if (answer.kind === 'refused') refusal ??= { path: answer.path, why: answer.why, from: candidate };
    else missed.push({ path: candidate.path, absent: answer.absent });
  }
  if (bySymbol) return bySymbol;
  if (refusal) return { reason: { kind: 'outsideWorkspace', path: refusal.path, why: refusal.why }, from: refusal.from, steps };
  if (offer) return offer;
  if (tried.length === 0) return { reason: { kind: 'onlyLibraryFrames', paths: all.flatMap((c) => (c.kind === 'file' ? [c.path] : [])) }, steps };
  const [only] = missed;
  if (missed.length === 1 && only?.absent) return { reason: { kind: 'cannotBeInWorkspace', path: only.path, absence: only.absent }, steps };
  return { reason: { kind: 'notInWorkspace', paths: missed.map((m) => m.path) }, steps };
}

/**
 * Maps one file location named by a span (its `code.*` path or a stack frame) for `service`,
 * through the rules, service folder and source maps a whole span goes through. Library code is
 * tried too: the caller picked this location. Not found and refused come back as a reason.
 */
export async function resolveLocation(service: string, candidate: FileCandidate, context: MappingContext): Promise<SpanLocationResult> {
  const steps: MappingStep[] = [];
  const answer = await resolveFileCandidate(candidate, context, service, steps);
  switch (answer.kind) {
    case 'answer':
      return answer.result;
    case 'unconfirmed':
      return unconfirmed(candidate, answer.candidates, steps);
    case 'refused':
      return { reason: { kind: 'outsideWorkspace', path: answer.path, why: answer.why }, from: candidate, steps };
    case 'notFound':
      return { reason: answer.absent ? { kind: 'cannotBeInWorkspace', path: candidate.path, absence: answer.absent } : { kind: 'notInWorkspace', paths: [candidate.path] }, steps };
  }
}

function unconfirmed(candidate: FileCandidate, files: readonly ResolvedFile[], steps: MappingStep[]): SpanLocationResult {
  return {
    candidates: files.map((file) => ({ ...file, line: candidate.line, column: candidate.column })),
    reason: { kind: 'ambiguous', path: candidate.path, basenameOnly: true },
    from: candidate,
    steps,
  };
}

type CandidateAnswer =
  | { readonly kind: 'answer'; readonly result: SpanLocationResult }
  | { readonly kind: 'unconfirmed'; readonly candidates: readonly ResolvedFile[] }
  | { readonly kind: 'refused'; readonly path: string; readonly why: RefusalReason }
  | { readonly kind: 'notFound'; readonly absent: Absence | undefined };

/** One candidate's answer: a location or a choice (final either way), else why it did not map. */
async function resolveFileCandidate(candidate: FileCandidate, context: MappingContext, service: string, steps: MappingStep[]): Promise<CandidateAnswer> {
  steps.push({ rule: candidate.provenance.source === 'attributes' ? 'attributes' : 'stackFrame', input: describeCandidate(candidate), result: candidate.path, outcome: 'matched' });
  const { resolution, steps: pathSteps } = await resolveWorkspacePath(candidate.path, context, service, { minimumSuffixSegments: candidate.minimumSuffixSegments });
  steps.push(...pathSteps);
  switch (resolution.kind) {
    case 'resolved': {
      const location = await throughSourceMap({ ...resolution.file, line: candidate.line, column: candidate.column }, context, service, steps);
      if ('candidates' in location) {
        const reason: UnmappedReason = location.basenameOnly ? { kind: 'ambiguous', path: location.path, basenameOnly: true } : { kind: 'ambiguous', path: location.path };
        return { kind: 'answer', result: { candidates: location.candidates, reason, from: candidate, steps } };
      }
      return { kind: 'answer', result: { location, from: candidate, steps } };
    }
    case 'ambiguous':
      return {
        kind: 'answer',
        result: {
          candidates: resolution.candidates.map((file) => ({ ...file, line: candidate.line, column: candidate.column })),
          reason: { kind: 'ambiguous', path: candidate.path },
          from: candidate,
          steps,
        },
      };
    case 'unconfirmed':
      return { kind: 'unconfirmed', candidates: resolution.candidates };
    case 'refused':
      return { kind: 'refused', path: resolution.path, why: resolution.why };
    case 'notFound':
      return { kind: 'notFound', absent: resolution.absent };
  }
}

async function throughSourceMap(
  generated: MappedLocation,
  context: MappingContext,
  service: string,
  steps: MappingStep[],
): Promise<MappedLocation | { candidates: MappedLocation[]; path: string; basenameOnly: boolean }> {
  const cache = context.sourceMaps;
  if (!cache || !generatedJs.test(generated.path) || generated.line === undefined) return generated;
  const input = `${generated.relativePath}:${generated.line}${generated.column === undefined ? '' : `:${generated.column}`}`;
  const lookup = await cache.originalPositionFor(generated.path, generated.line, generated.column);
  switch (lookup.kind) {
    case 'noMap':
      steps.push({ rule: 'sourceMap', input, result: 'no source map; the generated file is the source', outcome: 'skipped' });
      return generated;
    case 'error':
      steps.push({ rule: 'sourceMap', input, result: lookup.message, outcome: 'failed' });
      return generated;
    case 'unmapped':
      steps.push({ rule: 'sourceMap', input, result: `${lookup.mapUrl} has no mapping at this position`, outcome: 'failed' });
      return generated;
    case 'mapped':
      break;
  }
  const { original } = lookup;
  steps.push({ rule: 'sourceMap', input, result: `${original.source}:${original.line}:${original.column}`, outcome: 'matched' });
  const { resolution, steps: pathSteps } = await resolveWorkspacePath(original.path, context, service);
  steps.push(...pathSteps);
  switch (resolution.kind) {
    case 'resolved':
      return { ...resolution.file, line: original.line, column: original.column };
    case 'ambiguous':
    case 'unconfirmed':
      return { candidates: resolution.candidates.map((file) => ({ ...file, line: original.line, column: original.column })), path: original.path, basenameOnly: resolution.kind === 'unconfirmed' };
    default:
      // The original source is not in this checkout: the generated file is still a true location.
      steps.push({ rule: 'sourceMap', input: original.source, result: 'original source not in the workspace; showing the generated file', outcome: 'failed' });
      return generated;
  }
}

/** Bounds on the declaration search of one symbol: it reads files on every lookup. */
const maxSymbolFiles = 20;

async function resolveSymbol(
  candidate: Extract<CandidateLocation, { kind: 'symbol' }>,
  context: MappingContext,
  service: string,
  sdkLanguage: string | undefined,
  steps: MappingStep[],
): Promise<Omit<SpanLocationResult, 'steps'>> {
  const targets = symbolTargets(candidate.qualifiedName, sdkLanguage);
  const files: { file: ResolvedFile; target: SymbolTarget }[] = [];
  for (const target of targets) {
    const found = await symbolFiles(target, context, service);
    steps.push({
      rule: 'symbolFiles',
      input: `${target.runtime}: ${target.directory ? `package directory ${target.directory.join('/')}` : target.paths.map((p) => p.path).join(', ')}`,
      result: found.length === 0 ? 'no such file' : found.map((f) => f.relativePath).join(', '),
      outcome: found.length === 0 ? 'failed' : found.length === 1 ? 'matched' : 'ambiguous',
    });
    for (const file of found) if (!files.some((f) => f.file.path === file.path && f.target === target)) files.push({ file, target });
  }
  const hints = [...new Map(files.map(({ file }) => [file.path, file])).values()];
  const symbol: SymbolQuery = { qualifiedName: candidate.qualifiedName, namespace: candidate.namespace, function: candidate.function, files: hints };
  const declarations = context.readSource ? await searchDeclarations(files, context.readSource, candidate.qualifiedName, steps) : [];
  const [only] = declarations;
  if (declarations.length === 1 && only) return { location: only };
  if (declarations.length > 1) {
    steps.push({ rule: 'symbol', input: candidate.qualifiedName, result: `declared in ${declarations.length} files; the workspace symbol providers may tell them apart`, outcome: 'ambiguous' });
    return { symbol: { ...symbol, declarations }, reason: { kind: 'needsSymbolSearch' } };
  }
  steps.push({ rule: 'symbol', input: candidate.qualifiedName, result: 'left to the workspace symbol providers', outcome: 'skipped' });
  return { symbol, reason: { kind: 'needsSymbolSearch' } };
}

/** The files a reading of the symbol points at, in the service's folder when one is known (two services may both have a demo/Service.java). */
async function symbolFiles(target: SymbolTarget, context: MappingContext, service: string): Promise<ResolvedFile[]> {
  if (target.directory) {
    const place = await serviceFolderOf(service, context, []);
    const match = context.index.filesInDirectory(target.directory, { caseInsensitive: context.caseInsensitive ?? false, ...(place ? { folder: place.folder.name, under: place.under } : {}) });
    return match.files.filter((f) => f.relativePath.endsWith('.go') && !f.relativePath.endsWith('_test.go')).map((f) => toResolved(f, context.folders));
  }
  const files: ResolvedFile[] = [];
  for (const wanted of target.paths) {
    const { resolution } = await resolveWorkspacePath(wanted.path, context, service, { minimumSuffixSegments: wanted.minimumSuffixSegments });
    // A file-name-only match is a hint here: the declaration search confirms it or not.
    if (resolution.kind === 'resolved') files.push(resolution.file);
    else if (resolution.kind === 'ambiguous' || resolution.kind === 'unconfirmed') files.push(...resolution.candidates);
  }
  return files;
}

/**
 * The declaration in each file that has one (the first of its overloads): read through the
 * injected reader, a bounded number of files, each searched as its extension's language.
 */
async function searchDeclarations(
  files: readonly { file: ResolvedFile; target: SymbolTarget }[],
  readSource: (path: string) => Promise<string | undefined>,
  qualifiedName: string,
  steps: MappingStep[],
): Promise<MappedLocation[]> {
  const found = new Map<string, MappedLocation>();
  const searched = files.slice(0, maxSymbolFiles);
  for (const { file, target } of searched) {
    if (found.has(file.path)) continue;
    const language = languageOfFile(file.path);
    if (language === undefined) continue;
    const text = await readSource(file.path);
    if (text === undefined) {
      steps.push({ rule: 'declarationSearch', input: file.relativePath, result: 'not readable, or too big to search', outcome: 'skipped' });
      continue;
    }
    const declarations = findDeclarations(text, language, target);
    const [first] = declarations;
    if (!first) continue;
    const what = target.member === undefined ? target.containers.join('.') : target.member;
    const overloads = declarations.length > 1 ? ` (the first of ${declarations.length} declarations named ${what})` : '';
    steps.push({ rule: 'declarationSearch', input: `${what} in ${file.relativePath}`, result: `line ${first.line}${overloads}`, outcome: 'matched' });
    found.set(file.path, { ...file, line: first.line, column: first.column });
  }
  if (found.size === 0) {
    const more = files.length > searched.length ? ` (searched the first ${searched.length} of ${files.length} files)` : '';
    steps.push({ rule: 'declarationSearch', input: qualifiedName, result: `no declaration in the files its namespace points at${more}`, outcome: 'failed' });
  }
  return [...found.values()];
}

function isLibrary(candidate: CandidateLocation): boolean {
  return candidate.provenance.source !== 'attributes' && candidate.provenance.library;
}

function describeCandidate(candidate: Extract<CandidateLocation, { kind: 'file' }>): string {
  const where = `${candidate.path}${candidate.line === undefined ? '' : `:${candidate.line}`}${candidate.column === undefined ? '' : `:${candidate.column}`}`;
  const p = candidate.provenance;
  if (p.source === 'attributes') return `${p.keys.join(', ')}: ${where}`;
  const origin = p.source === 'exception' ? `exception event ${p.eventIndex ?? 0}` : 'code.stacktrace';
  return `${origin}, frame ${p.frameIndex}${p.sectionIndex > 0 ? ` of section ${p.sectionIndex}` : ''}: ${where}`;
}
