import { dependencyPathOf, isBuildOutput, type DependencyPath } from './isLibraryFrame';
import type { MappingContext, PathMappingRule, WorkspaceFolderInfo } from './mappingContext';
import type { MappingStep } from './mappingStep';
import { formatTracePath, joinFolderPath, parseTracePath, relativeSegments, type TracePath } from './tracePath';
import type { WorkspaceFile } from './workspaceFileIndex';

/** A workspace file a trace path resolved to; `path` is absolute, in the folder's own style. */
export interface ResolvedFile extends WorkspaceFile {
  readonly path: string;
}

export type RefusalReason = 'outsideWorkspace' | 'escapesRoot' | 'symlinkEscape';

/** Why a path cannot be in this checkout whatever the mapping: it is not the application's code. */
export interface Absence {
  readonly what: 'dependency' | 'runtime' | 'buildOutput';
  /** The dependency's package name, when the path names one. */
  readonly name?: string;
}

export type PathResolution =
  | { readonly kind: 'resolved'; readonly file: ResolvedFile }
  | { readonly kind: 'ambiguous'; readonly candidates: readonly ResolvedFile[] }
  /** Only the file name (or less than a directory and a name) matches: a person may confirm, nothing opens it alone. */
  | { readonly kind: 'unconfirmed'; readonly candidates: readonly ResolvedFile[] }
  | { readonly kind: 'refused'; readonly path: string; readonly why: RefusalReason }
  | { readonly kind: 'notFound'; readonly absent?: Absence };

export interface ResolveOptions {
  /** Fewest trailing segments a suffix match must share (JVM frames: the whole package path). */
  readonly minimumSuffixSegments?: number;
}

export interface PathResolutionResult {
  readonly resolution: PathResolution;
  readonly steps: readonly MappingStep[];
}

/**
 * A suffix match opens a file only when it shares at least a directory and the file name with
 * the path: `index.js` alone names a file in every package of a monorepo.
 */
const meaningfulSuffix = 2;

/**
 * Resolves a path recorded in production to a file of the workspace: the user's path mappings,
 * then the service's folder (set or inferred), an exact workspace path, the longest unique path
 * suffix. Every stage leaves a step. Ambiguity is returned, never guessed; a match on the file
 * name alone is only offered; when a rule or the service's folder says where the code is, the
 * rest of the workspace is not searched; a dependency's frame maps only to that dependency's own
 * files; anything that lands outside the workspace folders (rules, `..`, symlinks) is refused
 * with a reason, and, when existence can be checked, only if it exists.
 */
export async function resolveWorkspacePath(raw: string, context: MappingContext, service?: string, options: ResolveOptions = {}): Promise<PathResolutionResult> {
  const steps: MappingStep[] = [];
  const resolution = await resolveLexically(raw, context, service, options.minimumSuffixSegments ?? 1, steps);
  return { resolution: await checkExistence(raw, await checkSymlinks(resolution, context, steps), context, steps), steps };
}

async function resolveLexically(raw: string, context: MappingContext, service: string | undefined, minimum: number, steps: MappingStep[]): Promise<PathResolution> {
  const path = parseTracePath(raw);
  if (path.segments.length === 0) {
    steps.push({ rule: 'workspacePath', input: raw, result: 'not a file path', outcome: 'failed' });
    return { kind: 'notFound' };
  }
  if (path.absolute && path.escapes) {
    steps.push({ rule: 'workspacePath', input: raw, result: '`..` climbs above the root', outcome: 'refused' });
    return { kind: 'refused', path: raw, why: 'escapesRoot' };
  }
  // A JVM frame's path is its class's package (`com/acme/vendor/Foo.java`), whole-matched already;
  // its library code is told by the class name.
  const dependency = minimum > 1 ? undefined : dependencyPathOf(raw, path.segments);
  if (dependency?.nowhere === true) {
    steps.push({ rule: 'dependencyPath', input: raw, result: 'runtime-internal code, which is no file', outcome: 'failed' });
    return { kind: 'notFound', absent: { what: 'runtime' } };
  }

  const byRule = applyPathMappings(raw, path, context, service, steps);
  if (byRule !== undefined && byRule !== 'noFile') return byRule;

  const place = await serviceFolderOf(service, context, steps);
  if (dependency) return await resolveDependency(raw, path, dependency, place, context, steps);

  if (place) {
    const byService = suffixIn(path, context, minimum, place, steps);
    if (byService) return byService;
  }

  const exact = resolveExact(raw, path, context, steps);
  if (exact) return exact;

  const query = path.segments.filter((s) => s !== '..');
  if (place || byRule === 'noFile') {
    // The user's rule or the service's folder says where this code is: a same-named file elsewhere
    // in the workspace is another service's code, not this one.
    steps.push({ rule: 'suffixMatch', input: query.join('/'), result: place ? `not searched outside ${place.label}` : 'not searched: a path mapping names where these paths are', outcome: 'skipped' });
    return notHere(raw, path, context);
  }
  return suffixIn(path, context, minimum, undefined, steps) ?? notHere(raw, path, context);
}

