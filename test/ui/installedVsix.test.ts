import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../host/codeServerSession';
import { runInHost } from '../host/runInCodeServer';
import type { TestSummary } from '../host/testSummary';
import { installVsix, packageVsix } from '../host/vsix';

/**
 * What a user installs is what runs: the VSIX from `npm run package`, installed with
 * `--install-extension` into a fresh code-server, activates and passes the activation and local
 * receiver tests (only those, to keep the suite quick; the others run against the checkout).
 */
describe('the packaged VSIX, installed into a fresh code-server', function () {
  this.timeout(240_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-installed-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('installs with --install-extension, activates and passes the activation and receiver tests', async () => {
    const vsix = packageVsix(join(dir, 'spanlens.vsix'));
    const extensionsDir = join(dir, 'extensions');
    const installed = await installVsix(vsix, extensionsDir);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string };
    assert.equal(manifest.version, (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    const summary = (await runInHost({
      suite: 'installed-vsix',
      testsIndex: join(repoRoot, 'out', 'test', 'integration', 'index.js'),
      installedExtensionsDir: extensionsDir,
      // The receiver's tests too: the installed extension must start the trace service from its own bundle.
      env: { SPANLENS_TEST_FILES: 'activation.test.js,localReceiver.test.js', SPANLENS_INSTALLED_EXTENSIONS_DIR: extensionsDir },
      timeoutMs: 180_000,
    })) as TestSummary;
    assert.deepEqual(summary.failures, []);
    assert.ok(summary.passed >= 7, `only ${summary.passed} activation and receiver tests passed`);
  });
});
