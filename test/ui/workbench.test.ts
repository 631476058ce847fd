import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';

export const artifactsDir = join(repoRoot, 'artifacts', 'ui');

describe('the workbench, as a person sees it', function () {
  this.timeout(180_000);
  let session: CodeServerSession;
  let browser: Browser;
  let page: Page;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    session = await startCodeServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(session.url({ extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  });

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
    assert.ok(buttons.some((text) => text.includes('Open Trace File')), `welcome buttons were: ${buttons.join(', ')}`);
    await page.screenshot({ path: join(artifactsDir, 'spanlens-view.png') });
  });

  it('lists the SpanLens commands in the command palette under their category', async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('>SpanLens: Open Trace');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.first().waitFor();
    const labels = await rows.allTextContents();
    assert.ok(labels.some((label) => label.includes('SpanLens: Open Trace File…')), `palette showed: ${labels.join(' | ')}`);
    await page.screenshot({ path: join(artifactsDir, 'command-palette.png') });
    await page.keyboard.press('Escape');
  });
});
