import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageVsix, vsixEntries, type VsixEntry } from '../host/vsix';

/** What `npm run package` puts in the VSIX a user installs: the bundles and the documents, nothing else. */
describe('the VSIX `npm run package` builds', function () {
  this.timeout(120_000);
  let dir: string;
  let entries: VsixEntry[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-vsix-'));
    entries = vsixEntries(packageVsix(join(dir, 'spanlens.vsix')));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const files = (): string[] => entries.map((entry) => entry.name.replace(/^extension\//, '')).sort();
  const sizeOf = (name: string): number => entries.find((entry) => entry.name === `extension/${name}`)?.size ?? -1;

  it('holds only the bundles, media, README, CHANGELOG, LICENSE and package.json', () => {
    const allowed =
      /^(extension\.vsixmanifest|\[Content_Types\]\.xml|package\.json|readme\.md|changelog\.md|LICENSE\.txt|dist\/(extension|webview|traceWorker|traceService)\.js|dist\/mappings\.wasm|media\/.+)$/;
    assert.deepEqual(
      files().filter((name) => !allowed.test(name)),
      [],
    );
    for (const required of [
      'package.json',
      'readme.md',
      'changelog.md',
      'LICENSE.txt',
      'dist/extension.js',
      'dist/webview.js',
      'dist/traceWorker.js',
      'dist/traceService.js',
      'dist/mappings.wasm',
      'media/spanlens.svg',
    ]) {
      assert.ok(files().includes(required), `${required} is missing from the VSIX`);
    }
    for (const forbidden of [/^src\//, /^test\//, /^node_modules\//, /^out\//, /\.map$/, /^artifacts\//]) {
      assert.deepEqual(
        files().filter((name) => forbidden.test(name)),
        [],
        `nothing may match ${String(forbidden)}`,
      );
    }
  });

  it('ships every walkthrough page package.json names', () => {
    for (const page of ['startReceiver', 'runService', 'openTrace', 'configureBackend', 'pathMapping']) {
      assert.ok(files().includes(`media/walkthrough/${page}.md`), page);
    }
  });

  it('keeps the bundles small: extension ≤ 1 MB, webview ≤ 400 KB', () => {
    const extension = sizeOf('dist/extension.js');
    const webview = sizeOf('dist/webview.js');
    assert.ok(extension > 0 && extension <= 1024 * 1024, `dist/extension.js is ${extension} bytes`);
    assert.ok(webview > 0 && webview <= 400 * 1024, `dist/webview.js is ${webview} bytes`);
    // The worker carries the decoders and backend clients, loaded off the activation path; the
    // bound only catches a dependency pulled in by mistake.
    const worker = sizeOf('dist/traceWorker.js');
    assert.ok(worker > 0 && worker <= 3 * 1024 * 1024, `dist/traceWorker.js is ${worker} bytes`);
    const service = sizeOf('dist/traceService.js');
    assert.ok(service > 0 && service <= 2 * 1024 * 1024, `dist/traceService.js is ${service} bytes`);
  });
});
