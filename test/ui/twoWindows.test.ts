import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { buildSampleService, startSampleService } from '../host/sampleService';
import { openCommandPalette, runWorkbenchCommand } from './runWorkbenchCommand';
import { screenshotOnFailure } from './screenshotOnFailure';

const artifactsDir = join(repoRoot, 'artifacts', 'ui');
/** Tall enough that every traced function of checkout.ts, and its lens, is on screen. */
const viewport = { width: 1400, height: 1200 };
/** checkout.ts's traced functions: validateCart, callInventory, chargeCard, checkout. */
const checkoutLenses = 4;
/** Marks this suite's code-server in its children's environment, so its extension hosts can be counted. */
const runMarker = `SPANLENS_TWO_WINDOWS_RUN=${randomBytes(6).toString('hex')}`;

/** Extension host processes of this suite's code-server: one per connected window. */
function extensionHostCount(): number {
  let count = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=extensionHost')) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(runMarker)) count++;
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return count;
}

/** The span count of the receiver's status bar item: `OTLP :4318 · 1.2k spans` → 1200. */
async function statusSpanCount(page: Page, port: number): Promise<number> {
  const text = (await page.locator('.statusbar-item', { hasText: `OTLP :${String(port)}` }).textContent({ timeout: 10_000 })) ?? '';
  const match = /([\d.]+)(k|M)? spans/.exec(text);
  assert.ok(match?.[1], `a span count in the status bar, saw "${text}"`);
  const scale = match[2] === 'k' ? 1000 : match[2] === 'M' ? 1_000_000 : 1;
  return Number(match[1]) * scale;
}

async function until(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The SpanLens side bar; its activity bar item toggles, so it is clicked only when not shown. */
async function showTraces(page: Page): Promise<void> {
  const title = page.locator('.part.sidebar .composite.title', { hasText: /SpanLens/i });
  if (!(await title.isVisible())) await page.locator('.activitybar .action-item a[aria-label^="SpanLens"]').click({ timeout: 60_000 });
  await title.waitFor({ timeout: 30_000 });
}

async function openCheckoutTs(page: Page): Promise<void> {
  const tab = page.locator('.tabs-container .tab.active', { hasText: 'checkout.ts' });
  if (await tab.isVisible()) return;
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
  await openCommandPalette(page);
  // Quick open without the `>` prefix goes to files.
  await page.locator('.quick-input-widget input').fill('checkout.ts');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'checkout.ts' }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await tab.waitFor({ timeout: 30_000 });
}

/** The latency lenses of the open editor, top to bottom. */
async function lensTexts(page: Page): Promise<string[]> {
  const placed: { top: number; text: string }[] = [];
  for (const lens of await page.locator('.monaco-editor .codelens-decoration', { hasText: /p50 .*calls?/ }).all()) {
    // The editor resolves lenses in view only: one scrolled out keeps old text and has no box.
    const box = await lens.boundingBox().catch(() => null);
    if (box === null || box.height === 0 || box.y + box.height <= 0 || box.y >= viewport.height) continue;
    placed.push({ top: box.y, text: (await lens.textContent().catch(() => null)) ?? '' });
  }
  return placed.sort((a, b) => a.top - b.top).map((lens) => lens.text);
}

/** The lenses of `page` once they have not changed for `quietMs`. */
async function quietLenses(page: Page, quietMs: number, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let last = await lensTexts(page);
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) break;
    await page.waitForTimeout(250);
    const now = await lensTexts(page);
    if (JSON.stringify(now) !== JSON.stringify(last)) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

/**
 * Waits until both windows show a lens over every traced function and the same texts in them,
 * holding still for `quietMs`: once the traffic has stopped they answer from one aggregation, so
 * they must agree. Figures may lag for a while (the service holds spans while a reloaded
 * window rebuilds its file index, up to 15 s), so agreement is awaited, not sampled. When the
 * windows still disagree at the deadline, both are refreshed by hand, which tells a window that
 * missed an update apart from figures the service got wrong.
 */
