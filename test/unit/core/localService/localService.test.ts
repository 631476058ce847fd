import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inLocalService } from '../../../../src/core/localService/inLocalService';
import { LocalServiceConnection, type LocalServiceLaunch } from '../../../../src/core/localService/localServiceConnection';
import { TraceService } from '../../../../src/core/traceService/traceService';
import { createTraceServiceClient } from '../../../../src/core/traceService/traceServiceClient';
import type { TraceViewData } from '../../../../src/shared/traceViewData';
import type { LocalSourceEvent, ReceiverSettings, ReceiverStatus } from '../../../../src/core/traceService/traceServiceProtocol';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { seededRandom } from '../../../seededRandom';
import { sdkProtobufOf, spanId as sdkSpanId, traceId as sdkTraceId, variedSdkLogs } from '../logs/sdkLogs';
import { otlpJsonOf, otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';

const serviceScript = resolve(__dirname, '..', '..', '..', '..', 'src', 'service', 'main.js');

/** A window's trace service, talking to the per-machine service like the product's worker does. */
function openWindow(launch: LocalServiceLaunch): { service: TraceService; events: LocalSourceEvent[] } {
  const events: LocalSourceEvent[] = [];
  const service = new TraceService({}, {}, inLocalService(launch));
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

/** The id of row `i` of an encoded trace view. */
function spanIdAt(view: TraceViewData, i: number): string {
  const ids = view.spanIds;
  if (ids.kind === 'hex64') return Buffer.from(ids.bytes.subarray(i * 8, i * 8 + 8)).toString('hex');
  return ids.ids[i] ?? '';
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
    launch = { script: serviceScript, execPath: process.execPath, idleMinutes: 0.05, workspaceKey: 'workspace-a', storeDirectory: settings.storeDirectory, maxSpans: settings.maxSpans };
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

  it('names what holds a taken port instead of fighting it', async () => {
    const probes: Socket[] = [];
    const blocker = createServer((socket) => probes.push(socket));
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    const window = open();
    try {
      await assert.rejects(window.service.startReceiver({ ...settings, httpPort: port }), (error: Error & { failure?: { kind: string; holder?: string } }) => {
        assert.equal(error.failure?.kind, 'portInUse');
        assert.equal(error.failure.holder, 'a program that does not answer HTTP');
        assert.match(error.message, new RegExp(`port ${port} is already in use, held by a program that does not answer HTTP`));
        return true;
      });
    } finally {
      // A listener that never reads keeps the probe's connection open; that is the blocker's business.
      for (const socket of probes) socket.destroy();
      await new Promise((done) => blocker.close(done));
    }
  });

  it('stores OTLP logs sent to the generic endpoint beside their trace, and keeps them across a restart of the service', async () => {
    const window = open();
    const status = await window.service.startReceiver({ ...settings, httpPort: await freePort() });
    const response = await fetch(`${status.httpEndpoint ?? ''}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: sdkProtobufOf(variedSdkLogs()) });
    assert.equal(response.status, 200);
    const metrics = await fetch(`${status.httpEndpoint ?? ''}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceMetrics":[]}' });
    assert.equal(metrics.status, 200, 'metrics are answered (and dropped), so an SDK logs no export error');
    const connection = new LocalServiceConnection(launch);
    try {
      const api = await connection.api();
      const logs = await api.logsFor(sdkTraceId);
      assert.deepEqual(
        logs.map((record) => record.severityText),
        ['INFO', 'ERROR', undefined],
      );
      assert.equal((await api.logsFor(sdkTraceId, sdkSpanId)).length, 2);
      const pid = servicePid(settings.storeDirectory) ?? 0;
      process.kill(pid, 'SIGKILL');
      await eventually('a new service', () => {
        const current = servicePid(settings.storeDirectory);
        return current !== undefined && current !== pid && alive(current) ? true : undefined;
      });
      const again = await eventually('the logs back', async () => {
        const found = await (await connection.api()).logsFor(sdkTraceId).catch(() => undefined);
        return found !== undefined && found.length > 0 ? found : undefined;
      });
      assert.equal(again.length, 3, 'acknowledged log records survive the service being killed');
    } finally {
      connection.dispose();
    }
  });

  it("does not report the shared receiver stopped when a window's worker goes, and the receiver keeps receiving", async () => {
    const workerScript = resolve(__dirname, '..', '..', '..', '..', 'src', 'core', 'traceService', 'traceServiceWorker.js');
    const client = createTraceServiceClient(workerScript, { localService: launch });
    const events: LocalSourceEvent[] = [];
    client.onLocalEvent((event) => events.push(event));
    const status = await client.startReceiver(settings);
    assert.equal(status.running, true);
    await client.dispose();
    assert.deepEqual(
      events.filter((event) => event.type === 'receiver' && !event.status.running),
      [],
      'the receiver lives in the service, not in the worker',
    );
    const spans = recordSdkSpans(1, 'after');
    assert.equal((await fetch(`${status.httpEndpoint ?? ''}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJsonOf(spans) })).status, 200);
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

  describe('editor annotations kept by the service for a workspace', () => {
    let workspace: string;
    const file = (): string => join(workspace, 'src', 'pay.ts');
    const configure = async (target: TraceService): Promise<void> => {
      await target.configureMapping({ folders: [{ name: 'ws', path: workspace }], pathMappings: [], serviceFolders: {}, caseInsensitive: false });
      await target.updateFileIndex({ added: [{ folder: 'ws', relativePath: 'src/pay.ts' }] });
    };
    const count = async (target: TraceService): Promise<number | undefined> => (await target.statsForDocument(file())).functions.find((f) => f.function === 'charge')?.count;

    beforeEach(() => {
      workspace = join(realpathSync(dir), 'ws');
      mkdirSync(join(workspace, 'src'), { recursive: true });
      writeFileSync(join(workspace, 'src', 'pay.ts'), 'export function charge() {}\n');
    });

    it('gives two windows of one workspace the same counts, and a reloaded window the same at once', async () => {
      const a = open();
      const b = open();
      for (const window of [a, b]) await configure(window.service);
      const status = await a.service.startReceiver(settings);
      await b.service.openLocal(settings);
      await post(status, chargeSpans(40));
      await eventually('40 calls in window A', async () => ((await count(a.service)) === 40 ? true : undefined));
      assert.equal(await count(b.service), 40);

      // A reload: the window goes, a new one on the same workspace comes and asks at once.
      await a.service.dispose();
      windows.splice(windows.indexOf(a.service), 1);
      const reloaded = open();
      await configure(reloaded.service);
      await reloaded.service.openLocal(settings);
      assert.equal(await count(reloaded.service), 40, 'no window replays anything, so nothing is missing or counted twice');
    });

    it('counts the whole store again, at full fidelity, after the service was killed', async () => {
      const window = open();
      await configure(window.service);
      const status = await window.service.startReceiver({ ...settings, httpPort: await freePort() });
      await post(status, chargeSpans(25));
      await eventually('25 calls', async () => ((await count(window.service)) === 25 ? true : undefined));
      const pid = servicePid(settings.storeDirectory) ?? 0;
      process.kill(pid, 'SIGKILL');
      await eventually('a new service', () => {
        const current = servicePid(settings.storeDirectory);
        return current !== undefined && current !== pid && alive(current) ? true : undefined;
      });
      assert.equal(await eventually('the counts back', () => count(window.service).catch(() => undefined)), 25);
      // And a workspace seen for the first time by this service is fed the store too.
      const other = openWindow({ ...launch, workspaceKey: 'workspace-b' });
      windows.push(other.service);
      await configure(other.service);
      assert.equal(await count(other.service), 25);
    });

    /** Spans of `charge` in pay.ts as the real SDK serializes them, each its own trace. */
    function chargeSpans(n: number): Uint8Array {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const tracer = provider.getTracer('spanlens-tests');
      for (let i = 0; i < n; i++) tracer.startSpan('charge', { attributes: { 'code.file.path': '/app/src/pay.ts', 'code.line.number': 1, 'code.function.name': 'charge' } }).end();
      return otlpProtobufOf(exporter.getFinishedSpans());
    }

    async function post(status: ReceiverStatus, body: Uint8Array): Promise<void> {
      const response = await fetch(`${status.httpEndpoint ?? ''}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      assert.equal(response.status, 200);
    }
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
    // The real SDK exporter, with its own retries: what it reports as exported was acknowledged.
    const exporter = new OTLPTraceExporter({ url: endpoint, timeoutMillis: 2_000 });
    const load = (async () => {
      while (traffic.running) {
        const spans = recordSdkSpans(1 + Math.floor(random() * 4), 'load');
        const result = await new Promise<ExportResult>((done) => exporter.export(spans, done));
        if (result.code === ExportResultCode.SUCCESS) for (const span of spans) acknowledged.set(span.spanContext().traceId, (acknowledged.get(span.spanContext().traceId) ?? 0) + 1);
        else refused++;
      }
      await exporter.shutdown();
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
    assert.ok(acknowledged.size > 50, `enough traffic got through (${acknowledged.size} traces exported, ${refused} exports failed while restarting)`);
    let expected = 0;
    const lost: string[] = [];
    for (const [traceId, spanCount] of acknowledged) {
      expected += spanCount;
      // Distinct span ids: an export whose answer the kill cut off is sent again by the SDK, and
      // stored twice if the first copy had been written (delivery is at least once, as in OTLP).
      const view = await window.service.traceView(traceId).catch(() => undefined);
      const held = view === undefined ? 0 : new Set(Array.from({ length: view.spanCount }, (_, i) => spanIdAt(view, i))).size;
      if (held < spanCount) lost.push(`${traceId}: ${held} of ${spanCount}`);
    }
    const finalStatus = await window.service.openLocal(fixed);
    assert.deepEqual(lost, [], `every one of ${expected} acknowledged spans survives ${killedPids.length} kills (store warnings: ${finalStatus.warnings.join(' | ') || 'none'})`);
  });
});
