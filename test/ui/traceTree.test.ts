import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { freePort, launchChromium, repoRoot, startCodeServer, type CodeServerSession } from '../host/codeServerSession';
import { buildSampleService, startSampleService } from '../host/sampleService';
import { screenshotOnFailure } from './screenshotOnFailure';

const artifactsDir = join(repoRoot, 'artifacts', 'ui');

/** Span data is hostile: markup that must reach the person as the characters it is. */
const hostileService = 'evil<b>svc</b>';
const hostileName = '<img src=x onerror="document.title=\'pwned\'"> **bold** [run](command:workbench.action.quit)';

/**
 * The Traces view as a person uses it while the sample service sends a trace every 150 ms:
 * rows hold still under the pointer, the tooltip says what the trace is, the id can be copied.
 */
describe('the Traces view while traffic flows, as a person uses it', function () {
  this.timeout(300_000);
  let session: CodeServerSession;
  let browser: Browser;
  let browserContext: BrowserContext;
  let page: Page;
  let sample: ChildProcess | undefined;
  let receiverPort: number;
  const hostileTraceId = randomBytes(16).toString('hex');

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    buildSampleService();
    receiverPort = await freePort();
    session = await startCodeServer({
      userSettings: { 'spanlens.receiver.autoStart': true, 'spanlens.receiver.httpPort': receiverPort, 'spanlens.receiver.grpcPort': 0 },
    });
    browser = await launchChromium();
    browserContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // code-server's clipboard is the browser's (navigator.clipboard), which asks for these.
    await browserContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.origin });
    page = await browserContext.newPage();
    await page.goto(session.url({ extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await page.locator('.statusbar-item', { hasText: `OTLP :${receiverPort}` }).waitFor({ timeout: 60_000 });
    sample = startSampleService(session.workspace, `http://127.0.0.1:${receiverPort}`, { trafficMs: 150, quiet: true });
    await page.locator('.activitybar .action-item a[aria-label^="SpanLens"]').click();
  });

  afterEach(screenshotOnFailure(() => page, artifactsDir, 'tree-'));

  after(async () => {
    sample?.kill('SIGTERM');
    await (browser as Browser | undefined)?.close();
    await (session as CodeServerSession | undefined)?.stop();
  });

  const row = (level: number, text: string | RegExp): Locator => page.locator(`.monaco-list-row[aria-level="${level}"]`, { hasText: text });
  const expand = async (target: Locator): Promise<void> => {
    // The twistie expands without opening anything (a click on the row opens the trace or its code).
    if ((await target.getAttribute('aria-expanded')) !== 'true') await target.locator('.monaco-tl-twistie').click();
  };

  it('a span clicked 10 s after its trace was expanded is the span that was under the pointer', async () => {
    const checkouts = row(2, 'shop-frontend: GET /checkout');
    await checkouts.waitFor({ timeout: 60_000 });
    await expand(checkouts);
    // A trace a few rows down, whole by now (the newest may still be receiving spans).
    const traceRows = page.locator('.monaco-list-row[aria-level="3"]');
    await traceRows.nth(2).waitFor({ timeout: 60_000 });
    const shortId = /([0-9a-f]{6}…[0-9a-f]{4}) · \d\d:\d\d/.exec((await traceRows.nth(2).textContent()) ?? '')?.[1];
    assert.ok(shortId, 'a trace row shows a short trace id');
    const traceRow = row(3, shortId);
    await expand(traceRow);
    const rootSpan = row(4, /^GET \/checkout/);
    await rootSpan.waitFor({ timeout: 10_000 });
    await expand(rootSpan);
    const checkoutSpan = row(5, /^checkout/);
    await checkoutSpan.waitFor({ timeout: 10_000 });
    const seen = await checkoutSpan.boundingBox();
    assert.ok(seen);
    const spansBefore = await statusSpanCount();
    await page.screenshot({ path: join(artifactsDir, 'tree-expanded-while-live.png') });

    // The person reads for 10 s while traces keep arriving, then clicks where the span was.
    await page.waitForTimeout(10_000);
    assert.ok((await statusSpanCount()) > spansBefore, 'traffic kept flowing while the person read');
    const viewTitle = page.locator('.part.sidebar .composite.title');
    assert.match((await viewTitle.textContent()) ?? '', /\d+ new/, "the new traces are counted in the view's title, not inserted");
    const now = await checkoutSpan.boundingBox();
    assert.deepEqual(now, seen, 'the span row did not move');
    assert.equal(await row(3, shortId).count(), 1, 'the expanded trace is still listed');
    await page.screenshot({ path: join(artifactsDir, 'tree-still-after-10s.png') });
    await page.mouse.click(seen.x + seen.width / 2, seen.y + seen.height / 2);

    // The click landed on that span: it is the selected row and its code opened.
    const selected = page.locator('.monaco-list-row.selected');
    assert.equal(await selected.getAttribute('aria-level'), '5');
    assert.match((await selected.textContent()) ?? '', /^checkout/);
    const source = readFileSync(join(repoRoot, 'test', 'workspace', 'sample-service', 'src', 'checkout.ts'), 'utf8').split('\n');
    const expectedLine = source.findIndex((line) => line.includes("traced(tracer, 'checkout'")) + 1;
    assert.ok(expectedLine > 0);
    await page.locator('.tabs-container .tab.active', { hasText: 'checkout.ts' }).waitFor({ timeout: 30_000 });
    const cursor = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
    await cursor.waitFor({ timeout: 10_000 });
    assert.match((await cursor.textContent()) ?? '', new RegExp(`Ln ${expectedLine},`));
  });

  it("shows new traces on demand, and a trace row's tooltip says its id, start, duration, spans, services and errors as text", async () => {
    const response = await fetch(`http://127.0.0.1:${receiverPort}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: hostileTrace(hostileTraceId) });
    assert.equal(response.status, 200);
    // A trace is still expanded, so the new one waits, counted, until the person asks for it.
    const group = row(2, '**bold**');
    await page.waitForTimeout(2_000);
    assert.equal(await group.count(), 0, 'not inserted while a trace is open');
    // The view's title bar (the local source row offers the same as an inline action).
    await page.locator('.part.sidebar .composite.title .action-label[aria-label="Show New Traces"]').click();
    await group.waitFor({ timeout: 30_000 });
    assert.match((await group.textContent()) ?? '', /evil<b>svc<\/b>: <img src=x/);
    await expand(group);
    const traceRow = row(3, `${hostileTraceId.slice(0, 6)}…${hostileTraceId.slice(-4)}`);
    await traceRow.waitFor({ timeout: 10_000 });
    assert.match((await traceRow.textContent()) ?? '', /^\d+(\.\d+)? ms/, 'the duration leads the row');

    await traceRow.hover();
    const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: hostileTraceId }).last();
    await hover.waitFor({ timeout: 15_000 });
    // MarkdownString.appendText keeps runs of spaces as no-break spaces.
    const text = ((await hover.textContent()) ?? '').replace(/\u00a0/g, ' ');
    await page.screenshot({ path: join(artifactsDir, 'tree-trace-tooltip.png') });
    for (const expected of [`Trace ID: ${hostileTraceId}`, 'Started: ', 'Duration: 42 ms', 'Spans: 2', 'Errors: 1', `Services: ${hostileService}`, hostileName]) {
      assert.ok(text.includes(expected), `the tooltip says "${expected}": ${text}`);
    }
    // Shown as characters: no element, link or bold made from the span's data.
    assert.equal(await hover.locator('img, a[href], strong, b').count(), 0);
    assert.notEqual(await page.title(), 'pwned');
  });

  it("Copy Trace ID in a trace row's menu puts the whole id on the clipboard", async () => {
    const traceRow = row(3, `${hostileTraceId.slice(0, 6)}…${hostileTraceId.slice(-4)}`);
    await traceRow.click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu');
    await menu.waitFor({ timeout: 10_000 });
    const labels = (await menu.locator('.action-label').allTextContents()).map((label) => label.trim()).filter((label) => label !== '');
    await page.screenshot({ path: join(artifactsDir, 'tree-trace-menu.png') });
    for (const entry of ['Open', 'Go to Code', 'Copy Trace ID', 'Compare with…', 'Save as OTLP JSON…']) assert.ok(labels.includes(entry), `the menu has ${entry}: ${labels.join(' | ')}`);
    await menu.locator('.action-label', { hasText: 'Copy Trace ID' }).click();
    // The extension writes through vscode.env.clipboard, which code-server hands to the page's
    // navigator.clipboard; reading it back there is reading what a paste would paste.
    let copied = '';
    for (let attempt = 0; attempt < 20 && copied !== hostileTraceId; attempt++) {
      // A string expression: the test project has no DOM types, the page evaluates it.
      copied = String(await page.evaluate('navigator.clipboard.readText()'));
      if (copied !== hostileTraceId) await page.waitForTimeout(250);
    }
    assert.equal(copied, hostileTraceId);
  });

  it('Pause Live Traces in the title bar turns into Follow Live Traces, and following lists what waited', async () => {
    const title = page.locator('.part.sidebar .composite.title');
    const action = (name: string): Locator => title.locator(`.action-label[aria-label="${name}"]`);
    await action('Pause Live Traces').click();
    await action('Follow Live Traces').waitFor({ timeout: 10_000 });
    assert.equal(await action('Pause Live Traces').count(), 0);
    await until('the title to say the list is paused', async () => /paused/i.test((await title.textContent()) ?? ''));
    // Follow Live lists every trace that waited at once, though a trace is still expanded.
    await until('traces waiting while paused', async () => /\d+ new/i.test((await title.textContent()) ?? ''));
    const group = row(2, 'shop-frontend: GET /checkout');
    const before = await group.locator('.label-description').textContent();
    await action('Follow Live Traces').click();
    await action('Pause Live Traces').waitFor({ timeout: 10_000 });
    await until('the endpoint to count the traces that waited', async () => (await group.locator('.label-description').textContent()) !== before);
    assert.doesNotMatch((await title.textContent()) ?? '', /paused/i);
  });

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await page.waitForTimeout(250);
    }
  }

  async function statusSpanCount(): Promise<number> {
    const text = (await page.locator('.statusbar-item', { hasText: `OTLP :${receiverPort}` }).textContent()) ?? '';
    const match = /· ([\d.]+)(k|M)? spans/.exec(text);
    if (!match) return 0;
    return Number(match[1]) * (match[2] === 'k' ? 1e3 : match[2] === 'M' ? 1e6 : 1);
  }
});

/** One trace of two spans, 42 ms, one error, whose service and root names are markup. */
function hostileTrace(traceId: string): string {
  const end = BigInt(Date.now()) * 1_000_000n;
  const start = end - 42_000_000n;
  const span = (spanId: string, name: string, parentSpanId?: string): Record<string, unknown> => ({
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind: parentSpanId ? 1 : 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(parentSpanId ? start + 1_000_000n : end),
    status: parentSpanId ? { code: 2, message: '<script>alert(1)</script>' } : { code: 0 },
  });
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: hostileService } }] },
        scopeSpans: [{ scope: { name: 'spanlens-ui-test' }, spans: [span('1111111111111111', hostileName), span('2222222222222222', 'child', '1111111111111111')] }],
      },
    ],
  });
}
