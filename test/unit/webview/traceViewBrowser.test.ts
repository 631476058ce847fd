import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { buildTrace } from '../../../src/core/model/buildTrace';
import { createResource, createSpan } from '../../../src/core/model/span';
import { compareTraces } from '../../../src/core/traceView/compareTraces';
import { encodeTraceView } from '../../../src/core/traceView/encodeTraceView';
import { spanDetailsOf } from '../../../src/core/traceView/spanDetailsOf';
import { baseNs, hostileText, hostileTrace } from '../core/traceView/traceViewFixtures';
import { buildWebviewBundle, chromiumAvailable, chromiumPath, launchChromium, loadSyntheticTrace, openTraceViewPage, type PageWindow, type WebviewPage } from './traceViewPage';

interface Posted {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * The real webview bundle in headless Chromium, under the panel's CSP: hostile span data stays
 * text, clicks and keys post the right messages, and a million spans keep a bounded DOM.
 */
describe('trace view webview in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let bundle: { readonly dir: string; dispose(): void } | undefined;

  before(async function () {
    if (!chromiumAvailable()) {
      console.warn(`    skipped: ${chromiumPath} is missing; install Debian's chromium to run the webview tests.`);
      this.skip();
    }
    bundle = await buildWebviewBundle();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    bundle?.dispose();
  });

  async function open(viewport?: { width: number; height: number }): Promise<WebviewPage> {
    if (!browser || !bundle) throw new Error('not started');
    return openTraceViewPage(browser, bundle.dir, viewport);
  }

  const trace = hostileTrace();
  const data = encodeTraceView(trace);

  async function lastPosted(view: WebviewPage, type: string): Promise<Posted | undefined> {
    const posted = (await view.posted()) as Posted[];
    return posted.filter((m) => m.type === type).pop();
  }

  it('shows hostile names and attribute values as text and runs none of them', async () => {
    const view = await open();
    await view.post({ type: 'loadTrace', data });
    await view.page.waitForSelector('.row:not([hidden])');
    const names = await view.page.locator('.row:not([hidden]) .name').allTextContents();
    assert.deepEqual(names, [hostileText.img, hostileText.script, hostileText.js]);

    await view.page.locator('.row', { hasText: hostileText.script }).first().click();
    const request = await lastPosted(view, 'requestSpanDetails');
    assert.equal(request?.['row'], 1);
    await view.post({ type: 'spanDetails', requestId: request['requestId'] as number, details: spanDetailsOf(trace, 1) });
    await view.page.waitForSelector('.details .frames');
    const detailsText = (await view.page.locator('.details').textContent()) ?? '';
    for (const text of Object.values(hostileText)) assert.ok(detailsText.includes(text), `details show ${text} literally`);

    const counts = await view.page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      return {
        pwned: w['__pwned'],
        images: w.document.querySelectorAll('img').length,
        scripts: w.document.querySelectorAll('script').length,
        links: w.document.querySelectorAll('a, body [href], body [src]:not(script), iframe, object, embed').length,
        violations: w['__violations'],
      };
    });
    assert.equal(counts.pwned, undefined);
    assert.equal(counts.images, 0);
    assert.equal(counts.scripts, 1, 'only the bundle');
    assert.equal(counts.links, 0, 'span data never becomes a URL');
    assert.deepEqual(counts.violations, []);

    // The javascript: link is a button that asks the host; nothing navigates.
    await view.page.locator('.span-link button').click();
    assert.deepEqual(await lastPosted(view, 'openTrace'), { type: 'openTrace', traceId: hostileText.js, spanId: hostileText.img });
    await view.page.locator('.frames button').first().click();
    const frame = await lastPosted(view, 'goToFrame');
    assert.equal((frame?.['frame'] as { line?: number } | undefined)?.line, 12);
    assert.equal(await view.page.evaluate(() => (globalThis as unknown as PageWindow)['__pwned']), undefined);
    assert.deepEqual(view.problems, []);
    await view.page.close();
  });

  it('clicking a span and then Go to Code posts goToSpanCode with its ids', async () => {
    const view = await open();
    await view.post({ type: 'loadTrace', data });
    await view.page.locator('.row', { hasText: hostileText.js }).first().click();
    await view.page.getByRole('button', { name: 'Go to Code' }).click();
    assert.deepEqual(await lastPosted(view, 'goToSpanCode'), { type: 'goToSpanCode', traceId: data.traceId, spanId: 'cccccccccccccccc', row: 2 });
    await view.page.getByRole('button', { name: 'Copy Span ID' }).click();
    assert.deepEqual(await lastPosted(view, 'copy'), { type: 'copy', text: 'cccccccccccccccc' });
    await view.page.close();
  });

  it('works from the keyboard with tree semantics', async () => {
    const view = await open();
    await view.post({ type: 'loadTrace', data });
    const tree = view.page.getByRole('tree');
    // Rows are redrawn on the next animation frame; wait for it before reading them.
    const selected = async (): Promise<string[]> => {
      await view.page.evaluate(() => new Promise<void>((done) => (globalThis as unknown as PageWindow).requestAnimationFrame(() => done())));
      return view.page.locator('[role=treeitem][aria-selected=true] .name').allTextContents();
    };
    await tree.focus();
    // Entering the tree selects a row, so a screen reader has something to announce.
    assert.deepEqual(await selected(), [hostileText.img]);
    assert.equal(await tree.getAttribute('aria-activedescendant'), 'span-row-0');
    await view.page.keyboard.press('Home');
    assert.deepEqual(await selected(), [hostileText.img]);
    assert.equal(await view.page.locator('[role=treeitem]').first().getAttribute('aria-level'), '1');
    const second = view.page.locator('[role=treeitem]').nth(1);
    assert.deepEqual([await second.getAttribute('aria-level'), await second.getAttribute('aria-posinset'), await second.getAttribute('aria-setsize')], ['2', '1', '2']);
    const third = view.page.locator('[role=treeitem]').nth(2);
    assert.deepEqual([await third.getAttribute('aria-posinset'), await third.getAttribute('aria-setsize')], ['2', '2']);
    assert.equal(await view.page.locator('[role=treeitem]').first().getAttribute('aria-expanded'), 'true');
    await view.page.keyboard.press('ArrowDown');
    assert.deepEqual(await selected(), [hostileText.script]);
    assert.equal(await tree.getAttribute('aria-activedescendant'), 'span-row-1');
    await view.page.keyboard.press('ArrowLeft');
    assert.deepEqual(await selected(), [hostileText.img], 'Left on a leaf goes to its parent');
    await view.page.keyboard.press('ArrowLeft');
    await view.page.waitForFunction(() => (globalThis as unknown as PageWindow).document.querySelectorAll('.row:not([hidden])').length === 1);
    assert.equal(await view.page.locator('[role=treeitem]').first().getAttribute('aria-expanded'), 'false');
    await view.page.keyboard.press('ArrowRight');
    await view.page.waitForFunction(() => (globalThis as unknown as PageWindow).document.querySelectorAll('.row:not([hidden])').length === 3);
    await view.page.keyboard.press('End');
    assert.deepEqual(await selected(), [hostileText.js]);
    await view.page.keyboard.press('Enter');
    await view.page.waitForSelector('.details:not([hidden])');
    assert.equal((await lastPosted(view, 'requestSpanDetails'))?.['row'], 2);
    // Enter takes focus to the details and says so.
    await view.page.waitForFunction(
      () => ((globalThis as unknown as PageWindow).document.querySelector('[aria-live=polite][aria-atomic=true]') as { textContent: string } | null)?.textContent.startsWith('Details of') === true,
    );
    assert.equal(await view.page.evaluate(() => ((globalThis as unknown as PageWindow).document as unknown as { activeElement: { className: string } }).activeElement.className), 'details');
    await view.page.keyboard.press('g');
    assert.deepEqual(await lastPosted(view, 'goToSpanCode'), { type: 'goToSpanCode', traceId: data.traceId, spanId: 'cccccccccccccccc', row: 2 });
    // Search: highlight and next.
    await view.page.getByRole('searchbox', { name: 'Search spans' }).fill('script');
    await view.page.keyboard.press('Enter');
    await view.page.waitForSelector('.row mark');
    assert.deepEqual(await selected(), [hostileText.script]);
    assert.equal(await view.page.locator('.row mark').first().textContent(), 'script');
    await view.page.close();
  });

  it('a scroll by one row refills one row element, not the whole viewport', async () => {
    const view = await open();
    await loadSyntheticTrace(view.page, 10_000);
    const refilled = await view.page.evaluate(async () => {
      const w = globalThis as unknown as PageWindow & {
        MutationObserver: new (callback: (records: { target: unknown }[]) => void) => { observe(target: unknown, options: Record<string, unknown>): void; disconnect(): void };
      };
      const frame = (): Promise<void> => new Promise((done) => w.requestAnimationFrame(() => done()));
      const scroller = w.document.querySelector('.scroller') as { scrollTop: number };
      const changed = new Set<unknown>();
      // fillRow sets each row's id: an id write marks a row element whose content was redrawn.
      const observer = new w.MutationObserver((records) => {
        for (const record of records) changed.add(record.target);
      });
      observer.observe(w.document.querySelector('.rows'), { subtree: true, attributes: true, attributeFilter: ['id'] });
      const counts: number[] = [];
      for (let step = 0; step < 5; step++) {
        changed.clear();
        scroller.scrollTop += 22;
        await frame();
        await frame();
        counts.push(changed.size);
      }
      observer.disconnect();
      return counts;
    });
    for (const count of refilled) assert.ok(count >= 1 && count <= 2, `rows refilled per one-row scroll: ${refilled.join(', ')}`);
    await view.page.close();
  });

  it('loads a million spans and scrolls them with a bounded number of DOM rows', async () => {
    const view = await open();
    const firstFrameMs = await loadSyntheticTrace(view.page, 1_000_000);
    const rowsInDom = (): Promise<number> => view.page.evaluate(() => (globalThis as unknown as PageWindow).document.querySelectorAll('.row').length);
    const initial = await rowsInDom();
    assert.ok(initial > 10 && initial < 80, `rows in DOM: ${initial}`);
    const scroller = view.page.locator('.scroller');
    for (const fraction of [0.25, 0.5, 0.999, 1]) {
      await scroller.evaluate((element, f) => {
        const e = element as unknown as { scrollTop: number; scrollHeight: number };
        e.scrollTop = e.scrollHeight * f;
      }, fraction);
      await view.page.waitForTimeout(50);
      assert.ok((await rowsInDom()) < 80);
    }
    const lastRow = await view.page.locator('.row:not([hidden])').last().getAttribute('id');
    assert.equal(lastRow, 'span-row-999999', 'the last span is reachable');
    await view.page.getByRole('tree').focus();
    await view.page.keyboard.press('Home');
    await view.page.keyboard.press('ArrowLeft');
    await view.page.waitForFunction(() => (globalThis as unknown as PageWindow).document.querySelectorAll('.row:not([hidden])').length === 1);
    assert.ok(firstFrameMs < 5000, `first frame after ${firstFrameMs} ms`);
    assert.deepEqual(view.problems, []);
    await view.page.close();
  });

  /** The issue 15 shape: 307 ms from near the start, 326 ms to near the end, two sibling GET /reserve. */
  function checkoutTrace(traceId: string, spans: readonly (readonly [id: string, parent: string | undefined, name: string, startMs: number, endMs: number])[]): ReturnType<typeof buildTrace> {
    const resource = createResource({ 'service.name': 'shop-frontend' });
    return buildTrace(
      traceId,
      spans.map(([id, parent, name, startMs, endMs]) =>
        createSpan({ traceId, spanId: id, parentSpanId: parent, name, startNs: baseNs + BigInt(startMs) * 1_000_000n, endNs: baseNs + BigInt(endMs) * 1_000_000n, resource }),
      ),
    );
  }

  /** Bars, ghosts, duration and tick labels that stick out of the box that clips them. */
  const clippedScript = `(() => {
    const out = [];
    const within = (element, box) => {
      if (getComputedStyle(element).display === 'none') return;
      const r = element.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) out.push(element.className + ' "' + element.textContent + '"');
    };
    for (const row of document.querySelectorAll('.row:not([hidden])')) {
      const track = row.querySelector('.timeline').getBoundingClientRect();
      for (const element of row.querySelectorAll('.bar, .ghost, .duration')) within(element, track);
    }
    const axis = document.querySelector('.axis').getBoundingClientRect();
    for (const tick of document.querySelectorAll('.axis .tick')) within(tick, axis);
    return out;
  })()`;

  it('draws bars, duration labels and ticks whole from 480 to 1600 px, with and without a comparison', async () => {
    const current = checkoutTrace('c', [
      ['c1', undefined, 'GET /checkout', 0, 400],
      ['c2', 'c1', 'validateCart', 10, 317],
      ['c4', 'c1', 'GET /reserve', 20, 60],
      ['c5', 'c1', 'GET /reserve', 60, 386],
    ]);
    const baseline = checkoutTrace('b', [
      ['b1', undefined, 'GET /checkout', 0, 120],
      ['b2', 'b1', 'validateCart', 10, 40],
      ['b4', 'b1', 'GET /reserve', 40, 60],
      ['b5', 'b1', 'GET /reserve', 60, 90],
    ]);
    for (const width of [480, 640, 800, 1100, 1600]) {
      const view = await open({ width, height: 700 });
      await view.post({ type: 'loadTrace', data: encodeTraceView(current) });
      await view.page.waitForSelector('.row .duration');
      const frame = (): Promise<void> => view.page.evaluate(() => new Promise<void>((done) => (globalThis as unknown as PageWindow).requestAnimationFrame(() => done())));
      await frame();
      assert.deepEqual(await view.page.evaluate<string[]>(clippedScript), [], `at ${width} px`);
      await view.post({ type: 'compareResult', result: compareTraces(baseline, current) });
      await frame();
      await frame();
      assert.deepEqual(await view.page.evaluate<string[]>(clippedScript), [], `at ${width} px, compared`);
      const labels = await view.page.locator('.row .duration').allTextContents();
      // Whole values only (an empty label is one left out for want of room): never "7 ms" or "26 ms".
      for (const label of labels) assert.match(label, /^(|(400|307|40|326) ms( \(\+\d+ ms\))?)$/, `at ${width} px: ${labels.join(', ')}`);
      assert.ok(labels.filter((label) => label !== '').length >= 3, `at ${width} px only ${labels.join(', ')}`);
      assert.equal(await view.page.locator('.toolbar .status').textContent(), '4 spans · 1 service · 400 ms');
      assert.deepEqual(view.problems, []);
      await view.page.close();
    }
  });
});
