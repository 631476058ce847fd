import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { openCommandPalette } from './runWorkbenchCommand';
import { screenshotOnFailure } from './screenshotOnFailure';

const artifactsDir = join(repoRoot, 'artifacts', 'ui');
const traceId = '7c000000000000000000000000000001';

function restoreTraceJson(): string {
  const base = 1_732_262_400_000_000_000n;
  const span = (id: string, parent: string | undefined, name: string, startMs: number, endMs: number, attributes: Record<string, string>): unknown => ({
    traceId,
    spanId: id,
    ...(parent === undefined ? {} : { parentSpanId: parent }),
    name,
    kind: 2,
    startTimeUnixNano: String(base + BigInt(startMs) * 1_000_000n),
    endTimeUnixNano: String(base + BigInt(endMs) * 1_000_000n),
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
  });
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'restore-service' } }] },
        scopeSpans: [
          {
            scope: { name: 'spanlens-ui-test' },
            spans: [
              span('e000000000000001', undefined, 'GET /restore', 0, 200, {}),
              span('e000000000000002', 'e000000000000001', 'loadBasket', 20, 120, { 'restore.marker': 'kept-after-reload' }),
              span('e000000000000003', 'e000000000000001', 'renderPage', 130, 190, {}),
            ],
          },
        ],
      },
    ],
  });
}

/**
 * Issue 8, "state restored after a reload": the serializer brings the panel back, the controller
 * loads its file into the fresh trace service, and the webview's saved state reselects the span.
 */
describe('the trace view after Developer: Reload Window', function () {
  this.timeout(240_000);
  let session: CodeServerSession;
  let browser: Browser;
  let page: Page;
  let traceFile: string;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    session = await startCodeServer();
    const traces = join(session.workspace, 'traces');
    mkdirSync(traces, { recursive: true });
    traceFile = join(traces, 'restore.json');
    writeFileSync(traceFile, restoreTraceJson());
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(session.url({ extensionDevelopmentPath: repoRoot }));
    await waitForWorkbench();
  });

  afterEach(screenshotOnFailure(() => page, artifactsDir, 'trace-view-restore-'));

  after(async () => {
    await (browser as Browser | undefined)?.close();
    await (session as CodeServerSession | undefined)?.stop();
  });

  async function waitForWorkbench(): Promise<void> {
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await page.locator('.activitybar .action-item a[aria-label^="SpanLens"]').waitFor({ timeout: 60_000 });
  }

  async function runCommand(title: string): Promise<void> {
    await openCommandPalette(page);
    const input = page.locator('.quick-input-widget input');
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().click();
  }

  async function openTraceFile(path: string): Promise<void> {
    await runCommand('SpanLens: Open Trace File');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'SpanLens: Open Trace File' }).waitFor({ timeout: 15_000 });
    const deadline = Date.now() + 15_000;
    while (!(await input.inputValue()).endsWith('/')) {
      if (Date.now() > deadline) throw new Error(`the file picker never filled in a folder (input: ${await input.inputValue()})`);
      await page.waitForTimeout(100);
    }
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15_000 });
    await input.fill(path);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'restore.json' }).waitFor({ timeout: 15_000 });
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'Open Trace' }).click();
  }

  /** The webview frame in which `selector` (optionally with `text`) matches, within `timeoutMs`. */
  async function frameWith(selector: string, text: string | undefined, timeoutMs: number): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame()) continue;
        const locator = text === undefined ? frame.locator(selector) : frame.locator(selector, { hasText: text });
        const found = await locator.count().catch(() => 0);
        if (found > 0) return frame;
      }
      await page.waitForTimeout(250);
    }
    throw new Error(`no webview frame has ${selector}${text === undefined ? '' : ` with "${text}"`} within ${timeoutMs} ms`);
  }

  async function reloadWindow(): Promise<void> {
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await runCommand('Developer: Reload Window');
    await reloaded;
    await waitForWorkbench();
  }

  it('brings the panel back with the same trace and the selected span details', async () => {
    await openTraceFile(traceFile);
    // The tab names the root span and a short id, and keeps them after the reload.
    const tab = page.locator('.tabs-container .tab', { hasText: /GET \/restore · \d{2}:\d{2}:\d{2} · 7c0000…0001/ });
    await tab.waitFor({ timeout: 30_000 });
    const before = await frameWith('.row .name', 'loadBasket', 60_000);
    await before.locator('.row', { hasText: 'loadBasket' }).click();
    await before.locator('.details th', { hasText: 'restore.marker' }).waitFor({ timeout: 15_000 });
    // The webview saves its state a moment after a change (debounced); let that land first.
    await page.waitForTimeout(1_500);

    await reloadWindow();

    await tab.waitFor({ timeout: 60_000 });
    const after = await frameWith('.details-title', 'loadBasket', 90_000);
    const details = after.locator('.details');
    await details.locator('td, .kv', { hasText: 'kept-after-reload' }).first().waitFor({ timeout: 30_000 });
    assert.equal(await after.locator('.row[aria-selected=true] .name').textContent(), 'loadBasket');
    const names = await after.locator('.row:not([hidden]) .name').allTextContents();
    assert.deepEqual(names, ['GET /restore', 'loadBasket', 'renderPage']);
    await page.screenshot({ path: join(artifactsDir, 'trace-view-restored.png') });
  });

  it('says in the restored panel that the trace is gone when its file was deleted', async () => {
    rmSync(traceFile);
    await reloadWindow();
    const frame = await frameWith('.empty-message', 'Could not show trace', 90_000);
    const text = (await frame.locator('.empty-message').textContent()) ?? '';
    assert.match(text, new RegExp(traceId));
    assert.match(text, /restore\.json/);
    assert.equal(await frame.locator('.row:not([hidden])').count(), 0);
    await page.screenshot({ path: join(artifactsDir, 'trace-view-restored-missing.png') });
  });
});
