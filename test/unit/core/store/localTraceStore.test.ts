import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { appendFileSync, closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, watch, writeFileSync, writeSync, readFileSync, promises as fsPromises } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createResource, createSpan, StatusCode, type Span } from '../../../../src/core/model/span';
import { LocalTraceStore, type LocalTraceStoreOptions, type TraceStoreChange } from '../../../../src/core/store/localTraceStore';
import { frameRecord, listSegments, type LogFiles } from '../../../../src/core/store/segmentLog';
import { decodeSpanRecord, encodeSpanRecord } from '../../../../src/core/store/spanRecordCodec';
import { decodeTracePayload } from '../../../../src/core/store/tracePayload';
import type { IngestChildMessage } from './ingestChild';
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
  for (let pos = 16; pos < bytes.length;) {
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
    assert.deepEqual(
      store
        .listTraces()
        .map((s) => s.rootName)
        .sort(),
      ['op-1-0', 'op-3-0'],
    );
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
    for (const expected of spans)
      assert.deepEqual(
        second.getSpans(expected.traceId)?.find((s) => s.spanId === expected.spanId),
        expected,
      );
  });

  it('round-trips spans through its record codec, hostile keys and all', () => {
    const attributes = JSON.parse('{"__proto__": "x", "$b": {"m": 1}}') as Record<string, string>;
    const spans = [
      span(1, 0, {
        attributes,
        events: [{ timeNs: 5n, name: 'e', attributes: { n: -1 } }],
        links: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceState: 'k=v', attributes: {} }],
        flags: 257,
      }),
    ];
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

  it('keeps every intact record of a damaged file, says which bytes it set aside, and keeps the file', async () => {
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
    const secondEnd = secondRecord + 8 + bytes.readUInt32LE(secondRecord);
    bytes[secondRecord + 20] = (bytes[secondRecord + 20] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const second = await open();
    assert.deepEqual(
      [...spanIdsOf(second).keys()].sort(),
      [1, 3].map((t) => span(t, 0).traceId),
    );
    assert.equal(second.openWarnings.length, 1);
    assert.ok(
      second.openWarnings[0]?.includes(`${segment.name} (${bytes.length} bytes) is damaged; set aside: bytes ${secondRecord}–${secondEnd} (1 record: a record fails its checksum)`),
      second.openWarnings[0],
    );
    assert.deepEqual(readFileSync(join(directory, `${segment.name}.damaged`)), bytes, 'the damaged file is kept as it was');
    await second.close();
    const third = await open();
    assert.deepEqual(third.openWarnings, []);
    assert.equal(third.spanCount, 6);
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
    const live = store
      .listTraces()
      .map((s) => s.traceId)
      .sort();
    assert.equal(live.length, 4);
    const segments = await listSegments(directory);
    assert.equal(segments.length, 1);
    await store.close();
    const reopened = await open({ maxSpans: 20 });
    assert.deepEqual(
      reopened
        .listTraces()
        .map((s) => s.traceId)
        .sort(),
      live,
    );
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
    assert.deepEqual(
      await evictionOrder(reopened, maxSpans),
      [2, 3, 4].map((t) => span(t, 0).traceId),
    );
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
    assert.deepEqual(
      reopened.listTraces().map((s) => s.rootName),
      ['op-2-0'],
    );
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
    // The snapshot is written as segment-N.log.tmp; the kill is sent as soon as it appears (a
    // later one could miss it: on a quiet machine the snapshot was committed within 20 ms).
    let killedWhileSnapshotting = false;
    const watcher = watch(directory, (_event, name) => {
      if (killedWhileSnapshotting || !String(name).endsWith('.tmp')) return;
      killedWhileSnapshotting = true;
      child.kill('SIGKILL');
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
      assert.ok(
        readdirSync(directory).some((n) => n.endsWith('.tmp')),
        'the kill landed before the snapshot was committed',
      );
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

const KiB = 1024;
const MiB = 1024 * KiB;

/** Every file in the store's directory, as the disk sees it: segments and any snapshot being written. */
function directoryBytes(directory: string): number {
  // A compaction may delete a file between the listing and its stat.
  return readdirSync(directory).reduce((sum, name) => sum + (statSync(join(directory, name), { throwIfNoEntry: false })?.size ?? 0), 0);
}

function heldIds(store: LocalTraceStore): Set<string> {
  return new Set(store.listTraces().flatMap((t) => (store.getSpans(t.traceId) ?? []).map((s) => `${s.traceId}/${s.spanId}`)));
}

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** The heap in use once garbage is gone. */
function liveHeapBytes(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/**
 * Files whose writes fail on cue, as on a full disk: once armed, the write that reaches the
 * chosen byte writes the bytes before it for real and then throws ENOSPC. Counting goes on
 * across writes, so the failure can land at any byte of any frame, header or snapshot.
 */
class FailingFiles implements LogFiles {
  private failInBytes: number | undefined;
  /** So many of the next truncations fail too (a disk that cannot even give space back). */
  failTruncates = 0;
  /** Only files whose path passes this fail. */
  constructor(private readonly applies: (path: string) => boolean = () => true) {}

  failAfter(bytes: number): void {
    this.failInBytes = bytes;
  }

  disarm(): void {
    this.failInBytes = undefined;
    this.failTruncates = 0;
  }

  async open(path: string, flags: 'a' | 'w'): Promise<FileHandle> {
    const handle = await fsPromises.open(path, flags);
    if (!this.applies(path)) return handle;
    return new Proxy(handle, {
      get: (target, property) => {
        if (property === 'writev') return (buffers: Buffer[]) => this.write(target, Buffer.concat(buffers));
        if (property === 'write') return (buffer: Buffer, offset = 0) => this.write(target, buffer.subarray(offset));
        if (property === 'truncate') {
          return async (length: number) => {
            if (this.failTruncates > 0) {
              this.failTruncates--;
              throw enospc();
            }
            await target.truncate(length);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  private async write(handle: FileHandle, bytes: Buffer): Promise<{ bytesWritten: number }> {
    if (this.failInBytes !== undefined) {
      if (this.failInBytes < bytes.length) {
        const written = this.failInBytes;
        this.failInBytes = undefined;
        if (written > 0) await handle.write(bytes.subarray(0, written));
        throw enospc();
      }
      this.failInBytes -= bytes.length;
    }
    return handle.write(bytes);
  }
}

/**
 * An OTLP JSON export request as an SDK would send it: `spans` spans of one trace, each with a
 * prompt attribute and an exception event whose stack trace is `stackBytes` long, every value
 * distinct so the decoder cannot share them.
 */
function genAiRequest(traceNo: number, spans: number, promptBytes: number, stackBytes: number): Uint8Array {
  const traceId = traceNo.toString(16).padStart(32, '0');
  const text = (label: string, length: number): string => `${label} `.padEnd(length, 'the quick brown fox jumps over the lazy dog ');
  const json = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'chat' } }] },
        scopeSpans: [
          {
            scope: { name: 'genai' },
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId,
              spanId: (i + 1).toString(16).padStart(16, '0'),
              name: 'chat completion',
              kind: 3,
              startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(traceNo * 1000 + i)),
              endTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(traceNo * 1000 + i + 500)),
              attributes: [{ key: 'gen_ai.prompt', value: { stringValue: text(`prompt ${traceNo}/${i}`, promptBytes) } }],
              events:
                stackBytes === 0
                  ? []
                  : [{ timeUnixNano: '1700000000000000000', name: 'exception', attributes: [{ key: 'exception.stacktrace', value: { stringValue: text(`stack ${traceNo}/${i}`, stackBytes) } }] }],
            })),
          },
        ],
      },
    ],
  });
  return Buffer.from(json, 'utf8');
}

