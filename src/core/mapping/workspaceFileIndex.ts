import { foldCase } from './tracePath';

/** A file of the workspace: its folder's name and its path below the folder, `/`-separated. */
export interface WorkspaceFile {
  readonly folder: string;
  readonly relativePath: string;
}

interface Entry extends WorkspaceFile {
  /** Segments in reverse (basename first) so suffix comparison walks forward. */
  readonly reversed: readonly string[];
  readonly reversedFolded: readonly string[];
}

export interface SuffixMatch {
  /** How many trailing segments of the query the best candidates share (0: nothing matched). */
  readonly matchedSegments: number;
  /** Every file sharing the longest suffix; more than one means ambiguous. */
  readonly files: readonly WorkspaceFile[];
}

export interface SuffixQuery {
  readonly caseInsensitive?: boolean;
  /** Only files of this folder… */
  readonly folder?: string;
  /** …below this relative directory (segments). */
  readonly under?: readonly string[];
}

/**
 * The workspace's files, indexed by lower-cased basename. Built once from a file listing and then
 * kept current by `add`/`remove` calls from a file watcher, so a lookup never walks the disk:
 * it touches only the files that share the query's basename.
 */
export class WorkspaceFileIndex {
  private readonly byBasename = new Map<string, Entry[]>();
  private readonly byKey = new Map<string, Entry>();
  private readonly byFoldedKey = new Map<string, Entry[]>();
  /** By lower-cased name of the file's directory: Go names a package by its directory, not a file. */
  private readonly byDirectoryName = new Map<string, Entry[]>();

  static fromFiles(files: Iterable<WorkspaceFile>): WorkspaceFileIndex {
    const index = new WorkspaceFileIndex();
    for (const file of files) index.add(file.folder, file.relativePath);
    return index;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Every indexed file, to hand the whole index to another process. */
  files(): WorkspaceFile[] {
    return [...this.byKey.values()].map((entry) => ({ folder: entry.folder, relativePath: entry.relativePath }));
  }

  add(folder: string, relativePath: string): void {
    const segments = splitRelative(relativePath);
    const basename = segments[segments.length - 1];
    if (basename === undefined) return;
    const normalised = segments.join('/');
    const key = `${folder}\0${normalised}`;
    if (this.byKey.has(key)) return;
    const reversed = [...segments].reverse();
    const entry: Entry = { folder, relativePath: normalised, reversed, reversedFolded: reversed.map((s) => s.toLowerCase()) };
    this.byKey.set(key, entry);
    push(this.byBasename, basename.toLowerCase(), entry);
    push(this.byFoldedKey, key.toLowerCase(), entry);
    push(this.byDirectoryName, entry.reversedFolded[1] ?? '', entry);
  }

  remove(folder: string, relativePath: string): void {
    const normalised = splitRelative(relativePath).join('/');
    const key = `${folder}\0${normalised}`;
    const entry = this.byKey.get(key);
    if (!entry) return;
    this.byKey.delete(key);
    pull(this.byBasename, entry.reversedFolded[0] ?? '', entry);
    pull(this.byFoldedKey, key.toLowerCase(), entry);
    pull(this.byDirectoryName, entry.reversedFolded[1] ?? '', entry);
  }

  /**
   * Drops a deleted directory's files (watchers report only the directory). Walks the index once;
   * directory deletions are rare enough for that to be the right trade against a second tree.
   */
  removeUnder(folder: string, relativeDirectory: string): void {
    const prefix = splitRelative(relativeDirectory).join('/');
    for (const entry of [...this.byKey.values()]) {
      if (entry.folder === folder && (prefix === '' || entry.relativePath === prefix || entry.relativePath.startsWith(`${prefix}/`))) {
        this.remove(folder, entry.relativePath);
      }
    }
  }

  removeFolder(folder: string): void {
    this.removeUnder(folder, '');
  }

  /** The indexed spelling of a file, or undefined when it is not in the workspace. */
  find(folder: string, relativeSegments: readonly string[], caseInsensitive = false): WorkspaceFile | undefined {
    const key = `${folder}\0${relativeSegments.join('/')}`;
    const exact = this.byKey.get(key);
    if (exact || !caseInsensitive) return exact;
    const folded = this.byFoldedKey.get(key.toLowerCase());
    return folded?.length === 1 ? folded[0] : undefined;
  }

  /** The files sharing the longest trailing run of segments with `segments`. */
  findBySuffix(segments: readonly string[], query: SuffixQuery = {}): SuffixMatch {
    const basename = segments[segments.length - 1];
    if (basename === undefined) return { matchedSegments: 0, files: [] };
    return longestSuffixMatches(this.byBasename.get(basename.toLowerCase()) ?? [], segments, query, 0);
  }

  /**
   * The files directly inside the directories that share the longest trailing run of segments with
   * `directory` (`github.com/x/repo/pkg` → the files of `…/repo/pkg`, else of any `…/pkg`).
   */
  filesInDirectory(directory: readonly string[], query: SuffixQuery = {}): SuffixMatch {
    const last = directory[directory.length - 1];
    if (last === undefined) return { matchedSegments: 0, files: [] };
    return longestSuffixMatches(this.byDirectoryName.get(last.toLowerCase()) ?? [], directory, query, 1);
  }

  /** Files whose basename is one of `basenames`, for symbol-derived guesses like `Checkout.java`. */
  filesNamed(basename: string): readonly WorkspaceFile[] {
    return (this.byBasename.get(basename.toLowerCase()) ?? []).map(({ folder, relativePath }) => ({ folder, relativePath }));
  }
}

function isUnder(reversed: readonly string[], under: readonly string[], caseInsensitive: boolean): boolean {
  const depth = reversed.length - 1;
  if (under.length > depth) return false;
  for (let i = 0; i < under.length; i++) {
    if (reversed[reversed.length - 1 - i] !== foldCase(under[i] ?? '', caseInsensitive)) return false;
  }
  return true;
}

function splitRelative(path: string): string[] {
  return path.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pull<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}

/**
 * The candidates whose path, read from its end after `skip` segments (1 skips a file's own name
 * to compare its directory), shares the longest run with `wanted`, and that run's length. Below
 * `query.under` only: a service folder's own name is where the code is, not part of the match.
 */
function longestSuffixMatches(candidates: Iterable<Entry>, segments: readonly string[], query: SuffixQuery, skip: number): SuffixMatch {
  const caseInsensitive = query.caseInsensitive ?? false;
  const wanted = segments.map((s) => foldCase(s, caseInsensitive)).reverse();
  let best = 0;
  let files: Entry[] = [];
  for (const entry of candidates) {
    if (query.folder !== undefined && entry.folder !== query.folder) continue;
    const have = caseInsensitive ? entry.reversedFolded : entry.reversed;
    if (query.under && !isUnder(have, query.under, caseInsensitive)) continue;
    let matched = 0;
    const limit = Math.min(have.length - skip - (query.under?.length ?? 0), wanted.length);
    while (matched < limit && have[matched + skip] === wanted[matched]) matched++;
    if (matched === 0) continue;
    if (matched > best) {
      best = matched;
      files = [entry];
    } else if (matched === best) {
      files.push(entry);
    }
  }
  return { matchedSegments: best, files: files.map(({ folder, relativePath }) => ({ folder, relativePath })) };
}
