import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where scripts/setup-servers.sh leaves the real servers, and how a test tells a complete cache
 * from a missing or half-written one. The versions live in versions.env, read by the script too.
 */
export const serversSourceDir = resolve(__dirname, '..', '..', '..', 'test', 'servers');
export const serversCacheDir = resolve(__dirname, '..', '..', '..', '.vscode-test', 'servers');
export const pythonVenvDir = resolve(__dirname, '..', '..', '..', '.vscode-test', 'python-otel');

const markerName = 'spanlens-cache.json';

function readVersions(): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(serversSourceDir, 'versions.env'), 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(\S+)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) out[match[1]] = match[2];
  }
  return out;
}

function version(name: string): string {
  const value = readVersions()[name];
  if (value === undefined) throw new Error(`test/servers/versions.env has no ${name}`);
  return value;
}

/** The Go module version of github.com/jaegertracing/jaeger (v1.75.0 is Jaeger v2.12.0). */
export const jaegerModuleVersion = version('JAEGER_MODULE_VERSION');
export const zipkinVersion = version('ZIPKIN_VERSION');

export const jaegerDir = join(serversCacheDir, `jaeger-${jaegerModuleVersion}`);
export const jaegerBinary = join(jaegerDir, 'jaeger');
export const jaegerConfig = join(serversSourceDir, 'jaeger', 'jaeger-test.yaml');
export const zipkinDir = join(serversCacheDir, `zipkin-${zipkinVersion}`);
export const zipkinJar = join(zipkinDir, 'zipkin-server-exec.jar');
export const pythonBinary = join(pythonVenvDir, 'bin', 'python');

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * What is wrong with a cache folder, one line per problem; empty when it is complete. The marker
 * is written last by the set-up script, with what the artifact was made from, so an interrupted
 * build or a version bump both show up here.
 */
function inspect(dir: string, artifact: string, expected: Readonly<Record<string, string>>): string[] {
  const markerPath = join(dir, markerName);
  if (!existsSync(markerPath)) return [`${markerPath} is missing (not built yet, or the last build did not finish)`];
  const problems: string[] = [];
  try {
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) {
      if (marker[key] !== value) problems.push(`${markerName} says ${key} ${String(marker[key])}, ${value} is needed`);
    }
  } catch {
    problems.push(`${markerPath} is not valid JSON`);
  }
  try {
    accessSync(artifact, constants.R_OK);
  } catch {
    problems.push(`${artifact} is missing`);
  }
  return problems;
}

export function inspectJaegerCache(): string[] {
  return inspect(jaegerDir, jaegerBinary, { version: jaegerModuleVersion, goSum: sha256(join(serversSourceDir, 'jaeger', 'go.sum')) });
}

export function inspectZipkinCache(): string[] {
  const problems = inspect(zipkinDir, zipkinJar, { version: zipkinVersion });
  if (problems.length > 0) return problems;
  const marker = JSON.parse(readFileSync(join(zipkinDir, markerName), 'utf8')) as Record<string, unknown>;
  return marker['sha256'] === sha256(zipkinJar) ? [] : [`${zipkinJar} does not match the checksum recorded when it was fetched`];
}

export function inspectPythonVenv(): string[] {
  return inspect(pythonVenvDir, pythonBinary, { requirements: sha256(join(serversSourceDir, '..', 'clients', 'python', 'requirements.txt')) });
}
