import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createResource, createSpan, type Span } from '../../../../src/core/model/span';
import { LocalTraceStore } from '../../../../src/core/store/localTraceStore';
import { TraceService } from '../../../../src/core/traceService/traceService';
import type { ReceiverSettings } from '../../../../src/core/traceService/traceServiceProtocol';

const resource = createResource({ 'service.name': 'shop' });
let nextId = 1;

function stored(fn: string, line: number, durationMs: number, endMs: number): Span {
  const id = (nextId++).toString(16).padStart(16, '0');
  const endNs = BigInt(endMs) * 1_000_000n;
  return createSpan({
    traceId: id.padStart(32, '0'),
    spanId: id,
    name: fn,
    startNs: endNs - BigInt(durationMs) * 1_000_000n,
    endNs,
    resource,
    attributes: { 'code.file.path': '/app/src/pay.ts', 'code.line.number': line, 'code.function.name': fn },
  });
}

describe('TraceService: annotations from the local store replayed at start-up', function () {
  this.timeout(30_000);
  let dir: string;
  let workspace: string;
  let settings: ReceiverSettings;
  let service: TraceService | undefined;

  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'spanlens-replay-')));
    workspace = join(dir, 'ws');
    mkdirSync(join(workspace, 'src'), { recursive: true });
    writeFileSync(join(workspace, 'src', 'pay.ts'), 'export function charge() {}\n\nexport function refund() {}\n');
    settings = { host: '127.0.0.1', httpPort: 0, grpcPort: 0, maxSpans: 10_000, storeDirectory: join(dir, 'store') };
  });
  afterEach(async () => {
    await service?.dispose();
    service = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const writeStore = async (spans: readonly Span[]): Promise<void> => {
    const store = await LocalTraceStore.open({ directory: settings.storeDirectory });
    await store.appendSpans(spans);
    await store.close();
  };

  const configure = async (target: TraceService): Promise<void> => {
    await target.updateFileIndex({ added: [{ folder: 'ws', relativePath: 'src/pay.ts' }] });
    await target.configureMapping({ folders: [{ name: 'ws', path: workspace }], pathMappings: [], serviceFolders: {}, caseInsensitive: false });
  };

  it('shows figures for persisted spans after a reload, counting only those inside the window', async () => {
    const nowMs = Date.now();
    const recent = [10, 20, 30, 40].map((d) => stored('charge', 1, d, nowMs - 60_000));
    // Two hours old: in the store, but outside the default one-hour window.
    const old = [500, 600].map((d) => stored('charge', 1, d, nowMs - 2 * 3_600_000));
    const onlyOld = stored('refund', 3, 70, nowMs - 3 * 3_600_000);
    await writeStore([...recent, ...old, onlyOld]);

    service = new TraceService();
    // The store opens before the folders are known, as at start-up; the spans must still count.
    const status = await service.openLocal(settings);
    assert.equal(status.spanCount, 7);
    await configure(service);
    const doc = await service.statsForDocument(join(workspace, 'src', 'pay.ts'));
    assert.deepEqual(
      doc.functions.map((f) => f.function),
      ['charge'],
    );
    const charge = doc.functions[0];
    assert.ok(charge);
    assert.equal(charge.count, 4);
    assert.equal(charge.title, 'p50 20 ms · p95 40 ms · p99 40 ms · 4 calls · 0% errors');
    assert.equal(charge.context, 'last hour · local');
  });

  it('does the same when the folders are known before the store opens', async () => {
    const nowMs = Date.now();
    await writeStore([stored('charge', 1, 15, nowMs - 30_000)]);
    service = new TraceService();
    await configure(service);
    await service.openLocal(settings);
    const first = await service.statsForDocument(join(workspace, 'src', 'pay.ts'));
    assert.equal(first.functions[0]?.count, 1);
  });
});
