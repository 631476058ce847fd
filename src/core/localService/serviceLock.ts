import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The store is already written by a live process; only that process may write it. */
export class LockHeldError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holderPid: number,
  ) {
    super(`the SpanLens trace service (pid ${holderPid}) already owns ${lockPath}`);
    this.name = 'LockHeldError';
  }
}

export interface HeldLock {
  readonly path: string;
  /** Removes the lock if it is still ours. */
  release(): void;
}

interface LockContent {
  readonly pid: number;
  readonly startedMs: number;
}

export interface LockOptions {
  /** A name the holder's command line contains; a live pid whose command line lacks it is a reused pid. */
  readonly holderMarker?: string;
  /** How long after taking the lock it is read back, to lose cleanly to a racing taker. */
  readonly settleMs?: number;
}

/**
 * Takes the lock file that makes one process the store's only writer. The file is created
 * exclusively; a lock whose holder is dead (or whose pid now belongs to another program) is
 * moved aside and taken. Two processes that both found the same stale lock can both create a
 * new one only if one removed the other's; reading the file back after a pause lets the loser
 * see that and give up, so there is one writer even then.
 */
export async function acquireServiceLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const settleMs = options.settleMs ?? 50;
  for (let attempt = 0; attempt < 20; attempt++) {
    const mine: LockContent = { pid: process.pid, startedMs: Date.now() };
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error: unknown) {
      if (codeOf(error) !== 'EEXIST') throw error;
      const holder = readLock(path);
      if (holder === 'missing') continue;
      if (holder === 'unreadable') {
        // Being written right now, or left torn by a crash: give a writer time, then treat it as stale.
        if (ageMs(path) < 2_000) {
          await sleep(25);
          continue;
        }
      } else if (isAlive(holder.pid, options.holderMarker)) {
        throw new LockHeldError(path, holder.pid);
      }
      moveAside(path);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(mine));
    } finally {
      closeSync(fd);
    }
    await sleep(settleMs);
    const now = readLock(path);
    if (now !== 'missing' && now !== 'unreadable' && now.pid === mine.pid && now.startedMs === mine.startedMs) {
      return {
        path,
        release: () => {
          const current = readLock(path);
          if (current !== 'missing' && current !== 'unreadable' && current.pid === mine.pid && current.startedMs === mine.startedMs) unlinkSync(path);
        },
      };
    }
    if (now !== 'missing' && now !== 'unreadable') throw new LockHeldError(path, now.pid);
  }
  throw new Error(`could not take ${path}: it kept changing under SpanLens; another program may be creating it`);
}

function readLock(path: string): LockContent | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    if (codeOf(error) === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockContent>;
    return typeof value.pid === 'number' && typeof value.startedMs === 'number' ? { pid: value.pid, startedMs: value.startedMs } : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function isAlive(pid: number, marker: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error: unknown) {
    // EPERM: alive, but another user's; not ours to take over.
    if (codeOf(error) !== 'EPERM') return false;
  }
  if (marker === undefined || process.platform !== 'linux') return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return true;
  }
}

/** Renamed, not unlinked: a racing taker that already replaced it loses its file visibly, not silently. */
function moveAside(path: string): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
    unlinkSync(aside);
  } catch (error: unknown) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
