import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { openCommandPalette, runWorkbenchCommand } from './runWorkbenchCommand';
import { screenshotOnFailure } from './screenshotOnFailure';

const artifactsDir = join(repoRoot, 'artifacts', 'ui');

const currentId = '7b000000000000000000000000000001';
const baselineId = '7b000000000000000000000000000002';
const hostileName = '<img src=x onerror=alert(1)>';
/** What the tab titles show of each id (head and tail: these two differ only at the end). */
const currentShortId = '7b0000…0001';
const baselineShortId = '7b0000…0002';
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

interface CompareEntrySeen {
  readonly name: string;
  readonly depth: string | null;
  readonly delta: string;
  readonly bars: readonly { readonly kind: string; readonly width: number; readonly inside: boolean }[];
  /** The figures are whole: not cut inside their box and not past the entry's right edge. */
  readonly deltaWhole: boolean;
}

/*
 * Page scripts run in the webview frame; they are strings because this test program is compiled
 * without the DOM library (it is node code driving the browser).
 */
const compareEntriesScript = `[...document.querySelectorAll('.compare-entry')].map((item) => {
  const track = item.querySelector('.compare-track').getBoundingClientRect();
  const bars = [...item.querySelectorAll('.bar-before, .bar-after')].map((bar) => {
    const box = bar.getBoundingClientRect();
    return { kind: bar.className, width: box.width, inside: box.left >= track.left - 0.5 && box.right <= track.right + 0.5 };
  });
  const delta = item.querySelector('.compare-delta');
  const deltaWhole = delta.scrollWidth <= delta.clientWidth + 1 && delta.getBoundingClientRect().right <= item.getBoundingClientRect().right + 0.5;
  return { name: item.querySelector('.compare-name').textContent, depth: item.getAttribute('data-depth'), delta: delta.textContent, bars, deltaWhole };
})`;

interface ClippingSeen {
  readonly problems: readonly string[];
  readonly labels: readonly string[];
  readonly ticks: readonly string[];
  /** The narrowest bar track of a row, px. */
  readonly narrowest: number;
  readonly viewport: number;
}