/** A place to search: a workspace folder and a directory inside it, with words for the steps. */
export interface Place {
  readonly folder: WorkspaceFolderInfo;
  readonly under: readonly string[];
  readonly label: string;
}

/**
 * The longest unique suffix match in `place` (or the whole workspace), judged: a directory and the
 * file name in common opens it, less is offered to confirm. Undefined when nothing shares the name.
 */
function suffixIn(path: TracePath, context: MappingContext, minimum: number, place: Place | undefined, steps: MappingStep[]): PathResolution | undefined {
  const query = path.segments.filter((s) => s !== '..');
  const rule = place ? 'serviceFolder' : 'suffixMatch';
  const input = place ? `${query.join('/')} in ${place.label}` : query.join('/');
  const match = context.index.findBySuffix(query, { caseInsensitive: context.caseInsensitive ?? false, ...(place ? { folder: place.folder.name, under: place.under } : {}) });
  const shared = `${match.matchedSegments} trailing segment${match.matchedSegments === 1 ? '' : 's'} in common`;
  if (match.files.length === 0 || match.matchedSegments < minimum) {
    steps.push({ rule, input, result: place ? 'no file with this name there' : 'no workspace file has this name', outcome: 'failed' });
    return undefined;
  }
  const files = match.files.map((f) => toResolved(f, context.folders));
  if (match.matchedSegments < Math.max(meaningfulSuffix, minimum)) {
    steps.push({ rule, input, result: `only the file name matches (${files.length} file${files.length === 1 ? '' : 's'}): offered, not opened`, outcome: 'ambiguous' });
    return { kind: 'unconfirmed', candidates: files };
  }
  const only = files[0];
  if (files.length === 1 && only) {
    steps.push({ rule, input, result: `${only.relativePath} (${shared})`, outcome: 'matched' });
    return { kind: 'resolved', file: only };
  }
  steps.push({ rule, input, result: `${files.length} files share the last ${match.matchedSegments} segment(s)`, outcome: 'ambiguous' });
  return { kind: 'ambiguous', candidates: files };
}

/** Nothing in the workspace: refused when the path is outside it (existence is checked next), else not found. */
function notHere(raw: string, path: TracePath, context: MappingContext): PathResolution {
  if (path.absolute && !insideAnyFolder(path, context)) return { kind: 'refused', path: raw, why: 'outsideWorkspace' };
  const absent = absenceOf(raw, path);
  return absent ? { kind: 'notFound', absent } : { kind: 'notFound' };
}

function absenceOf(raw: string, path: TracePath): Absence | undefined {
  const dependency = dependencyPathOf(raw, path.segments);
  if (dependency) return dependency.name === undefined ? { what: dependency.kind } : { what: dependency.kind, name: dependency.name };
  return isBuildOutput(path.segments) ? { what: 'buildOutput' } : undefined;
}

/**
 * A frame in a dependency (`…/node_modules/@x/y/build/index.js`) maps only to the same
 * dependency path in the workspace: the service's own install first, then any workspace folder's
 * (hoisted), then indexed copies (a vendored or virtualenv tree). The file index leaves
 * `node_modules` out, so installs are looked for on disk when existence can be checked.
 */
