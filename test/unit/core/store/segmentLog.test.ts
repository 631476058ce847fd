import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { frameRecord, listSegments, LogFullError, SegmentLog, type LogRecordRef, type RecordLocation, type SegmentLogOptions } from '../../../../src/core/store/segmentLog';

/**
 * The log's own rules, on plain files: the format its file comment documents, and what replay
 * does with a log a crash or a bad disk left behind. The trace and log stores' tests cover what
 * they build on it.
 */

const headerBytes = 16;
const kinds = [1, 2, 3];

function payload(n: number, bytes = 24): Buffer {
  return Buffer.alloc(bytes, n);
}

interface Replayed {
  readonly log: SegmentLog;
  readonly records: LogRecordRef[];
  readonly warnings: string[];
  readonly corrupted: boolean;
}

async function openLog(directory: string, options: SegmentLogOptions = {}): Promise<Replayed> {
  const log = new SegmentLog(directory, { knownKinds: kinds, ...options });
  const records: LogRecordRef[] = [];
  const { warnings, corrupted } = await log.open((record) => records.push(record));
  return { log, records, warnings, corrupted };
}

/** Appends records of kind 1 whose payloads are filled with 1, 2, 3 …; resolves to where they lie. */
async function appendAll(log: SegmentLog, count: number, bytes = 24): Promise<RecordLocation[]> {
  const locations: RecordLocation[] = [];
  for (let n = 1; n <= count; n++) await log.append(1, payload(n, bytes), (location) => locations.push(location));
  return locations;
}

function fills(records: readonly LogRecordRef[]): number[] {
  return records.map((r) => r.payload[0] as number);
}

function segmentPath(directory: string, index: number): string {
  return join(directory, `segment-${String(index).padStart(8, '0')}.log`);
}

