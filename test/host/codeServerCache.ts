import { execFile, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * A code-server (a full VS Code build published on npm) installed into a git-ignored cache,
 * following ../shared/reference/vscode-test-host.md: its postinstall refuses root, builds native
 * modules and downloads ripgrep from the internet, so we do its steps ourselves.
 */
export const codeServerVersion = '4.100.3';
export const defaultCacheDir = resolve(__dirname, '..', '..', '..', '.vscode-test', 'code-server');

const markerName = 'spanlens-cache.json';
const execFileAsync = promisify(execFile);

export function codeServerEntry(cacheDir: string): string {
  return join(cacheDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function vscodeDir(cacheDir: string): string {
  return join(cacheDir, 'node_modules', 'code-server', 'lib', 'vscode');
}

/**
 * What is wrong with the cache, one line per problem; empty when it holds a complete build.
 * Each check is a file the skipped postinstall would have produced, so a half-finished or
 * damaged install is caught before it fails in some cryptic way at start-up.
 */
export function inspectCodeServerCache(cacheDir: string): string[] {
  if (!existsSync(cacheDir)) return [`${cacheDir} does not exist`];
  const problems: string[] = [];
  const markerPath = join(cacheDir, markerName);
  if (!existsSync(markerPath)) {
    problems.push(`${markerName} is missing (the last install did not finish)`);
  } else {
    try {
      const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as { version?: unknown };
      if (marker.version !== codeServerVersion) {
        problems.push(`cache holds code-server ${String(marker.version)}, ${codeServerVersion} is needed`);
      }
    } catch {
      problems.push(`${markerName} is not valid JSON`);
    }
  }
  const vs = vscodeDir(cacheDir);
  const required: [string, string][] = [
    [codeServerEntry(cacheDir), 'code-server entry point'],
    [join(vs, 'out', 'server-main.js'), 'VS Code server'],
    [join(vs, 'node_modules', 'node-pty', 'build', 'Release', 'pty.node'), 'node-pty native module'],
    [join(vs, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'), 'ripgrep binary'],
    [join(vs, 'node_modules.asar'), 'node_modules.asar link'],
    [join(vs, 'extensions', 'node_modules'), 'built-in extensions dependencies'],
    [join(cacheDir, 'node_modules', 'argon2', 'lib', 'binding', 'napi-v3', 'argon2.node'), 'argon2 native module'],
  ];
  for (const [path, what] of required) {
    if (!resolvesToFile(path)) problems.push(`${what} missing: ${path}`);
  }
  return problems;
}

function resolvesToFile(path: string): boolean {
  try {
    lstatSync(path);
    statSync(realpathSync(path));
    return true;
  } catch {
    return false;
  }
}

async function run(command: string, args: string[], cwd: string, log: (line: string) => void): Promise<void> {
  log(`$ (${cwd}) ${command} ${args.join(' ')}`);
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'inherit', 'inherit'],
      // node-pty's install calls `npx node-gyp`, which would otherwise wait for a yes.
      env: { ...process.env, npm_config_yes: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')} failed in ${cwd} (${signal ?? `exit ${code}`})`))));
  });
}

function link(target: string, path: string): void {
  rmSync(path, { force: true });
  symlinkSync(target, path);
}

async function which(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('sh', ['-c', `command -v ${binary}`]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Reuses a complete cache; otherwise deletes whatever is there and installs afresh. */
export async function ensureCodeServer(cacheDir = defaultCacheDir, log: (line: string) => void = console.log): Promise<string> {
  const problems = inspectCodeServerCache(cacheDir);
  if (problems.length === 0) return codeServerEntry(cacheDir);
  if (existsSync(cacheDir)) {
    log(`code-server cache at ${cacheDir} is incomplete or broken; rebuilding it:\n  - ${problems.join('\n  - ')}`);
    rmSync(cacheDir, { recursive: true, force: true });
  } else {
    log(`Installing code-server ${codeServerVersion} into ${cacheDir} (about 3 minutes, once).`);
  }
  const rg = await which('rg');
  if (!rg) throw new Error('ripgrep (rg) is not installed. Run scripts/setup.sh, or: apt-get install ripgrep');

  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, 'package.json'), JSON.stringify({ name: 'spanlens-code-server-cache', private: true }));
  await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', `code-server@${codeServerVersion}`], cacheDir, log);
  const vs = vscodeDir(cacheDir);
  await run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], vs, log);
  // With bin/ present, ripgrep's postinstall skips its download from the internet.
  mkdirSync(join(vs, 'node_modules', '@vscode', 'ripgrep', 'bin'), { recursive: true });
  link(rg, join(vs, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'));
  await run('npm', ['rebuild'], vs, log);
  link('node_modules', join(vs, 'node_modules.asar'));
  link('code-linux.sh', join(vs, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', join(vs, 'bin', 'helpers', 'browser.sh'));
  await run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], join(vs, 'extensions'), log);
  await run('npm', ['rebuild', 'argon2'], cacheDir, log);
  writeFileSync(join(cacheDir, markerName), JSON.stringify({ version: codeServerVersion, installedAt: new Date().toISOString() }));

  const left = inspectCodeServerCache(cacheDir);
  if (left.length > 0) throw new Error(`code-server install finished but is still incomplete:\n  - ${left.join('\n  - ')}`);
  log(`code-server ${codeServerVersion} is ready in ${cacheDir}.`);
  return codeServerEntry(cacheDir);
}

if (require.main === module) {
  ensureCodeServer().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
