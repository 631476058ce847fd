import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { openCommandPalette } from './runWorkbenchCommand';
import { screenshotOnFailure } from './screenshotOnFailure';

const artifactsDir = join(repoRoot, 'artifacts', 'ui');

const currentId = '7b000000000000000000000000000001';
const baselineId = '7b000000000000000000000000000002';
const hostileName = '<img src=x onerror=alert(1)>';
/** `validateCart` in test/workspace/sample-service/src/checkout.ts. */
const mappedLine = 13;

interface SpanSpec {
  readonly id: string;
  readonly parent?: string;
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes?: Readonly<Record<string, string | number>>;
  readonly error?: boolean;
}

function otlpJson(traceId: string, spans: readonly SpanSpec[]): string {
  const base = 1_732_262_400_000_000_000n;
  const value = (v: string | number): Record<string, string> => (typeof v === 'number' ? { intValue: String(v) } : { stringValue: v });
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop-frontend' } }] },
        scopeSpans: [
          {
            scope: { name: 'spanlens-ui-test' },
            spans: spans.map((span) => ({
              traceId,
              spanId: span.id,
              ...(span.parent === undefined ? {} : { parentSpanId: span.parent }),
              name: span.name,
              kind: 2,
              startTimeUnixNano: String(base + BigInt(span.startMs) * 1_000_000n),
              endTimeUnixNano: String(base + BigInt(span.endMs) * 1_000_000n),
              attributes: Object.entries(span.attributes ?? {}).map(([key, v]) => ({ key, value: value(v) })),
              ...(span.error === true ? { status: { code: 2, message: 'declined' } } : {}),
            })),
          },
        ],
      },
    ],
  });
}

