import { encodeTraceView } from '../../src/core/traceView/encodeTraceView';
import { encodedBytes } from '../../src/shared/traceViewData';
import { syntheticTrace } from '../unit/core/traceView/traceViewFixtures';
import { buildWebviewBundle, chromiumAvailable, chromiumPath, launchChromium, loadSyntheticTrace, openTraceViewPage, type PageWindow } from '../unit/webview/traceViewPage';
import { formatFigure, type Figure } from './benchReport';

/** What the page measures during the scripted scroll and zoom. */
interface FrameStats {
  readonly frames: number;
  readonly p95FrameMs: number;
  readonly worstFrameMs: number;
  readonly longestTaskMs: number;
  readonly maxRowsInDom: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Encoding in node: the trace service's side of opening a trace view. */
function encodeFigures(): Figure[] {
  const trace = syntheticTrace(1_000_000);
  encodeTraceView(syntheticTrace(10_000)); // warm the JIT on a small one first
  // The critical path is the core model's (computed once per trace and cached); timed apart.
  const criticalStarted = performance.now();
  trace.criticalPath();
  const criticalMs = performance.now() - criticalStarted;
  const started = performance.now();
  const data = encodeTraceView(trace);
  const encodeMs = performance.now() - started;
  const cloneStarted = performance.now();
  structuredClone(data);
  const cloneMs = performance.now() - cloneStarted;
  return [
    { name: 'trace view: critical path of a 1M-span trace (core model)', value: criticalMs, unit: 'ms', target: Number.POSITIVE_INFINITY },
    { name: 'trace view: encode a 1M-span trace (worker)', value: encodeMs, unit: 'ms', target: Number.POSITIVE_INFINITY },
    { name: 'trace view: structured clone of the 1M encoding', value: cloneMs, unit: 'ms', target: Number.POSITIVE_INFINITY },
    { name: 'trace view: encoding size', value: encodedBytes(data) / data.spanCount, unit: 'bytes/span', target: 64, aim: true },
  ];
}

/**
 * Issue 8's webview targets in headless Chromium on the production bundle: first frame after
 * the data arrives (100k and 1M spans), a scripted 5 s scroll and zoom (p95 frame time, longest
 * task), and folding then unfolding a span with 10k children.
 */
async function browserFigures(): Promise<Figure[]> {
  if (!chromiumAvailable()) {
    console.warn(`trace view browser figures skipped: ${chromiumPath} is missing`);
    return [];
  }
  const bundle = await buildWebviewBundle();
  const browser = await launchChromium();
  try {
    const figures: Figure[] = [];
    for (const [spans, target] of [
      [100_000, 150],
      [1_000_000, 400],
    ] as const) {
      const samples: number[] = [];
      for (let run = 0; run < 3; run++) {
        const view = await openTraceViewPage(browser, bundle.dir);
        samples.push(await loadSyntheticTrace(view.page, spans));
        await view.page.close();
      }
      figures.push({ name: `trace view: first frame, ${spans / 1000}k spans (median of 3)`, value: percentile(samples, 50), unit: 'ms', target });
    }

    const view = await openTraceViewPage(browser, bundle.dir);
    await loadSyntheticTrace(view.page, 1_000_000);
    const stats = await view.page.evaluate(async (durationMs) => {
      const w = globalThis as unknown as PageWindow & {
        PerformanceObserver: new (callback: (list: { getEntries(): { duration: number }[] }) => void) => { observe(options: { entryTypes: string[] }): void; disconnect(): void };
        performance: { now(): number };
        WheelEvent: new (type: string, init: Record<string, unknown>) => unknown;
      };
      let longest = 0;
      const observer = new w.PerformanceObserver((list) => {
        for (const entry of list.getEntries()) longest = Math.max(longest, entry.duration);
      });
      observer.observe({ entryTypes: ['longtask'] });
      const scroller = w.document.querySelector('.scroller') as {
        scrollTop: number;
        scrollHeight: number;
        dispatchEvent(event: unknown): void;
        getBoundingClientRect(): { left: number; width: number; top: number };
      };
      const box = scroller.getBoundingClientRect();
      const intervals: number[] = [];
      let maxRows = 0;
      await new Promise<void>((done) => {
        const start = w.performance.now();
        let last = start;
        let frame = 0;
        const step = (now: number): void => {
          intervals.push(now - last);
          last = now;
          frame++;
          // Scroll ~20 rows a frame, jump every 60 frames; zoom in and out through the wheel.
          scroller.scrollTop = frame % 60 === 0 ? (scroller.scrollHeight * ((frame * 7919) % 1000)) / 1000 : scroller.scrollTop + 440;
          if (frame % 5 === 0) {
            const zoomIn = Math.floor(frame / 100) % 2 === 0;
            scroller.dispatchEvent(
              new w.WheelEvent('wheel', { deltaY: zoomIn ? -60 : 60, ctrlKey: true, clientX: box.left + box.width * 0.7, clientY: box.top + 50, bubbles: true, cancelable: true }),
            );
          }
          if (frame % 30 === 0) maxRows = Math.max(maxRows, w.document.querySelectorAll('.row').length);
          if (now - start < durationMs) w.requestAnimationFrame(step);
          else done();
        };
        w.requestAnimationFrame((now) => {
          last = now;
          w.requestAnimationFrame(step);
        });
      });
      observer.disconnect();
      return { intervals, longest, maxRows };
    }, 5000);
    await view.page.close();
    // A frame is shown on a vsync, so its time is a whole number of vsync periods; rounding
    // removes the ±0.1 ms timestamp jitter that would otherwise make an on-time frame 16.8 ms.
    const vsync = 1000 / 60;
    const frameTimes = stats.intervals.map((interval) => Math.max(1, Math.round(interval / vsync)) * vsync);
    const frameStats: FrameStats = {
      frames: stats.intervals.length,
      p95FrameMs: percentile(frameTimes, 95),
      worstFrameMs: Math.max(...stats.intervals),
      longestTaskMs: stats.longest,
      maxRowsInDom: stats.maxRows,
    };
    figures.push(
      { name: `trace view: 5 s scroll + zoom at 1M spans, p95 frame (${frameStats.frames} frames)`, value: frameStats.p95FrameMs, unit: 'ms', target: 16.7 },
      { name: 'trace view: 5 s scroll + zoom at 1M spans, longest task', value: frameStats.longestTaskMs, unit: 'ms', target: 50 },
      { name: 'trace view: rows in the DOM while scrolling 1M spans', value: frameStats.maxRowsInDom, unit: 'rows', target: 100 },
    );

    // A root with 10k children (1 + 10,000 × 11 spans): fold it, then unfold it.
    const foldView = await openTraceViewPage(browser, bundle.dir);
    await loadSyntheticTrace(foldView.page, 110_001);
    const fold = await foldView.page.evaluate(async () => {
      const w = globalThis as unknown as PageWindow & { performance: { now(): number } };
      const measure = (): Promise<number> =>
        new Promise<number>((done) => {
          const twisty = w.document.querySelector('.row .twisty') as { click(): void };
          const started = w.performance.now();
          twisty.click();
          const handled = w.performance.now() - started;
          // Registered after the view's own frame callback, so it runs once the view has drawn.
          w.requestAnimationFrame((frameStart) => done(handled + Math.max(0, w.performance.now() - frameStart)));
        });
      const collapse = await measure();
      const expand = await measure();
      return { collapse, expand, rowsAfter: w.document.querySelectorAll('.row:not([hidden])').length };
    });
    await foldView.page.close();
    figures.push(
      { name: 'trace view: collapse a 10k-child subtree', value: fold.collapse, unit: 'ms', target: 50 },
      { name: 'trace view: expand a 10k-child subtree', value: fold.expand, unit: 'ms', target: 50 },
    );
    return figures;
  } finally {
    await browser.close();
    bundle.dispose();
  }
}

export async function benchTraceView(): Promise<Figure[]> {
  return [...encodeFigures(), ...(await browserFigures())];
}

// `node out/test/bench/traceViewBench.js` runs just these figures.
if (require.main === module) {
  benchTraceView()
    .then((figures) => {
      for (const figure of figures) console.log(formatFigure(figure));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
