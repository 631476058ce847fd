import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { codeServerVersion, defaultCacheDir, inspectCodeServerCache } from '../host/codeServerCache';

describe('code-server cache check', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function touch(rel: string): void {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), '');
  }

  const vs = 'node_modules/code-server/lib/vscode';
  function completeFakeCache(): void {
    writeFileSync(join(dir, 'spanlens-cache.json'), JSON.stringify({ version: codeServerVersion }));
    touch('node_modules/code-server/out/node/entry.js');
    touch(`${vs}/out/server-main.js`);
    touch(`${vs}/node_modules/node-pty/build/Release/pty.node`);
    touch(`${vs}/node_modules/@vscode/ripgrep/bin/rg`);
    symlinkSync('node_modules', join(dir, vs, 'node_modules.asar'));
    mkdirSync(join(dir, vs, 'extensions', 'node_modules'), { recursive: true });
    touch('node_modules/argon2/lib/binding/napi-v3/argon2.node');
  }

  it('reports a missing folder', () => {
    assert.match(inspectCodeServerCache(join(dir, 'nope')).join('\n'), /does not exist/);
  });

  it('accepts a cache with every file the install produces', () => {
    completeFakeCache();
    assert.deepEqual(inspectCodeServerCache(dir), []);
  });

  it('reports an install that stopped before writing its marker', () => {
    completeFakeCache();
    rmSync(join(dir, 'spanlens-cache.json'));
    assert.match(inspectCodeServerCache(dir).join('\n'), /did not finish/);
  });

  it('reports a cache of another code-server version', () => {
    completeFakeCache();
    writeFileSync(join(dir, 'spanlens-cache.json'), JSON.stringify({ version: '4.0.0' }));
    assert.match(inspectCodeServerCache(dir).join('\n'), new RegExp(`4\\.0\\.0, ${codeServerVersion.replace(/\./g, '\\.')} is needed`));
  });

  it('reports a corrupt marker', () => {
    completeFakeCache();
    writeFileSync(join(dir, 'spanlens-cache.json'), '{"vers');
    assert.match(inspectCodeServerCache(dir).join('\n'), /not valid JSON/);
  });

  it('reports a native module that was never built and a dangling ripgrep link', () => {
    completeFakeCache();
    rmSync(join(dir, vs, 'node_modules/node-pty/build/Release/pty.node'));
    rmSync(join(dir, vs, 'node_modules/@vscode/ripgrep/bin/rg'));
    symlinkSync(join(dir, 'no-such-rg'), join(dir, vs, 'node_modules/@vscode/ripgrep/bin/rg'));
    const problems = inspectCodeServerCache(dir).join('\n');
    assert.match(problems, /node-pty native module missing/);
    assert.match(problems, /ripgrep binary missing/);
  });

  it('finds the real cache complete when one is installed', function () {
    const problems = inspectCodeServerCache(defaultCacheDir);
    if (problems.length > 0 && problems[0]?.endsWith('does not exist')) this.skip();
    assert.deepEqual(problems, []);
  });
});
