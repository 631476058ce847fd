import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where the service of a store folder listens: a Unix socket in a folder only this user can
 * enter (a named pipe on Windows). One store folder, one service: windows of one VS Code share
 * their global storage, so they share the service; separate installs or test hosts do not.
 */
export function serviceSocketPath(storeDirectory: string, platform: NodeJS.Platform = process.platform): string {
  const key = createHash('sha256').update(resolve(storeDirectory)).digest('hex').slice(0, 16);
  if (platform === 'win32') return `\\\\.\\pipe\\spanlens-${userInfo().username}-${key}`;
  return join(privateRuntimeDirectory(), `${key}.sock`);
}

/**
 * `$XDG_RUNTIME_DIR` when set (already user-only), else a 0700 folder of ours in the temp
 * folder. A folder there that someone else owns, or others may enter, is refused: its socket
 * could be someone else's listener.
 */
export function privateRuntimeDirectory(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  const base = runtime !== undefined && runtime !== '' ? join(runtime, 'spanlens') : join(tmpdir(), `spanlens-${userInfo().uid}`);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const stat = lstatSync(base);
  const uid = process.getuid?.();
  if (!stat.isDirectory()) throw new Error(`${base} is not a folder, so the SpanLens trace service cannot put its socket there; remove it and try again`);
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${base} belongs to another user, so the SpanLens trace service will not use it; remove it or set XDG_RUNTIME_DIR`);
  if ((stat.mode & 0o077) !== 0) chmodSync(base, 0o700);
  return base;
}

/** The lock file that makes the service the store's only writer. */
export function serviceLockPath(storeDirectory: string): string {
  return join(storeDirectory, 'service.lock');
}
