import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalServiceSource, type LocalServiceLaunch } from '../../../../src/core/localService/localServiceSource';
import { TraceService } from '../../../../src/core/traceService/traceService';
import type { LocalSourceEvent, ReceiverSettings } from '../../../../src/core/traceService/traceServiceProtocol';
import { seededRandom } from '../../../seededRandom';
import { otlpJsonOf, otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';

const serviceScript = resolve(__dirname, '..', '..', '..', '..', 'src', 'service', 'main.js');

/** A window's trace service, talking to the per-machine service like the product's worker does. */
function openWindow(launch: LocalServiceLaunch): { service: TraceService; events: LocalSourceEvent[] } {
  const events: LocalSourceEvent[] = [];
  const service = new TraceService({}, {}, (listener) => new LocalServiceSource(listener, launch));
  service.onLocalEvent((event) => events.push(event));
  return { service, events };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function servicePid(storeDirectory: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(storeDirectory, 'service.lock'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe('the per-machine local trace service', function () {
  this.timeout(120_000);
  let dir: string;
  let settings: ReceiverSettings;
  let launch: LocalServiceLaunch;
  const windows: TraceService[] = [];
  const open = (): { service: TraceService; events: LocalSourceEvent[] } => {
    const window = openWindow(launch);
    windows.push(window.service);
    return window;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-service-'));
    settings = { host: '127.0.0.1', httpPort: 0, grpcPort: 0, maxSpans: 100_000, storeDirectory: join(dir, 'store') };
    launch = { script: serviceScript, execPath: process.execPath, idleMinutes: 0.05 };
  });

  afterEach(async () => {
    for (const window of windows.splice(0)) await window.dispose();
    const pid = servicePid(settings.storeDirectory);
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one service for two windows: the same receiver, the same traces, and a Clear seen by both', async () => {
    const a = open();
    const b = open();
    const started = await a.service.startReceiver(settings);
    assert.equal(started.running, true);
    // The second window finds the receiver running and does not restart it.
    const attached = await b.service.startReceiver(settings);
    assert.equal(attached.httpEndpoint, started.httpEndpoint);
    const pid = servicePid(settings.storeDirectory);
    assert.ok(pid !== undefined && pid !== process.pid && alive(pid), 'a service process of its own owns the store');

    const spans = recordSdkSpans(3, 'cart');
    const response = await fetch(`${started.httpEndpoint ?? ''}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJsonOf(spans) });
    assert.equal(response.status, 200);
    const traceId = spans[0]?.spanContext().traceId ?? '';
    // Both windows are told, and both can read the trace's spans.
    for (const window of [a, b]) await eventually('the traces event', () => window.events.some((event) => event.type === 'traces' && event.traces.some((trace) => trace.traceId === traceId)));
    const summary = await b.service.localTrace(traceId);
    assert.equal(summary?.spanCount, 3);
    const roots = await b.service.children(traceId, -1, 0, 10);
    assert.equal(roots.rows[0]?.name, 'GET /cart');

    a.events.length = 0;
    await b.service.clearLocal();
    await eventually('window A to see the Clear', () => a.events.some((event) => event.type === 'traces' && event.cleared));
    assert.deepEqual(await a.service.localTraces(), []);

    // A window that closes leaves the receiver running for the other.
    await a.service.dispose();
    windows.splice(windows.indexOf(a.service), 1);
    const more = recordSdkSpans(1, 'cart');
    assert.equal((await fetch(`${started.httpEndpoint ?? ''}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: otlpProtobufOf(more) })).status, 200);
    const moreId = more[0]?.spanContext().traceId ?? '';
    assert.equal((await eventually('the trace in window B', () => b.service.localTrace(moreId))).spanCount, 3);
  });

  it('finds any trace the store holds by id, not only the listed newest ones', async () => {
    const window = open();
    const status = await window.service.startReceiver(settings);
    const first = recordSdkSpans(1, 'old');
    await fetch(`${status.httpEndpoint ?? ''}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJsonOf(first) });
    // 300 newer traces push the first out of the 200 the tree lists.
    for (let i = 0; i < 6; i++) await fetch(`${status.httpEndpoint ?? ''}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJsonOf(recordSdkSpans(50, 'new')) });
    const oldId = first[0]?.spanContext().traceId ?? '';
    await eventually('all traces listed', async () => (await window.service.localTraces()).length === 200);
    assert.ok(!(await window.service.localTraces()).some((trace) => trace.traceId === oldId), 'the old trace is not among the listed ones');
    assert.equal((await window.service.localTrace(oldId))?.rootService, 'old');
    assert.equal((await window.service.traceView(oldId)).spanCount, 3);
  });

  it('is the only writer: a second service on the same store gives way at once', async () => {
    const window = open();
    await window.service.openLocal(settings);
    const pid = servicePid(settings.storeDirectory);
    assert.ok(pid !== undefined);
    const second = spawn(process.execPath, [serviceScript, '--store', settings.storeDirectory], { stdio: 'ignore' });
    const code = await new Promise<number | null>((done) => second.on('exit', done));
    assert.equal(code, 0);
    assert.equal(servicePid(settings.storeDirectory), pid, 'the lock still names the first service');
    assert.equal((await window.service.openLocal(settings)).running, false);
  });

  it('exits on its own once no window has been connected for its idle time, releasing the store', async () => {
    const window = open();
    await window.service.openLocal(settings);
    const pid = servicePid(settings.storeDirectory) ?? 0;
    assert.ok(alive(pid));
    await window.service.dispose();
    windows.length = 0;
    await eventually('the service to exit', () => !alive(pid), 20_000);
    assert.equal(existsSync(join(settings.storeDirectory, 'service.lock')), false);
  });

  it('loses no acknowledged span when the service is killed at 20 random moments under load', async () => {
    const random = seededRandom(20261207);
    const port = await freePort();
    const fixed = { ...settings, httpPort: port };
    const window = open();
    const status = await window.service.startReceiver(fixed);
    const endpoint = `${status.httpEndpoint ?? ''}/v1/traces`;
    const acknowledged = new Map<string, number>();
    const traffic = { running: true };
    let refused = 0;
    const load = (async () => {
      while (traffic.running) {
        const spans = recordSdkSpans(1 + Math.floor(random() * 4), 'load');
        try {
          const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: otlpProtobufOf(spans) });
          if (response.status === 200) for (const span of spans) acknowledged.set(span.spanContext().traceId, (acknowledged.get(span.spanContext().traceId) ?? 0) + 1);
          else refused++;
        } catch {
          refused++;
          await sleep(10);
        }
      }
    })();
    const killedPids: number[] = [];
    for (let kill = 0; kill < 20; kill++) {
      await sleep(100 + Math.floor(random() * 300));
      const pid = await eventually('a running service', () => {
        const current = servicePid(fixed.storeDirectory);
        return current !== undefined && alive(current) && !killedPids.includes(current) ? current : undefined;
      });
      process.kill(pid, 'SIGKILL');
      killedPids.push(pid);
      // The window starts a new service and its receiver again, on the same port.
      await eventually('the receiver back', async () => ((await window.service.openLocal(fixed).catch(() => undefined))?.running === true ? true : undefined), 30_000);
    }
    traffic.running = false;
    await load;
    assert.ok(acknowledged.size > 50, `enough traffic got through (${acknowledged.size} traces acknowledged, ${refused} refused while restarting)`);
    let found = 0;
    let expected = 0;
    for (const [traceId, spanCount] of acknowledged) {
      expected += spanCount;
      found += (await window.service.localTrace(traceId))?.spanCount ?? 0;
    }
    assert.equal(found, expected, `every acknowledged span survives ${killedPids.length} kills`);
  });
});
