import { promises as fs, type Stats } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * An append-only log of records in numbered segment files under one directory.
 *
 * File: a 16-byte header (magic "SPLNSEG1", u32 flags, u32 reserved), then records, each
 * `u32 length | u32 crc32 | u8 kind | payload` (little-endian; length and crc cover kind and
 * payload). A segment with the `snapshot` flag was written by compaction and holds everything
 * that was live in the segments before it, so every older segment is stale: compaction renames
 * the snapshot into place before deleting its predecessors, and replay ignores (and deletes)
 * segments older than the newest snapshot, so a crash between the two steps neither loses nor
 * duplicates spans.
 *
 * Compaction does not stop the log (see beginSnapshot): at a cut, appends move on to a new
 * segment numbered after a slot reserved for the snapshot, and the snapshot is written beside
 * them as `*.tmp`, which replay deletes. Until the rename the old segments plus the new ones
 * replay to everything; after it the snapshot plus the new ones do. Every record's place in its
 * segment is handed to the caller (RecordLocation), so a snapshot can copy the records that are
 * still wholly needed frame by frame, checksum and all, instead of encoding their contents again.
 *
 * Durability: a record counts as written when write(2) has returned for all of its bytes. That
 * puts it in the kernel's page cache, which survives the death of the process (SIGKILL, a crash
 * of the extension host); only a crash of the operating system or a power loss could lose it.
 * fdatasync would cover those too at a cost of milliseconds per group commit on an ordinary disk,
 * which would cap ingest for data that is debugging telemetry; it is therefore opt-in
 * (`syncWrites`). Compaction always syncs its snapshot before deleting the segments it replaces,
 * because there a lost write would lose old data rather than the last instant's.
 *
 * Writes are group-committed: appends that arrive while a write is in flight go out together in
 * one writev, so a burst of small batches costs few system calls.
 */

const magic = Buffer.from('SPLNSEG1', 'latin1');
const headerBytes = 16;
const recordHeaderBytes = 9;
const flagSnapshot = 1;
/** Larger records are not plausible for one batch; a length beyond it means the bytes are garbage. */
const maxRecordBytes = 1 << 30;
const segmentPattern = /^segment-(\d{8})\.log$/;
/** A snapshot copies at most this many bytes per read and write, so no single step holds much memory. */
const copyChunkBytes = 1 << 20;

/** Where one record's frame (header and payload) lies: segment number, byte offset, byte length. */
export interface RecordLocation {
  readonly segment: number;
  readonly offset: number;
  readonly bytes: number;
}

export interface LogRecordRef {
  readonly kind: number;
  readonly payload: Uint8Array;
  readonly segment: string;
  readonly offset: number;
  /** Undefined when the segment was damaged and set aside, so the frame cannot be copied from it. */
  readonly location: RecordLocation | undefined;
}

export interface SegmentLogOptions {
  /** Start a new segment once the active one is this large. */
  readonly segmentBytes?: number;
  /** fdatasync after every group commit (see the file comment for why it is off by default). */
  readonly syncWrites?: boolean;
}

/**
 * A snapshot being written beside the live log. Exactly one of commit() and abort() must be
 * called; until commit() has renamed it into place, the snapshot is invisible to replay.
 */
export interface LogSnapshot {
  /** Writes one record to the snapshot (not to the live log); resolves to where it now lies. */
  append(kind: number, payload: Uint8Array): Promise<RecordLocation>;
  /**
   * Copies records of segments from before the cut into the snapshot unchanged, in the order
   * given. Stops before the first one whose frame is not where it was said to be or fails its
   * checksum, so damage is never carried over: `copied` then holds fewer locations than asked.
   */
  copy(records: readonly RecordLocation[]): Promise<CopyOutcome>;
  /**
   * Makes the snapshot durable and puts it in place of every segment from before the cut.
   * `onInPlace` runs as soon as the rename has happened, before the old segments are deleted:
   * from then on only the snapshot's locations are valid, even if a later step fails.
   */
  commit(onInPlace: () => void): Promise<void>;
  /** Deletes the partial snapshot; the live log is unaffected. */
  abort(): Promise<void>;
}

export interface CopyOutcome {
  /** The new locations of the records copied, a prefix of those asked for. */
  readonly copied: RecordLocation[];
  /** Why the record after them was not copied, worded for a person. */
  readonly damage?: string;
}

export interface ReplayResult {
  readonly warnings: string[];
  /** Some bytes could not be read (not merely a torn tail); the caller should compact soon. */
  readonly corrupted: boolean;
}