async function resolveDependency(raw: string, path: TracePath, dependency: DependencyPath, place: Place | undefined, context: MappingContext, steps: MappingStep[]): Promise<PathResolution> {
  const ci = context.caseInsensitive ?? false;
  const wanted = dependency.segments.join('/');
  const label = dependency.name === undefined ? wanted : `${dependency.name} (${wanted})`;
  const exists = context.fileExists;
  const onDisk = async (folder: WorkspaceFolderInfo, under: readonly string[]): Promise<ResolvedFile | undefined> => {
    const segments = [...under, ...dependency.segments];
    const indexed = context.index.find(folder.name, segments, ci);
    if (indexed) return toResolved(indexed, context.folders);
    const file = { folder: folder.name, relativePath: segments.join('/'), path: joinFolderPath(folder.path, segments) };
    return exists !== undefined && (await exists(file.path).catch(() => false)) ? file : undefined;
  };
  if (path.absolute) {
    const located = locateInFolders(path, context);
    const file = located ? await onDisk(located.folder, located.segments.slice(0, located.segments.length - dependency.segments.length)) : undefined;
    if (file) {
      steps.push({ rule: 'dependencyPath', input: raw, result: `${file.folder}/${file.relativePath}`, outcome: 'matched' });
      return { kind: 'resolved', file };
    }
  }
  if (place) {
    const file = await onDisk(place.folder, place.under);
    if (file) {
      steps.push({ rule: 'dependencyPath', input: `${label} in ${place.label}`, result: file.relativePath, outcome: 'matched' });
      return { kind: 'resolved', file };
    }
  }
  const found = new Map<string, ResolvedFile>();
  for (const folder of context.folders) {
    const file = await onDisk(folder, []);
    if (file) found.set(file.path, file);
  }
  const match = context.index.findBySuffix(dependency.segments, { caseInsensitive: ci });
  if (match.matchedSegments >= dependency.segments.length) for (const f of match.files) found.set(toResolved(f, context.folders).path, toResolved(f, context.folders));
  const files = [...found.values()];
  if (files.length === 1 && files[0]) {
    steps.push({ rule: 'dependencyPath', input: label, result: files[0].relativePath, outcome: 'matched' });
    return { kind: 'resolved', file: files[0] };
  }
  if (files.length > 1) {
    steps.push({ rule: 'dependencyPath', input: label, result: `installed in ${files.length} places`, outcome: 'ambiguous' });
    return { kind: 'ambiguous', candidates: files };
  }
  steps.push({
    rule: 'dependencyPath',
    input: label,
    result: `${dependency.kind === 'runtime' ? 'runtime' : 'dependency'} code that this workspace does not contain; application files are not searched for it`,
    outcome: 'failed',
  });
  if (path.absolute && !insideAnyFolder(path, context)) return { kind: 'refused', path: raw, why: 'outsideWorkspace' };
  return { kind: 'notFound', absent: dependency.name === undefined ? { what: dependency.kind } : { what: dependency.kind, name: dependency.name } };
}

/** Offering to open a path outside the workspace is honest only when the file is there. */
async function checkExistence(raw: string, resolution: PathResolution, context: MappingContext, steps: MappingStep[]): Promise<PathResolution> {
  const exists = context.fileExists;
  // A symlink escape is a file of the index: it exists. Paths refused for leaving the workspace may not.
  if (!exists || resolution.kind !== 'refused' || resolution.why === 'symlinkEscape') return resolution;
  if (await exists(resolution.path).catch(() => false)) return resolution;
  steps.push({ rule: 'fileExists', input: resolution.path, result: 'no such file on this machine either', outcome: 'failed' });
  const absent = absenceOf(raw, parseTracePath(raw));
  return absent ? { kind: 'notFound', absent } : { kind: 'notFound' };
}

/**
 * Applies the most specific matching rule. `noFile`: a rule matched but names no file of the
 * workspace, so the path is not looked for elsewhere.
 */