describe('SegmentLog', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'spanlens-segment-log-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  describe('format', () => {
    it('writes a 16-byte header, then records framed as u32 length | u32 crc32 | u8 kind | payload', async () => {
      const { log } = await openLog(directory);
      await log.append(2, Buffer.from('hello'));
      await log.close();
      const bytes = readFileSync(segmentPath(directory, 1));
      assert.equal(bytes.subarray(0, 8).toString('latin1'), 'SPLNSEG1');
      assert.equal(bytes.readUInt32LE(8), 0, 'an ordinary segment has no flags');
      assert.equal(bytes.length, headerBytes + 9 + 5);
      assert.equal(bytes.readUInt32LE(16), 6, 'the length covers kind and payload');
      assert.equal(bytes.readUInt32LE(20), crc32(bytes.subarray(24)), 'the checksum covers kind and payload');
      assert.equal(bytes[24], 2);
      assert.equal(bytes.subarray(25).toString(), 'hello');
      assert.deepEqual(bytes.subarray(16), frameRecord(2, Buffer.from('hello')));
    });

    it('replays every record in order, with the place each lies', async () => {
      const first = await openLog(directory);
      const locations = await appendAll(first.log, 3);
      await first.log.close();
      const { log, records, warnings, corrupted } = await openLog(directory);
      assert.deepEqual(fills(records), [1, 2, 3]);
      assert.deepEqual(
        records.map((r) => r.location),
        locations,
      );
      assert.deepEqual(locations[0], { segment: 1, offset: headerBytes, bytes: 9 + 24 });
      assert.equal(locations[1]?.offset, headerBytes + 33);
      assert.deepEqual(warnings, []);
      assert.equal(corrupted, false);
      await log.close();
    });

    it('appends after the replayed records of the newest segment', async () => {
      const first = await openLog(directory);
      await appendAll(first.log, 2);
      await first.log.close();
      const second = await openLog(directory);
      await second.log.append(3, payload(9));
      await second.log.close();
      const { log, records } = await openLog(directory);
      assert.deepEqual(fills(records), [1, 2, 9]);
      assert.deepEqual(readdirSync(directory), ['segment-00000001.log']);
      await log.close();
    });
  });

  describe('after a crash', () => {
    it('drops a torn last record, says so, and appends where it was', async () => {
      const first = await openLog(directory);
      const locations = await appendAll(first.log, 3);
      await first.log.close();
      const third = locations[2] as RecordLocation;
      truncateSync(segmentPath(directory, 1), third.offset + 12);
      const second = await openLog(directory);
      assert.deepEqual(fills(second.records), [1, 2]);
      assert.equal(second.corrupted, false, 'an unfinished write is not damage');
      assert.equal(second.warnings.length, 1);
      assert.match(second.warnings[0] ?? '', /segment-00000001\.log: the last record was cut short at byte \d+/);
      assert.equal(readFileSync(segmentPath(directory, 1)).length, third.offset, 'the torn bytes are cut off');
      await second.log.append(1, payload(7));
      await second.log.close();
      const { log, records, warnings } = await openLog(directory);
      assert.deepEqual(fills(records), [1, 2, 7]);
      assert.deepEqual(warnings, []);
      await log.close();
    });

    it('drops a torn record header too', async () => {
      const first = await openLog(directory);
      const locations = await appendAll(first.log, 2);
      await first.log.close();
      truncateSync(segmentPath(directory, 1), (locations[1] as RecordLocation).offset + 4);
      const { log, records, corrupted } = await openLog(directory);
      assert.deepEqual(fills(records), [1]);
      assert.equal(corrupted, false);
      await log.close();
    });

    it('removes a newest segment whose header was torn as it was created', async () => {
      // Three records fill the first segment, so the log starts the second right after them.
      const first = await openLog(directory, { segmentBytes: 100 });
      await appendAll(first.log, 3);
      await first.log.close();
      assert.equal(readFileSync(segmentPath(directory, 2)).length, headerBytes);
      writeFileSync(segmentPath(directory, 2), Buffer.from('SPLNSE', 'latin1'));
      const { log, records, corrupted, warnings } = await openLog(directory, { segmentBytes: 100 });
      assert.equal(corrupted, false);
      assert.equal(warnings.length, 1);
      assert.deepEqual(fills(records), [1, 2, 3]);
      assert.equal(existsSync(segmentPath(directory, 2)), false);
      await log.close();
    });

    it('deletes a snapshot left half-written (*.tmp)', async () => {
      const first = await openLog(directory);
      await appendAll(first.log, 1);
      await first.log.close();
      writeFileSync(join(directory, 'segment-00000002.log.tmp'), Buffer.from('SPLNSEG1partial'));
      const { log, records } = await openLog(directory);
      assert.deepEqual(fills(records), [1]);
      assert.equal(existsSync(join(directory, 'segment-00000002.log.tmp')), false);
      await log.close();
    });

    it('replays from the newest snapshot and deletes the segments it replaced (a crash between rename and delete)', async () => {
      const first = await openLog(directory);
      await appendAll(first.log, 2);
      await first.log.close();
      // What a commit leaves when the process dies right after renaming the snapshot into place.
      const snapshotHeader = Buffer.alloc(headerBytes);
      snapshotHeader.write('SPLNSEG1', 'latin1');
      snapshotHeader.writeUInt32LE(1, 8);
      writeFileSync(segmentPath(directory, 2), Buffer.concat([snapshotHeader, frameRecord(1, payload(5))]));
      const { log, records, warnings } = await openLog(directory);
      assert.deepEqual(fills(records), [5], 'nothing of the replaced segment is replayed twice');
      assert.deepEqual(warnings, []);
      assert.deepEqual(readdirSync(directory), ['segment-00000002.log']);
      await log.close();
    });
  });

  describe('damage', () => {
    it('skips a record that fails its checksum, keeps the intact ones on both sides, and never appends to that segment', async () => {
      const first = await openLog(directory);
      const locations = await appendAll(first.log, 3);
      await first.log.close();
      const path = segmentPath(directory, 1);
      const bytes = readFileSync(path);
      const middle = locations[1] as RecordLocation;
      bytes.writeUInt8(bytes.readUInt8(middle.offset + 12) ^ 0xff, middle.offset + 12);
      writeFileSync(path, bytes);
      const second = await openLog(directory);
      assert.deepEqual(fills(second.records), [1, 3]);
      assert.equal(second.corrupted, true);
      assert.equal(second.warnings.length, 1);
      assert.match(second.warnings[0] ?? '', /segment-00000001\.log \(\d+ bytes\) is damaged; set aside: bytes \d+–\d+ \(1 record: a record fails its checksum\)\. The 2 intact records were kept/);
      await second.log.append(1, payload(8));
      await second.log.close();
      assert.deepEqual(readFileSync(path), bytes, 'the damaged segment is left as it was');
      const { log, records } = await openLog(directory);
      assert.deepEqual(fills(records), [1, 3, 8], 'appends went to a new segment');
      await log.close();
    });

    it('resumes after a record whose length is garbage', async () => {
      const first = await openLog(directory);
      const locations = await appendAll(first.log, 3);
      await first.log.close();
      const path = segmentPath(directory, 1);
      const bytes = readFileSync(path);
      bytes.writeUInt32LE(0xffff_ffff, (locations[1] as RecordLocation).offset);
      writeFileSync(path, bytes);
      const { log, records, warnings, corrupted } = await openLog(directory);
      assert.deepEqual(fills(records), [1, 3]);
      assert.equal(corrupted, true);
      assert.match(warnings[0] ?? '', /a record claims 4294967295 bytes/);
      await log.close();
    });

    it('treats a torn record in an older segment as damage, not as an unfinished write', async () => {
      const first = await openLog(directory, { segmentBytes: 100 });
      await appendAll(first.log, 4);
      await first.log.close();
      const segments = await listSegments(directory);
      assert.ok(segments.length >= 2);
      const oldest = join(directory, (segments[0] as { name: string }).name);
      truncateSync(oldest, readFileSync(oldest).length - 5);
      const { log, records, warnings, corrupted } = await openLog(directory, { segmentBytes: 100 });
      assert.equal(corrupted, true);
      assert.match(warnings[0] ?? '', /is damaged/);
      assert.deepEqual(fills(records), [1, 2, 4], 'only the torn record is lost');
      await log.close();
    });

    it('keeps a damaged segment as *.damaged once a compaction has copied its intact records', async () => {
      const first = await openLog(directory);
      const locations = await appendAll(first.log, 3);
      await first.log.close();
      const path = segmentPath(directory, 1);
      const bytes = readFileSync(path);
      const at = (locations[1] as RecordLocation).offset + 12;
      bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
      writeFileSync(path, bytes);
      const second = await openLog(directory);
      const snapshot = await second.log.beginSnapshot(() => 0);
      const outcome = await snapshot.copy(second.records.map((r) => r.location));
      assert.equal(outcome.copied.length, 2);
      await snapshot.commit(() => undefined);
      await second.log.close();
      assert.deepEqual(readFileSync(`${path}.damaged`), bytes);
      assert.equal(existsSync(path), false);
      const { log, records, corrupted, warnings } = await openLog(directory);
      assert.deepEqual(fills(records), [1, 3]);
      assert.equal(corrupted, false);
      assert.deepEqual(warnings, []);
      await log.close();
    });
  });

  describe('rotation and compaction', () => {
    it('starts a new segment once the active one reaches segmentBytes, and replays across them in order', async () => {
      const first = await openLog(directory, { segmentBytes: 100 });
      const locations = await appendAll(first.log, 6);
      await first.log.close();
      const names = (await listSegments(directory)).map((s) => s.name);
      // 16 + 33 × 3 = 115 ≥ 100: three records to a segment, then the next one starts (the
      // third is new and empty).
      assert.deepEqual(names, ['segment-00000001.log', 'segment-00000002.log', 'segment-00000003.log']);
      assert.deepEqual(
        locations.map((l) => l.segment),
        [1, 1, 1, 2, 2, 2],
      );
      const { log, records } = await openLog(directory, { segmentBytes: 100 });
      assert.deepEqual(fills(records), [1, 2, 3, 4, 5, 6]);
      await log.close();
    });

    it('compacts into a snapshot while appends go on, and replays the snapshot then what came after the cut', async () => {
      const first = await openLog(directory, { segmentBytes: 100 });
      const locations = await appendAll(first.log, 4);
      const snapshot = await first.log.beginSnapshot(() => 0);
      await first.log.append(1, payload(5));
      // The snapshot keeps records 2 and 4 (say 1 and 3 were superseded).
      const copied = await snapshot.copy([locations[1] as RecordLocation, locations[3] as RecordLocation]);
      assert.equal(copied.copied.length, 2);
      assert.equal(copied.damage, undefined);
      let inPlace = false;
      await snapshot.commit(() => {
        inPlace = true;
      });
      assert.ok(inPlace);
      await first.log.close();
      const snapshotFile = readFileSync(segmentPath(directory, (copied.copied[0] as RecordLocation).segment));
      assert.equal(snapshotFile.readUInt32LE(8), 1, 'a snapshot has the snapshot flag');
      const { log, records } = await openLog(directory, { segmentBytes: 100 });
      assert.deepEqual(fills(records), [2, 4, 5]);
      assert.ok(
        (await listSegments(directory)).every((s) => Number(s.name.slice(8, 16)) >= (copied.copied[0] as RecordLocation).segment),
        'the segments before the snapshot are gone',
      );
      await log.close();
    });

    it('leaves the live log as it was when a snapshot is aborted', async () => {
      const first = await openLog(directory);
      await appendAll(first.log, 2);
      const snapshot = await first.log.beginSnapshot(() => 0);
      await snapshot.append(1, payload(9));
      await snapshot.abort();
      await first.log.append(1, payload(3));
      await first.log.close();
      assert.ok(!readdirSync(directory).some((name) => name.endsWith('.tmp')));
      const { log, records } = await openLog(directory);
      assert.deepEqual(fills(records), [1, 2, 3]);
      await log.close();
    });

    it('refuses an append that would take the log past maxBytes, writing nothing', async () => {
      const { log } = await openLog(directory, { maxBytes: 200 });
      await appendAll(log, 3, 24);
      await assert.rejects(log.append(1, payload(4, 100)), LogFullError);
      await log.close();
      const { log: reopened, records } = await openLog(directory);
      assert.deepEqual(fills(records), [1, 2, 3]);
      await reopened.close();
    });
  });
});
