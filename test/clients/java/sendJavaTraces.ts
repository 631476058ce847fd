import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..', '..', '..', '..');
const cacheRoot = join(repoRoot, '.vscode-test', 'sdk-clients');

/** One span as an SDK client reports it delivered (see SendTraces.java and send_detailed_spans.py). */
export interface SentSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  /** SERVER, CLIENT, INTERNAL… */
  readonly kind: string;
  /** UNSET, OK, ERROR */
  readonly status: string;
  readonly events: number;
}

export interface SentSpans {
  readonly protocol: 'http' | 'grpc';
  readonly service: string;
  readonly spans: readonly SentSpan[];
}

/** The Java client's jar as scripts/setup-sdks.sh leaves it, or undefined when it was not built. */
export function javaClientJar(): string | undefined {
  if (!existsSync(cacheRoot)) return undefined;
  for (const entry of readdirSync(cacheRoot)) {
    const jar = join(cacheRoot, entry, 'otlp-java-client.jar');
    if (entry.startsWith('java-') && !entry.endsWith('.partial') && existsSync(join(cacheRoot, entry, 'complete')) && existsSync(jar)) return jar;
  }
  return undefined;
}

export function onPath(tool: string, versionFlag: string): boolean {
  return spawnSync(tool, [versionFlag], { stdio: 'ignore' }).error === undefined;
}

/**
 * Runs a client program that prints SentSpans as JSON. Rejects with its output when it fails,
 * so an export the SDK saw fail is the test's failure, not a missing span found later.
 */
export function runSdkClient(command: string, args: readonly string[]): Promise<SentSpans> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, [...args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(stdout) as SentSpans);
      } catch {
        reject(new Error(`${command} printed no JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}

/** Sends `traces` traces of three spans with the OpenTelemetry Java SDK to an OTLP base URL. */
export function sendJavaTraces(jar: string, protocol: 'http' | 'grpc', endpoint: string, service: string, traces: number, compression: 'gzip' | 'none' = 'none'): Promise<SentSpans> {
  return runSdkClient('java', ['-jar', jar, protocol, endpoint, service, String(traces), compression]);
}