type QueueItem =
  | { readonly type: 'append'; readonly frame: Buffer; readonly onWritten: (location: RecordLocation) => void; readonly resolve: () => void; readonly reject: (error: unknown) => void }
  | { readonly type: 'exclusive'; readonly run: () => Promise<void>; readonly resolve: () => void; readonly reject: (error: unknown) => void };

function segmentName(index: number): string {
  return `segment-${String(index).padStart(8, '0')}.log`;
}

function header(flags: number): Buffer {
  const out = Buffer.alloc(headerBytes);
  magic.copy(out, 0);
  out.writeUInt32LE(flags, 8);
  return out;
}

/** One record's bytes: its 9-byte header and payload. */
export function frameRecord(kind: number, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(recordHeaderBytes + payload.length);
  frame.writeUInt32LE(payload.length + 1, 0);
  frame[8] = kind;
  frame.set(payload, recordHeaderBytes);
  frame.writeUInt32LE(crc32(frame.subarray(8)), 4);
  return frame;
}

export class SegmentLog {
  private active: fs.FileHandle | undefined;
  private activeIndex = 0;
  private activeBytes = 0;
  /** Bytes in every live segment, the active one included. */
  private totalBytes = 0;
  private readonly queue: QueueItem[] = [];
  private draining = false;
  private queuedBytes = 0;
  private closed = false;
  private readonly segmentBytes: number;
  private readonly syncWrites: boolean;

  constructor(
    readonly directory: string,
    options: SegmentLogOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.syncWrites = options.syncWrites ?? false;
  }

  /** Bytes of appends waiting for their write; the store's back-pressure signal. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  get sizeBytes(): number {
    return this.totalBytes;
  }

  /**
   * Reads every record in order, then opens the newest segment for appending. A torn last record
   * (the process died inside a write) is cut off; a segment that is damaged elsewhere is read up
   * to the damage and kept aside as `*.corrupt` once its records have been handed over, and never
   * makes open() fail.
   */
  async open(onRecord: (record: LogRecordRef) => void): Promise<ReplayResult> {
    await fs.mkdir(this.directory, { recursive: true });
    const names = await fs.readdir(this.directory);
    for (const name of names) if (name.endsWith('.tmp')) await fs.rm(join(this.directory, name), { force: true });
    const indices = names
      .map((name) => segmentPattern.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const warnings: string[] = [];
    let corrupted = false;
    const contents = new Map<number, Buffer>();
    let firstLive = 0;
    for (let i = indices.length - 1; i >= 0; i--) {
      const index = indices[i] as number;
      const bytes = await fs.readFile(join(this.directory, segmentName(index)));
      contents.set(index, bytes);
      if (bytes.length >= headerBytes && bytes.subarray(0, 8).equals(magic) && (bytes.readUInt32LE(8) & flagSnapshot) !== 0) {
        firstLive = i;
        break;
      }
    }
    for (const index of indices.slice(0, firstLive)) await fs.rm(join(this.directory, segmentName(index)), { force: true });
    const live = indices.slice(firstLive);
    for (const [position, index] of live.entries()) {
      const name = segmentName(index);
      const path = join(this.directory, name);
      const bytes = contents.get(index) ?? (await fs.readFile(path));
      const isLast = position === live.length - 1;
      const outcome = this.scan(bytes, isLast);
      const kept = outcome.problem !== 'damaged';
      for (const record of outcome.records) {
        const location = kept ? { segment: index, offset: record.offset, bytes: record.bytes } : undefined;
        onRecord({ kind: record.kind, payload: record.payload, segment: name, offset: record.offset, location });
      }
      if (outcome.problem === undefined) {
        this.totalBytes += bytes.length;
        if (isLast) {
          this.activeIndex = index;
          this.activeBytes = bytes.length;
        }
        continue;
      }
      if (outcome.problem === 'torn' && isLast) {
        warnings.push(`${name}: the last record was cut short at byte ${outcome.goodBytes} of ${bytes.length} (the writer stopped mid-write); it was never acknowledged and has been removed.`);
        if (outcome.goodBytes < headerBytes) {
          await fs.rm(path, { force: true });
          continue;
        }
        await fs.truncate(path, outcome.goodBytes);
        this.totalBytes += outcome.goodBytes;
        this.activeIndex = index;
        this.activeBytes = outcome.goodBytes;
        continue;
      }
      corrupted = true;
      warnings.push(`${name} is damaged at byte ${outcome.goodBytes} of ${bytes.length} (${outcome.detail}); the records before that point were kept and the file was renamed to ${name}.corrupt.`);
      await fs.rename(path, `${path}.corrupt`);
      if (isLast) this.activeIndex = index;
    }
    if (this.activeBytes === 0) {
      this.activeIndex = Math.max(this.activeIndex, indices[indices.length - 1] ?? 0) + 1;
      await fs.writeFile(join(this.directory, segmentName(this.activeIndex)), header(0));
      this.activeBytes = headerBytes;
      this.totalBytes += headerBytes;
    }
    this.active = await fs.open(join(this.directory, segmentName(this.activeIndex)), 'a');
    return { warnings, corrupted };
  }

  /** The readable records of one segment, and what stopped the reading if it stopped early. */
  private scan(bytes: Buffer, isLast: boolean): ScanOutcome {
    const records: ScannedRecord[] = [];
    const stop = (problem: 'torn' | 'damaged', goodBytes: number, detail: string): ScanOutcome => ({ problem, goodBytes, detail, records });
    if (bytes.length < headerBytes) {
      // A segment is created with its header in one write, so a shorter one is a torn creation.
      return isLast && magic.subarray(0, Math.min(8, bytes.length)).equals(bytes.subarray(0, 8)) ? stop('torn', 0, '') : stop('damaged', 0, 'the file is shorter than its header');
    }
    if (!bytes.subarray(0, 8).equals(magic)) return stop('damaged', 0, 'it does not start with the SpanLens segment header');
    let pos = headerBytes;
    while (pos < bytes.length) {
      if (bytes.length - pos < recordHeaderBytes) return stop('torn', pos, 'a record header is incomplete');
      const length = bytes.readUInt32LE(pos);
      if (length === 0 || length > maxRecordBytes) return stop('damaged', pos, `a record claims ${length} bytes`);
      const end = pos + 8 + length;
      if (end > bytes.length) return stop('torn', pos, 'a record is incomplete');
      const body = bytes.subarray(pos + 8, end);
      if (crc32(body) !== bytes.readUInt32LE(pos + 4)) {
        // A torn write can leave a complete-looking last record with garbage in it, too.
        return end === bytes.length ? stop('torn', pos, 'the last record fails its checksum') : stop('damaged', pos, 'a record fails its checksum');
      }
      records.push({ kind: body[0] as number, payload: body.subarray(1), offset: pos, bytes: end - pos });
      pos = end;
    }
    return { problem: undefined, goodBytes: pos, detail: '', records };
  }

  /**
   * Appends one record; resolves once it is written (see the file comment). `onWritten` runs
   * right after the write and before any later queued operation, so the caller's in-memory state
   * follows the log's order exactly; it is told where the record lies.
   */
  append(kind: number, payload: Uint8Array, onWritten: (location: RecordLocation) => void = () => undefined): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the trace store is closed'));
    const frame = frameRecord(kind, payload);
    return new Promise<void>((resolve, reject) => {
      this.queuedBytes += frame.length;
      this.queue.push({ type: 'append', frame, onWritten, resolve, reject });
      this.drain();
    });
  }

