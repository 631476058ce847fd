import { spawnSync } from 'node:child_process';

export interface RealServerRequirement {
  /** `Jaeger v2.12.0 (Go module v1.75.0)` */
  readonly server: string;
  /** The program whose absence excuses a developer machine: `go`, `java`. */
  readonly tool: string;
  /** What to install, said to a person: `Go 1.26 (go.dev/dl)`. */
  readonly install: string;
  /** Empty when the server is ready to start; else what is missing. */
  readonly problems: () => string[];
}

function onPath(tool: string): boolean {
  return spawnSync(tool, ['-version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * Decides, once per suite, whether the real-server tests run. In CI (`CI` set) they always run,
 * so a server that could not be built or fetched fails the build rather than quietly skipping;
 * on a developer machine without the tool they skip with one line saying what to install. With
 * the tool but no cache, they fail and say to run the set-up script.
 */
export function requireRealServer(context: Mocha.Context, requirement: RealServerRequirement): void {
  const problems = requirement.problems();
  if (problems.length === 0) return;
  const inCi = (process.env['CI'] ?? '') !== '';
  if (!inCi && !onPath(requirement.tool)) {
    console.log(`      skipped: the ${requirement.server} tests need ${requirement.install}; then run bash scripts/setup-servers.sh`);
    context.skip();
  }
  throw new Error(`${requirement.server} is not ready (${problems.join('; ')}). Run bash scripts/setup-servers.sh, which builds or fetches it.`);
}