function applyPathMappings(raw: string, path: TracePath, context: MappingContext, service: string | undefined, steps: MappingStep[]): PathResolution | 'noFile' | undefined {
  const ci = context.caseInsensitive ?? false;
  let best: { rule: PathMappingRule; from: TracePath } | undefined;
  for (const rule of context.pathMappings ?? []) {
    if (rule.service !== undefined && rule.service !== service) continue;
    const from = parseTracePath(rule.from);
    if (!isPrefix(from, path, ci)) continue;
    // The most specific rule wins: a service's own rule, then the longest `from`.
    const better =
      !best ||
      (rule.service !== undefined && best.rule.service === undefined) ||
      ((rule.service !== undefined) === (best.rule.service !== undefined) && from.segments.length > best.from.segments.length);
    if (better) best = { rule, from };
  }
  if (!best) {
    if ((context.pathMappings ?? []).length > 0) steps.push({ rule: 'pathMapping', input: raw, result: 'no rule’s `from` is a prefix of this path', outcome: 'skipped' });
    return undefined;
  }
  const label = `${best.rule.from} → ${best.rule.to}${best.rule.service === undefined ? '' : ` (service ${best.rule.service})`}`;
  const target = expandFolderVariables(best.rule.to, context.folders);
  if (target === undefined) {
    steps.push({ rule: 'pathMapping', input: raw, result: `${label}: names a workspace folder that is not open`, outcome: 'failed' });
    return 'noFile';
  }
  const rest = path.segments.slice(best.from.segments.length);
  const mapped = parseTracePath(`${target.replace(/[\\/]+$/, '')}/${rest.join('/')}`);
  const shown = formatTracePath(mapped);
  if (mapped.escapes || !mapped.absolute) {
    steps.push({ rule: 'pathMapping', input: raw, result: `${label}: gives ${shown}, which is not an absolute path inside the workspace`, outcome: 'refused' });
    return { kind: 'refused', path: shown, why: mapped.escapes ? 'escapesRoot' : 'outsideWorkspace' };
  }
  const located = locateInFolders(mapped, context);
  if (!located) {
    steps.push({ rule: 'pathMapping', input: raw, result: `${label}: gives ${shown}, outside every workspace folder`, outcome: 'refused' });
    return { kind: 'refused', path: shown, why: 'outsideWorkspace' };
  }
  const file = context.index.find(located.folder.name, located.segments, ci);
  if (!file) {
    steps.push({ rule: 'pathMapping', input: raw, result: `${label}: gives ${shown}, which is not a file of the workspace`, outcome: 'failed' });
    return 'noFile';
  }
  steps.push({ rule: 'pathMapping', input: raw, result: `${label}: ${file.relativePath}`, outcome: 'matched' });
  return { kind: 'resolved', file: toResolved(file, context.folders) };
}

/** The service's folder: `spanlens.serviceFolders`, else inferred from manifests and folder names. */
export async function serviceFolderOf(service: string | undefined, context: MappingContext, steps: MappingStep[]): Promise<Place | undefined> {
  if (service === undefined || service === '') return undefined;
  const setting = context.serviceFolders?.[service];
  if (setting !== undefined) {
    const place = serviceFolderPlace(setting, context);
    if (place) return { ...place, label: `${service}’s folder ${setting}` };
    steps.push({ rule: 'serviceFolder', input: `${service}: ${setting}`, result: 'not a workspace folder or a folder inside one', outcome: 'failed' });
    return undefined;
  }
  const inferred = await context.inferServiceFolder?.(service);
  if (!inferred) return undefined;
  const shown = [inferred.folder.name, ...inferred.under].join('/');
  steps.push({ rule: 'serviceFolder', input: service, result: `${shown} (${inferred.because})`, outcome: 'matched' });
  return { folder: inferred.folder, under: inferred.under, label: `${service}’s folder ${shown}` };
}

function serviceFolderPlace(setting: string, context: MappingContext): { folder: WorkspaceFolderInfo; under: readonly string[] } | undefined {
  const named = context.folders.find((f) => f.name === setting);
  if (named) return { folder: named, under: [] };
  const expanded = expandFolderVariables(setting, context.folders);
  if (expanded === undefined) return undefined;
  const parsed = parseTracePath(expanded);
  if (parsed.escapes) return undefined;
  if (parsed.absolute) {
    const located = locateInFolders(parsed, context);
    return located ? { folder: located.folder, under: located.segments } : undefined;
  }
  const first = context.folders[0];
  return first ? { folder: first, under: parsed.segments } : undefined;
}

function resolveExact(raw: string, path: TracePath, context: MappingContext, steps: MappingStep[]): PathResolution | undefined {
  const ci = context.caseInsensitive ?? false;
  if (path.absolute) {
    const located = locateInFolders(path, context);
    if (!located) return undefined;
    const file = context.index.find(located.folder.name, located.segments, ci);
    steps.push(
      file
        ? { rule: 'workspacePath', input: raw, result: `${located.folder.name}/${file.relativePath}`, outcome: 'matched' }
        : { rule: 'workspacePath', input: raw, result: 'inside a workspace folder but not one of its files', outcome: 'failed' },
    );
    return file ? { kind: 'resolved', file: toResolved(file, context.folders) } : undefined;
  }
  if (path.escapes) return undefined;
  const found = context.folders.flatMap((folder) => {
    const file = context.index.find(folder.name, path.segments, ci);
    return file ? [file] : [];
  });
  if (found.length === 0) return undefined;
  if (found.length === 1 && found[0]) {
    steps.push({ rule: 'workspacePath', input: raw, result: `${found[0].folder}/${found[0].relativePath}`, outcome: 'matched' });
    return { kind: 'resolved', file: toResolved(found[0], context.folders) };
  }
  steps.push({ rule: 'workspacePath', input: raw, result: `in ${found.length} workspace folders`, outcome: 'ambiguous' });
  return { kind: 'ambiguous', candidates: found.map((f) => toResolved(f, context.folders)) };
}

