import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TraceService } from '../../../../src/core/traceService/traceService';
import { createTraceServiceClient } from '../../../../src/core/traceService/traceServiceClient';
import type { TraceQueries } from '../../../../src/core/traceService/traceServiceProtocol';
import { otlpJsonOf, otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';

const workerScript = resolve(__dirname, '..', '..', '..', '..', 'src', 'core', 'traceService', 'traceServiceWorker.js');

function suite(name: string, make: () => TraceQueries & { dispose?: () => Promise<void> }): void {
  describe(name, function () {
    this.timeout(30_000);
    let dir: string;
    let service: TraceQueries & { dispose?: () => Promise<void> };
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'spanlens-svc-'));
      service = make();
    });
    afterEach(async () => {
      await service.dispose?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it('opens several files, loads the good ones and names the bad ones', async () => {
      const good = join(dir, 'good.json');
      writeFileSync(good, otlpJsonOf(recordSdkSpans(2)));
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, '{"resourceSpans": [');
      const result = await service.openFiles([bad, good]);
      assert.equal(result.files.length, 2);
      const [first, second] = result.files;
      assert.ok(first && !first.ok);
      assert.match(first.message, /bad\.json.*(truncated|ends)/);
      assert.equal(second?.ok, true);
      assert.equal(result.traces.length, 2);
      for (const trace of result.traces) {
        assert.equal(trace.spanCount, 3);
        assert.equal(trace.rootName, 'GET /cart');
        assert.equal(trace.rootService, 'checkout');
        assert.equal(trace.errorCount, 1);
        assert.equal(trace.origin, good);
      }
    });

    it('joins spans of one trace spread over two files', async () => {
      const spans = recordSdkSpans(1);
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.pb');
      writeFileSync(a, otlpJsonOf(spans.slice(0, 1)));
      writeFileSync(b, otlpProtobufOf(spans.slice(1)));
      const result = await service.openFiles([a, b]);
      assert.equal(result.traces.length, 1);
      assert.equal(result.traces[0]?.spanCount, 3);
    });

    it('pages through the span tree and describes each row', async () => {
      const path = join(dir, 't.json');
      writeFileSync(path, otlpJsonOf(recordSdkSpans(1)));
      const { traces } = await service.openFiles([path]);
      const traceId = traces[0]?.traceId ?? '';
      const roots = await service.children(traceId, -1, 0, 10);
      assert.equal(roots.total, 1);
      const root = roots.rows[0];
      assert.ok(root);
      assert.equal(root.name, 'GET /cart');
      assert.equal(root.kind, 'server');
      assert.equal(root.childCount, 2);
      assert.deepEqual(
        root.keyAttributes.find(([k]) => k === 'http.route'),
        ['http.route', '/cart'],
      );
      const kids = await service.children(traceId, root.index, 0, 1);
      assert.equal(kids.total, 2);
      assert.equal(kids.rows.length, 1);
      const all = await service.children(traceId, root.index, 0, 10);
      const pay = all.rows.find((r) => r.name === 'pay');
      assert.ok(pay);
      assert.equal(pay.error, true);
      assert.equal(pay.statusMessage, 'card declined');
      assert.deepEqual(await service.findSpan(traceId, pay.spanId), pay);
      assert.equal(await service.findSpan(traceId, '0000000000000000'), undefined);
      await assert.rejects(service.children('nope', -1, 0, 1), /Trace nope is not loaded/);
    });
  });
}

suite('TraceService (in-process)', () => new TraceService());
suite('TraceServiceClient (worker thread)', () => createTraceServiceClient(workerScript));
