import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { freePort, launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { buildSampleService, startSampleService } from '../host/sampleService';
import { screenshotOnFailure } from './screenshotOnFailure';

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

  afterEach(screenshotOnFailure(() => page, artifactsDir));

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

  it('lists the sample service traces live by endpoint, newest first, crossing into the inventory service', async () => {
    sample = startSampleService(session.workspace, `http://127.0.0.1:${receiverPort}`, { trafficMs: 250, quiet: true });
    await page.locator('.activitybar .action-item a[aria-label^="SpanLens"]').click();
    const local = page.locator('.monaco-list-row', { hasText: 'Local receiver' });
    await local.waitFor({ timeout: 30_000 });
    assert.match((await local.textContent()) ?? '', new RegExp(`127\\.0\\.0\\.1:${receiverPort}`));
    // The local receiver's traces are grouped by endpoint, the root span's service and name.
    const checkout = page.locator('.monaco-list-row[aria-level="2"]', { hasText: 'shop-frontend: GET /checkout' }).first();
    await checkout.waitFor({ timeout: 60_000 });
    await page.locator('.monaco-list-row[aria-level="2"]', { hasText: 'shop-frontend: GET /products' }).first().waitFor({ timeout: 30_000 });
    const status = page.locator('.statusbar-item', { hasText: `OTLP :${receiverPort}` });
    assert.doesNotMatch((await status.textContent()) ?? '', / 0 spans/);
    await page.screenshot({ path: join(artifactsDir, 'live-traces.png') });

    const stopped = new Promise((resolve) => sample?.once('exit', resolve));
    sample.kill('SIGTERM');
    await stopped;
    sample = undefined;
    // Expanding a checkout shows the work it did, including the inventory service's spans that
    // joined the trace through W3C trace context. The twisties expand without opening anything
    // (a click on a row opens its trace or its code).
    const expand = async (row: Locator): Promise<void> => {
      await row.locator('.monaco-tl-twistie').click();
    };
    await expand(checkout);
    const traces = page.locator('.monaco-list-row[aria-level="3"]');
    await traces.first().waitFor({ timeout: 10_000 });
    // Newest first: each row's start (hh:mm:ss in its description) is no later than the one above.
    const starts = (await traces.allTextContents()).map((text) => /\b(\d\d:\d\d:\d\d)\b/.exec(text)?.[1] ?? '');
    assert.ok(starts.length > 0 && starts.every((start) => start !== ''), `each trace row shows its start: ${starts.join(', ')}`);
    assert.deepEqual(starts, [...starts].sort().reverse());
    await expand(traces.first());
    const root = page.locator('.monaco-list-row[aria-level="4"]', { hasText: 'GET /checkout' }).first();
    await root.waitFor({ timeout: 10_000 });
    await expand(root);
    const checkoutSpan = page.locator('.monaco-list-row[aria-level="5"]', { hasText: 'checkout' }).first();
    await checkoutSpan.waitFor({ timeout: 10_000 });
    await expand(checkoutSpan);
    const call = page.locator('.monaco-list-row[aria-level="6"]', { hasText: 'GET /reserve' }).first();
    await call.waitFor({ timeout: 10_000 });
    assert.match((await call.textContent()) ?? '', /shop-frontend/);
    await expand(call);
    const served = page.locator('.monaco-list-row[aria-level="7"]', { hasText: 'GET /reserve' }).first();
    await served.waitFor({ timeout: 10_000 });
    assert.match((await served.textContent()) ?? '', /inventory/);
    await page.screenshot({ path: join(artifactsDir, 'live-trace-expanded.png') });

    // Clicking a span jumps to its code: the span recorded its call site in the compiled
    // dist/checkout.js, and the source map leads back to the TypeScript line.
    const source = readFileSync(join(repoRoot, 'test', 'workspace', 'sample-service', 'src', 'checkout.ts'), 'utf8').split('\n');
    const expectedLine = source.findIndex((line) => line.includes("traced(tracer, 'checkout'")) + 1;
    assert.ok(expectedLine > 0);
    await checkoutSpan.click();
    await page.locator('.tabs-container .tab.active', { hasText: 'checkout.ts' }).waitFor({ timeout: 30_000 });
    const cursor = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
    await cursor.waitFor({ timeout: 10_000 });
    assert.match((await cursor.textContent()) ?? '', new RegExp(`Ln ${expectedLine},`));
    await page.screenshot({ path: join(artifactsDir, 'span-to-code.png') });
  });
});
