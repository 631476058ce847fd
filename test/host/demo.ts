import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, portIsFree, repoRoot, startCodeServer } from './codeServerSession';

/**
 * The README's main job: SpanLens loaded in a real VS Code (code-server) on a loopback URL,
 * with the sample workspace open. Runs until interrupted.
 */
async function main(): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const stateDir = join(repoRoot, '.vscode-test', 'demo');
  // code-server loads extensions found in its extensions folder; a link to the built checkout
  // means what the demo runs is exactly what `npm run build` produced.
  const extensionsDir = join(stateDir, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  const linkPath = join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  rmSync(linkPath, { force: true, recursive: true });
  symlinkSync(repoRoot, linkPath);

  const requested = Number(process.env['SPANLENS_DEMO_PORT'] ?? '8765');
  if (!Number.isInteger(requested) || requested <= 0 || requested > 65535) {
    throw new Error(`SPANLENS_DEMO_PORT must be a port number, not "${process.env['SPANLENS_DEMO_PORT'] ?? ''}".`);
  }
  let port = requested;
  if (!(await portIsFree(requested))) {
    port = await freePort();
    console.log(`Port ${requested} is in use; using ${port} instead (set SPANLENS_DEMO_PORT to choose).`);
  }
  const session = await startCodeServer({
    workspaceTemplate: join(repoRoot, 'test', 'workspace'),
    userDataDir: join(stateDir, 'user'),
    extensionsDir,
    port,
  });
  console.log(`\nSpanLens is running in VS Code at:\n\n    ${session.url()}\n\nOpen it in a browser on this machine. Press Ctrl+C to stop.\n`);
  const stop = (): void => {
    void session.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
