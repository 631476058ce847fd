import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeOtlpLogsJson } from '../../../../src/core/logs/decodeOtlpLogsJson';
import { decodeOtlpLogsProtobuf } from '../../../../src/core/logs/decodeOtlpLogsProtobuf';
import { LocalLogStore, type LocalLogStoreOptions } from '../../../../src/core/logs/localLogStore';
import { makeLogRecord, type LogRecord } from '../../../../src/core/logs/logRecord';
import { createResource } from '../../../../src/core/model/span';
import { listSegments } from '../../../../src/core/store/segmentLog';
import { recordSdkLogs, sdkJsonOf, sdkProtobufOf, spanContextOf } from './sdkLogs';

const resource = createResource({ 'service.name': 'cart', 'service.version': '2' });

function traceIdOf(traceNo: number): string {
  return (traceNo + 1).toString(16).padStart(32, '0');
}

function spanIdOf(spanNo: number): string {
  return (spanNo + 1).toString(16).padStart(16, '0');
}

/** A record of trace `traceNo` (none when undefined) and span `spanNo`, at `time` ns. */
function log(body: string, traceNo?: number, spanNo?: number, time = 1_700_000_000_000_000_000n): LogRecord {
  return makeLogRecord(
    traceNo === undefined ? undefined : traceIdOf(traceNo),
    traceNo === undefined || spanNo === undefined ? undefined : spanIdOf(spanNo),
    time,
    time + 5n,
    9,
    'INFO',
    body,
    { 'log.n': body.length },
    resource,
    { name: 'tests', version: undefined, attributes: {} },
    traceNo === undefined ? 0 : 1,
    undefined,
  );
}

/** The records of one segment file, read by the format segmentLog.ts documents. */
function framesIn(path: string): { readonly kind: number; readonly payload: Buffer }[] {
  const bytes = readFileSync(path);
  const frames: { kind: number; payload: Buffer }[] = [];
  for (let pos = 16; pos < bytes.length;) {
    const end = pos + 8 + bytes.readUInt32LE(pos);
    frames.push({ kind: bytes[pos + 8] ?? -1, payload: bytes.subarray(pos + 9, end) });
    pos = end;
  }
  return frames;
}

function bodies(records: readonly LogRecord[]): unknown[] {
  return records.map((r) => r.body);
}