/** Every drawn bar, ghost, duration and tick label measured against the box that holds it. */
const clippingScript = `(() => {
  const problems = [];
  const shown = (element) => getComputedStyle(element).display !== 'none' && element.offsetParent !== null;
  const inside = (element, box, what) => {
    const r = element.getBoundingClientRect();
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) problems.push(what + ' "' + element.textContent + '" spans ' + r.left.toFixed(1) + '–' + r.right.toFixed(1) + ', outside ' + box.left.toFixed(1) + '–' + box.right.toFixed(1));
  };
  const labels = [];
  const scroller = document.querySelector('.scroller').getBoundingClientRect();
  let narrowest = Infinity;
  for (const row of document.querySelectorAll('.row:not([hidden])')) {
    const timelineElement = row.querySelector('.timeline');
    const timeline = timelineElement.getBoundingClientRect();
    narrowest = Math.min(narrowest, timeline.width);
    inside(timelineElement, scroller, 'timeline');
    for (const element of row.querySelectorAll('.bar, .ghost, .duration')) {
      if (!shown(element)) continue;
      inside(element, timeline, element.className);
      if (element.classList.contains('duration')) labels.push(element.textContent);
    }
  }
  const axis = document.querySelector('.axis').getBoundingClientRect();
  const ticks = [];
  for (const tick of document.querySelectorAll('.axis .tick')) {
    if (!shown(tick)) continue;
    inside(tick, axis, 'tick');
    ticks.push(tick.textContent);
  }
  for (const item of document.querySelectorAll('.compare-entry')) {
    const box = item.getBoundingClientRect();
    for (const part of item.querySelectorAll('.compare-delta, .compare-track')) inside(part, box, part.className);
    const track = item.querySelector('.compare-track').getBoundingClientRect();
    for (const bar of item.querySelectorAll('.bar-before, .bar-after')) inside(bar, track, bar.className);
    // A shortened name keeps its sibling number ("GET /reserve #2") in view.
    const label = item.querySelector('.compare-label').getBoundingClientRect();
    for (const ordinal of item.querySelectorAll('.compare-ordinal')) inside(ordinal, label, 'sibling number');
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) problems.push('the page scrolls sideways: ' + page.scrollWidth + ' > ' + page.clientWidth);
  return { problems, labels, ticks, narrowest, viewport: page.clientWidth };
})()`;

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
        // 307 ms from near the left edge and 326 ms: the labels issue 15 saw cut to "7 ms" and "26 ms".
        {
          id: 'c000000000000002',
          parent: 'c000000000000001',
          name: 'validateCart',
          startMs: 10,
          endMs: 317,
          attributes: { 'code.file.path': checkoutFile, 'code.line.number': mappedLine, 'code.function.name': 'validateCart' },
        },
        { id: 'c000000000000004', parent: 'c000000000000001', name: 'GET /reserve', startMs: 20, endMs: 60, attributes: { 'item.sku': 'A-1' } },
        { id: 'c000000000000005', parent: 'c000000000000001', name: 'GET /reserve', startMs: 60, endMs: 386, attributes: { 'item.sku': 'B-2' } },
        { id: 'c000000000000003', parent: 'c000000000000001', name: hostileName, startMs: 317, endMs: 390, attributes: { 'evil.value': '</script><script>alert(2)</script>' }, error: true },
      ]),
    );
    writeFileSync(
      join(traces, 'baseline.json'),
      otlpJson(baselineId, [
        { id: 'd000000000000001', name: 'GET /checkout', startMs: 0, endMs: 120, attributes: { 'http.route': '/checkout' } },
        { id: 'd000000000000002', parent: 'd000000000000001', name: 'validateCart', startMs: 10, endMs: 40 },
        { id: 'd000000000000004', parent: 'd000000000000001', name: 'GET /reserve', startMs: 40, endMs: 60, attributes: { 'item.sku': 'A-1' } },
        { id: 'd000000000000005', parent: 'd000000000000001', name: 'GET /reserve', startMs: 60, endMs: 90, attributes: { 'item.sku': 'B-2' } },
        { id: 'd000000000000003', parent: 'd000000000000001', name: 'chargeCard', startMs: 90, endMs: 110 },
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
    await page.locator('.tabs-container .tab', { hasText: currentShortId }).waitFor({ timeout: 30_000 });
    const frame = await traceViewFrame('validateCart');
    const names = await frame.locator('.row .name').allTextContents();
    assert.deepEqual(names.slice(0, 5), ['GET /checkout', 'validateCart', 'GET /reserve', 'GET /reserve', hostileName]);
    assert.equal(await frame.locator('.toolbar .status').textContent(), '5 spans · 1 service · 400 ms');
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

  it('compares two traces from the palette: pickers that tell them apart, a tree of numbered siblings, drawn deltas', async () => {
    await openTraceFileFromPalette(join(session.workspace, 'traces', 'baseline.json'));
    await traceViewFrame('chargeCard');
    await openCommandPalette(page);
    const input = page.locator('.quick-input-widget input');
    await input.fill('>SpanLens: Compare Traces');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Compare Traces' }).first().click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Compare Traces (1/2)' }).waitFor({ timeout: 15_000 });
    // Both traces are "shop-frontend: GET /checkout": duration, start time and span count tell them apart.
    const currentPick = page.locator('.quick-input-list .monaco-list-row', { hasText: currentId }).first();
    const baselinePick = page.locator('.quick-input-list .monaco-list-row', { hasText: baselineId }).first();
    await currentPick.waitFor({ timeout: 15_000 });
    const picks = [(await currentPick.textContent()) ?? '', (await baselinePick.textContent()) ?? ''];
    assert.match(picks[0] ?? '', /400 ms · .*\d{1,2}:\d{2}:\d{2}.* · 5 spans · 1 error/, picks.join(' | '));
    assert.match(picks[1] ?? '', /120 ms · .*\d{1,2}:\d{2}:\d{2}.* · 5 spans/, picks.join(' | '));
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
    // GET /checkout, validateCart and both GET /reserve align (all slower); the hostile span is new; chargeCard is gone.
    assert.match(summary, /4 matched \(4 slower, 0 faster\), 1 added, 1 removed/);
    assert.deepEqual(await compare.locator('.compare-entry.removed .compare-name').allTextContents(), ['chargeCard']);
    assert.deepEqual(await compare.locator('.compare-entry.added .compare-name').allTextContents(), [hostileName]);
    // A tree: the root, then its children one level in, each named once (no repeated ancestor path).
    const entries = await frame.evaluate<CompareEntrySeen[]>(compareEntriesScript);
    assert.deepEqual(
      entries.map((entry) => `${entry.depth}:${entry.name}`),
      ['0:GET /checkout', '1:validateCart', '1:GET /reserve #1', '1:GET /reserve #2', `1:${hostileName}`, '1:chargeCard'],
    );
    assert.equal(entries.find((entry) => entry.name === 'GET /reserve #1')?.delta, '+20 ms · 20 ms → 40 ms');
    assert.equal(entries.find((entry) => entry.name === 'GET /reserve #2')?.delta, '+296 ms · 30 ms → 326 ms');
    // Drawn: each matched entry has the baseline's bar and this trace's bar, inside its track.
    const drawn = entries;
    for (const entry of drawn) {
      assert.ok(entry.deltaWhole, `the figures of ${entry.name} are cut`);
      for (const bar of entry.bars) assert.ok(bar.inside && bar.width >= 1, `${entry.name}: ${JSON.stringify(bar)}`);
    }
    const reserve2 = drawn.find((entry) => entry.name === 'GET /reserve #2');
    assert.deepEqual(
      reserve2?.bars.map((bar) => bar.kind),
      ['bar-before', 'bar-after'],
    );
    // The after bar is about 326/30 times the before bar.
    const [before, after] = reserve2.bars;
    assert.ok(before && after && after.width / before.width > 8, JSON.stringify(reserve2.bars));
    // And in the waterfall: the baseline's duration outlined behind the bar, the delta beside it.
    const waterfallReserve = frame.locator('.row', { hasText: 'GET /reserve' }).nth(1);
    assert.equal(await waterfallReserve.locator('.duration').textContent(), '326 ms (+296 ms)');
    const ghost = await waterfallReserve.locator('.ghost').boundingBox();
    const bar = await waterfallReserve.locator('.bar').boundingBox();
    assert.ok(ghost && bar && ghost.width >= 1 && bar.width / ghost.width > 8, `ghost ${JSON.stringify(ghost)}, bar ${JSON.stringify(bar)}`);
    await page.screenshot({ path: join(artifactsDir, 'trace-compare.png') });
  });

  it('titles the tabs of two traces of one endpoint apart: root name, start time, short id', async () => {
    const titles = (await page.locator('.tabs-container .tab .label-name').allTextContents()).filter((title) => title.startsWith('GET /checkout'));
    assert.equal(titles.length, 2, titles.join(' | '));
    assert.notEqual(titles[0], titles[1]);
    const current = titles.find((title) => title.endsWith(currentShortId));
    const baseline = titles.find((title) => title.endsWith(baselineShortId));
    assert.match(current ?? '', /^GET \/checkout · \d{2}:\d{2}:\d{2} · 7b0000…0001$/, titles.join(' | '));
    assert.match(baseline ?? '', /^GET \/checkout · \d{2}:\d{2}:\d{2} · 7b0000…0002$/, titles.join(' | '));
  });

  it('moves focus into the details on Enter, says so, and gives focus back when the tab is shown again', async () => {
    await page.locator('.tabs-container .tab', { hasText: currentShortId }).click();
    const frame = await traceViewFrame(hostileName);
    await frame.locator('.row', { hasText: 'validateCart' }).click();
    const tree = frame.locator('[role=tree]');
    assert.equal(await tree.getAttribute('aria-activedescendant'), await frame.locator('.row', { hasText: 'validateCart' }).getAttribute('id'));
    const reserve = frame.locator('.row', { hasText: 'GET /reserve' }).nth(1);
    assert.deepEqual([await reserve.getAttribute('aria-level'), await reserve.getAttribute('aria-posinset'), await reserve.getAttribute('aria-setsize')], ['2', '3', '4']);
    await page.keyboard.press('Enter');
    await frame.locator('.visually-hidden', { hasText: 'Details of validateCart' }).waitFor({ timeout: 10_000 });
    const focused = (): Promise<string> => frame.evaluate<string>('document.activeElement ? String(document.activeElement.className) : ""');
    assert.equal(await focused(), 'details');
    await page.locator('.tabs-container .tab', { hasText: baselineShortId }).click();
    await traceViewFrame('chargeCard');
    await page.locator('.tabs-container .tab', { hasText: currentShortId }).click();
    const deadline = Date.now() + 10_000;
    while ((await focused()) !== 'details' && Date.now() < deadline) await page.waitForTimeout(200);
    assert.equal(await focused(), 'details');
  });

  for (const width of [480, 1600]) {
    it(`draws every bar and label whole at a ${width} px wide window`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await page.locator('.tabs-container .tab', { hasText: currentShortId }).click();
      const frame = await traceViewFrame(hostileName);
      if (width === 480) {
        await runWorkbenchCommand(page, 'View: Close Primary Side Bar');
        await page.locator('.tabs-container .tab', { hasText: currentShortId }).click();
      }
      await frame.locator('.row', { hasText: 'validateCart' }).click();
      await frame.locator('.details-title', { hasText: 'validateCart' }).waitFor({ timeout: 15_000 });
      // The webview re-measures on resize and redraws on the next frame.
      await page.waitForTimeout(1_000);
      const seen = await frame.evaluate<ClippingSeen>(clippingScript);
      await page.screenshot({ path: join(artifactsDir, `trace-view-${width}.png`) });
      assert.deepEqual(seen.problems, [], JSON.stringify(seen));
      assert.ok(seen.viewport <= width, `the webview is ${seen.viewport} px wide`);
      assert.ok(seen.narrowest >= 100, `the bars get only ${seen.narrowest} px`);
      // Labels are whole durations, never a cut one like "7 ms" for 307 ms or "26 ms" for 326 ms.
      const whole = new Set(['400 ms', '307 ms', '40 ms', '326 ms', '73 ms']);
      for (const label of seen.labels) assert.ok(whole.has(label.replace(/ \(.*\)$/, '').replace(/^◂ | ▸$/g, '')), `label "${label}" (all: ${seen.labels.join(', ')})`);
      assert.ok(seen.labels.length >= 3, `only ${seen.labels.join(', ')} shown`);
      assert.ok(seen.ticks.includes('0') && seen.ticks.length >= 2, seen.ticks.join(', '));
      if (width === 1600) {
        assert.ok(seen.labels.some((label) => label.startsWith('307 ms')) && seen.labels.some((label) => label.startsWith('326 ms')), seen.labels.join(', '));
        assert.ok(seen.ticks.includes('400 ms'), `the last tick label is shown: ${seen.ticks.join(', ')}`);
      }
    });
  }
});
