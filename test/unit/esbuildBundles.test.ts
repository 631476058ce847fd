import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

describe('esbuild.mjs', function () {
  this.timeout(60_000);
  before(() => {
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'pipe' });
  });

  it('bundles the extension for node with vscode left external', () => {
    const bundle = readFileSync(join(root, 'dist', 'extension.js'), 'utf8');
    assert.match(bundle, /require\("vscode"\)/);
    assert.match(bundle, /spanlens\.openTraceFile/);
  });

  it('bundles the webview for the browser with no require calls', () => {
    const bundle = readFileSync(join(root, 'dist', 'webview.js'), 'utf8');
    assert.doesNotMatch(bundle, /\brequire\(/);
    assert.match(bundle, /acquireVsCodeApi/);
  });

  it('copies the run-time assets of bundled dependencies next to the bundle', () => {
    // source-map reads mappings.wasm from its __dirname, which is dist/ once bundled.
    assert.ok(existsSync(join(root, 'dist', 'mappings.wasm')));
  });

  it('fails on a compile error and names its file, line and column for problem matchers', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'spanlens-esbuild-'));
    try {
      mkdirSync(join(scratch, 'src', 'webview'), { recursive: true });
      copyFileSync(join(root, 'esbuild.mjs'), join(scratch, 'esbuild.mjs'));
      symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
      writeFileSync(join(scratch, 'src', 'extension.ts'), 'export const x = ;\n');
      writeFileSync(join(scratch, 'src', 'webview', 'main.ts'), 'export {};\n');
      const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: scratch, encoding: 'utf8' });
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /\[ERROR\] Unexpected ";"/);
      assert.match(result.stderr, /src\/extension\.ts:1:17:/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
