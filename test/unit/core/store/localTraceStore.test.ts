import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createResource, createSpan, StatusCode, type Span } from '../../../../src/core/model/span';
import { LocalTraceStore, type TraceStoreChange } from '../../../../src/core/store/localTraceStore';
import { frameRecord, listSegments } from '../../../../src/core/store/segmentLog';
import { decodeSpanRecord, encodeSpanRecord } from '../../../../src/core/store/spanRecordCodec';
import { otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';
import { post } from '../receiver/receiverHarness';

const resource = createResource({ 'service.name': 'cart', big: 2n ** 70n, bytes: new Uint8Array([1, 2, 255]), nested: { list: [1, 'two', null, Number.NaN] } });

function span(traceNo: number, spanNo: number, extra: Partial<Span> = {}): Span {
  return createSpan({
    traceId: traceNo.toString(16).padStart(32, '0'),
    spanId: (spanNo + 1).toString(16).padStart(16, '0'),
    name: `op-${traceNo}-${spanNo}`,
    startNs: 1_700_000_000_000_000_000n + BigInt(traceNo * 1000 + spanNo),
    endNs: 1_700_000_000_000_000_000n + BigInt(traceNo * 1000 + spanNo + 500),
    resource,
    ...extra,
  });
}

function traceSpans(traceNo: number, count: number): Span[] {
  return Array.from({ length: count }, (_, i) => span(traceNo, i, i === 0 ? {} : { parentSpanId: (1).toString(16).padStart(16, '0') }));
}

describe('LocalTraceStore', () => {
  let directory: string;
  const stores: LocalTraceStore[] = [];
  async function open(options: Partial<Parameters<typeof LocalTraceStore.open>[0]> = {}): Promise<LocalTraceStore> {
    const store = await LocalTraceStore.open({ directory, ...options });
    stores.push(store);
    return store;
  }
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'spanlens-store-'));
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('joins the spans of one trace that arrive in many batches', async () => {
    const store = await open();
    const all = traceSpans(1, 20);
    for (let i = 0; i < all.length; i += 3) await store.appendSpans(all.slice(i, i + 3));
    await store.appendSpans(traceSpans(2, 2));
    assert.equal(store.traceCount, 2);
    assert.equal(store.getSpans(all[0]?.traceId ?? '')?.length, 20);
    const trace = store.getTrace(all[0]?.traceId ?? '');
    assert.equal(trace?.spanCount, 20);
    assert.equal(trace.rootSpan?.name, 'op-1-0');
  });

  it('lists summaries newest first with root, counts, errors and duration', async () => {
    const store = await open();
    await store.appendSpans([...traceSpans(1, 3), span(2, 0, { statusCode: StatusCode.Error }), span(2, 1, { parentSpanId: '0000000000000001', statusCode: StatusCode.Error })]);
    const list = store.listTraces();
    assert.deepEqual(
      list.map((s) => [s.rootName, s.rootService, s.spanCount, s.errorCount, s.hasRoot]),
      [
        ['op-2-0', 'cart', 2, 2, true],
        ['op-1-0', 'cart', 3, 0, true],
      ],
    );
    assert.equal(list[1]?.durationNs, 502);
  });

  it('evicts whole traces, least recently received first, to stay within maxSpans', async () => {
    const store = await open({ maxSpans: 10 });
    await store.appendSpans(traceSpans(1, 4));
    await store.appendSpans(traceSpans(2, 4));
    await store.appendSpans([span(1, 10, { parentSpanId: '0000000000000001' })]); // trace 1 is now the most recent
    await store.appendSpans(traceSpans(3, 4));
    assert.deepEqual(store.listTraces().map((s) => s.rootName).sort(), ['op-1-0', 'op-3-0']);
    assert.equal(store.spanCount, 9);
    assert.equal(store.getSpans(span(2, 0).traceId), undefined);
  });

  it('keeps every written batch across a reopen, with every value type intact', async () => {
    const first = await open();
    const spans = [...traceSpans(1, 3), ...traceSpans(2, 2)];
    await first.appendSpans(spans);
    await first.close();
    const second = await open();
    assert.deepEqual(second.openWarnings, []);
    for (const expected of spans) assert.deepEqual(second.getSpans(expected.traceId)?.find((s) => s.spanId === expected.spanId), expected);
  });

  it('round-trips spans through its record codec, hostile keys and all', () => {
    const attributes = JSON.parse('{"__proto__": "x", "$b": {"m": 1}}') as Record<string, string>;
    const spans = [span(1, 0, { attributes, events: [{ timeNs: 5n, name: 'e', attributes: { n: -1 } }], links: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceState: 'k=v', attributes: {} }], flags: 257 })];
    assert.deepEqual(decodeSpanRecord(encodeSpanRecord(spans)), spans);
  });

  it('cuts off a torn last record with a warning and keeps everything before it', async () => {
    const first = await open();
    await first.appendSpans(traceSpans(1, 3));
    await first.appendSpans(traceSpans(2, 3));
    await first.close();
    const [segment] = await listSegments(directory);
    assert.ok(segment);
    const path = join(directory, segment.name);
    const sizeBefore = statSync(path).size;
    const torn = frameRecord(4, encodeSpanRecord(traceSpans(3, 3)));
    appendFileSync(path, torn.subarray(0, torn.length - 10));
    const second = await open();
    assert.equal(second.spanCount, 6);
    assert.equal(second.openWarnings.length, 1);
    assert.match(second.openWarnings[0] ?? '', /cut short/);
    assert.equal(statSync(path).size, sizeBefore);
    await second.appendSpans(traceSpans(4, 1));
    await second.close();
    const third = await open();
    assert.deepEqual(third.openWarnings, []);
    assert.equal(third.spanCount, 7);
  });

  it('keeps what it can read of a damaged file and says so, without failing', async () => {
    const first = await open();
    await first.appendSpans(traceSpans(1, 3));
    await first.appendSpans(traceSpans(2, 3));
    await first.appendSpans(traceSpans(3, 3));
    await first.close();
    const [segment] = await listSegments(directory);
    assert.ok(segment);
    const path = join(directory, segment.name);
    const bytes = readFileSync(path);
    // Damage the second record's payload: its checksum fails, and it is not the last record.
    const secondRecord = 16 + 8 + bytes.readUInt32LE(16);
    bytes[secondRecord + 20] = (bytes[secondRecord + 20] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const second = await open();
    assert.equal(second.spanCount, 3);
    assert.match(second.openWarnings.join('\n'), /damaged at byte/);
    assert.ok(readdirSync(directory).some((n) => n.endsWith('.corrupt')));
    await second.close();
    const third = await open();
    assert.deepEqual(third.openWarnings, []);
    assert.equal(third.spanCount, 3);
  });

  it('never fails on a file that is not a segment at all', async () => {
    writeFileSync(join(directory, 'segment-00000001.log'), 'hello, I am not a log');
    const store = await open();
    assert.equal(store.spanCount, 0);
    assert.match(store.openWarnings.join('\n'), /header/);
    await store.appendSpans(traceSpans(1, 1));
    assert.equal(store.spanCount, 1);
  });

  it('compacts the log once evicted spans dominate, keeping exactly the live spans', async () => {
    const store = await open({ maxSpans: 20, compactMinBytes: 1 });
    for (let t = 1; t <= 30; t++) await store.appendSpans(traceSpans(t, 5));
    await store.compact();
    const live = store.listTraces().map((s) => s.traceId).sort();
    assert.equal(live.length, 4);
    const segments = await listSegments(directory);
    assert.equal(segments.length, 1);
    await store.close();
    const reopened = await open({ maxSpans: 20 });
    assert.deepEqual(reopened.listTraces().map((s) => s.traceId).sort(), live);
    assert.equal(reopened.spanCount, 20);
  });

  it('clear() forgets everything, in memory and on disk', async () => {
    const store = await open();
    await store.appendSpans(traceSpans(1, 3));
    await store.clear();
    assert.equal(store.spanCount, 0);
    await store.appendSpans(traceSpans(2, 1));
    await store.close();
    const reopened = await open();
    assert.deepEqual(reopened.listTraces().map((s) => s.rootName), ['op-2-0']);
  });

  it('coalesces changes into one event, however many batches arrive', async () => {
    const store = await open({ changeDelayMs: 60_000 });
    const events: TraceStoreChange[] = [];
    store.onDidChange((change) => events.push(change));
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.appendSpans(traceSpans(i + 1, 2))));
    assert.equal(events.length, 0);
    await store.close(); // delivers the pending event
    assert.equal(events.length, 1);
    assert.equal(events[0]?.updatedTraceIds.length, 200);
    assert.equal(events[0].spanCount, 400);
  });

  it('keeps every acknowledged batch when its process is killed with SIGKILL', async function () {
    this.timeout(60_000);
    const child = fork(join(__dirname, 'crashChild.js'), [directory], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.once('message', (message: { port: number }) => resolve(message.port));
        child.once('exit', (code) => reject(new Error(`the child exited with ${String(code)}`)));
      });
      const acknowledged: string[] = [];
      const send = async (): Promise<void> => {
        const spans = recordSdkSpans(20);
        const res = await post(port, '/v1/traces', otlpProtobufOf(spans), { 'Content-Type': 'application/x-protobuf' });
        if (res.status === 200) acknowledged.push(...spans.map((s) => `${s.spanContext().traceId}/${s.spanContext().spanId}`));
      };
      for (let i = 0; i < 10; i++) await send();
      // More batches in flight when the kill lands: some are acknowledged, some are not.
      const inFlight = Array.from({ length: 8 }, () => send().catch(() => undefined));
      await new Promise((resolve) => setImmediate(resolve));
      child.kill('SIGKILL');
      await Promise.all(inFlight);
      await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
      assert.ok(acknowledged.length >= 600);
      const store = await open();
      const held = new Set(store.listTraces().flatMap((t) => (store.getSpans(t.traceId) ?? []).map((s) => `${s.traceId}/${s.spanId}`)));
      const lost = acknowledged.filter((id) => !held.has(id));
      assert.deepEqual(lost, [], `${lost.length} acknowledged spans were lost`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
