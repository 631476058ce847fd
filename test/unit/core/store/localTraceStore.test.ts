import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { appendFileSync, closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, watch, writeFileSync, writeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createResource, createSpan, StatusCode, type Span } from '../../../../src/core/model/span';
import { LocalTraceStore, type TraceStoreChange } from '../../../../src/core/store/localTraceStore';
import { frameRecord, listSegments } from '../../../../src/core/store/segmentLog';
import { decodeSpanRecord, encodeSpanRecord } from '../../../../src/core/store/spanRecordCodec';
import { otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';
import { post } from '../receiver/receiverHarness';
import { seededRandom } from '../../../seededRandom';

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

interface LoggedRecord {
  readonly kind: number;
  /** The whole frame, header included, as it lies in the file. */
  readonly frame: Buffer;
  readonly payload: Buffer;
}

/** The records of one segment file, read by the format segmentLog.ts documents. */
function recordsIn(path: string): LoggedRecord[] {
  const bytes = readFileSync(path);
  const records: LoggedRecord[] = [];
  for (let pos = 16; pos < bytes.length; ) {
    const end = pos + 8 + bytes.readUInt32LE(pos);
    records.push({ kind: bytes[pos + 8] ?? -1, frame: bytes.subarray(pos, end), payload: bytes.subarray(pos + 9, end) });
    pos = end;
  }
  return records;
}

function spanIdsOf(store: LocalTraceStore): Map<string, string[]> {
  return new Map(store.listTraces().map((t) => [t.traceId, (store.getSpans(t.traceId) ?? []).map((s) => s.spanId)]));
}

/**
 * The order in which `store` would evict the traces it holds, found the way a user would see it:
 * adding one-span traces of its own, each of which pushes out at most the one oldest trace.
 */
async function evictionOrder(store: LocalTraceStore, maxSpans: number): Promise<string[]> {
  const order: string[] = [];
  let held = new Set(store.listTraces().map((t) => t.traceId));
  for (let probe = 0; held.size > 0 && probe < maxSpans * 2; probe++) {
    await store.appendSpans([span(900_000 + probe, 0)]);
    const now = new Set(store.listTraces().map((t) => t.traceId));
    for (const id of held) if (!now.has(id)) order.push(id);
    held = new Set([...held].filter((id) => now.has(id)));
  }
  return order;
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

  it('lists the newest traces first, with a limit giving the head of the full list', async () => {
    const store = await open();
    // Start times out of arrival order, some equal, so the order comes from the sort alone.
    for (const t of [5, 3, 9, 1, 7, 2, 8, 4, 6, 10]) await store.appendSpans([span(t % 4 === 0 ? 4 : t, t * 10)].map((s) => ({ ...s, traceId: t.toString(16).padStart(32, '0') })));
    const all = store.listTraces();
    assert.equal(all.length, 10);
    for (let i = 1; i < all.length; i++) assert.ok((all[i - 1]?.startNs ?? 0n) >= (all[i]?.startNs ?? 0n), 'sorted by start, latest first');
    for (const limit of [1, 3, 9]) assert.deepEqual(store.listTraces(limit), all.slice(0, limit));
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

  it('keeps acknowledging batches while it compacts, and replays to exactly what it held', async () => {
    const maxSpans = 5000;
    const store = await open({ maxSpans, compactMinBytes: 1 });
    for (let t = 1; t <= 1400; t += 20) await store.appendSpans(Array.from({ length: 20 }, (_, i) => traceSpans(t + i, 5)).flat());
    const bytesBefore = store.logBytes;
    let compacted = false;
    const compaction = store.compact().then(() => (compacted = true));
    let acknowledgedDuringCompaction = 0;
    let backedUp = false;
    const during = Array.from({ length: 40 }, (_, i) => {
      backedUp ||= store.isBackedUp;
      return store.appendSpans(traceSpans(2000 + i, 5)).then(() => {
        if (!compacted) acknowledgedDuringCompaction++;
      });
    });
    await Promise.all([compaction, ...during]);
    assert.ok(acknowledgedDuringCompaction > 0, 'batches were acknowledged before the compaction finished');
    assert.equal(backedUp, false, 'the store never asked the receiver to back off');
    assert.ok(store.logBytes < bytesBefore, `the log shrank from ${bytesBefore} to ${store.logBytes} bytes`);
    const held = new Map(store.listTraces().map((t) => [t.traceId, store.getSpans(t.traceId)?.map((s) => s.spanId)]));
    assert.equal(store.spanCount, maxSpans);
    await store.close();
    const reopened = await open({ maxSpans });
    assert.deepEqual(reopened.openWarnings, []);
    assert.equal(reopened.spanCount, maxSpans);
    assert.deepEqual(new Map(reopened.listTraces().map((t) => [t.traceId, reopened.getSpans(t.traceId)?.map((s) => s.spanId)])), held);
  });

  it('copies the records it still needs byte for byte and rewrites a partly evicted one to exactly its live spans', async () => {
    const maxSpans = 8;
    const store = await open({ maxSpans, compactMinBytes: Number.POSITIVE_INFINITY });
    // One batch interleaves traces 1 and 2; trace 1 is the older (its last span came first).
    const [a0, a1] = traceSpans(1, 2);
    const [b0, b1] = traceSpans(2, 2);
    await store.appendSpans([a0, b0, a1, b1] as Span[]);
    await store.appendSpans(traceSpans(3, 3));
    await store.appendSpans(traceSpans(4, 2)); // 9 spans: trace 1 goes, trace 2 stays
    assert.deepEqual([...spanIdsOf(store).keys()].sort(), [b0?.traceId, span(3, 0).traceId, span(4, 0).traceId].sort());
    const [before] = await listSegments(directory);
    assert.ok(before);
    const logged = recordsIn(join(directory, before.name));
    assert.equal(logged.length, 3);
    const held = spanIdsOf(store);
    await store.compact();
    const segments = await listSegments(directory);
    assert.equal(segments.length, 1);
    const compacted = recordsIn(join(directory, (segments[0] as { name: string }).name));
    assert.equal(compacted.length, 3);
    assert.deepEqual(decodeSpanRecord(compacted[0]?.payload ?? Buffer.alloc(0)), [b0, b1], 'the partly evicted batch holds only its live spans, in their order');
    assert.ok(compacted[1]?.frame.equals(logged[1]?.frame ?? Buffer.alloc(0)), 'a wholly live batch is copied as it was');
    assert.ok(compacted[2]?.frame.equals(logged[2]?.frame ?? Buffer.alloc(0)), 'a wholly live batch is copied as it was');
    assert.deepEqual(store.takeBackgroundErrors(), []);
    await store.close();
    const reopened = await open({ maxSpans });
    assert.deepEqual(reopened.openWarnings, []);
    assert.deepEqual(spanIdsOf(reopened), held);
    assert.deepEqual(reopened.getSpans(b0?.traceId ?? ''), [b0, b1]);
    assert.deepEqual(await evictionOrder(reopened, maxSpans), [2, 3, 4].map((t) => span(t, 0).traceId));
  });

  it('replays to exactly what it held after many compactions, whatever traces the batches mix and evict', async () => {
    const maxSpans = 40;
    const next = seededRandom(5);
    const store = await open({ maxSpans, compactMinBytes: Number.POSITIVE_INFINITY });
    // A reference of the documented rule: whole traces, least recently received first.
    const model = new Map<string, string[]>();
    const pending: Promise<void>[] = [];
    for (let batch = 0; batch < 300; batch++) {
      const spans = Array.from({ length: 1 + Math.floor(next() * 8) }, (_, i) => span(1 + Math.floor(next() * 25), batch * 10 + i));
      for (const s of spans) {
        const ids = model.get(s.traceId) ?? [];
        model.delete(s.traceId);
        model.set(s.traceId, [...ids, s.spanId]);
      }
      let total = [...model.values()].reduce((sum, ids) => sum + ids.length, 0);
      for (const [id, ids] of model) {
        if (total <= maxSpans) break;
        model.delete(id);
        total -= ids.length;
      }
      pending.push(store.appendSpans(spans));
      // Some compactions run while batches are being written, some between them.
      if (batch % 37 === 0) pending.push(store.compact());
      if (batch % 53 === 0) {
        await Promise.all(pending.splice(0));
        await store.compact();
      }
    }
    await Promise.all(pending);
    assert.deepEqual(spanIdsOf(store), model);
    assert.deepEqual(store.takeBackgroundErrors(), []);
    await store.close();
    const reopened = await open({ maxSpans });
    assert.deepEqual(reopened.openWarnings, []);
    assert.deepEqual(spanIdsOf(reopened), model);
    assert.deepEqual(await evictionOrder(reopened, maxSpans), [...model.keys()]);
  });

  it('cuts off a torn last record written after a compaction, and compacts correctly again', async () => {
    const maxSpans = 12;
    const first = await open({ maxSpans, compactMinBytes: Number.POSITIVE_INFINITY });
    for (let t = 1; t <= 6; t++) await first.appendSpans(traceSpans(t, 3));
    await first.compact();
    await first.appendSpans(traceSpans(7, 2));
    const held = spanIdsOf(first);
    await first.close();
    const segments = await listSegments(directory);
    assert.equal(segments.length, 1, 'appends went on in the snapshot');
    const path = join(directory, (segments[0] as { name: string }).name);
    const torn = frameRecord(4, encodeSpanRecord(traceSpans(8, 3)));
    appendFileSync(path, torn.subarray(0, torn.length - 7));
    const second = await open({ maxSpans, compactMinBytes: Number.POSITIVE_INFINITY });
    assert.equal(second.openWarnings.length, 1);
    assert.match(second.openWarnings[0] ?? '', /cut short/);
    assert.deepEqual(spanIdsOf(second), held);
    // Appends after the cut-off land where the torn bytes were; the next compaction copies them.
    await second.appendSpans(traceSpans(9, 2));
    await second.appendSpans(traceSpans(10, 2));
    await second.compact();
    assert.deepEqual(second.takeBackgroundErrors(), []);
    const expected = spanIdsOf(second);
    assert.equal(expected.has(span(9, 0).traceId), true);
    await second.close();
    const third = await open({ maxSpans });
    assert.deepEqual(third.openWarnings, []);
    assert.deepEqual(spanIdsOf(third), expected);
  });

  it('writes a batch whose bytes were damaged on disk again from memory when it compacts, and says so', async () => {
    const store = await open({ maxSpans: 100, compactMinBytes: Number.POSITIVE_INFINITY });
    for (let t = 1; t <= 4; t++) await store.appendSpans(traceSpans(t, 3));
    const [segment] = await listSegments(directory);
    assert.ok(segment);
    const path = join(directory, segment.name);
    const second = 16 + 8 + readFileSync(path).readUInt32LE(16);
    const file = openSync(path, 'r+');
    writeSync(file, Buffer.from('#'), 0, 1, second + 30);
    closeSync(file);
    const held = spanIdsOf(store);
    await store.compact();
    assert.match(store.takeBackgroundErrors().join('\n'), /fails its checksum/);
    await store.close();
    const reopened = await open({ maxSpans: 100 });
    assert.deepEqual(reopened.openWarnings, []);
    assert.deepEqual(spanIdsOf(reopened), held);
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

  it('keeps every acknowledged span it still held when its process is killed with SIGKILL in the middle of a compaction', async function () {
    this.timeout(120_000);
    const maxSpans = 20_000;
    const child = fork(join(__dirname, 'crashChild.js'), [directory, JSON.stringify({ maxSpans, compactMinBytes: 1 })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // The snapshot is written as segment-N.log.tmp; the kill lands a little after it appears.
    let killedWhileSnapshotting = false;
    const watcher = watch(directory, (_event, name) => {
      if (killedWhileSnapshotting || !String(name).endsWith('.tmp')) return;
      killedWhileSnapshotting = true;
      setTimeout(() => child.kill('SIGKILL'), 20);
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.once('message', (message: { port: number }) => resolve(message.port));
        child.once('exit', (code) => reject(new Error(`the child exited with ${String(code)}`)));
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const acknowledged: string[] = [];
      let stopped = false;
      void exited.then(() => (stopped = true));
      const sender = async (): Promise<void> => {
        while (!stopped) {
          const spans = recordSdkSpans(40);
          const res = await post(port, '/v1/traces', otlpProtobufOf(spans), { 'Content-Type': 'application/x-protobuf' }).catch(() => undefined);
          if (res?.status === 200) acknowledged.push(...spans.map((s) => `${s.spanContext().traceId}/${s.spanContext().spanId}`));
        }
      };
      await Promise.all([sender(), sender(), sender(), exited]);
      assert.ok(killedWhileSnapshotting);
      assert.ok(acknowledged.length > maxSpans, `only ${acknowledged.length} spans were acknowledged, too few for eviction and compaction`);
      assert.ok(readdirSync(directory).some((n) => n.endsWith('.tmp')), 'the kill landed before the snapshot was committed');
      const store = await open({ maxSpans });
      const ids = store.listTraces().flatMap((t) => (store.getSpans(t.traceId) ?? []).map((s) => `${s.traceId}/${s.spanId}`));
      const held = new Set(ids);
      assert.equal(held.size, ids.length, 'no span is held twice');
      // Whole traces are evicted oldest first, so the newest acknowledged spans, up to well under
      // maxSpans (requests in flight may have added unacknowledged ones), must all be there.
      const recent = acknowledged.slice(-maxSpans / 2);
      const lost = recent.filter((id) => !held.has(id));
      assert.equal(lost.length, 0, `${lost.length} of the ${recent.length} newest acknowledged spans were lost, the first ${lost.slice(0, 3).join(', ')}`);
      assert.ok(store.spanCount <= maxSpans);
      assert.ok(!readdirSync(directory).some((n) => n.endsWith('.tmp')), 'the partial snapshot was removed on open');
    } finally {
      watcher.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
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
