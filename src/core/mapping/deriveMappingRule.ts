import type { PathMappingRule, WorkspaceFolderInfo } from './mappingContext';
import { parseTracePath } from './tracePath';
import type { WorkspaceFile } from './workspaceFileIndex';

/**
 * Turns the user's pick among ambiguous candidates into a `spanlens.pathMappings` rule, so the
 * choice is remembered and applies to every other file under the same production prefix:
 * `/app/dist/server.js` chosen as `packages/api/dist/server.js` gives
 * `{ from: '/app', to: '${workspaceFolder}/packages/api' }`. The shared trailing segments are
 * left out of both sides; when the trace path is entirely shared, its first segment is kept so
 * that `from` is never empty (an empty prefix would capture every path).
 */
export function deriveMappingRule(tracePath: string, chosen: WorkspaceFile, folders: readonly WorkspaceFolderInfo[], service?: string): PathMappingRule | undefined {
  const parsed = parseTracePath(tracePath);
  const traceSegments = parsed.segments.filter((s) => s !== '..');
  const chosenSegments = chosen.relativePath.split('/').filter((s) => s !== '');
  let shared = 0;
  while (
    shared < traceSegments.length &&
    shared < chosenSegments.length &&
    (traceSegments[traceSegments.length - 1 - shared] ?? '').toLowerCase() === (chosenSegments[chosenSegments.length - 1 - shared] ?? '').toLowerCase()
  ) {
    shared++;
  }
  if (shared === 0) return undefined;
  if (!parsed.absolute && shared === traceSegments.length) shared--;
  const fromSegments = traceSegments.slice(0, traceSegments.length - shared);
  const toSegments = chosenSegments.slice(0, chosenSegments.length - shared);
  const scheme = parsed.scheme === undefined ? '' : `${parsed.scheme}:///`;
  const from = parsed.absolute ? `${parsed.root ?? ''}/${fromSegments.join('/')}` : `${scheme}${fromSegments.join('/')}`;
  const variable = folders.length <= 1 ? '${workspaceFolder}' : `\${workspaceFolder:${chosen.folder}}`;
  const to = toSegments.length === 0 ? variable : `${variable}/${toSegments.join('/')}`;
  return service === undefined ? { from, to } : { from, to, service };
}