describe('LocalLogStore', () => {
  let directory: string;
  const open: LocalLogStore[] = [];

  async function openStore(options: Partial<LocalLogStoreOptions> = {}): Promise<LocalLogStore> {
    const store = await LocalLogStore.open({ directory, ...options });
    open.push(store);
    return store;
  }

  async function reopen(store: LocalLogStore, options: Partial<LocalLogStoreOptions> = {}): Promise<LocalLogStore> {
    await store.close();
    return openStore(options);
  }

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'spanlens-logs-'));
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('indexes records by trace and span, in time order, and keeps uncorrelated ones apart', async () => {
    const store = await openStore();
    await store.ingest({ records: [log('a2', 0, 1, 20n), log('a1', 0, 1, 10n), log('b', 1, 0), log('free'), log('a-no-span', 0, undefined, 15n)] });
    await store.ingest({ records: [log('a3', 0, 2, 5n)] });
    assert.deepEqual(bodies(store.logsForTrace(traceIdOf(0))), ['a3', 'a1', 'a-no-span', 'a2']);
    assert.deepEqual(bodies(store.logsForSpan(traceIdOf(0), spanIdOf(1))), ['a1', 'a2']);
    assert.deepEqual(bodies(store.logsForSpan(traceIdOf(0), spanIdOf(2))), ['a3']);
    assert.deepEqual(bodies(store.logsForTrace(traceIdOf(1))), ['b']);
    assert.deepEqual(store.logsForTrace(traceIdOf(9)), []);
    assert.deepEqual(store.logsForSpan(traceIdOf(1), spanIdOf(7)), []);
    assert.deepEqual(bodies(store.recentUncorrelated()), ['free']);
    assert.equal(store.logCount(traceIdOf(0)), 4);
    assert.deepEqual({ records: store.stats.records, traces: store.stats.traces, uncorrelated: store.stats.uncorrelatedRecords }, { records: 6, traces: 2, uncorrelated: 1 });
  });

  it('evicts the oldest records beyond maxRecords, whatever trace they belong to', async () => {
    const store = await openStore({ maxRecords: 10 });
    for (let batch = 0; batch < 5; batch++) {
      await store.ingest({ records: Array.from({ length: 5 }, (_, i) => log(`r${batch * 5 + i}`, (batch * 5 + i) % 3, i)) });
    }
    assert.equal(store.recordCount, 10);
    assert.equal(store.stats.evicted, 15);
    const held = [0, 1, 2].flatMap((t) => bodies(store.logsForTrace(traceIdOf(t))) as string[]);
    assert.deepEqual(held.sort(), Array.from({ length: 10 }, (_, i) => `r${15 + i}`).sort());
    for (let span = 0; span < 5; span++) {
      for (const record of [0, 1, 2].flatMap((t) => store.logsForSpan(traceIdOf(t), spanIdOf(span)))) assert.equal(record.spanId, spanIdOf(span));
    }
  });

  it('evicts the oldest records beyond maxBytes, estimated', async () => {
    const store = await openStore({ maxBytes: 1024 * 1024, maxValueLength: 64 * 1024 });
    for (let i = 0; i < 60; i++) await store.ingest({ records: [log(`${i}:`.padEnd(40 * 1024, 'x'), i)] });
    const { bytes, records, evicted } = store.stats;
    assert.ok(bytes <= 1024 * 1024, `${bytes} bytes held`);
    assert.ok(records >= 20 && records < 26, `${records} records held`);
    assert.equal(evicted, 60 - records);
    assert.equal(store.logCount(traceIdOf(59)), 1, 'the newest is held');
    assert.equal(store.logCount(traceIdOf(0)), 0, 'the oldest is gone');
  });

  it('keeps records without a trace id in a ring of their own, newest first', async () => {
    const store = await openStore({ maxUncorrelatedRecords: 3 });
    await store.ingest({ records: [log('u0'), log('t', 0), log('u1'), log('u2'), log('u3')] });
    await store.ingest({ records: [log('u4')] });
    assert.deepEqual(bodies(store.recentUncorrelated()), ['u4', 'u3', 'u2']);
    assert.deepEqual(bodies(store.recentUncorrelated(2)), ['u4', 'u3']);
    assert.deepEqual(bodies(store.logsForTrace(traceIdOf(0))), ['t'], 'the ring does not push out correlated records');
    assert.equal(store.stats.evicted, 2);
    const reopened = await reopen(store, { maxUncorrelatedRecords: 3 });
    assert.deepEqual(bodies(reopened.recentUncorrelated()), ['u4', 'u3', 'u2']);
  });

  it('cuts oversized values with a marker before logging them, and replays them cut', async () => {
    const store = await openStore({ maxValueLength: 1024 });
    await store.ingest({ records: [log('y'.repeat(100 * 1024), 0)] });
    const body = store.logsForTrace(traceIdOf(0))[0]?.body;
    assert.match(body as string, /^y+\.\.\.\[truncated 99 KiB\]$/);
    assert.equal(store.stats.truncated, 1);
    const reopened = await reopen(store, { maxValueLength: 1024 });
    assert.equal(reopened.logsForTrace(traceIdOf(0))[0]?.body, body);
  });

  it('drops the records of a trace the trace store evicted, for good, and keeps records of it that come later', async () => {
    const store = await openStore();
    await store.ingest({ records: [log('a', 0, 0), log('b', 1, 0), log('free')] });
    await store.dropTrace(traceIdOf(0));
    assert.deepEqual(store.logsForTrace(traceIdOf(0)), []);
    assert.deepEqual(store.logsForSpan(traceIdOf(0), spanIdOf(0)), []);
    assert.deepEqual(bodies(store.logsForTrace(traceIdOf(1))), ['b']);
    assert.equal(store.stats.dropped, 1);
    await store.dropTraces([traceIdOf(5), traceIdOf(6)]);
    await store.ingest({ records: [log('late', 0, 0)] });
    const reopened = await reopen(store);
    assert.deepEqual(bodies(reopened.logsForTrace(traceIdOf(0))), ['late']);
    assert.deepEqual(bodies(reopened.logsForTrace(traceIdOf(1))), ['b']);
    assert.deepEqual(bodies(reopened.recentUncorrelated()), ['free']);
  });

  it('survives close and reopen with the same records, SDK bodies and records it encoded alike', async () => {
    const store = await openStore();
    const sdk = recordSdkLogs([
      { body: 'from the SDK', attributes: { n: 1 }, context: spanContextOf(traceIdOf(3), spanIdOf(0)) },
      { body: { structured: [1, 2] }, context: spanContextOf(traceIdOf(3), spanIdOf(1)) },
      { body: 'no trace' },
    ]);
    const protobuf = sdkProtobufOf(sdk);
    const json = sdkJsonOf(sdk);
    await store.ingest({ records: decodeOtlpLogsProtobuf(protobuf), payload: { kind: 'protobuf', bytes: protobuf } });
    await store.ingest({ records: decodeOtlpLogsJson(json), payload: { kind: 'json', bytes: json } });
    await store.ingest({ records: [log('hand-made', 0, 0), log('hand-made free')] });
    const before = { trace3: store.logsForTrace(traceIdOf(3)), trace0: store.logsForTrace(traceIdOf(0)), free: store.recentUncorrelated(), stats: store.stats };
    assert.equal(before.trace3.length, 4);
    const reopened = await reopen(store);
    assert.deepEqual(reopened.logsForTrace(traceIdOf(3)), before.trace3);
    assert.deepEqual(reopened.logsForTrace(traceIdOf(0)), before.trace0);
    assert.deepEqual(reopened.recentUncorrelated(), before.free);
    assert.deepEqual(reopened.stats.records, before.stats.records);
    assert.equal(reopened.stats.bytes, before.stats.bytes, 'replay estimates what ingest did');
    assert.deepEqual(reopened.openWarnings, []);
    const segments = readdirSync(join(directory, 'logs')).filter((name) => name.startsWith('segment-'));
    assert.equal(segments.length, 1, 'the log lives in logs/');
    const frames = framesIn(join(directory, 'logs', segments[0] ?? ''));
    assert.deepEqual(
      frames.map((f) => f.kind),
      [1, 2, 2],
      'protobuf and JSON as received, then the hand-made records as OTLP JSON',
    );
    assert.deepEqual(frames[0]?.payload, protobuf, 'the body is logged as it arrived');
    assert.deepEqual(frames[1]?.payload, json);
  });

  it('compacts once evicted records outweigh live ones, and the compacted log replays to the same records', async () => {
    const options = { maxRecords: 40, compactMinBytes: 1 };
    const store = await openStore(options);
    for (let batch = 0; batch < 30; batch++) {
      await store.ingest({ records: Array.from({ length: 10 }, (_, i) => log(`r${batch}-${i}`.padEnd(200, '.'), (batch * 10 + i) % 7, i % 3)) });
      // Drops that leave batches partly live, so compaction has to write records again as well as copy them.
      if (batch % 4 === 3) await store.dropTrace(traceIdOf(batch % 7));
    }
    await store.compact();
    const snapshot = (s: LocalLogStore) => Array.from({ length: 7 }, (_, t) => s.logsForTrace(traceIdOf(t)));
    const before = snapshot(store);
    const segments = await listSegments(join(directory, 'logs'));
    const diskBytes = segments.reduce((sum, s) => sum + s.stats.size, 0);
    // 300 records of about 500 bytes of JSON each were logged; what remains is about the 40 live ones.
    assert.ok(diskBytes < 40 * 700, `${diskBytes} bytes on disk for 40 records`);
    const reopened = await reopen(store, options);
    assert.deepEqual(snapshot(reopened), before);
    assert.equal(reopened.recordCount, store.recordCount);
  });

  it('keeps taking batches while a compaction runs, and replays all of them', async () => {
    const options = { maxRecords: 50 };
    const store = await openStore(options);
    let batch = 0;
    const ingest = (): Promise<void> => {
      batch++;
      return store.ingest({ records: [log(`r${batch}`, batch % 11, 0), log(`s${batch}`, batch % 5, 1)] });
    };
    let duringCompaction = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 40; i++) await ingest();
      const state = { compacting: true };
      const compaction = store.compact().finally(() => (state.compacting = false));
      while (state.compacting) {
        await ingest();
        if (batch % 3 === 0) await store.dropTrace(traceIdOf(batch % 11));
        duringCompaction++;
      }
      await compaction;
    }
    assert.ok(duringCompaction >= 5, `${duringCompaction} batches were written while a compaction ran`);
    const held = (s: LocalLogStore) => [...Array.from({ length: 11 }, (_, t) => bodies(s.logsForTrace(traceIdOf(t))))];
    const before = held(store);
    const count = store.recordCount;
    const reopened = await reopen(store, options);
    assert.deepEqual(held(reopened), before);
    assert.equal(reopened.recordCount, count);
  });

  it('clears everything, in memory and on disk', async () => {
    const store = await openStore();
    await store.ingest({ records: [log('a', 0), log('free')] });
    await store.clear();
    assert.equal(store.recordCount, 0);
    assert.deepEqual(store.recentUncorrelated(), []);
    await store.ingest({ records: [log('after', 1)] });
    const reopened = await reopen(store);
    assert.deepEqual(reopened.logsForTrace(traceIdOf(0)), []);
    assert.deepEqual(bodies(reopened.logsForTrace(traceIdOf(1))), ['after']);
  });

  it('refuses batches once closed, so the receiver answers 503 rather than acknowledging', async () => {
    const store = await openStore();
    await store.close();
    await assert.rejects(store.ingest({ records: [log('late', 0)] }), /closed/);
    assert.equal(store.stats.refusedBatches, 1);
  });
});
