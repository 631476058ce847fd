import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ensureCodeServer } from './codeServerCache';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const chromiumPath = process.env['SPANLENS_CHROMIUM'] ?? '/usr/bin/chromium';

export interface CodeServerSession {
  readonly port: number;
  readonly origin: string;
  readonly workspace: string;
  readonly logs: string[];
  /** The workbench URL, with VS Code development options passed through `payload`. */
  url(options?: { extensionDevelopmentPath?: string; extensionTestsPath?: string }): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Folder copied into a fresh temporary workspace; defaults to test/workspace. */
  readonly workspaceTemplate?: string;
  /** Extra environment for code-server, which passes it on to the extension host. */
  readonly env?: Record<string, string>;
  readonly port?: number;
  /** Keep the user data between runs (the demo); tests always start clean. */
  readonly userDataDir?: string;
  readonly userSettings?: Record<string, unknown>;
  /** Extensions installed in this VS Code; defaults to an empty temporary folder. */
  readonly extensionsDir?: string;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function portIsFree(port: number): Promise<boolean> {
  return await new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

async function waitForHealthy(origin: string, child: ChildProcess, logs: string[], deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited with ${child.exitCode} before it answered:\n${logs.slice(-30).join('')}`);
    }
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on ${origin} within ${deadlineMs / 1000} s:\n${logs.slice(-30).join('')}`);
}

/**
 * The shared trace service outlives its windows by design (minutes, so reloads keep receiving);
 * a test host that is gone for good takes it down, so the next suite starts clean.
 */
export function stopTraceService(userDataDir: string): void {
  const lock = join(userDataDir, 'User', 'globalStorage', 'spanlens.spanlens', 'local-traces', 'service.lock');
  try {
    const { pid } = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number };
    process.kill(pid, 'SIGTERM');
  } catch {
    // No service was started, or it has already gone.
  }
}

/** Every trace service of this user-data folder (a respawned one included), ended and waited for. */
export async function stopTraceServices(userDataDir: string): Promise<void> {
  stopTraceService(userDataDir);
  for (let round = 0; round < 40; round++) {
    const pids = processesMentioning(userDataDir, 'traceService.js');
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, round < 20 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Processes whose command line holds every one of `parts` (Linux: /proc). */
function processesMentioning(...parts: string[]): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (parts.every((part) => command.includes(part))) out.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return out;
}

export async function startCodeServer(options: StartOptions = {}): Promise<CodeServerSession> {
  const entry = await ensureCodeServer();
  const scratch = mkdtempSync(join(tmpdir(), 'spanlens-cs-'));
  const workspace = join(scratch, 'workspace');
  cpSync(options.workspaceTemplate ?? join(repoRoot, 'test', 'workspace'), workspace, { recursive: true });
  // The sample service's packages (@opentelemetry/*, @types/node) are this checkout's. Beside
  // the copy, outside the opened folder, so the editor's TypeScript finds them by walking up as
  // it does in the checkout (24 "Cannot find module" errors drowned SpanLens's one
  // diagnostic), without a node_modules folder in the Explorer. fs.rm later removes the link only.
  symlinkSync(join(repoRoot, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  const userDataDir = options.userDataDir ?? join(scratch, 'user');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'telemetry.telemetryLevel': 'off',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        // Tests start the receiver themselves, on a free port, when they need it.
        'spanlens.receiver.autoStart': false,
        ...options.userSettings,
      },
      null,
      2,
    ),
  );
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const child = spawn(
    process.execPath,
    [
      entry,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      options.extensionsDir ?? join(scratch, 'extensions'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      workspace,
    ],
    // A group of its own, so stop() ends the extension hosts code-server keeps for reconnects too.
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const exit = new Promise<void>((r) => child.once('exit', () => r()));
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group has already gone.
    }
  };
  const stop = async (): Promise<void> => {
    if (running()) {
      signalGroup('SIGTERM');
      await Promise.race([exit, new Promise((r) => setTimeout(r, 3000))]);
    }
    // An extension host that outlived code-server would start the trace service again.
    signalGroup('SIGKILL');
    await stopTraceServices(userDataDir);
    rmSync(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    await waitForHealthy(origin, child, logs, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    origin,
    workspace,
    logs,
    url(dev = {}) {
      const payload: [string, string][] = [];
      if (dev.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${dev.extensionDevelopmentPath}`]);
      if (dev.extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://127.0.0.1:${port}${dev.extensionTestsPath}`]);
      const query = `folder=${encodeURIComponent(workspace)}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
      return `${origin}/?${query}`;
    },
    stop,
  };
}

/** Debian's Chromium, headless, with the flags that keep it off the (closed) network. */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
