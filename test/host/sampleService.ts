import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './codeServerSession';

export const sampleServiceDir = join(repoRoot, 'test', 'workspace', 'sample-service');

/** Compiles the sample service with source maps into its dist/ folder (a few seconds). */
export function buildSampleService(): void {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', sampleServiceDir], { stdio: 'inherit' });
}

/**
 * Runs the sample service from a workspace copy (so its spans point at files VS Code has open),
 * exporting to `endpoint`. Its OpenTelemetry packages come from this checkout's node_modules.
 */
export function startSampleService(workspace: string, endpoint: string, options: { trafficMs?: number; quiet?: boolean } = {}): ChildProcess {
  const child = spawn(process.execPath, [join(workspace, 'sample-service', 'dist', 'server.js')], {
    env: {
      ...process.env,
      NODE_PATH: join(repoRoot, 'node_modules'),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      SAMPLE_TRAFFIC_MS: String(options.trafficMs ?? 700),
    },
    stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (signal === null && code !== 0) console.error(`The sample service exited with code ${code}.`);
  });
  return child;
}
