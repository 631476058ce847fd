import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { otlpJsonOf, recordSdkSpans } from '../unit/sdkTraces';
import { openCommandPalette } from './runWorkbenchCommand';
import { screenshotOnFailure } from './screenshotOnFailure';

const artifactsDir = join(repoRoot, 'artifacts', 'ui');

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Issue 15: the walkthrough's steps tick from what is true (step 1 stayed unticked while the
 * receiver ran), and its buttons work in code-server ("Edit spanlens.sources" opened a settings
 * tab saying "No Settings Found": the setting is machine-scoped, so it lives under Remote there).
 */
describe('the Get Started walkthrough, as a person follows it', function () {
  this.timeout(240_000);
  let session: CodeServerSession;
  let browser: Browser;
  let page: Page;
  let port: number;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    port = await freePort();
    session = await startCodeServer({
      userSettings: { 'spanlens.receiver.autoStart': false, 'spanlens.receiver.httpPort': port, 'spanlens.receiver.grpcPort': 0 },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(session.url({ extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // The extension is active once its activity bar item is there.
    await page.locator('.activitybar .action-item a[aria-label^="SpanLens"]').waitFor({ timeout: 60_000 });
  });

  afterEach(screenshotOnFailure(() => page, artifactsDir, 'walkthrough-'));

  after(async () => {
    await (browser as Browser | undefined)?.close();
    await (session as CodeServerSession | undefined)?.stop();
  });

  const step = (id: string): ReturnType<Page['locator']> => page.locator(`button.getting-started-step[data-step-id$="#spanlens.${id}"]`);
  const ticked = async (id: string, timeout = 30_000): Promise<void> => {
    await page.locator(`button.getting-started-step[data-step-id$="#spanlens.${id}"][aria-checked="true"]`).waitFor({ timeout });
  };

  it('opens from the palette with no step ticked', async () => {
    await openCommandPalette(page);
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Welcome: Open Walkthrough');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Walkthrough' }).first().click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with SpanLens' }).first().click();
    await step('startReceiver').waitFor({ timeout: 30_000 });
    for (const id of ['startReceiver', 'runService', 'openATrace', 'configureBackend', 'addPathMapping']) {
      assert.equal(await step(id).getAttribute('aria-checked'), 'false', `${id} was ticked before anything happened`);
    }
  });

  it('ticks "Start the local receiver" once its button started the receiver', async () => {
    await step('startReceiver').click();
    await page
      .locator('.getting-started-step.expanded .button-link, .getting-started-step.expanded .monaco-button, .getting-started-step.expanded a', { hasText: 'Start Local Receiver' })
      .first()
      .click();
    await page
      .locator('.statusbar-item', { hasText: `OTLP :${String(port)}` })
      .first()
      .waitFor({ timeout: 60_000 });
    await ticked('startReceiver');
    assert.equal(await step('runService').getAttribute('aria-checked'), 'false', 'no trace has arrived yet');
  });

  it('ticks "Run your service" when the receiver holds a trace a service sent', async () => {
    const response = await fetch(`http://127.0.0.1:${String(port)}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJsonOf(recordSdkSpans(1)) });
    assert.equal(response.status, 200);
    await ticked('runService');
    await page.screenshot({ path: join(artifactsDir, 'walkthrough-ticked.png') });
  });

  it('"Edit spanlens.sources" shows the setting, under the Remote tab in code-server', async () => {
    await step('configureBackend').click();
    await page
      .locator('.getting-started-step.expanded .button-link, .getting-started-step.expanded .monaco-button, .getting-started-step.expanded a', { hasText: 'Edit spanlens.sources' })
      .first()
      .click();
    const settings = page.locator('.settings-editor');
    await settings.waitFor({ timeout: 30_000 });
    await settings.locator('.setting-item-contents', { hasText: 'Sources' }).first().waitFor({ timeout: 30_000 });
    assert.equal(await settings.getByText('No Settings Found').isVisible(), false);
    await page.screenshot({ path: join(artifactsDir, 'walkthrough-sources-setting.png') });
  });
});
