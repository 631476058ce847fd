import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalServiceHost } from '../../../../src/core/localService/localServiceHost';
import { createResource, createSpan, StatusCode, type Span } from '../../../../src/core/model/span';
import { LocalTraceStore } from '../../../../src/core/store/localTraceStore';

describe('LocalServiceHost queries over the whole store', function () {
  this.timeout(30_000);
  let dir: string;
  let host: LocalServiceHost;

  const span = (n: number, service: string, name: string, durationMs: number, startMs: number, error = false): Span =>
    createSpan({
      traceId: n.toString(16).padStart(32, '0'),
      spanId: n.toString(16).padStart(16, '0'),
      name,
      startNs: BigInt(startMs) * 1_000_000n,
      endNs: BigInt(startMs + durationMs) * 1_000_000n,
      resource: createResource({ 'service.name': service }),
      statusCode: error ? StatusCode.Error : StatusCode.Unset,
    });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-host-'));
    const store = await LocalTraceStore.open({ directory: join(dir, 'store') });
    const day = 86_400_000;
    const now = Date.now();
    await store.appendSpans([
      span(1, 'shop', 'GET /checkout', 900, now - day, true),
      span(2, 'shop', 'GET /checkout', 40, now - 60_000),
      span(3, 'shop', 'GET /products', 15, now - 30_000),
      span(4, 'inventory', 'POST /reserve', 300, now - 10_000, true),
    ]);
    await store.close();
    host = new LocalServiceHost({ storeDirectory: join(dir, 'store'), maxSpans: 10_000, broadcast: () => undefined, windows: () => 0, onShutdown: () => undefined });
    await host.open();
  });

  afterEach(async () => {
    await host.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = (found: readonly { traceId: string }[]): number[] => found.map((t) => Number.parseInt(t.traceId, 16));

  it('finds traces by service, operation, duration, errors and start time, newest first', async () => {
    assert.deepEqual(ids(await host.findTraces({ service: 'shop' })), [3, 2, 1]);
    assert.deepEqual(ids(await host.findTraces({ service: 'shop', operation: 'GET /checkout' })), [2, 1]);
    assert.deepEqual(ids(await host.findTraces({ minDurationNs: 100_000_000 })), [4, 1]);
    assert.deepEqual(ids(await host.findTraces({ maxDurationNs: 50_000_000 })), [3, 2]);
    assert.deepEqual(ids(await host.findTraces({ errorsOnly: true })), [4, 1]);
    assert.deepEqual(ids(await host.findTraces({ startMs: Date.now() - 3_600_000 })), [4, 3, 2]);
    assert.deepEqual(ids(await host.findTraces({ limit: 2 })), [4, 3]);
  });

  it('answers a trace by id anywhere in the store, a day old included, and says when nothing changed', async () => {
    const oldest = (1).toString(16).padStart(32, '0');
    const whole = await host.getTrace(oldest, -1);
    assert.ok(whole.state === 'spans');
    assert.equal(whole.spans[0]?.name, 'GET /checkout');
    assert.deepEqual(await host.getTrace(oldest, 1), { state: 'unchanged' });
    assert.deepEqual(await host.getTrace('f'.repeat(32), -1), { state: 'missing' });
    assert.equal((await host.traceSummary(oldest))?.errorCount, 1);
  });
});
