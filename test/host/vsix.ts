import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCodeServer } from './codeServerCache';
import { repoRoot } from './codeServerSession';

export interface VsixEntry {
  readonly name: string;
  readonly size: number;
}

/**
 * `npm run package` into `outFile`: the production bundles, then `vsce package`. Everything is
 * bundled, so `--no-dependencies`; the README's images are files in the package, so relative
 * links stay relative instead of being rewritten to a repository URL we do not have.
 */
export function packageVsix(outFile: string): string {
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: repoRoot, stdio: 'pipe' });
  execFileSync(
    process.execPath,
    [join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', outFile],
    { cwd: repoRoot, stdio: 'pipe' },
  );
  return outFile;
}

/**
 * The files inside a VSIX (a zip), read from its central directory
 * (https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT, 4.3.12 and 4.3.16) so the
 * test needs no unzip tool or extra dependency.
 */
export function vsixEntries(file: string): VsixEntry[] {
  const zip = readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: VsixEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({ name: zip.toString('utf8', at + 46, at + 46 + nameLength), size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Installs a VSIX the way a user's `code --install-extension` does, with code-server's CLI, into
 * `extensionsDir`; returns the folder it was unpacked into.
 */
export async function installVsix(vsix: string, extensionsDir: string): Promise<string> {
  const entry = await ensureCodeServer();
  mkdirSync(extensionsDir, { recursive: true });
  // Its own user data folder: the CLI writes state there, never in the user's home.
  const userData = mkdtempSync(join(tmpdir(), 'spanlens-install-'));
  try {
    execFileSync(process.execPath, [entry, '--user-data-dir', userData, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], { stdio: 'pipe' });
  } finally {
    rmSync(userData, { recursive: true, force: true });
  }
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { publisher: string; name: string };
  const folder = readdirSync(extensionsDir).find((name) => name.toLowerCase().startsWith(`${manifest.publisher}.${manifest.name}-`));
  if (folder === undefined) throw new Error(`code-server --install-extension ${vsix} left no ${manifest.publisher}.${manifest.name} folder in ${extensionsDir}`);
  return join(extensionsDir, folder);
}
