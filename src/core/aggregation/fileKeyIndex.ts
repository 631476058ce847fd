import type { CodeLocation } from './codeLocation';
import type { KeyAggregate } from './keyAggregate';

/** A file's locations, and a stamp that changes whenever the list may have. */
export interface FileLocations {
  readonly stamp: number;
  readonly locations: readonly CodeLocation[];
}

interface FileEntry {
  readonly keys: Set<KeyAggregate>;
  /** Line (−1 for none) → function ('' for none) → key. */
  readonly byLine: Map<number, Map<string, KeyAggregate>>;
  /** Stamped when keys join or leave, so cached queries over the file know to re-match. */
  membership: number;
  /** Function name asked for → the keys it matches, valid for `matchedAt` membership. */
  readonly matched: Map<string, KeyAggregate[]>;
  matchedAt: number;
  /** The keys' locations in `locations()` order, valid for `sortedAt` membership. */
  sorted: readonly CodeLocation[];
  sortedAt: number;
}

const noLocations: FileLocations = Object.freeze({ stamp: -1, locations: Object.freeze([]) });
const maxMatchedNames = 1_000;
const qualifierSeparators = new Set(['.', ':', '/', '\\', '#', '$']);

/**
 * The location keys of each file, by line and function, with what queries over a file keep
 * between membership changes: the keys a function name matches and the sorted locations.
 */
export class FileKeyIndex {
  private readonly entries = new Map<string, FileEntry>();

  /** `stamp` numbers membership changes, unique across the owner's life (shared with its other indexes). */
  constructor(private readonly stamp: () => number) {}

  /** The key of exactly this place, if there is one. */
  get(location: CodeLocation): KeyAggregate | undefined {
    return this.entries
      .get(location.file)
      ?.byLine.get(location.line ?? -1)
      ?.get(location.function ?? '');
  }

  add(location: CodeLocation, key: KeyAggregate): void {
    let entry = this.entries.get(location.file);
    if (entry === undefined) this.entries.set(location.file, (entry = { keys: new Set(), byLine: new Map(), membership: -1, matched: new Map(), matchedAt: -1, sorted: [], sortedAt: -1 }));
    const line = location.line ?? -1;
    let byFunction = entry.byLine.get(line);
    if (byFunction === undefined) entry.byLine.set(line, (byFunction = new Map<string, KeyAggregate>()));
    byFunction.set(location.function ?? '', key);
    entry.keys.add(key);
    entry.membership = this.stamp();
  }

  remove(location: CodeLocation, key: KeyAggregate): void {
    const { file, line, function: fn } = location;
    const entry = this.entries.get(file);
    if (entry === undefined) return;
    entry.keys.delete(key);
    const byFunction = entry.byLine.get(line ?? -1);
    byFunction?.delete(fn ?? '');
    if (byFunction?.size === 0) entry.byLine.delete(line ?? -1);
    entry.membership = this.stamp();
    if (entry.keys.size === 0) this.entries.delete(file);
  }

  /** The file's membership stamp; −1 when it has no keys. */
  membership(file: string): number {
    return this.entries.get(file)?.membership ?? -1;
  }

  keysOf(file: string): ReadonlySet<KeyAggregate> | undefined {
    return this.entries.get(file)?.keys;
  }

  /** The keys of a line, or of the whole file when `line` is omitted. */
  keysAt(file: string, line: number | undefined): KeyAggregate[] {
    const out: KeyAggregate[] = [];
    for (const key of this.entries.get(file)?.keys ?? []) {
      const location = key.location;
      if (location === undefined) continue;
      if (line === undefined || location.line === line) out.push(key);
    }
    return out;
  }

  /**
   * The keys whose function is `functionName` or has it as its qualified tail. A CodeLens pass
   * asks for every function of the file; the answer is kept until keys join or leave the file.
   */
  functionKeys(file: string, functionName: string): KeyAggregate[] {
    const entry = this.entries.get(file);
    if (entry === undefined) return [];
    if (entry.matchedAt !== entry.membership) {
      entry.matched.clear();
      entry.matchedAt = entry.membership;
    }
    const known = entry.matched.get(functionName);
    if (known !== undefined) return known;
    const matched: KeyAggregate[] = [];
    for (const key of entry.keys) if (matchesFunction(key.location?.function, functionName)) matched.push(key);
    if (entry.matched.size >= maxMatchedNames) entry.matched.clear();
    entry.matched.set(functionName, matched);
    return matched;
  }

  /** The file's locations by line then function, sorted again only after keys joined or left. */
  fileLocations(file: string): FileLocations {
    const entry = this.entries.get(file);
    if (entry === undefined) return noLocations;
    if (entry.sortedAt !== entry.membership) {
      const sorted: CodeLocation[] = [];
      for (const key of entry.keys) if (key.location !== undefined) sorted.push(key.location);
      entry.sorted = sorted.sort(byLineThenFunction);
      entry.sortedAt = entry.membership;
    }
    return { stamp: entry.sortedAt, locations: entry.sorted };
  }

  files(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    this.entries.clear();
  }
}

export function byLineThenFunction(a: CodeLocation, b: CodeLocation): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.function ?? '').localeCompare(b.function ?? '');
}

/** `handle` and `Server.handle` both match `com.acme.Server.handle`: editors know short names, spans qualified ones. */
function matchesFunction(candidate: string | undefined, wanted: string): boolean {
  if (candidate === undefined || wanted === '') return false;
  if (candidate === wanted) return true;
  if (!candidate.endsWith(wanted)) return false;
  const before = candidate[candidate.length - wanted.length - 1];
  return before !== undefined && qualifierSeparators.has(before);
}