  /** Runs `run` with no write in flight and none started until it finishes. */
  exclusive(run: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ type: 'exclusive', run, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    void this.drainLoop().finally(() => {
      this.draining = false;
      if (this.queue.length > 0) this.drain();
    });
  }

  private async drainLoop(): Promise<void> {
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
      if (item.type === 'exclusive') {
        try {
          await item.run();
          item.resolve();
        } catch (error: unknown) {
          item.reject(error);
        }
        continue;
      }
      const group = [item];
      while (this.queue[0]?.type === 'append') group.push(this.queue.shift() as typeof item);
      const frames = group.map((g) => g.frame);
      const bytes = frames.reduce((sum, f) => sum + f.length, 0);
      try {
        const segment = this.activeIndex;
        let offset = this.activeBytes;
        await this.writeAll(frames, bytes);
        this.queuedBytes -= bytes;
        for (const g of group) {
          g.onWritten({ segment, offset, bytes: g.frame.length });
          offset += g.frame.length;
        }
        for (const g of group) g.resolve();
        if (this.activeBytes >= this.segmentBytes) await this.rotate();
      } catch (error: unknown) {
        this.queuedBytes -= bytes;
        for (const g of group) g.reject(error);
      }
    }
  }

  private async writeAll(frames: Buffer[], bytes: number): Promise<void> {
    const handle = this.active;
    if (!handle) throw new Error('the trace store is not open');
    let { bytesWritten } = await handle.writev(frames);
    // writev on a regular file writes everything unless the disk is full; finish a short write.
    if (bytesWritten < bytes) {
      const rest = Buffer.concat(frames).subarray(bytesWritten);
      for (let done = 0; done < rest.length; ) done += (await handle.write(rest, done)).bytesWritten;
      bytesWritten = bytes;
    }
    if (this.syncWrites) await handle.datasync();
    this.activeBytes += bytesWritten;
    this.totalBytes += bytesWritten;
  }

  private async rotate(): Promise<void> {
    await this.startSegment(this.activeIndex + 1);
  }

  /** Closes the active segment and appends to a new, empty one numbered `index` from now on. */
  private async startSegment(index: number): Promise<void> {
    await this.active?.close();
    this.active = undefined;
    const path = join(this.directory, segmentName(index));
    await fs.writeFile(path, header(0));
    this.active = await fs.open(path, 'a');
    this.activeIndex = index;
    this.activeBytes = headerBytes;
    this.totalBytes += headerBytes;
  }

  /**
   * Starts compaction without stopping appends. At the cut (with no write in flight) `atCut`
   * runs, so the caller can take exactly the state that the segments written so far replay to;
   * appends then go on in a new segment, and the snapshot of that state is written, at the
   * caller's pace, to a temporary file numbered between the two. Nothing about the live log
   * depends on the snapshot until commit() renames it into place, so a kill at any moment leaves
   * a log that replays to every acknowledged record.
   */
  async beginSnapshot(atCut: () => void): Promise<LogSnapshot> {
    let snapshot: LogSnapshot | undefined;
    await this.exclusive(async () => {
      if (this.closed) throw new Error('the trace store is closed');
      const index = this.activeIndex + 1;
      const finalPath = join(this.directory, segmentName(index));
      const tmpPath = `${finalPath}.tmp`;
      const bytesAtCut = this.totalBytes;
      const handle = await fs.open(tmpPath, 'w');
      try {
        await handle.write(header(flagSnapshot));
        await this.startSegment(index + 1);
      } catch (error: unknown) {
        await handle.close().catch(() => undefined);
        await fs.rm(tmpPath, { force: true });
        throw error;
      }
      atCut();
      let size = headerBytes;
      let done = false;
      const finish = (): void => {
        if (done) throw new Error('the snapshot was already committed or aborted');
        done = true;
      };
      const sources = new SegmentReaders(this.directory);
      const write = async (bytes: Buffer): Promise<number> => {
        const offset = size;
        await writeFully(handle, bytes);
        size += bytes.length;
        return offset;
      };
      snapshot = {
        append: async (kind, payload) => {
          const frame = frameRecord(kind, payload);
          return { segment: index, offset: await write(frame), bytes: frame.length };
        },
        copy: async (records) => {
          const copied: RecordLocation[] = [];
          for (let first = 0; first < records.length; ) {
            // Records that lie end to end in one segment are copied in one read and one write.
            const start = records[first] as RecordLocation;
            let end = start.offset + start.bytes;
            let next = first + 1;
            for (let r = records[next]; r && r.segment === start.segment && r.offset === end && end - start.offset < copyChunkBytes; r = records[++next]) end += r.bytes;
            if (start.segment >= index) throw new Error(`segment ${start.segment} is not from before the snapshot`);
            const bytes = await sources.read(start.segment, start.offset, end - start.offset);
            let damage: string | undefined;
            let good = first;
            for (; good < next && damage === undefined; good++) damage = frameDamage(bytes, (records[good] as RecordLocation).offset - start.offset, records[good] as RecordLocation);
            if (damage !== undefined) good--;
            const goodBytes = good === next ? bytes.length : (records[good] as RecordLocation).offset - start.offset;
            const offset = goodBytes > 0 ? await write(bytes.subarray(0, goodBytes)) : size;
            for (let r = first; r < good; r++) {
              const from = records[r] as RecordLocation;
              copied.push({ segment: index, offset: offset + from.offset - start.offset, bytes: from.bytes });
            }
            if (damage !== undefined) return { copied, damage };
            first = next;
          }
          return { copied };
        },
        commit: async (onInPlace) => {
          finish();
          await sources.close();
          try {
            // A lost snapshot write would lose old data, so this one is always synced (file comment).
            await handle.datasync();
          } finally {
            await handle.close();
          }
          await fs.rename(tmpPath, finalPath);
          onInPlace();
          await this.deleteSegmentsBefore(index);
          this.totalBytes += size - bytesAtCut;
          await this.exclusive(() => this.continueInSnapshot(index, size));
        },
        abort: async () => {
          finish();
          await sources.close();
          await handle.close().catch(() => undefined);
          await fs.rm(tmpPath, { force: true });
        },
      };
    });
    if (!snapshot) throw new Error('the snapshot was not started');
    return snapshot;
  }

  private async deleteSegmentsBefore(index: number): Promise<void> {
    for (const name of await fs.readdir(this.directory)) {
      const n = segmentPattern.exec(name)?.[1];
      if (n !== undefined && Number(n) < index) await fs.rm(join(this.directory, name), { force: true });
    }
  }

  /**
   * When nothing was appended since the cut, appends go on in the snapshot itself and the empty
   * segment after it is dropped, so a quiet log ends up as one file. Opening the snapshot first
   * keeps the log writable if a later step fails.
   */
  private async continueInSnapshot(index: number, size: number): Promise<void> {
    if (this.closed || this.activeIndex !== index + 1 || this.activeBytes !== headerBytes) return;
    const snapshot = await fs.open(join(this.directory, segmentName(index)), 'a');
    await this.active?.close();
    this.active = snapshot;
    this.activeIndex = index;
    this.activeBytes = size;
    this.totalBytes -= headerBytes;
    await fs.rm(join(this.directory, segmentName(index + 1)), { force: true });
  }

  /**
   * Replaces the whole log with the records `write` produces (clear() passes none). Must run
   * inside exclusive(), so appends wait for it; compaction uses beginSnapshot(), which does not
   * stop them. `write` is called with an appender and may await between records.
   */
  async rewrite(write: (appendRecord: (kind: number, payload: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
    const index = this.activeIndex + 1;
    const finalPath = join(this.directory, segmentName(index));
    const tmpPath = `${finalPath}.tmp`;
    const handle = await fs.open(tmpPath, 'w');
    let size = headerBytes;
    try {
      await handle.write(header(flagSnapshot));
      await write(async (kind, payload) => {
        const frame = frameRecord(kind, payload);
        await handle.write(frame);
        size += frame.length;
      });
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmpPath, finalPath);
    await this.active?.close();
    this.active = undefined;
    await this.deleteSegmentsBefore(index);
    this.activeIndex = index;
    this.activeBytes = size;
    this.totalBytes = size;
    this.active = await fs.open(finalPath, 'a');
  }

  /** Waits for queued writes, then closes the file. Appends after close() are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.exclusive(async () => {
      await this.active?.close();
      this.active = undefined;
    });
  }
}

interface ScannedRecord {
  readonly kind: number;
  readonly payload: Uint8Array;
  readonly offset: number;
  readonly bytes: number;
}

interface ScanOutcome {
  readonly problem: undefined | 'torn' | 'damaged';
  readonly goodBytes: number;
  readonly detail: string;
  readonly records: readonly ScannedRecord[];
}

/** Read handles on the segments a snapshot copies from, each opened once. */
class SegmentReaders {
  private readonly handles = new Map<number, Promise<fs.FileHandle>>();

  constructor(private readonly directory: string) {}

  async read(segment: number, offset: number, length: number): Promise<Buffer> {
    let handle = this.handles.get(segment);
    if (!handle) {
      handle = fs.open(join(this.directory, segmentName(segment)), 'r');
      this.handles.set(segment, handle);
    }
    const file = await handle;
    const out = Buffer.alloc(length);
    // A file cut short reads as zeros past its end, which the frame check reports as damage.
    for (let done = 0; done < length; ) {
      const { bytesRead } = await file.read(out, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    for (const handle of handles) await (await handle.catch(() => undefined))?.close().catch(() => undefined);
  }
}

/**
 * Why `bytes` does not hold, at `at`, the intact frame expected at `expected`; undefined when it
 * does. The checksum is checked again because the file may have been damaged since it was read.
 */
function frameDamage(bytes: Buffer, at: number, expected: RecordLocation): string | undefined {
  const where = `${segmentName(expected.segment)} at byte ${expected.offset}`;
  if (bytes.readUInt32LE(at) + 8 !== expected.bytes) return `${where} no longer holds the ${expected.bytes}-byte record that was written there`;
  if (crc32(bytes.subarray(at + 8, at + expected.bytes)) !== bytes.readUInt32LE(at + 4)) return `the record in ${where} fails its checksum`;
  return undefined;
}

/** Writes all of `bytes` at the end of the file; a short write only happens when the disk is full. */
async function writeFully(handle: fs.FileHandle, bytes: Buffer): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done)).bytesWritten;
}

/** For tests and diagnostics: the segment files now in a directory, oldest first. */
export async function listSegments(directory: string): Promise<{ readonly name: string; readonly stats: Stats }[]> {
  const names = (await fs.readdir(directory)).filter((n) => segmentPattern.test(n)).sort();
  return Promise.all(names.map(async (name) => ({ name, stats: await fs.stat(join(directory, name)) })));
}