/** Ingests a received request the way the receiver does; a refusal (the log at its bound) is retried as a client would. */
async function ingestRequest(store: LocalTraceStore, bytes: Uint8Array): Promise<void> {
  const { spans } = decodeTracePayload({ kind: 'otlp-json', bytes });
  for (let attempt = 0; ; attempt++) {
    try {
      await store.ingest({ spans, payload: { kind: 'otlp-json', bytes } });
      return;
    } catch (error: unknown) {
      if (attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('LocalTraceStore bounds and faults', () => {
  let directory: string;
  const stores: LocalTraceStore[] = [];
  async function open(options: Partial<LocalTraceStoreOptions> = {}): Promise<LocalTraceStore> {
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

  describe('maxBytes', () => {
    it('evicts the oldest traces to keep both its memory and its log on disk within maxBytes', async () => {
      const maxBytes = 2 * MiB;
      const store = await open({ maxBytes });
      for (let t = 1; t <= 3000; t++) {
        await store.appendSpans(traceSpans(t, 5));
        assert.ok(store.stats.heldBytes <= maxBytes, `${store.stats.heldBytes} bytes held after trace ${t}`);
        const onDisk = directoryBytes(directory);
        assert.ok(onDisk <= maxBytes, `${onDisk} bytes on disk after trace ${t}`);
      }
      assert.ok(store.stats.evictedTraces > 0);
      assert.equal(store.getSpans(span(3000, 0).traceId)?.length, 5, 'the newest trace is held whole');
      assert.equal(store.getSpans(span(1, 0).traceId), undefined, 'the oldest went first');
      assert.deepEqual(store.takeBackgroundErrors(), []);
    });

    it('replays a log written under a larger maxBytes within a smaller one, in memory and on disk', async () => {
      const first = await open({ maxBytes: 16 * MiB });
      for (let t = 1; t <= 6000; t++) await first.appendSpans(traceSpans(t, 5));
      await first.close();
      const written = directoryBytes(directory);
      assert.ok(written > 4 * MiB, `${written} bytes written`);
      const maxBytes = 2 * MiB;
      const heapBefore = liveHeapBytes();
      const second = await open({ maxBytes });
      const heapGrowth = liveHeapBytes() - heapBefore;
      assert.deepEqual(second.openWarnings, []);
      assert.ok(second.stats.heldBytes <= maxBytes, `${second.stats.heldBytes} bytes held`);
      // Held spans within maxBytes, plus up to 1 MiB the process allocates on its own (code run for
      // the first time, lazily built caches: seen at 2.3 MiB in a full run on a busy machine).
      // Replaying the whole log would take more than the 4 MiB it occupies on disk.
      assert.ok(heapGrowth <= maxBytes + 1 * MiB, `the heap grew by ${heapGrowth} bytes`);
      assert.ok(directoryBytes(directory) <= maxBytes, `${directoryBytes(directory)} bytes on disk`);
      // What it kept is the newest traces, whole.
      const held = second
        .listTraces()
        .map((t) => Number.parseInt(t.traceId, 16))
        .sort((a, b) => a - b);
      assert.ok(held.length > 100);
      assert.deepEqual(
        held,
        Array.from({ length: held.length }, (_, i) => 6000 - held.length + 1 + i),
      );
      for (const t of held) assert.equal(second.getSpans(span(t, 0).traceId)?.length, 5);
      const kept = spanIdsOf(second);
      await second.close();
      const third = await open({ maxBytes });
      assert.deepEqual(spanIdsOf(third), kept);
    });
  });

  describe('oversized values', () => {
    it('cuts oversized values before it logs them, counts them, and replays the same cut values', async () => {
      const store = await open();
      await ingestRequest(store, genAiRequest(1, 1, 64 * KiB, MiB));
      const [kept] = store.getSpans(span(1, 0).traceId) ?? [];
      assert.ok(kept);
      assert.match(kept.attributes['gen_ai.prompt'] as string, /^prompt 1\/0 the quick.*\.\.\.\[truncated 48 KiB\]$/);
      assert.match(kept.events[0]?.attributes['exception.stacktrace'] as string, /\.\.\.\[truncated 1008 KiB\]$/);
      assert.equal(store.stats.truncatedAttributes, 2);
      assert.ok(store.logBytes < 40 * KiB, `the log holds ${store.logBytes} bytes`);
      await store.close();
      const reopened = await open();
      assert.deepEqual(reopened.getSpans(span(1, 0).traceId), [kept]);
      assert.equal(reopened.stats.truncatedAttributes, 0, 'nothing logged needed cutting again');
    });

    it('stays within maxBytes in memory and on disk while every span carries 64 KiB values, and reopens within it', async function () {
      this.timeout(60_000);
      const maxBytes = 8 * MiB;
      const heapBefore = liveHeapBytes();
      const store = await open({ maxBytes });
      let maxOnDisk = 0;
      for (let t = 1; t <= 200; t++) {
        await ingestRequest(store, genAiRequest(t, 10, 64 * KiB, 64 * KiB));
        maxOnDisk = Math.max(maxOnDisk, directoryBytes(directory));
      }
      const heapGrowth = liveHeapBytes() - heapBefore;
      assert.ok(maxOnDisk <= maxBytes, `${maxOnDisk} bytes on disk at most`);
      assert.ok(heapGrowth <= maxBytes, `the heap grew by ${heapGrowth} bytes for 2000 spans of 128 KiB`);
      assert.ok(store.stats.heldBytes <= maxBytes);
      assert.equal(store.stats.truncatedAttributes, 4000);
      assert.equal(store.getSpans(span(200, 0).traceId)?.length, 10, 'the newest trace is held');
      assert.deepEqual(store.takeBackgroundErrors(), []);
      const held = spanIdsOf(store);
      await store.close();
      const reopened = await open({ maxBytes });
      assert.deepEqual(reopened.openWarnings, []);
      assert.deepEqual(spanIdsOf(reopened), held);
      const reopenedGrowth = liveHeapBytes() - heapBefore;
      assert.ok(reopenedGrowth <= maxBytes, `after reopening the heap is ${reopenedGrowth} bytes above where it started`);
    });
  });

  describe('write errors', () => {
    it('refuses a batch whose write fails part-way, leaves none of it in the log, and keeps every batch acknowledged after', async () => {
      const files = new FailingFiles();
      const next = seededRandom(11);
      const store = await open({ files, segmentBytes: 16 * KiB, compactMinBytes: Number.POSITIVE_INFINITY });
      const acknowledged = new Set<string>();
      let refused = 0;
      let traceNo = 0;
      for (let round = 0; round < 80; round++) {
        // A failure at a random byte of the next few kilobytes written: a frame, a segment header or a snapshot.
        if (next() < 0.5) files.failAfter(Math.floor(next() * 8 * KiB));
        if (next() < 0.2) files.failTruncates = 1;
        const batches = Array.from({ length: 1 + Math.floor(next() * 3) }, () => traceSpans(++traceNo, 1 + Math.floor(next() * 4)));
        const outcomes = await Promise.allSettled(batches.map((batch) => store.appendSpans(batch)));
        outcomes.forEach((outcome, i) => {
          if (outcome.status === 'rejected') refused++;
          else for (const s of batches[i] ?? []) acknowledged.add(`${s.traceId}/${s.spanId}`);
        });
        if (round % 20 === 19) await store.compact().catch(() => undefined);
      }
      assert.ok(refused >= 10, `only ${refused} batches were refused`);
      assert.equal(store.stats.refusedBatches, refused);
      assert.deepEqual(heldIds(store), acknowledged, 'the store holds exactly what it acknowledged');
      files.disarm();
      await store.close();
      const reopened = await open();
      assert.deepEqual(reopened.openWarnings, [], 'no partial record was left in the log');
      assert.deepEqual(heldIds(reopened), acknowledged);
    });
  });

  describe('kills', () => {
    it('opens, holding every acknowledged span, after each of twenty kills at random moments', async function () {
      this.timeout(90_000);
      const next = seededRandom(20);
      const acknowledged = new Set<string>();
      let killedWhileOpening = 0;
      for (let run = 0; run < 20; run++) {
        const child = fork(join(__dirname, 'ingestChild.js'), [directory, String(run), '400'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const state = { opened: false };
        const openedOrGone = new Promise<void>((resolve) => {
          child.on('message', (message: IngestChildMessage) => {
            if (message.type === 'open') {
              state.opened = true;
              resolve();
            }
            for (const id of message.ids ?? []) acknowledged.add(id);
          });
          child.once('exit', () => resolve());
        });
        // 'close' comes after the last message the child got out before it died.
        const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
        // Most kills land while batches are written; some while the store is still opening.
        if (next() < 0.8) await openedOrGone;
        await new Promise((resolve) => setTimeout(resolve, next() * 150));
        if (!state.opened) killedWhileOpening++;
        child.kill('SIGKILL');
        await closed;
        const store = await LocalTraceStore.open({ directory });
        try {
          for (const warning of store.openWarnings) assert.match(warning, /cut short/, 'only an unacknowledged torn write is ever cut off');
          const held = store.listTraces().flatMap((t) => (store.getSpans(t.traceId) ?? []).map((s) => `${s.traceId}/${s.spanId}`));
          const heldSet = new Set(held);
          assert.equal(heldSet.size, held.length, 'no span is held twice');
          const lost = [...acknowledged].filter((id) => !heldSet.has(id));
          assert.equal(lost.length, 0, `after kill ${run + 1}, ${lost.length} of ${acknowledged.size} acknowledged spans were lost, the first ${lost.slice(0, 3).join(', ')}`);
          assert.ok(held.length >= acknowledged.size);
        } finally {
          await store.close();
        }
      }
      assert.ok(acknowledged.size >= 20 * 100, `only ${acknowledged.size} spans were acknowledged`);
      assert.ok(killedWhileOpening > 0, 'some kills landed while the store was opening');
    });
  });

  describe('damage', () => {
    /** Six traces in three segments of two records each, and an empty fourth segment appended to last. */
    async function threeSegments(): Promise<{ names: string[]; records: LoggedRecord[][] }> {
      // A segment is started once one holds more than one and a half records.
      const frame = frameRecord(4, encodeSpanRecord(traceSpans(1, 3))).length;
      const store = await open({ segmentBytes: 16 + Math.ceil(frame * 1.5) });
      for (let t = 1; t <= 6; t++) await store.appendSpans(traceSpans(t, 3));
      await store.close();
      const names = (await listSegments(directory)).map((s) => s.name);
      assert.equal(names.length, 4);
      return { names, records: names.map((name) => recordsIn(join(directory, name))) };
    }

    function traceNumbers(store: LocalTraceStore): number[] {
      return store
        .listTraces()
        .map((t) => Number.parseInt(t.traceId, 16))
        .sort((a, b) => a - b);
    }

    it('opens when the last record of an older segment is torn, keeps every intact record, and keeps the damaged file aside', async () => {
      const { names } = await threeSegments();
      const damaged = join(directory, names[1] as string);
      const original = readFileSync(damaged);
      const lastRecord = 16 + 8 + original.readUInt32LE(16);
      writeFileSync(damaged, original.subarray(0, original.length - 10));
      const store = await open();
      assert.deepEqual(traceNumbers(store), [1, 2, 3, 5, 6]);
      assert.equal(store.openWarnings.length, 1);
      assert.ok(
        store.openWarnings[0]?.includes(
          `${names[1]} (${original.length - 10} bytes) is damaged; set aside: bytes ${lastRecord}–${original.length - 10} (1 record: a record is incomplete). The 1 intact record was kept`,
        ),
        store.openWarnings[0],
      );
      assert.deepEqual(readFileSync(`${damaged}.damaged`), original.subarray(0, original.length - 10));
      await store.appendSpans(traceSpans(7, 1));
      await store.close();
      const reopened = await open();
      assert.deepEqual(reopened.openWarnings, []);
      assert.deepEqual(traceNumbers(reopened), [1, 2, 3, 5, 6, 7]);
    });

    it('opens when the last record of an older segment fails its checksum, and names the bytes it set aside', async () => {
      const { names, records } = await threeSegments();
      const damaged = join(directory, names[0] as string);
      const bytes = readFileSync(damaged);
      const last = records[0]?.[1];
      assert.ok(last);
      const start = bytes.length - last.frame.length;
      bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0x55;
      writeFileSync(damaged, bytes);
      const store = await open();
      assert.deepEqual(traceNumbers(store), [1, 3, 4, 5, 6]);
      assert.ok(store.openWarnings[0]?.includes(`set aside: bytes ${start}–${bytes.length} (1 record: a record fails its checksum)`), store.openWarnings[0]);
      assert.ok(readdirSync(directory).includes(`${names[0]}.damaged`));
      await store.close();
      const reopened = await open();
      assert.deepEqual(reopened.openWarnings, []);
      assert.deepEqual(traceNumbers(reopened), [1, 3, 4, 5, 6]);
    });

    it('in the segment it appends to, reads past a garbled length to the records after it and appends elsewhere', async () => {
      const first = await open();
      for (let t = 1; t <= 4; t++) await first.appendSpans(traceSpans(t, 2));
      await first.close();
      const [segment] = await listSegments(directory);
      assert.ok(segment);
      const path = join(directory, segment.name);
      const bytes = readFileSync(path);
      const second = 16 + 8 + bytes.readUInt32LE(16);
      const third = second + 8 + bytes.readUInt32LE(second);
      bytes.writeUInt32LE(0xfffffff0, second);
      writeFileSync(path, bytes);
      const store = await open();
      assert.deepEqual(traceNumbers(store), [1, 3, 4]);
      assert.ok(store.openWarnings[0]?.includes(`set aside: bytes ${second}–${third} (an unknown number of records: a record claims 4294967280 bytes)`), store.openWarnings[0]);
      await store.appendSpans(traceSpans(5, 2));
      await store.close();
      assert.deepEqual(readFileSync(`${path}.damaged`), bytes);
      const reopened = await open();
      assert.deepEqual(reopened.openWarnings, []);
      assert.deepEqual(traceNumbers(reopened), [1, 3, 4, 5]);
    });

    it('sets aside, rather than cuts off, a last record of the final segment that is whole but fails its checksum', async () => {
      const first = await open();
      for (let t = 1; t <= 3; t++) await first.appendSpans(traceSpans(t, 2));
      await first.close();
      const [segment] = await listSegments(directory);
      assert.ok(segment);
      const path = join(directory, segment.name);
      const bytes = readFileSync(path);
      bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0x01;
      writeFileSync(path, bytes);
      const store = await open();
      assert.deepEqual(traceNumbers(store), [1, 2]);
      assert.match(store.openWarnings.join('\n'), /1 record: a record fails its checksum/);
      assert.deepEqual(readFileSync(`${path}.damaged`), bytes);
    });

    it('keeps a damaged segment in the log until a compaction can copy its intact records out', async () => {
      const { names } = await threeSegments();
      const damaged = join(directory, names[1] as string);
      const original = readFileSync(damaged);
      writeFileSync(damaged, original.subarray(0, original.length - 10));
      // The disk is full: no snapshot can be written.
      const files = new FailingFiles((path) => path.endsWith('.tmp'));
      files.failAfter(0);
      const store = await open({ files });
      assert.deepEqual(traceNumbers(store), [1, 2, 3, 5, 6]);
      assert.match(store.openWarnings.join('\n'), /could not compact its log .*ENOSPC/);
      assert.ok(!readdirSync(directory).includes(`${names[1]}.damaged`));
      assert.ok(readdirSync(directory).includes(names[1] as string), 'the damaged segment still holds its intact record');
      await store.appendSpans(traceSpans(7, 1));
      await store.close();
      const reopened = await open();
      assert.match(reopened.openWarnings.join('\n'), /is damaged; set aside/);
      assert.deepEqual(traceNumbers(reopened), [1, 2, 3, 5, 6, 7]);
      assert.ok(readdirSync(directory).includes(`${names[1]}.damaged`));
      await reopened.close();
      const third = await open();
      assert.deepEqual(third.openWarnings, []);
      assert.deepEqual(traceNumbers(third), [1, 2, 3, 5, 6, 7]);
    });
  });
});
