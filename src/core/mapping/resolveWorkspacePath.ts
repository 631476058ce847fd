import type { MappingContext, PathMappingRule, WorkspaceFolderInfo } from './mappingContext';
import type { MappingStep } from './mappingStep';
import { formatTracePath, joinFolderPath, parseTracePath, relativeSegments, type TracePath } from './tracePath';
import type { SuffixMatch, WorkspaceFile } from './workspaceFileIndex';

/** A workspace file a trace path resolved to; `path` is absolute, in the folder's own style. */
export interface ResolvedFile extends WorkspaceFile {
  readonly path: string;
}

export type RefusalReason = 'outsideWorkspace' | 'escapesRoot' | 'symlinkEscape';

export type PathResolution =
  | { readonly kind: 'resolved'; readonly file: ResolvedFile }
  | { readonly kind: 'ambiguous'; readonly candidates: readonly ResolvedFile[] }
  | { readonly kind: 'refused'; readonly path: string; readonly why: RefusalReason }
  | { readonly kind: 'notFound' };

export interface ResolveOptions {
  /** Fewest trailing segments a suffix match must share (JVM frames: the whole package path). */
  readonly minimumSuffixSegments?: number;
}

export interface PathResolutionResult {
  readonly resolution: PathResolution;
  readonly steps: readonly MappingStep[];
}

/**
 * Resolves a path recorded in production to a file of the workspace, in the order of issue 6:
 * the user's path mappings, the service's folder, an exact workspace path, the longest unique
 * path suffix. Every stage leaves a step. Ambiguity is returned, never guessed; anything that
 * lands outside the workspace folders (rules, `..`, symlinks) is refused with a reason.
 */
export async function resolveWorkspacePath(raw: string, context: MappingContext, service?: string, options: ResolveOptions = {}): Promise<PathResolutionResult> {
  const steps: MappingStep[] = [];
  const resolution = resolveLexically(raw, context, service, options.minimumSuffixSegments ?? 1, steps);
  return { resolution: await checkSymlinks(resolution, context, steps), steps };
}

function resolveLexically(raw: string, context: MappingContext, service: string | undefined, minimum: number, steps: MappingStep[]): PathResolution {
  const ci = context.caseInsensitive ?? false;
  const path = parseTracePath(raw);
  if (path.segments.length === 0) {
    steps.push({ rule: 'workspacePath', input: raw, result: 'not a file path', outcome: 'failed' });
    return { kind: 'notFound' };
  }
  if (path.absolute && path.escapes) {
    steps.push({ rule: 'workspacePath', input: raw, result: '`..` climbs above the root', outcome: 'refused' });
    return { kind: 'refused', path: raw, why: 'escapesRoot' };
  }

  const byRule = applyPathMappings(raw, path, context, service, steps);
  if (byRule) return byRule;

  const byService = resolveInServiceFolder(path, context, service, minimum, steps);
  if (byService) return byService;

  const exact = resolveExact(raw, path, context, steps);
  if (exact) return exact;

  const query = path.segments.filter((s) => s !== '..');
  const match = atLeast(context.index.findBySuffix(query, { caseInsensitive: ci }), minimum);
  if (match.files.length === 1 && match.files[0]) {
    const file = toResolved(match.files[0], context.folders);
    steps.push({ rule: 'suffixMatch', input: query.join('/'), result: `${file.relativePath} (${match.matchedSegments} trailing segment${match.matchedSegments === 1 ? '' : 's'} in common)`, outcome: 'matched' });
    return { kind: 'resolved', file };
  }
  if (match.files.length > 1) {
    steps.push({ rule: 'suffixMatch', input: query.join('/'), result: `${match.files.length} files share the last ${match.matchedSegments} segment(s)`, outcome: 'ambiguous' });
    return { kind: 'ambiguous', candidates: match.files.map((f) => toResolved(f, context.folders)) };
  }
  steps.push({ rule: 'suffixMatch', input: query.join('/'), result: 'no workspace file has this name', outcome: 'failed' });
  if (path.absolute && !insideAnyFolder(path, context)) return { kind: 'refused', path: raw, why: 'outsideWorkspace' };
  return { kind: 'notFound' };
}

function applyPathMappings(raw: string, path: TracePath, context: MappingContext, service: string | undefined, steps: MappingStep[]): PathResolution | undefined {
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
    return undefined;
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
    return undefined;
  }
  steps.push({ rule: 'pathMapping', input: raw, result: `${label}: ${file.relativePath}`, outcome: 'matched' });
  return { kind: 'resolved', file: toResolved(file, context.folders) };
}

function resolveInServiceFolder(path: TracePath, context: MappingContext, service: string | undefined, minimum: number, steps: MappingStep[]): PathResolution | undefined {
  if (service === undefined) return undefined;
  const setting = context.serviceFolders?.[service];
  if (setting === undefined) return undefined;
  const place = serviceFolderPlace(setting, context);
  if (!place) {
    steps.push({ rule: 'serviceFolder', input: `${service}: ${setting}`, result: 'not a workspace folder or a folder inside one', outcome: 'failed' });
    return undefined;
  }
  const query = path.segments.filter((s) => s !== '..');
  const match = atLeast(context.index.findBySuffix(query, { caseInsensitive: context.caseInsensitive ?? false, folder: place.folder.name, under: place.under }), minimum);
  const input = `${query.join('/')} in ${service}’s folder ${setting}`;
  if (match.files.length === 1 && match.files[0]) {
    steps.push({ rule: 'serviceFolder', input, result: match.files[0].relativePath, outcome: 'matched' });
    return { kind: 'resolved', file: toResolved(match.files[0], context.folders) };
  }
  if (match.files.length > 1) {
    steps.push({ rule: 'serviceFolder', input, result: `${match.files.length} files share the last ${match.matchedSegments} segment(s)`, outcome: 'ambiguous' });
    return { kind: 'ambiguous', candidates: match.files.map((f) => toResolved(f, context.folders)) };
  }
  steps.push({ rule: 'serviceFolder', input, result: 'no file with this name there', outcome: 'failed' });
  return undefined;
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
    steps.push({ rule: 'symlinkCheck', input: `${resolution.candidates.length} candidates`, result: `${resolution.candidates.length - kept.length} dropped: symbolic links lead outside the workspace`, outcome: 'refused' });
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

function atLeast(match: SuffixMatch, minimum: number): SuffixMatch {
  return match.matchedSegments >= minimum ? match : { matchedSegments: 0, files: [] };
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

function toResolved(file: WorkspaceFile, folders: readonly WorkspaceFolderInfo[]): ResolvedFile {
  const folder = folders.find((f) => f.name === file.folder);
  return { folder: file.folder, relativePath: file.relativePath, path: joinFolderPath(folder?.path ?? '', file.relativePath.split('/')) };
}
