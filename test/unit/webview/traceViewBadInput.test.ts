import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { buildTrace } from '../../../src/core/model/buildTrace';
import { createResource, createSpan, StatusCode, type Span } from '../../../src/core/model/span';
import { encodeTraceView } from '../../../src/core/traceView/encodeTraceView';
import { nameAt, type TraceViewData } from '../../../src/shared/traceViewData';
import { buildWebviewBundle, chromiumAvailable, chromiumPath, launchChromium, openTraceViewPage, type PageWindow, type WebviewPage } from './traceViewPage';

const traceId = 'badbadbadbadbadbadbadbadbadbad01';
const baseNs = 1_700_000_000_000_000_000n;
const hourNs = 3_600_000_000_000n;
const siblingCount = 100_000;
/** A page that takes longer than this to answer has hung, as far as a person can tell. */
const responsiveMs = 2_000;

/** The DOM this test reads in the page (the test program has no DOM lib). */
interface PageElement {
  readonly textContent: string | null;
  readonly clientWidth: number;
  readonly style: { readonly display: string };
  querySelector(selector: string): PageElement | null;
  getBoundingClientRect(): { readonly width: number };
}
interface PageDocument {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}

function id(n: number): string {
  return n.toString(16).padStart(16, '0');
}

/**
 * Everything the issue calls bad input, in one trace: a three-span parent cycle, a span that is
 * its own parent, a child that starts 5 s before its parent, a zero-length span beside an
 * hour-long one, and 100k siblings under one parent.
 */
function badTrace(): TraceViewData {
  const resource = createResource({ 'service.name': 'bad-input' });
  const other = createResource({ 'service.name': 'cyclic' });
  const span = (n: number, parent: number | undefined, name: string, startNs: bigint, endNs: bigint, error = false): Span =>
    createSpan({
      traceId,
      spanId: id(n),
      ...(parent === undefined ? {} : { parentSpanId: id(parent) }),
      name,
      startNs,
      endNs,
      resource: n >= 10 && n < 20 ? other : resource,
      ...(error ? { statusCode: StatusCode.Error } : {}),
    });
  const spans: Span[] = [
    span(1, undefined, 'hour-long root', baseNs, baseNs + hourNs),
    span(2, 1, 'starts before its parent', baseNs - 5_000_000_000n, baseNs + 1_000_000_000n),
    span(3, 1, 'zero-length', baseNs + 600_000_000_000n, baseNs + 600_000_000_000n),
    span(4, 1, 'fan-out', baseNs + 1_000_000n, baseNs + 1_000_000n + BigInt(siblingCount) * 1_000n),
    // 10 → 11 → 12 → 10: no root among them.
    span(10, 12, 'cycle-a', baseNs + 2_000n, baseNs + 9_000n),
    span(11, 10, 'cycle-b', baseNs + 3_000n, baseNs + 8_000n),
    span(12, 11, 'cycle-c', baseNs + 4_000n, baseNs + 7_000n, true),
    span(13, 13, 'own parent', baseNs + 5_000n, baseNs + 6_000n),
  ];
  for (let i = 0; i < siblingCount; i++) {
    const start = baseNs + 1_000_000n + BigInt(i) * 1_000n;
    spans.push(span(100 + i, 4, `sibling-${i}`, start, start + 500n, i % 997 === 0));
  }
  return encodeTraceView(buildTrace(traceId, spans));
}

