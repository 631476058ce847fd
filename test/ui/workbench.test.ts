import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { otlpJsonOf, recordSdkSpans } from '../unit/sdkTraces';
import { launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { openCommandPalette } from './runWorkbenchCommand';
import { screenshotOnFailure } from './screenshotOnFailure';

export const artifactsDir = join(repoRoot, 'artifacts', 'ui');

describe('the workbench, as a person sees it', function () {
  this.timeout(180_000);
  let session: CodeServerSession;
  let browser: Browser;
  let page: Page;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    session = await startCodeServer();
    mkdirSync(join(session.workspace, 'traces'), { recursive: true });
    writeFileSync(join(session.workspace, 'traces', 'checkout.json'), otlpJsonOf(recordSdkSpans(1)));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(session.url({ extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  });

  afterEach(screenshotOnFailure(() => page, artifactsDir));

  after(async () => {
    // before() may have failed part-way, leaving these unset.
    await (browser as Browser | undefined)?.close();
    await (session as CodeServerSession | undefined)?.stop();
  });

  it('shows SpanLens in the activity bar and opens its Traces view with guidance for a new user', async () => {
    const item = page.locator('.activitybar .action-item a[aria-label^="SpanLens"]');
    await item.waitFor({ timeout: 60_000 });
    await item.click();
    // With one view in the container VS Code hides the pane header and titles the side bar.
    const title = page.locator('.sidebar .composite.title');
    await title.waitFor({ timeout: 30_000 });
    assert.match((await title.textContent()) ?? '', /SpanLens/i);
    const welcome = page.locator('.welcome-view-content', { hasText: 'No traces yet' });
    await welcome.waitFor({ timeout: 30_000 });
    const buttons = await welcome.locator('a.monaco-button, .monaco-button').allTextContents();
    assert.ok(
      buttons.some((text) => text.includes('Open Trace File')),
      `welcome buttons were: ${buttons.join(', ')}`,
    );
    await page.screenshot({ path: join(artifactsDir, 'spanlens-view.png') });
  });

  it('lists the SpanLens commands in the command palette under their category', async () => {
    await openCommandPalette(page);
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('>SpanLens: Open Trace');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.first().waitFor();
    const labels = await rows.allTextContents();
    assert.ok(
      labels.some((label) => label.includes('SpanLens: Open Trace File…')),
      `palette showed: ${labels.join(' | ')}`,
    );
    await page.screenshot({ path: join(artifactsDir, 'command-palette.png') });
    await page.keyboard.press('Escape');
  });

  it('opens a trace file from the command palette and shows its spans in the Traces view', async () => {
    await openCommandPalette(page);
    const input = page.locator('.quick-input-widget input');
    await input.fill('>SpanLens: Open Trace File');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Trace File' }).first().click();
    // code-server's file picker is a quick input that takes a path; wait until it has replaced
    // the command palette, or the path would be typed into the palette.
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'SpanLens: Open Trace File' }).waitFor({ timeout: 15_000 });
    // It starts by filling in the workspace folder; typing before that would be overwritten.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'README.md' }).waitFor({ timeout: 15_000 });
    await input.fill(join(session.workspace, 'traces', 'checkout.json'));
    // The dialog validates the typed path asynchronously; accept once it lists the file.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'checkout.json' }).waitFor({ timeout: 15_000 });
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'Open Trace' }).click();
    const traceRow = page.locator('.monaco-list-row', { hasText: 'checkout: GET /cart' });
    await traceRow.waitFor({ timeout: 30_000 });
    assert.match((await traceRow.textContent()) ?? '', /3 spans · 1 error/);
    const rootSpan = page.locator('.monaco-list-row[aria-level="3"]', { hasText: 'GET /cart' });
    await rootSpan.waitFor({ timeout: 10_000 });
    await rootSpan.click();
    await page.keyboard.press('ArrowRight');
    const payRow = page.locator('.monaco-list-row[aria-level="4"]', { hasText: 'pay' });
    await payRow.waitFor({ timeout: 10_000 });
    assert.match((await payRow.textContent()) ?? '', /checkout/);
    await page.screenshot({ path: join(artifactsDir, 'trace-tree.png') });
  });
});