async function agreedLenses(a: Page, b: Page, timeoutMs = 45_000, quietMs = 3_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let agreedSince: number | undefined;
  let agreed = '';
  let texts: [string[], string[]] = [[], []];
  while (Date.now() < deadline) {
    texts = await Promise.all([lensTexts(a), lensTexts(b)]);
    const [textsA, textsB] = texts;
    const same = textsA.length >= checkoutLenses && JSON.stringify(textsA) === JSON.stringify(textsB);
    if (!same || JSON.stringify(textsA) !== agreed) {
      agreedSince = same ? Date.now() : undefined;
      agreed = same ? JSON.stringify(textsA) : '';
    } else if (agreedSince !== undefined && Date.now() - agreedSince >= quietMs) {
      return textsA;
    }
    await a.waitForTimeout(250);
  }
  const [stuckA, stuckB] = texts;
  for (const page of [a, b]) await runWorkbenchCommand(page, 'SpanLens: Refresh Code Annotations');
  const [refreshedA, refreshedB] = await Promise.all([quietLenses(a, quietMs, 30_000), quietLenses(b, quietMs, 30_000)]);
  assert.fail(
    `the two windows disagreed for ${timeoutMs / 1000} s after the traffic stopped: calls A ${callCounts(stuckA).join(', ')}; B ${callCounts(stuckB).join(', ')}. ` +
      `After SpanLens: Refresh Code Annotations in both: A ${callCounts(refreshedA).join(', ')}; B ${callCounts(refreshedB).join(', ')}.\n` +
      `A: ${JSON.stringify(stuckA)}\nB: ${JSON.stringify(stuckB)}`,
  );
}

function callCounts(lenses: readonly string[]): string[] {
  return lenses.map((text) => /([\d.]+k?) calls?/.exec(text)?.[1] ?? '?');
}

interface OtlpSender {
  readonly sent: number;
  /** Every answer that was not 200, and every request that got no answer. */
  readonly failures: readonly string[];
  stop(): Promise<void>;
}

/** Posts one small OTLP/JSON trace every `everyMs`, the way an app's exporter would, and keeps count. */
function sendOtlpContinuously(endpoint: string, everyMs: number): OtlpSender {
  const failures: string[] = [];
  let sent = 0;
  const state = { stopping: false };
  const loop = (async () => {
    while (!state.stopping) {
      const nowNs = BigInt(Date.now()) * 1_000_000n;
      const body = JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'reload-probe' } }] },
            scopeSpans: [
              {
                scope: { name: 'spanlens-ui-test' },
                spans: [
                  {
                    traceId: randomBytes(16).toString('hex'),
                    spanId: randomBytes(8).toString('hex'),
                    name: 'probe',
                    kind: 2,
                    startTimeUnixNano: String(nowNs - 1_000_000n),
                    endTimeUnixNano: String(nowNs),
                  },
                ],
              },
            ],
          },
        ],
      });
      try {
        const response = await fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        if (response.status !== 200) failures.push(`HTTP ${response.status} at ${new Date().toISOString()}`);
      } catch (error: unknown) {
        failures.push(`${error instanceof Error ? error.message : String(error)} at ${new Date().toISOString()}`);
      }
      sent++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    get sent() {
      return sent;
    },
    failures,
    async stop() {
      state.stopping = true;
      await loop;
    },
  };
}

async function stopSample(sample: ChildProcess): Promise<void> {
  // The sample flushes its last batch on SIGTERM before it exits.
  if (sample.exitCode !== null || sample.signalCode !== null) return;
  const stopped = new Promise((resolve) => sample.once('exit', resolve));
  sample.kill('SIGTERM');
  await stopped;
}

/**
 * Two VS Code windows on one machine share one local trace service: its receiver, its store and,
 * for windows of the same workspace, its editor annotations. Two browser pages on one
 * code-server are two windows, each with an extension host of its own, and one global storage.
 */