describe('trace view webview with bad input, in Chromium', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let bundle: { readonly dir: string; dispose(): void } | undefined;
  const data = badTrace();

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

  /** Resolves with what `work` resolved to, or fails when the page does not answer in time. */
  async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: the page did not answer within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Two animation frames: the one that draws pending work, then one that shows it painted. */
  function frames(view: WebviewPage): Promise<number> {
    return view.page.evaluate(
      () =>
        new Promise<number>((done) => {
          const w = globalThis as unknown as PageWindow;
          const started = performance.now();
          w.requestAnimationFrame(() => w.requestAnimationFrame(() => done(performance.now() - started)));
        }),
    );
  }

  async function barWidths(view: WebviewPage): Promise<{ widths: Record<string, { width: number; display: string }>; timeline: number }> {
    return view.page.evaluate(() => {
      const doc = (globalThis as unknown as { document: PageDocument }).document;
      const widths: Record<string, { width: number; display: string }> = {};
      for (const row of Array.from(doc.querySelectorAll('.row:not([hidden])'))) {
        const name = row.querySelector('.name')?.textContent;
        const bar = row.querySelector('.bar');
        if (name && bar) widths[name] = { width: bar.getBoundingClientRect().width, display: bar.style.display };
      }
      return { widths, timeline: doc.querySelector('.timeline')?.clientWidth ?? 0 };
    });
  }

  async function shownNames(view: WebviewPage): Promise<string[]> {
    return view.page.locator('.row:not([hidden]) .name').allTextContents();
  }

  it('the model keeps every span of the bad trace, with the cycle cut', () => {
    assert.equal(data.spanCount, 8 + siblingCount);
    assert.ok(
      data.warnings.some((warning) => /cycle/.test(warning)),
      data.warnings.join(' | '),
    );
  });

  it('draws cycles, early children, zero-length, hour-long and 100k siblings, and stays responsive', async () => {
    if (!browser || !bundle) throw new Error('not started');
    const view = await openTraceViewPage(browser, bundle.dir);
    await within('loading', 10_000, view.post({ type: 'loadTrace', data }));
    await within('first rows', 10_000, view.page.waitForSelector('.row:not([hidden])'));
    await within('first frame', responsiveMs, frames(view));

    const names = await shownNames(view);
    for (const name of ['hour-long root', 'starts before its parent', 'fan-out', 'sibling-0']) assert.ok(names.includes(name), `${name} is drawn: ${names.join(', ')}`);
    const status = (await view.page.locator('.status').textContent()) ?? '';
    assert.match(status, /100,008 spans/);
    assert.match(status, /cycle/);
    const first = await barWidths(view);
    const root = first.widths['hour-long root'];
    assert.ok(root && root.width > first.timeline * 0.9, `hour-long bar ${JSON.stringify(root)} of ${first.timeline}`);

    // The cycle's spans are all drawn somewhere: find them through search.
    const search = view.page.getByRole('searchbox', { name: 'Search spans' });
    await search.fill('cycle-');
    await view.page.keyboard.press('Enter');
    await within('search', 5_000, view.page.waitForSelector('.row mark'));
    assert.match((await view.page.locator('.match-count').textContent()) ?? '', /3 matches/);
    await search.fill('own parent');
    await view.page.keyboard.press('Enter');
    // Wait for the new match to be selected: a row of the previous search is selected already,
    // so "one row selected" alone held before this search ran.
    await within(
      'search',
      5_000,
      view.page.waitForFunction(
        () =>
          (globalThis as unknown as PageWindow).document.querySelectorAll('.row.selected').length === 1 &&
          (globalThis as unknown as { document: PageDocument }).document.querySelector('.row.selected .name')?.textContent === 'own parent',
      ),
    );
    assert.deepEqual(await view.page.locator('.row.selected .name').allTextContents(), ['own parent']);
    await search.fill('');
    // Zero-length still gets a visible bar, drawn beside the hour-long ones.
    await search.fill('zero-length');
    await view.page.keyboard.press('Enter');
    await within(
      'search',
      5_000,
      view.page.waitForFunction(() => (globalThis as unknown as { document: PageDocument }).document.querySelector('.row.selected .name')?.textContent === 'zero-length'),
    );
    await within('frame after search', responsiveMs, frames(view));
    const zero = (await barWidths(view)).widths['zero-length'];
    assert.ok(zero && zero.display !== 'none' && zero.width >= 1, `zero-length bar: ${JSON.stringify(zero)}`);
    await search.fill('');

    // Scroll to the very end: the last span in tree order is drawn.
    const scrolled = await within(
      'scroll to the end',
      responsiveMs,
      view.page.locator('.scroller').evaluate((element) => {
        const e = element as unknown as { scrollTop: number; scrollHeight: number };
        e.scrollTop = e.scrollHeight;
        return e.scrollTop > 0;
      }),
    );
    assert.ok(scrolled);
    await within('frame after scrolling', responsiveMs, frames(view));
    const lastId = await view.page.locator('.row:not([hidden])').last().getAttribute('id');
    assert.equal(lastId, `span-row-${data.spanCount - 1}`);
    const lastName = nameAt(data, data.spanCount - 1);
    assert.equal(await view.page.locator('.row:not([hidden])').last().locator('.name').textContent(), lastName);

    // Keyboard on the 100k-sibling parent: End, collapse, expand, all within a bound.
    await view.page.getByRole('tree').focus();
    await view.page.keyboard.press('Home');
    await view.page.keyboard.press('End');
    await within('End', responsiveMs, frames(view));
    assert.deepEqual(await view.page.locator('.row.selected .name').allTextContents(), [lastName]);
    await view.page.getByRole('button', { name: 'Collapse all' }).click();
    await within('collapse all', responsiveMs, frames(view));
    const collapsedRows = await view.page.locator('.row:not([hidden])').count();
    assert.ok(collapsedRows < 10, `after Collapse all ${collapsedRows} rows show`);
    await view.page.getByRole('button', { name: 'Expand all' }).click();
    await within('expand all', responsiveMs, frames(view));

    // Zoom far into the zero-length span, then out again: nothing divides by zero or spins.
    for (let i = 0; i < 40; i++) await view.page.keyboard.press('+');
    await within('zoomed in', responsiveMs, frames(view));
    await view.page.keyboard.press('0');
    await within('zoomed out', responsiveMs, frames(view));
    assert.ok((await view.page.locator('.row:not([hidden])').count()) > 10);
    assert.deepEqual(view.problems, []);
    await view.page.close();
  });
});
