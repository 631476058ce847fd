import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SpanLensApi } from '../../src/extension';
import { extensionId } from '../../src/shared/contract';
import { haveSharedFixtures, sharedFixturesDir } from '../unit/sharedFixtures';

/**
 * For a suite that replays ../shared/fixtures: skips it, saying why, when they are absent
 * (a checkout without ../shared beside it), else activates SpanLens and returns its API.
 */
export async function activateNeedingFixtures(suite: Mocha.Context): Promise<SpanLensApi> {
  if (!haveSharedFixtures()) {
    console.warn(`    skipped: ${sharedFixturesDir} is absent (the ../shared folder is not beside this checkout)`);
    suite.skip();
  }
  const extension = vscode.extensions.getExtension<SpanLensApi>(extensionId);
  assert.ok(extension);
  return extension.activate();
}