describe('two windows sharing the local trace service, as a person sees them', function () {
  this.timeout(240_000);
  let session: CodeServerSession;
  let browser: Browser;
  let pageA: Page;
  let pageB: Page;
  let sample: ChildProcess | undefined;
  let sender: OtlpSender | undefined;
  let receiverPort: number;

  async function openWindow(): Promise<Page> {
    const page = await browser.newPage({ viewport });
    await page.goto(session.url({ extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    return page;
  }

  function startTraffic(): ChildProcess {
    sample = startSampleService(session.workspace, `http://127.0.0.1:${String(receiverPort)}`, { trafficMs: 200, quiet: true });
    return sample;
  }

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    buildSampleService();
    receiverPort = await freePort();
    const [name, value] = runMarker.split('=') as [string, string];
    session = await startCodeServer({
      userSettings: { 'spanlens.receiver.autoStart': true, 'spanlens.receiver.httpPort': receiverPort, 'spanlens.receiver.grpcPort': 0 },
      env: { [name]: value },
    });
    browser = await launchChromium();
    // One after the other: the first window starts the service, the second finds it.
    pageA = await openWindow();
    await pageA.locator('.statusbar-item', { hasText: `OTLP :${String(receiverPort)}` }).waitFor({ timeout: 90_000 });
    pageB = await openWindow();
  });

  afterEach(screenshotOnFailure(() => pageA, artifactsDir, 'two-windows-A-'));
  afterEach(screenshotOnFailure(() => pageB, artifactsDir, 'two-windows-B-'));

  after(async () => {
    await sender?.stop();
    sample?.kill('SIGTERM');
    // A closed page ends its extension host at once; closing only the browser leaves the hosts
    // running for code-server's reconnection grace, and a host still running when stop() ends
    // the service starts a new one (the way back after a crash) that outlives the suite.
    for (const page of [pageA, pageB] as (Page | undefined)[]) await page?.close().catch(() => undefined);
    await until('the extension hosts to end', 30_000, () => Promise.resolve(extensionHostCount() === 0)).catch(() => undefined);
    await (browser as Browser | undefined)?.close();
    await (session as CodeServerSession | undefined)?.stop();
  });

  it('shows the same receiver endpoint in both windows and lists the sample service traces in both', async () => {
    const endpoint = `OTLP :${String(receiverPort)}`;
    for (const page of [pageA, pageB]) await page.locator('.statusbar-item', { hasText: endpoint }).waitFor({ timeout: 90_000 });
    await until('an extension host for each window', 30_000, () => Promise.resolve(extensionHostCount() === 2));

    startTraffic();
    for (const page of [pageA, pageB]) {
      await showTraces(page);
      const local = page.locator('.monaco-list-row', { hasText: 'Local receiver' });
      await local.waitFor({ timeout: 30_000 });
      assert.match((await local.textContent()) ?? '', new RegExp(`127\\.0\\.0\\.1:${String(receiverPort)}`));
    }
    for (const page of [pageA, pageB]) {
      await page.locator('.monaco-list-row[aria-level="2"]', { hasText: 'shop-frontend: GET /checkout' }).first().waitFor({ timeout: 60_000 });
      await page.locator('.monaco-list-row[aria-level="2"]', { hasText: 'shop-frontend: GET /products' }).first().waitFor({ timeout: 30_000 });
      assert.ok((await statusSpanCount(page, receiverPort)) > 0, 'the status bar counts the spans received');
    }
    await pageB.screenshot({ path: join(artifactsDir, 'two-windows-second-window.png') });
  });

  it('shows the same latency lenses over checkout.ts in both windows once the traffic stops', async () => {
    assert.ok(sample, 'traffic from the previous test');
    for (const page of [pageA, pageB]) await openCheckoutTs(page);
    const lens = (page: Page) => page.locator('.monaco-editor .codelens-decoration', { hasText: /p50 .*calls?/ });
    for (const page of [pageA, pageB]) {
      await lens(page).first().waitFor({ timeout: 120_000 });
      // Functions get their lens as their first spans arrive (checkouts are rarer than listings).
      await until('a lens over each traced function', 90_000, async () => (await lensTexts(page)).length >= checkoutLenses);
    }

    await stopSample(sample);
    sample = undefined;
    const lenses = await agreedLenses(pageA, pageB);
    for (const text of lenses) assert.match(text, /p50 [\d.]+ (µs|ms|s) · p95 [\d.]+ (µs|ms|s) · p99 [\d.]+ (µs|ms|s) · [\d.]+k? calls? · [\d.]+% errors/);
    await pageB.screenshot({ path: join(artifactsDir, 'two-windows-same-lenses.png') });
  });

  it('keeps receiving while one window reloads, and the reloaded window counts what the other counts', async () => {
    sender = sendOtlpContinuously(`http://127.0.0.1:${String(receiverPort)}`, 100);
    startTraffic();
    const before = await statusSpanCount(pageB, receiverPort);
    await until('new spans in window B', 30_000, async () => (await statusSpanCount(pageB, receiverPort)) > before);

    const reloaded = pageB.waitForEvent('load', { timeout: 90_000 });
    const sentBeforeReload = sender.sent;
    await runWorkbenchCommand(pageB, 'Developer: Reload Window');
    await reloaded;
    await pageB.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await pageB.locator('.statusbar-item', { hasText: `OTLP :${String(receiverPort)}` }).waitFor({ timeout: 90_000 });
    const sentWhileAway = sender.sent - sentBeforeReload;
    await openCheckoutTs(pageB);
    await pageB
      .locator('.monaco-editor .codelens-decoration', { hasText: /p50 .*calls?/ })
      .first()
      .waitFor({ timeout: 120_000 });
    // Still one extension host per window: the reload replaced B's, the service stayed.
    await until('an extension host for each window after the reload', 30_000, () => Promise.resolve(extensionHostCount() === 2));
    const afterReload = await statusSpanCount(pageB, receiverPort);
    await until('window B counting new spans after its reload', 30_000, async () => (await statusSpanCount(pageB, receiverPort)) > afterReload);

    assert.ok(sample);
    await stopSample(sample);
    sample = undefined;
    await sender.stop();
    const { sent, failures } = sender;
    sender = undefined;
    assert.ok(sentWhileAway > 0, 'exports were sent while window B reloaded');
    assert.deepEqual(failures, [], `every export was answered 200 across window B's reload (${sent} sent, ${sentWhileAway} while B was reloading)`);

    await agreedLenses(pageA, pageB);
    await pageB.screenshot({ path: join(artifactsDir, 'two-windows-after-reload.png') });
  });

  it("empties the other window's local traces when one window clears them", async () => {
    await showTraces(pageB);
    const checkoutRows = pageB.locator('.monaco-list-row[aria-level="2"]', { hasText: 'shop-frontend:' });
    await checkoutRows.first().waitFor({ timeout: 30_000 });

    await runWorkbenchCommand(pageA, 'SpanLens: Clear Local Traces');
    await until('window B to drop the cleared traces', 30_000, async () => (await pageB.locator('.monaco-list-row[aria-level="2"]', { hasText: /shop-frontend:|reload-probe:/ }).count()) === 0);
    await pageB.locator('.monaco-list-row[aria-level="2"]', { hasText: 'Waiting for traces' }).waitFor({ timeout: 30_000 });
    await pageB.locator('.statusbar-item', { hasText: /OTLP :\d+ · 0 spans/ }).waitFor({ timeout: 30_000 });
    await pageB.screenshot({ path: join(artifactsDir, 'two-windows-cleared.png') });
  });

  it('keeps receiving in the other window when one window is closed', async () => {
    startTraffic();
    for (const page of [pageA, pageB]) await until('traffic counted in both windows', 60_000, async () => (await statusSpanCount(page, receiverPort)) > 0);

    // Window A's extension host started the service.
    await pageA.close();
    // Its extension host goes with it (code-server ends it when the window leaves for good).
    await until("window A's extension host to end", 30_000, () => Promise.resolve(extensionHostCount() === 1));
    const atClose = await statusSpanCount(pageB, receiverPort);
    await until('window B counting spans after A closed', 60_000, async () => (await statusSpanCount(pageB, receiverPort)) > atClose);
    const later = await statusSpanCount(pageB, receiverPort);
    await until('window B still counting', 60_000, async () => (await statusSpanCount(pageB, receiverPort)) > later);
    await pageB.locator('.monaco-list-row[aria-level="2"]', { hasText: 'shop-frontend: GET /checkout' }).first().waitFor({ timeout: 30_000 });
    await pageB.screenshot({ path: join(artifactsDir, 'two-windows-one-closed.png') });
  });
});
