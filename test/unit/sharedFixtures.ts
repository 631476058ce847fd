import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The real trace data in ../shared/fixtures (see its SOURCES.md), read in place, never copied
 * into this repository. Tests that need it skip, saying why, when ../shared is not beside the
 * checkout.
 */
export const sharedFixturesDir = resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures');

export function haveSharedFixtures(): boolean {
  return existsSync(join(sharedFixturesDir, 'SOURCES.md'));
}

export function fixturePath(relative: string): string {
  return join(sharedFixturesDir, relative);
}

export function readFixture(relative: string): Buffer {
  return readFileSync(fixturePath(relative));
}

export function readFixtureJson(relative: string): unknown {
  return JSON.parse(readFixture(relative).toString('utf8')) as unknown;
}

/** Call at the top of a `before` hook or test: skips with a clear message when fixtures are absent. */
export function requireSharedFixtures(context: Mocha.Context): void {
  if (!haveSharedFixtures()) {
    console.warn(`    skipped: ${sharedFixturesDir} is absent (the ../shared folder is not beside this checkout)`);
    context.skip();
  }
}