async function checkSymlinks(resolution: PathResolution, context: MappingContext, steps: MappingStep[]): Promise<PathResolution> {
  const realpath = context.realpath;
  if (!realpath || (resolution.kind !== 'resolved' && resolution.kind !== 'ambiguous')) return resolution;
  const folderRoots = await Promise.all(context.folders.map(async (f) => parseTracePath(await realpath(f.path).catch(() => f.path))));
  const ci = context.caseInsensitive ?? false;
  const safe = async (file: ResolvedFile): Promise<boolean> => {
    let real: string;
    try {
      real = await realpath(file.path);
    } catch {
      // Gone since the index saw it (a watcher event is on its way); not a symlink escape.
      return true;
    }
    const parsed = parseTracePath(real);
    return folderRoots.some((root) => relativeSegments(root, parsed, ci) !== undefined);
  };
  if (resolution.kind === 'resolved') {
    if (await safe(resolution.file)) return resolution;
    steps.push({ rule: 'symlinkCheck', input: resolution.file.path, result: 'a symbolic link leads outside the workspace folders', outcome: 'refused' });
    return { kind: 'refused', path: resolution.file.path, why: 'symlinkEscape' };
  }
  const checked = await Promise.all(resolution.candidates.map(async (c) => ((await safe(c)) ? [c] : [])));
  const kept = checked.flat();
  if (kept.length < resolution.candidates.length) {
    steps.push({
      rule: 'symlinkCheck',
      input: `${resolution.candidates.length} candidates`,
      result: `${resolution.candidates.length - kept.length} dropped: symbolic links lead outside the workspace`,
      outcome: 'refused',
    });
  }
  // Dropping escapees does not make the remaining one "the" answer: it stays a choice.
  return kept.length === 0 ? { kind: 'refused', path: resolution.candidates[0]?.path ?? '', why: 'symlinkEscape' } : { kind: 'ambiguous', candidates: kept };
}

/** Replaces `${workspaceFolder}` (the first folder) and `${workspaceFolder:name}`; undefined for an unknown name. */
export function expandFolderVariables(text: string, folders: readonly WorkspaceFolderInfo[]): string | undefined {
  const pattern = /\$\{workspaceFolder(?::([^}]+))?\}/g;
  for (const [, name] of text.matchAll(pattern)) {
    if (name === undefined ? folders.length === 0 : !folders.some((f) => f.name === name)) return undefined;
  }
  return text.replace(pattern, (_, name: string | undefined) => (name === undefined ? folders[0] : folders.find((f) => f.name === name))?.path ?? '');
}

function isPrefix(prefix: TracePath, path: TracePath, ci: boolean): boolean {
  if (prefix.segments.length === 0 && !prefix.absolute) return false;
  if (prefix.absolute !== path.absolute || prefix.root !== path.root || prefix.scheme !== path.scheme) return false;
  if (prefix.segments.length > path.segments.length) return false;
  for (let i = 0; i < prefix.segments.length; i++) {
    const a = prefix.segments[i] ?? '';
    const b = path.segments[i] ?? '';
    if (ci ? a.toLowerCase() !== b.toLowerCase() : a !== b) return false;
  }
  return true;
}

function locateInFolders(path: TracePath, context: MappingContext): { folder: WorkspaceFolderInfo; segments: readonly string[] } | undefined {
  const ci = context.caseInsensitive ?? false;
  let best: { folder: WorkspaceFolderInfo; segments: readonly string[] } | undefined;
  for (const folder of context.folders) {
    const segments = relativeSegments(parseTracePath(folder.path), path, ci);
    // Nested workspace folders: the innermost one owns the file.
    if (segments && (!best || segments.length < best.segments.length)) best = { folder, segments };
  }
  return best;
}

function insideAnyFolder(path: TracePath, context: MappingContext): boolean {
  return locateInFolders(path, context) !== undefined;
}

export function toResolved(file: WorkspaceFile, folders: readonly WorkspaceFolderInfo[]): ResolvedFile {
  const folder = folders.find((f) => f.name === file.folder);
  return { folder: file.folder, relativePath: file.relativePath, path: joinFolderPath(folder?.path ?? '', file.relativePath.split('/')) };
}
