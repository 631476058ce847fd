import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostMessage } from '../../../src/shared/protocol';
import { traceViewHtml } from '../../../src/shared/traceViewHtml';

/**
 * The trace view webview in real headless Chromium: the production bundle, the panel's own
 * page and CSP (traceViewHtml), and a stub `acquireVsCodeApi` that records what the webview
 * posts. Shared by the browser test and the bench.
 */
export const chromiumPath = '/usr/bin/chromium';
/**
 * The few browser globals the page functions below use. The test program has no DOM lib (it
 * is node code); these functions are serialized and run in the page, where they exist.
 */
export interface PageWindow {
  postMessage(message: unknown, targetOrigin: string): void;
  requestAnimationFrame(callback: (time: number) => void): number;
  readonly document: {
    querySelector(selector: string): unknown;
    querySelectorAll(selector: string): { readonly length: number };
    addEventListener(type: string, listener: (event: { violatedDirective: string; blockedURI: string }) => void): void;
  };
  [key: string]: unknown;
}

const root = resolve(__dirname, '..', '..', '..', '..');
const origin = 'https://webview.test';
const nonce = 'dGVzdC1ub25jZS0xMjM0';

export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath);
}

/** Builds src/webview/main.ts the way esbuild.mjs does, into a temp dir (dist/ is left alone). */
export async function buildWebviewBundle(): Promise<{ readonly dir: string; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'spanlens-webview-'));
  await build({
    entryPoints: [join(root, 'src', 'webview', 'main.ts')],
    outfile: join(dir, 'webview.js'),
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'silent',
  });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface WebviewPage {
  readonly page: Page;
  /** Messages the webview posted, oldest first. */
  posted(): Promise<unknown[]>;
  post(message: HostMessage): Promise<void>;
  /** CSP violations and page errors seen so far. */
  readonly problems: string[];
}

/** Opens the trace view page with the stub API; resolves once the webview has said `ready`. */
export async function openTraceViewPage(browser: Browser, bundleDir: string, viewport = { width: 1400, height: 900 }): Promise<WebviewPage> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  const html = traceViewHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/media/traceView.css` });
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== origin) return route.abort();
    if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (url.pathname === '/dist/webview.js') return route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(bundleDir, 'webview.js')) });
    if (url.pathname === '/media/traceView.css') return route.fulfill({ contentType: 'text/css', body: readFileSync(join(root, 'media', 'traceView.css')) });
    return route.fulfill({ status: 404, body: '' });
  });
  // Runs before the page's scripts and outside its CSP, as VS Code's own preload does.
  await page.addInitScript(() => {
    const w = globalThis as unknown as PageWindow;
    const posted: unknown[] = [];
    let state: unknown;
    w['__posted'] = posted;
    w['acquireVsCodeApi'] = () => ({
      postMessage: (message: unknown) => posted.push(message),
      getState: () => state,
      setState: (next: unknown) => {
        state = next;
      },
    });
    const violations: string[] = [];
    w['__violations'] = violations;
    w.document.addEventListener('securitypolicyviolation', (event) => violations.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return {
    page,
    problems,
    posted: () => page.evaluate(() => (globalThis as unknown as { __posted: unknown[] }).__posted.slice()),
    post: async (message) => {
      await page.evaluate((wire) => {
        const revive = (value: unknown): unknown => {
          if (Array.isArray(value)) return value.map(revive);
          if (value === null || typeof value !== 'object') return value;
          const record = value as Record<string, unknown>;
          if (typeof record['__typed'] === 'string') {
            const ctor = (globalThis as unknown as Record<string, new (buffer: ArrayBuffer) => unknown>)[record['__typed']];
            if (!ctor) throw new Error(`unknown typed array ${record['__typed']}`);
            const binary = atob(record['base64'] as string);
            const bytes = new Uint8Array(binary.length);
            for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
            return new ctor(bytes.buffer);
          }
          return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revive(v)]));
        };
        (globalThis as unknown as PageWindow).postMessage(revive(wire), '*');
      }, toWire(message));
    },
  };
}

/** Typed arrays as tagged base64 strings, since page.evaluate arguments are JSON-like. */
function toWire(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    // Base64 of the bytes: a 100k-span trace as JSON number arrays takes Playwright seconds.
    return { __typed: value.constructor.name, base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
}

/**
 * Builds a `loadTrace` of `spanCount` spans inside the page (sending a million spans through
 * page.evaluate would measure Playwright, not the webview) and posts it. Resolves with the
 * milliseconds from posting the data to the first painted frame that shows it.
 */
export async function loadSyntheticTrace(page: Page, spanCount: number): Promise<number> {
  return page.evaluate(async (n) => {
    const w = globalThis as unknown as PageWindow;
    const offsetNs = new Float64Array(n);
    const durationsNs = new Float64Array(n);
    const depth = new Uint16Array(n);
    const parent = new Int32Array(n);
    const subtreeEnd = new Uint32Array(n);
    const serviceIndex = new Uint16Array(n);
    const nameIndex = new Uint32Array(n);
    const flags = new Uint8Array(n);
    const bytes = new Uint8Array(n * 8);
    // Root, then calls of 10 leaves, as in the unit fixtures (depth-first order).
    parent[0] = -1;
    subtreeEnd[0] = n;
    durationsNs[0] = n * 1000 + 1e6;
    flags[0] = 2;
    let i = 1;
    let group = 0;
    while (i < n) {
      const call = i++;
      const start = group * 11_000;
      offsetNs[call] = start;
      durationsNs[call] = 10_500;
      depth[call] = 1;
      parent[call] = 0;
      serviceIndex[call] = 1 + (group % 4);
      nameIndex[call] = 1 + (group % 9);
      flags[call] = 8;
      for (let c = 0; c < 10 && i < n; c++, i++) {
        offsetNs[i] = start + c * 1000 + 50;
        durationsNs[i] = 900 + (i % 7) * 10;
        depth[i] = 2;
        parent[i] = call;
        subtreeEnd[i] = i + 1;
        serviceIndex[i] = serviceIndex[call] ?? 0;
        nameIndex[i] = 10;
        flags[i] = i % 97 === 0 ? 1 : 0;
      }
      subtreeEnd[call] = i;
      group++;
    }
    for (let s = 0; s < n; s++) {
      let v = s + 1;
      for (let b = 7; b >= 0; b--) {
        bytes[s * 8 + b] = v & 255;
        v = Math.floor(v / 256);
      }
    }
    const names = ['GET /api/orders/{id}', ...Array.from({ length: 9 }, (_, k) => `OrderService.step${k}`), 'SELECT orders'];
    const data = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      startNs: '1700000000000000000',
      durationNs: n * 1000 + 1e6,
      spanCount: n,
      offsetNs,
      durationsNs,
      depth,
      parent,
      subtreeEnd,
      serviceIndex,
      nameIndex,
      flags,
      services: ['frontend', 'checkout', 'payment', 'inventory', 'shipping'],
      names,
      spanIds: { kind: 'hex64', bytes },
      warnings: [],
    };
    const started = performance.now();
    w.postMessage({ type: 'loadTrace', data }, '*');
    // The frame after the one that rendered the data: by then it has been painted.
    await new Promise<void>((done) => {
      const check = (): void => {
        if (w.document.querySelector('.row:not([hidden])')) w.requestAnimationFrame(() => done());
        else w.requestAnimationFrame(check);
      };
      w.requestAnimationFrame(check);
    });
    return performance.now() - started;
  }, spanCount);
}
