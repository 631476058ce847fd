import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What the checkout a document belongs to says it is; either may be unknown. */
export interface CheckoutIdentity {
  readonly version: string | undefined;
  readonly commit: string | undefined;
}

const cacheMs = 30_000;

/**
 * Reads the nearest `package.json` version and the git HEAD commit above a file, cheaply (a few
 * small reads, cached per directory for 30 s), so a hover can warn that production runs another
 * build. No git process: `.git/HEAD` and the ref file or `packed-refs` are enough.
 */
export class CheckoutIdentityReader {
  private readonly cache = new Map<string, { readonly atMs: number; readonly identity: Promise<CheckoutIdentity> }>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * An expired entry is still answered at once while it is read again in the background: the
   * CodeLens refresh asks this on every pass and must not wait for the disk every 30 s.
   */
  read(filePath: string): Promise<CheckoutIdentity> {
    const directory = dirname(filePath);
    const cached = this.cache.get(directory);
    if (cached !== undefined && this.now() - cached.atMs < cacheMs) return cached.identity;
    const identity = readIdentity(directory).catch((): CheckoutIdentity => ({ version: undefined, commit: undefined }));
    if (this.cache.size > 1000) this.cache.clear();
    if (cached === undefined) {
      this.cache.set(directory, { atMs: this.now(), identity });
      return identity;
    }
    // Marked fresh now so one refresh runs at a time; the new answer replaces the old when read.
    const refreshing = { atMs: this.now(), identity: cached.identity };
    this.cache.set(directory, refreshing);
    void identity.then(() => {
      if (this.cache.get(directory) === refreshing) this.cache.set(directory, { atMs: refreshing.atMs, identity });
    });
    return cached.identity;
  }
}

async function readIdentity(start: string): Promise<CheckoutIdentity> {
  let version: string | undefined;
  let versionSearched = false;
  let directory = start;
  for (;;) {
    if (!versionSearched) {
      const found = await packageVersion(join(directory, 'package.json'));
      if (found !== null) {
        version = found;
        versionSearched = true;
      }
    }
    const gitDirectory = join(directory, '.git');
    if (await isDirectory(gitDirectory)) return { version, commit: await headCommit(gitDirectory) };
    const parent = dirname(directory);
    if (parent === directory) return { version, commit: undefined };
    directory = parent;
  }
}

/** null when there is no readable package.json here (keep looking up); undefined when it has no version. */
async function packageVersion(path: string): Promise<string | undefined | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : undefined;
  } catch {
    return undefined;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function headCommit(gitDirectory: string): Promise<string | undefined> {
  const head = (await readFile(join(gitDirectory, 'HEAD'), 'utf8')).trim();
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (ref === undefined) return /^[0-9a-f]{40}$/i.test(head) ? head : undefined;
  try {
    return (await readFile(join(gitDirectory, ...ref.split('/')), 'utf8')).trim();
  } catch {
    // Refs written by `git gc` live only in packed-refs.
    const packed = await readFile(join(gitDirectory, 'packed-refs'), 'utf8').catch(() => '');
    for (const line of packed.split('\n')) {
      const [hash, name] = line.trim().split(' ');
      if (name === ref && hash !== undefined && /^[0-9a-f]{40}$/i.test(hash)) return hash;
    }
    return undefined;
  }
}
