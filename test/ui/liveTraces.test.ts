import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { buildSampleService, startSampleService } from '../host/sampleService';

const artifactsDir = join(repoRoot, 'artifacts', 'ui');

/**
 * The README's main job, as a newcomer sees it: VS Code opens with SpanLens's receiver started
 * by itself, the sample service exports to it, and live traces appear in the SpanLens view.
 */
describe('live traces from the sample service, as a person sees them', function () {
  this.timeout(240_000);
  let session: CodeServerSession;
  let browser: Browser;
  let page: Page;
  let sample: ChildProcess | undefined;
  let receiverPort: number;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    buildSampleService();
    receiverPort = await freePort();
    session = await startCodeServer({
      userSettings: { 'spanlens.receiver.autoStart': true, 'spanlens.receiver.httpPort': receiverPort, 'spanlens.receiver.grpcPort': 0 },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(session.url({ extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: join(artifactsDir, `FAILED-${name}.png`) }).catch(() => undefined);
    }
  });

  after(async () => {
    sample?.kill('SIGTERM');
    await (browser as Browser | undefined)?.close();
    await (session as CodeServerSession | undefined)?.stop();
  });

  it('starts the receiver by itself and shows its endpoint in the status bar', async () => {
    const status = page.locator('.statusbar-item', { hasText: `OTLP :${receiverPort}` });
    await status.waitFor({ timeout: 60_000 });
    assert.match((await status.textContent()) ?? '', /0 spans/);
  });

  it('lists the sample service traces live, newest first, crossing into the inventory service', async () => {
    sample = startSampleService(session.workspace, `http://127.0.0.1:${receiverPort}`, { trafficMs: 250, quiet: true });
    await page.locator('.activitybar .action-item a[aria-label^="SpanLens"]').click();
    const local = page.locator('.monaco-list-row', { hasText: 'Local receiver' });
    await local.waitFor({ timeout: 30_000 });
    assert.match((await local.textContent()) ?? '', new RegExp(`127\\.0\\.0\\.1:${receiverPort}`));
    const checkout = page.locator('.monaco-list-row[aria-level="2"]', { hasText: 'shop-frontend: GET /checkout' }).first();
    await checkout.waitFor({ timeout: 60_000 });
    await page.locator('.monaco-list-row[aria-level="2"]', { hasText: 'shop-frontend: GET /products' }).first().waitFor({ timeout: 30_000 });
    const status = page.locator('.statusbar-item', { hasText: `OTLP :${receiverPort}` });
    assert.doesNotMatch((await status.textContent()) ?? '', / 0 spans/);
    await page.screenshot({ path: join(artifactsDir, 'live-traces.png') });

    // Expanding a checkout shows the work it did, including the inventory service's spans that
    // joined the trace through W3C trace context.
    await checkout.click();
    await page.keyboard.press('ArrowRight');
    const root = page.locator('.monaco-list-row[aria-level="3"]', { hasText: 'GET /checkout' }).first();
    await root.waitFor({ timeout: 10_000 });
    await root.click();
    await page.keyboard.press('ArrowRight');
    const checkoutSpan = page.locator('.monaco-list-row[aria-level="4"]', { hasText: 'checkout' }).first();
    await checkoutSpan.waitFor({ timeout: 10_000 });
    await checkoutSpan.click();
    await page.keyboard.press('ArrowRight');
    const call = page.locator('.monaco-list-row[aria-level="5"]', { hasText: 'GET /reserve' }).first();
    await call.waitFor({ timeout: 10_000 });
    assert.match((await call.textContent()) ?? '', /shop-frontend/);
    await call.click();
    await page.keyboard.press('ArrowRight');
    const served = page.locator('.monaco-list-row[aria-level="6"]', { hasText: 'GET /reserve' }).first();
    await served.waitFor({ timeout: 10_000 });
    assert.match((await served.textContent()) ?? '', /inventory/);
    await page.screenshot({ path: join(artifactsDir, 'live-trace-expanded.png') });
  });
});
