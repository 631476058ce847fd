import { promises as fs, type Stats } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * An append-only log of records in numbered segment files under one directory.
 *
 * File: a 16-byte header (magic "SPLNSEG1", u32 flags, u32 reserved), then records, each
 * `u32 length | u32 crc32 | u8 kind | payload` (little-endian; length and crc cover kind and
 * payload). A segment with the `snapshot` flag was written by compaction and holds everything
 * that was live, so every older segment is stale: compaction renames the snapshot into place
 * before deleting its predecessors, and replay ignores (and deletes) segments older than the
 * newest snapshot, so a crash between the two steps neither loses nor duplicates spans.
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

export interface LogRecordRef {
  readonly kind: number;
  readonly payload: Uint8Array;
  readonly segment: string;
  readonly offset: number;
}

export interface SegmentLogOptions {
  /** Start a new segment once the active one is this large. */
  readonly segmentBytes?: number;
  /** fdatasync after every group commit (see the file comment for why it is off by default). */
  readonly syncWrites?: boolean;
}

export interface ReplayResult {
  readonly warnings: string[];
  /** Some bytes could not be read (not merely a torn tail); the caller should compact soon. */
  readonly corrupted: boolean;
}

type QueueItem =
  | { readonly type: 'append'; readonly frame: Buffer; readonly onWritten: () => void; readonly resolve: () => void; readonly reject: (error: unknown) => void }
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
      const outcome = this.scan(bytes, name, isLast, onRecord);
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

  private scan(
    bytes: Buffer,
    name: string,
    isLast: boolean,
    onRecord: (record: LogRecordRef) => void,
  ): { readonly problem: undefined | 'torn' | 'damaged'; readonly goodBytes: number; readonly detail: string } {
    if (bytes.length < headerBytes) {
      // A segment is created with its header in one write, so a shorter one is a torn creation.
      return isLast && magic.subarray(0, Math.min(8, bytes.length)).equals(bytes.subarray(0, 8))
        ? { problem: 'torn', goodBytes: 0, detail: '' }
        : { problem: 'damaged', goodBytes: 0, detail: 'the file is shorter than its header' };
    }
    if (!bytes.subarray(0, 8).equals(magic)) return { problem: 'damaged', goodBytes: 0, detail: 'it does not start with the SpanLens segment header' };
    let pos = headerBytes;
    while (pos < bytes.length) {
      if (bytes.length - pos < recordHeaderBytes) return { problem: 'torn', goodBytes: pos, detail: 'a record header is incomplete' };
      const length = bytes.readUInt32LE(pos);
      if (length === 0 || length > maxRecordBytes) return { problem: 'damaged', goodBytes: pos, detail: `a record claims ${length} bytes` };
      const end = pos + 8 + length;
      if (end > bytes.length) return { problem: 'torn', goodBytes: pos, detail: 'a record is incomplete' };
      const body = bytes.subarray(pos + 8, end);
      if (crc32(body) !== bytes.readUInt32LE(pos + 4)) {
        // A torn write can leave a complete-looking last record with garbage in it, too.
        return end === bytes.length ? { problem: 'torn', goodBytes: pos, detail: 'the last record fails its checksum' } : { problem: 'damaged', goodBytes: pos, detail: 'a record fails its checksum' };
      }
      onRecord({ kind: body[0] as number, payload: body.subarray(1), segment: name, offset: pos });
      pos = end;
    }
    return { problem: undefined, goodBytes: pos, detail: '' };
  }

  /**
   * Appends one record; resolves once it is written (see the file comment). `onWritten` runs
   * right after the write and before any later queued operation, so the caller's in-memory state
   * follows the log's order exactly.
   */
  append(kind: number, payload: Uint8Array, onWritten: () => void = () => undefined): Promise<void> {
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
        await this.writeAll(frames, bytes);
        this.queuedBytes -= bytes;
        for (const g of group) g.onWritten();
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
    await this.active?.close();
    this.activeIndex++;
    const path = join(this.directory, segmentName(this.activeIndex));
    await fs.writeFile(path, header(0));
    this.active = await fs.open(path, 'a');
    this.activeBytes = headerBytes;
    this.totalBytes += headerBytes;
  }

  /**
   * Replaces the whole log with the records `write` produces (compaction, or clear with none).
   * Must run inside exclusive(). `write` is called with an appender and may await between records.
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
    const names = await fs.readdir(this.directory);
    for (const name of names) {
      const n = segmentPattern.exec(name)?.[1];
      if (n !== undefined && Number(n) < index) await fs.rm(join(this.directory, name), { force: true });
    }
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

/** For tests and diagnostics: the segment files now in a directory, oldest first. */
export async function listSegments(directory: string): Promise<{ readonly name: string; readonly stats: Stats }[]> {
  const names = (await fs.readdir(directory)).filter((n) => segmentPattern.test(n)).sort();
  return Promise.all(names.map(async (name) => ({ name, stats: await fs.stat(join(directory, name)) })));
}
