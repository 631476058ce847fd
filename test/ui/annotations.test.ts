import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { buildSampleService, startSampleService } from '../host/sampleService';
import { openCommandPalette } from './runWorkbenchCommand';
import { screenshotOnFailure } from './screenshotOnFailure';

const artifactsDir = join(repoRoot, 'artifacts', 'ui');

/**
 * What SpanLens is opened for: the sample service's traffic reaches the receiver that
 * started by itself, and its production latency shows above and on the functions of checkout.ts.
 */
describe('production latency in the editor, as a person sees it', function () {
  this.timeout(300_000);
  let session: CodeServerSession;
  let browser: Browser;
  let page: Page;
  let sample: ChildProcess | undefined;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    buildSampleService();
    const receiverPort = await freePort();
    session = await startCodeServer({
      userSettings: { 'spanlens.receiver.autoStart': true, 'spanlens.receiver.httpPort': receiverPort, 'spanlens.receiver.grpcPort': 0 },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(session.url({ extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await page.locator('.statusbar-item', { hasText: `OTLP :${String(receiverPort)}` }).waitFor({ timeout: 90_000 });
    sample = startSampleService(session.workspace, `http://127.0.0.1:${String(receiverPort)}`, { trafficMs: 150, quiet: true });
  });

  afterEach(screenshotOnFailure(() => page, artifactsDir));

  after(async () => {
    sample?.kill('SIGTERM');
    await (browser as Browser | undefined)?.close();
    await (session as CodeServerSession | undefined)?.stop();
  });

  it('shows a CodeLens with percentiles over chargeCard and checkout, and the latency on hovering chargeCard', async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    await openCommandPalette(page);
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    // Quick open without the `>` prefix goes to files.
    await input.fill('checkout.ts');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'checkout.ts' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: 'checkout.ts' }).waitFor({ timeout: 30_000 });

    // A lens sits on the line above its function; its text is the figures.
    const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: /p50 .*calls/ });
    await lens.first().waitFor({ timeout: 120_000 });
    // Functions get their lens as their first spans arrive (checkouts are rarer than listings);
    // wait for the second one rather than count the moment the first appears.
    const lensDeadline = Date.now() + 90_000;
    while ((await lens.count()) < 2 && Date.now() < lensDeadline) await page.waitForTimeout(500);
    const lensTexts = await lens.allTextContents();
    assert.ok(lensTexts.length >= 2, `lenses over chargeCard and checkout, saw ${JSON.stringify(lensTexts)}`);
    for (const text of lensTexts) assert.match(text, /p50 [\d.]+ (µs|ms|s) · p95 [\d.]+ (µs|ms|s) · p99 [\d.]+ (µs|ms|s) · [\d.]+k? calls? · [\d.]+% errors/);
    await page.screenshot({ path: join(artifactsDir, 'codelens.png') });

    const declaration = page.locator('.monaco-editor .view-line', { hasText: 'export async function chargeCard(' });
    await declaration.waitFor({ timeout: 10_000 });
    const name = declaration.locator('span > span', { hasText: /^chargeCard$/ }).first();
    const hover = page.locator('.monaco-hover-content', { hasText: 'Production latency' });
    // The editor shows a hover after a pause; wiggle to restart it if the first one was missed.
    for (let attempt = 0; attempt < 5 && !(await hover.isVisible()); attempt++) {
      await page.mouse.move(5, 5);
      await name.hover();
      await hover.waitFor({ timeout: 8_000 }).catch(() => undefined);
    }
    const text = (await hover.textContent()) ?? '';
    assert.match(text, /p95/);
    assert.match(text, /calls/);
    assert.match(text, /shop-frontend/);
    // The hover fades in; the picture should show it opaque.
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(artifactsDir, 'hover-latency.png') });
  });

  it('reports the declined payments as a problem on the line that throws', async () => {
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    // About one payment in six is declined, so with steady traffic one arrives within seconds.
    // SpanLens reports exceptions as warnings; the workspace's own TypeScript errors are errors.
    const throwing = page.locator('.monaco-editor .view-line', { hasText: 'throw new PaymentDeclinedError' });
    await throwing.waitFor({ timeout: 10_000 });
    const squiggle = page.locator('.monaco-editor .squiggly-warning');
    await squiggle.first().waitFor({ timeout: 120_000 });
    const problems = page
      .locator('.statusbar-item')
      .filter({ has: page.locator('.codicon-warning') })
      .first();
    await problems.waitFor({ timeout: 10_000 });
    const warnings = /(\d+)\D*$/.exec((await problems.innerText()).trim());
    assert.ok(warnings !== null && Number(warnings[1]) >= 1, `warnings in the status bar: ${(await problems.innerText()).trim()}`);

    const lineBox = await throwing.boundingBox();
    assert.ok(lineBox);
    const hover = page.locator('.monaco-hover-content', { hasText: 'PaymentDeclinedError' });
    // The squiggle is drawn under the text; hover the text of the throwing line itself.
    for (let attempt = 0; attempt < 5 && !(await hover.isVisible()); attempt++) {
      await page.mouse.move(5, 5);
      await page.mouse.move(lineBox.x + 120 + attempt * 15, lineBox.y + lineBox.height / 2);
      await hover.waitFor({ timeout: 8_000 }).catch(() => undefined);
    }
    assert.match((await hover.textContent()) ?? '', /PaymentDeclinedError: Card ending .* was declined \(\d+×.*shop-frontend/);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(artifactsDir, 'exception-diagnostic.png') });
  });
});
