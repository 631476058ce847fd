import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckoutIdentityReader } from '../../../../src/core/traceService/checkoutIdentity';

describe('CheckoutIdentityReader', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-checkout-'));
    mkdirSync(join(dir, '.git', 'refs', 'heads'), { recursive: true });
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(dir, '.git', 'refs', 'heads', 'main'), `${'a'.repeat(40)}\n`);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.4.2' }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the nearest package.json version and the git HEAD commit above a file', async () => {
    const reader = new CheckoutIdentityReader();
    assert.deepEqual(await reader.read(join(dir, 'src', 'checkout.ts')), { version: '1.4.2', commit: 'a'.repeat(40) });
  });

  it('answers an expired entry at once and picks up a new version in the background', async () => {
    let nowMs = 0;
    const reader = new CheckoutIdentityReader(() => nowMs);
    const file = join(dir, 'src', 'checkout.ts');
    assert.equal((await reader.read(file)).version, '1.4.2');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.5.0' }));
    nowMs = 10_000;
    assert.equal((await reader.read(file)).version, '1.4.2', 'cached for 30 s');
    nowMs = 31_000;
    // Expired: the old answer now, while the files are read again.
    assert.equal((await reader.read(file)).version, '1.4.2');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await reader.read(file)).version, '1.5.0');
  });
});