describe('the trace view, as a person sees it', function () {
  this.timeout(180_000);
  let session: CodeServerSession;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    session = await startCodeServer();
    const checkoutFile = join(session.workspace, 'sample-service', 'src', 'checkout.ts');
    const traces = join(session.workspace, 'traces');
    mkdirSync(traces, { recursive: true });
    writeFileSync(
      join(traces, 'current.json'),
      otlpJson(currentId, [
        { id: 'c000000000000001', name: 'GET /checkout', startMs: 0, endMs: 400, attributes: { 'http.route': '/checkout' } },
        { id: 'c000000000000002', parent: 'c000000000000001', name: 'validateCart', startMs: 10, endMs: 300, attributes: { 'code.file.path': checkoutFile, 'code.line.number': mappedLine, 'code.function.name': 'validateCart' } },
        { id: 'c000000000000003', parent: 'c000000000000001', name: hostileName, startMs: 300, endMs: 390, attributes: { 'evil.value': '</script><script>alert(2)</script>' }, error: true },
      ]),
    );
    writeFileSync(
      join(traces, 'baseline.json'),
      otlpJson(baselineId, [
        { id: 'd000000000000001', name: 'GET /checkout', startMs: 0, endMs: 120, attributes: { 'http.route': '/checkout' } },
        { id: 'd000000000000002', parent: 'd000000000000001', name: 'validateCart', startMs: 10, endMs: 40 },
        { id: 'd000000000000003', parent: 'd000000000000001', name: 'chargeCard', startMs: 40, endMs: 110 },
      ]),
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // An executed onerror=alert(…) anywhere (the webview's frames included) would show up here.
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(session.url({ extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // The extension activates on startup finished; the activity bar item says it is there.
    await page.locator('.activitybar .action-item a[aria-label^="SpanLens"]').waitFor({ timeout: 60_000 });
  });

  afterEach(screenshotOnFailure(() => page, artifactsDir, 'trace-view-'));

  after(async () => {
    await (browser as Browser | undefined)?.close();
    await (session as CodeServerSession | undefined)?.stop();
  });

  /** Runs a palette command and answers code-server's path picker with `path`. */
  async function openTraceFileFromPalette(path: string): Promise<void> {
    await openCommandPalette(page);
    const input = page.locator('.quick-input-widget input');
    await input.fill('>SpanLens: Open Trace File');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Trace File' }).first().click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'SpanLens: Open Trace File' }).waitFor({ timeout: 15_000 });
    // The picker first fills in a folder (the workspace's, or the active editor's); a path typed
    // before that is overwritten.
    const deadline = Date.now() + 15_000;
    while (!(await input.inputValue()).endsWith('/')) {
      if (Date.now() > deadline) throw new Error(`the file picker never filled in a folder (input: ${await input.inputValue()})`);
      await page.waitForTimeout(100);
    }
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15_000 });
    await input.fill(path);
    const name = path.slice(path.lastIndexOf('/') + 1);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).waitFor({ timeout: 15_000 });
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'Open Trace' }).click();
  }

  /**
   * The trace view frame that shows a span named `spanName`. Webviews are nested iframes (the
   * host iframe.webview, then iframe#active-frame); with several panels open, each has its own.
   */
  async function traceViewFrame(spanName: string): Promise<Frame> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame()) continue;
        const found = await frame
          .locator('.row .name', { hasText: spanName })
          .count()
          .catch(() => 0);
        if (found > 0) return frame;
      }
      await page.waitForTimeout(250);
    }
    throw new Error(`no trace view frame shows a span named ${spanName}`);
  }

  it('opens a trace file from the palette and draws its waterfall in the trace view', async () => {
    await openTraceFileFromPalette(join(session.workspace, 'traces', 'current.json'));
    await page.locator('.tabs-container .tab', { hasText: 'Trace shop-frontend: GET /checkout' }).waitFor({ timeout: 30_000 });
    const frame = await traceViewFrame('validateCart');
    const names = await frame.locator('.row .name').allTextContents();
    assert.deepEqual(names.slice(0, 3), ['GET /checkout', 'validateCart', hostileName]);
    // The error span is marked, and every row has a duration bar on the time axis.
    assert.equal(await frame.locator('.row.error .name', { hasText: hostileName }).count(), 1);
    assert.ok((await frame.locator('.row .bar').count()) >= 3);
    await page.screenshot({ path: join(artifactsDir, 'trace-view.png') });
  });

  it('shows a span named like markup as text: no element is created and nothing runs', async () => {
    const frame = await traceViewFrame(hostileName);
    const row = frame.locator('.row', { hasText: hostileName });
    assert.equal(await row.locator('.name').textContent(), hostileName);
    await row.click();
    await frame.locator('.details-title', { hasText: hostileName }).waitFor({ timeout: 15_000 });
    await frame.locator('.details td, .details .kv', { hasText: '</script><script>alert(2)</script>' }).first().waitFor({ timeout: 15_000 });
    assert.equal(await frame.locator('img').count(), 0, 'the span name became an <img> element');
    assert.equal(await frame.locator('.trace-view script').count(), 0);
    await page.waitForTimeout(500);
    assert.deepEqual(dialogs, []);
  });

  it('clicking a span shows its details, and Go to Code lands on the mapped line', async () => {
    const frame = await traceViewFrame('validateCart');
    await frame.locator('.row', { hasText: 'validateCart' }).click();
    const details = frame.locator('.details');
    await details.locator('.details-title', { hasText: 'validateCart' }).waitFor({ timeout: 15_000 });
    await details.locator('th', { hasText: 'code.function.name' }).waitFor({ timeout: 15_000 });
    assert.match((await details.textContent()) ?? '', /shop-frontend/);
    await details.locator('button.go-to-code').click();
    await page.locator('.tabs-container .tab.active', { hasText: 'checkout.ts' }).waitFor({ timeout: 30_000 });
    // The status bar's cursor item says where the editor landed.
    const cursor = page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${mappedLine}, Col \\d+`) }).first();
    await cursor.waitFor({ timeout: 15_000 });
    assert.match((await cursor.textContent()) ?? '', new RegExp(`Ln ${mappedLine},`));
    await page.screenshot({ path: join(artifactsDir, 'trace-view-go-to-code.png') });
  });

  it('compares two traces from the palette and shows what got slower, appeared and disappeared', async () => {
    await openTraceFileFromPalette(join(session.workspace, 'traces', 'baseline.json'));
    await traceViewFrame('chargeCard');
    await openCommandPalette(page);
    const input = page.locator('.quick-input-widget input');
    await input.fill('>SpanLens: Compare Traces');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Compare Traces' }).first().click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Compare Traces (1/2)' }).waitFor({ timeout: 15_000 });
    await input.fill(currentId);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: currentId }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Compare Traces (2/2)' }).waitFor({ timeout: 15_000 });
    await input.fill(baselineId);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: baselineId }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    const frame = await traceViewFrame(hostileName);
    const compare = frame.locator('section.compare');
    await compare.locator('h2', { hasText: `Compared with ${baselineId}` }).waitFor({ timeout: 30_000 });
    const summary = (await compare.locator('h2').textContent()) ?? '';
    // GET /checkout and validateCart align (both slower); the hostile span is new; chargeCard is gone.
    assert.match(summary, /2 matched \(2 slower, 0 faster\), 1 added, 1 removed/);
    const entries = await compare.locator('.compare-entry').allTextContents();
    assert.ok(entries.some((entry) => entry.startsWith('removed:') && entry.includes('chargeCard')), entries.join(' | '));
    assert.ok(entries.some((entry) => entry.startsWith('added:') && entry.includes(hostileName)), entries.join(' | '));
    await page.screenshot({ path: join(artifactsDir, 'trace-compare.png') });
  });
});
