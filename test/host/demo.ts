import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, portIsFree, repoRoot, startCodeServer } from './codeServerSession';
import { startSampleService } from './sampleService';
import { installVsix } from './vsix';

async function choosePort(wanted: number, what: string): Promise<number> {
  if (await portIsFree(wanted)) return wanted;
  const port = await freePort();
  console.log(`Port ${wanted} (${what}) is in use; using ${port} instead.`);
  return port;
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = Number(raw ?? fallback);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${name} must be a port number, not "${raw ?? ''}".`);
  return port;
}

/**
 * The README's main job: SpanLens loaded in a real VS Code (code-server) on a loopback URL, its
 * built-in OTLP receiver started, and the sample service exporting live traces to it. Runs until
 * interrupted.
 */
async function main(): Promise<void> {
  const stateDir = join(repoRoot, '.vscode-test', 'demo');
  // SpanLens goes into code-server the way a user installs it: the VSIX `npm run package` built
  // (scripts/demo.sh runs it), through --install-extension into a fresh extensions folder, so
  // what the demo shows is what a user gets.
  const vsix = join(repoRoot, 'spanlens.vsix');
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run "npm run package" first (scripts/demo.sh does).`);
  const extensionsDir = join(stateDir, 'extensions');
  rmSync(extensionsDir, { force: true, recursive: true });
  const installed = await installVsix(vsix, extensionsDir);
  console.log(`Installed ${vsix} into ${installed}.`);

  const port = await choosePort(portFromEnv('SPANLENS_DEMO_PORT', 8765), 'VS Code; set SPANLENS_DEMO_PORT to choose');
  const receiverPort = await choosePort(portFromEnv('SPANLENS_DEMO_RECEIVER_PORT', 4318), 'OTLP/HTTP receiver; set SPANLENS_DEMO_RECEIVER_PORT to choose');
  const grpcPort = await choosePort(receiverPort === 4318 ? 4317 : receiverPort + 1, 'OTLP/gRPC receiver');
  const session = await startCodeServer({
    workspaceTemplate: join(repoRoot, 'test', 'workspace'),
    userDataDir: join(stateDir, 'user'),
    extensionsDir,
    port,
    userSettings: {
      'spanlens.receiver.autoStart': true,
      'spanlens.receiver.httpPort': receiverPort,
      'spanlens.receiver.grpcPort': grpcPort,
    },
  });
  const endpoint = `http://127.0.0.1:${receiverPort}`;
  const sample = startSampleService(session.workspace, endpoint);
  console.log(
    `\nSpanLens is running in VS Code at:\n\n    ${session.url()}\n\n` +
      `Open it in a browser on this machine. SpanLens's receiver listens on ${endpoint} once the\n` +
      `window is open, and the sample service sends it live traces (the SpanLens view lists them).\n` +
      `Point your own service at it with OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}. Press Ctrl+C to stop.\n`,
  );
  const stop = (): void => {
    sample.kill('SIGTERM');
    void session.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
