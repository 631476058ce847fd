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
 * A failed write (a full disk) leaves no partial record behind: the segment is cut back to its
 * last whole record before anything else is written to it, so records acknowledged once space
 * returns follow the earlier ones directly instead of sitting behind bytes replay cannot read.
 *
 * Damage: an incomplete last record of the newest segment is a write the process died in, never
 * acknowledged, and is cut off. Anything else that does not read as intact records (a checksum
 * failure, a garbled length, a torn record in an older segment) is damage. Records are framed and
 * checksummed, so reading resumes at the next intact record and only the damaged byte ranges are
 * lost. A damaged segment is never appended to or deleted at open: it stays in the log, so its
 * intact records survive any crash, until a compaction has copied them into a snapshot; the
 * commit then keeps it as `segment-N.log.damaged` (a hard link made before the snapshot takes
 * its place, so no moment exists in which neither holds the bytes; on a file system without
 * hard links it is renamed after, and a crash between the two loses only the damaged bytes).
 * Kept files do not count towards maxBytes.
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
  readonly location: RecordLocation;
}

/**
 * How the log opens the files it writes: every byte it writes goes through a handle from here.
 * Tests pass one whose handles fail on cue, as a full disk does.
 */
export interface LogFiles {
  open(path: string, flags: 'a' | 'w'): Promise<fs.FileHandle>;
}

const nodeFiles: LogFiles = { open: (path, flags) => fs.open(path, flags) };

export interface SegmentLogOptions {
  /** Start a new segment once the active one is this large. */
  readonly segmentBytes?: number;
  /** fdatasync after every group commit (see the file comment for why it is off by default). */
  readonly syncWrites?: boolean;
  readonly files?: LogFiles;
  /**
   * Appends that would take the log's files past this many bytes are refused (LogFullError).
   * Compaction is not held to it: refusing a snapshot would leave the log full for good, so a
   * snapshot may take the files past it until the segments it replaces are deleted.
   */
  readonly maxBytes?: number;
  /**
   * The record kinds the caller writes. Reading past damage looks for the next intact record;
   * a kind byte outside this set rules a candidate out before its checksum is computed.
   */
  readonly knownKinds?: readonly number[];
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
  /** Some segments are damaged; a compaction sets them aside (see the file comment). */
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

/** An append was refused because the log is at its bound; nothing was written. */
export class LogFullError extends Error {
  constructor(maxBytes: number) {
    super(`the trace store's log is at its bound of ${maxBytes} bytes until a compaction frees space`);
    this.name = 'LogFullError';
  }
}

export class SegmentLog {
  private active: fs.FileHandle | undefined;
  private activeIndex = 0;
  /** The active segment's length in whole records; 0 while it has not been created yet. */
  private activeBytes = 0;
  /** A write failed and could not be cut back yet: the active file may hold bytes past activeBytes. */
  private activeDirty = false;
  /** Bytes in every live segment, the active one included. */
  private totalBytes = 0;
  /** Bytes of the snapshot being written, which lies beside the log until it is committed. */
  private snapshotBytes = 0;
  /** What the snapshot being written is expected to grow to; appends leave room for it. */
  private snapshotReserve = 0;
  /** Segments with damage, to be kept aside rather than deleted once a snapshot replaces them. */
  private readonly damaged = new Set<number>();
  private readonly queue: QueueItem[] = [];
  private draining = false;
  private queuedBytes = 0;
  private closed = false;
  private readonly segmentBytes: number;
  private readonly syncWrites: boolean;
  private readonly files: LogFiles;
  private readonly maxBytes: number;
  private readonly knownKinds: ReadonlySet<number> | undefined;

  constructor(
    readonly directory: string,
    options: SegmentLogOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.syncWrites = options.syncWrites ?? false;
    this.files = options.files ?? nodeFiles;
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.knownKinds = options.knownKinds && new Set(options.knownKinds);
  }

  /** Bytes of appends waiting for their write; the store's back-pressure signal. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Bytes the log's segments hold, live records and stale ones. */
  get sizeBytes(): number {
    return this.totalBytes;
  }

  /** Bytes the log takes on disk now: its segments and any snapshot being written beside them. */
  get diskBytes(): number {
    return this.totalBytes + this.snapshotBytes;
  }

  /** Bytes the log will take once queued appends and the snapshot being written are done; what maxBytes bounds. */
  get committedBytes(): number {
    return this.totalBytes + Math.max(this.snapshotBytes, this.snapshotReserve) + this.queuedBytes;
  }

  /**
   * Reads every record in order, then gets the newest segment ready for appending. Never fails
   * because of what it reads (see the file comment on damage); the warnings say what was cut off
   * or set aside, worded for a person. Each segment is read whole, one at a time, so replay holds
   * at most one segment's bytes.
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
    let firstLive = 0;
    for (let i = indices.length - 1; i >= 0; i--) {
      if (await isSnapshot(join(this.directory, segmentName(indices[i] as number)))) {
        firstLive = i;
        break;
      }
    }
    for (const index of indices.slice(0, firstLive)) await fs.rm(join(this.directory, segmentName(index)), { force: true });
    const live = indices.slice(firstLive);
    let appendTo: { readonly index: number; readonly bytes: number } | undefined;
    for (const [position, index] of live.entries()) {
      const name = segmentName(index);
      const path = join(this.directory, name);
      const bytes = await fs.readFile(path);
      const isLast = position === live.length - 1;
      const outcome = scanSegment(bytes, isLast, this.knownKinds);
      for (const record of outcome.records) {
        onRecord({ kind: record.kind, payload: record.payload, segment: name, offset: record.offset, location: { segment: index, offset: record.offset, bytes: record.bytes } });
      }
      if (outcome.damage.length > 0) {
        // Kept in place, and never appended to: its intact records stay in the log until a
        // snapshot holds them (see the file comment).
        this.damaged.add(index);
        this.totalBytes += bytes.length;
        warnings.push(describeDamage(name, bytes.length, outcome));
        continue;
      }
      let size = bytes.length;
      if (outcome.tornAt !== undefined) {
        warnings.push(`${name}: the last record was cut short at byte ${outcome.tornAt} of ${bytes.length} (the writer stopped mid-write); it was never acknowledged and has been removed.`);
        if (outcome.tornAt < headerBytes) {
          await fs.rm(path, { force: true });
          continue;
        }
        await fs.truncate(path, outcome.tornAt);
        size = outcome.tornAt;
      }
      this.totalBytes += size;
      if (isLast) appendTo = { index, bytes: size };
    }
    if (appendTo) {
      this.activeIndex = appendTo.index;
      this.activeBytes = appendTo.bytes;
    } else {
      this.activeIndex = (indices[indices.length - 1] ?? 0) + 1;
      this.activeBytes = 0;
    }
    // On a full disk the store still opens, to show what it holds; the first write tries again.
    await this.ensureActive().catch(() => undefined);
    return { warnings, corrupted: this.damaged.size > 0 };
  }

  /**
   * Appends one record; resolves once it is written (see the file comment). `onWritten` runs
   * right after the write and before any later queued operation, so the caller's in-memory state
   * follows the log's order exactly; it is told where the record lies. Rejects, with nothing of
   * the record left in the log, when the write fails.
   */
  append(kind: number, payload: Uint8Array, onWritten: (location: RecordLocation) => void = () => undefined): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the trace store is closed'));
    // Room is kept for the header of the segment a rotation starts after the write.
    if (this.committedBytes + recordHeaderBytes + payload.length + headerBytes > this.maxBytes) return Promise.reject(new LogFullError(this.maxBytes));
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
      let segment: number;
      let offset: number;
      try {
        ({ segment, offset } = await this.writeAll(frames, bytes));
      } catch (error: unknown) {
        this.queuedBytes -= bytes;
        for (const g of group) g.reject(error);
        continue;
      }
      this.queuedBytes -= bytes;
      for (const g of group) {
        g.onWritten({ segment, offset, bytes: g.frame.length });
        offset += g.frame.length;
      }
      for (const g of group) g.resolve();
      // A segment that cannot be started (a full disk) leaves appends in the current one; the
      // next write tries again.
      if (this.activeBytes >= this.segmentBytes) await this.startSegment(this.activeIndex + 1).catch(() => undefined);
    }
  }

  /** Writes whole frames at the end of the active segment, or nothing at all (file comment). */
  private async writeAll(frames: Buffer[], bytes: number): Promise<{ segment: number; offset: number }> {
    const handle = await this.ensureActive();
    await this.cutBack(handle);
    const segment = this.activeIndex;
    const offset = this.activeBytes;
    try {
      const { bytesWritten } = await handle.writev(frames);
      // writev on a regular file writes everything unless the disk is full; finish a short write.
      if (bytesWritten < bytes) await writeFully(handle, Buffer.concat(frames).subarray(bytesWritten));
      if (this.syncWrites) await handle.datasync();
    } catch (error: unknown) {
      this.activeDirty = true;
      await this.cutBack(handle).catch(() => undefined);
      throw error;
    }
    this.activeBytes += bytes;
    this.totalBytes += bytes;
    return { segment, offset };
  }

  /** Removes what a failed write left after the last whole record; a file opened 'a' then appends right after it. */
  private async cutBack(handle: fs.FileHandle): Promise<void> {
    if (!this.activeDirty) return;
    await handle.truncate(this.activeBytes);
    this.activeDirty = false;
  }

  /** The active segment's handle, creating the segment first when it does not exist yet. */
  private async ensureActive(): Promise<fs.FileHandle> {
    if (this.active) return this.active;
    if (this.closed) throw new Error('the trace store is closed');
    if (this.activeBytes === 0) {
      this.active = await this.createSegment(this.activeIndex, 0);
      this.activeBytes = headerBytes;
      this.totalBytes += headerBytes;
    } else {
      this.active = await this.files.open(join(this.directory, segmentName(this.activeIndex)), 'a');
    }
    return this.active;
  }

  /** A new segment file holding only its header, open for appending; nothing is left behind when that fails. */
  private async createSegment(index: number, flags: number): Promise<fs.FileHandle> {
    const path = join(this.directory, segmentName(index));
    const handle = await this.files.open(path, 'a');
    try {
      await handle.truncate(0);
      await writeFully(handle, header(flags));
      return handle;
    } catch (error: unknown) {
      await handle.close().catch(() => undefined);
      await fs.rm(path, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Appends to a new, empty segment numbered `index` from now on. When it cannot be created the
   * current segment stays active; a segment a failed write left bytes in is not left behind.
   */
  private async startSegment(index: number): Promise<void> {
    if (this.active) await this.cutBack(this.active);
    const handle = await this.createSegment(index, 0);
    const previous = this.active;
    this.active = handle;
    this.activeIndex = index;
    this.activeBytes = headerBytes;
    this.totalBytes += headerBytes;
    await previous?.close().catch(() => undefined);
  }

  /**
   * Starts compaction without stopping appends. At the cut (with no write in flight) `atCut`
   * runs, so the caller can take exactly the state that the segments written so far replay to;
   * it returns how many bytes it expects the snapshot to take, which appends leave room for
   * under maxBytes until the snapshot is done. Appends then go on in a new segment, and the snapshot of that state is written, at the
   * caller's pace, to a temporary file numbered between the two. Nothing about the live log
   * depends on the snapshot until commit() renames it into place, so a kill at any moment leaves
   * a log that replays to every acknowledged record.
   */
  async beginSnapshot(atCut: () => number): Promise<LogSnapshot> {
    let snapshot: LogSnapshot | undefined;
    await this.exclusive(async () => {
      if (this.closed) throw new Error('the trace store is closed');
      const index = this.activeIndex + 1;
      const finalPath = join(this.directory, segmentName(index));
      const tmpPath = `${finalPath}.tmp`;
      const handle = await this.files.open(tmpPath, 'w');
      try {
        await writeFully(handle, header(flagSnapshot));
        await this.startSegment(index + 1);
      } catch (error: unknown) {
        await handle.close().catch(() => undefined);
        await fs.rm(tmpPath, { force: true });
        throw error;
      }
      // After startSegment, so the new segment's header counts as written after the cut.
      const bytesAtCut = this.totalBytes - headerBytes;
      let size = headerBytes;
      this.snapshotBytes = size;
      this.snapshotReserve = headerBytes + atCut();
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
        this.snapshotBytes = size;
        return offset;
      };
      snapshot = {
        append: async (kind, payload) => {
          const frame = frameRecord(kind, payload);
          return { segment: index, offset: await write(frame), bytes: frame.length };
        },
        copy: async (records) => {
          const copied: RecordLocation[] = [];
          for (let first = 0; first < records.length;) {
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
          let renameAside: Set<number>;
          try {
            try {
              // A lost snapshot write would lose old data, so this one is always synced (file comment).
              await handle.datasync();
            } finally {
              await handle.close();
            }
            renameAside = await this.linkDamagedAside(index);
            await fs.rename(tmpPath, finalPath);
          } catch (error: unknown) {
            await fs.rm(tmpPath, { force: true }).catch(() => undefined);
            this.snapshotBytes = 0;
            this.snapshotReserve = 0;
            throw error;
          }
          // The snapshot's bytes now count as the log's; the old segments' still do until deleted.
          this.snapshotBytes = 0;
          this.snapshotReserve = 0;
          this.totalBytes += size;
          onInPlace();
          await this.deleteSegmentsBefore(index, renameAside);
          this.totalBytes -= bytesAtCut;
          await this.exclusive(() => this.continueInSnapshot(index, size));
        },
        abort: async () => {
          finish();
          await sources.close();
          await handle.close().catch(() => undefined);
          await fs.rm(tmpPath, { force: true });
          this.snapshotBytes = 0;
          this.snapshotReserve = 0;
        },
      };
    });
    if (!snapshot) throw new Error('the snapshot was not started');
    return snapshot;
  }

  /**
   * Gives each damaged segment numbered below `index` its `.damaged` name as a second link, so
   * deleting the segment after a snapshot replaces it leaves the bytes there. Returns those that
   * could not be linked (a file system without hard links): they are renamed instead.
   */
  private async linkDamagedAside(index: number): Promise<Set<number>> {
    const renameAside = new Set<number>();
    for (const segment of this.damaged) {
      if (segment >= index) continue;
      const path = join(this.directory, segmentName(segment));
      const aside = await asideName(path);
      if (aside === undefined) continue;
      await fs.link(path, aside).catch(() => renameAside.add(segment));
    }
    return renameAside;
  }

  private async deleteSegmentsBefore(index: number, renameAside: ReadonlySet<number>): Promise<void> {
    for (const name of await fs.readdir(this.directory)) {
      const n = segmentPattern.exec(name)?.[1];
      if (n === undefined || Number(n) >= index) continue;
      const path = join(this.directory, name);
      const aside = renameAside.has(Number(n)) ? await asideName(path) : undefined;
      if (aside !== undefined) await fs.rename(path, aside);
      else await fs.rm(path, { force: true });
      this.damaged.delete(Number(n));
    }
  }

  /**
   * When nothing was appended since the cut, appends go on in the snapshot itself and the empty
   * segment after it is dropped, so a quiet log ends up as one file. Opening the snapshot first
   * keeps the log writable if a later step fails.
   */
  private async continueInSnapshot(index: number, size: number): Promise<void> {
    if (this.closed || this.activeIndex !== index + 1 || this.activeBytes !== headerBytes || this.activeDirty) return;
    const snapshot = await this.files.open(join(this.directory, segmentName(index)), 'a');
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
    const handle = await this.files.open(tmpPath, 'w');
    let size = headerBytes;
    try {
      await writeFully(handle, header(flagSnapshot));
      await write(async (kind, payload) => {
        const frame = frameRecord(kind, payload);
        await writeFully(handle, frame);
        size += frame.length;
      });
      await handle.datasync();
    } catch (error: unknown) {
      await handle.close().catch(() => undefined);
      await fs.rm(tmpPath, { force: true });
      throw error;
    }
    await handle.close();
    const renameAside = await this.linkDamagedAside(index);
    await fs.rename(tmpPath, finalPath);
    await this.active?.close();
    this.active = undefined;
    this.activeDirty = false;
    this.activeIndex = index;
    this.activeBytes = size;
    this.totalBytes = size;
    await this.deleteSegmentsBefore(index, renameAside);
    await this.ensureActive().catch(() => undefined);
  }

  /** Waits for queued writes, then closes the file. Appends after close() are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.exclusive(async () => {
      if (this.active) await this.cutBack(this.active).catch(() => undefined);
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

/** Bytes that do not read as intact records. */
interface DamagedRange {
  readonly start: number;
  readonly end: number;
  readonly detail: string;
  /** How many records the range held, when their length fields still say so. */
  readonly records: number | undefined;
}

interface ScanOutcome {
  readonly records: readonly ScannedRecord[];
  readonly damage: readonly DamagedRange[];
  /** Where the incomplete last record of the newest segment starts, if it has one. */
  readonly tornAt: number | undefined;
}

interface FrameProblem {
  readonly detail: string;
  /** The frame runs past the end of the file: what a writer that stopped mid-write leaves. */
  readonly incomplete: boolean;
}

/** The intact records of one segment and the byte ranges between them that are not (file comment). */
function scanSegment(bytes: Buffer, isLast: boolean, knownKinds: ReadonlySet<number> | undefined): ScanOutcome {
  const records: ScannedRecord[] = [];
  const damage: DamagedRange[] = [];
  if (bytes.length < headerBytes && isLast && magic.subarray(0, Math.min(8, bytes.length)).equals(bytes.subarray(0, 8))) {
    // A segment is created with its header in one write, so a shorter one is a torn creation.
    return { records, damage, tornAt: 0 };
  }
  let tornAt: number | undefined;
  let pos = headerBytes;
  if (bytes.length < headerBytes || !bytes.subarray(0, 8).equals(magic)) {
    const next = findFrame(bytes, Math.min(headerBytes, bytes.length), knownKinds);
    const detail = bytes.length < headerBytes ? 'the file is shorter than its header' : 'it does not start with the SpanLens segment header';
    const end = next ?? bytes.length;
    damage.push({ start: 0, end, detail, records: undefined });
    pos = end;
  }
  while (pos < bytes.length) {
    const problem = frameProblem(bytes, pos);
    if (problem === undefined) {
      const length = bytes.readUInt32LE(pos);
      records.push({ kind: bytes[pos + 8] as number, payload: bytes.subarray(pos + recordHeaderBytes, pos + 8 + length), offset: pos, bytes: 8 + length });
      pos += 8 + length;
      continue;
    }
    const next = findFrame(bytes, pos + 1, knownKinds);
    if (next === undefined && isLast && problem.incomplete) {
      tornAt = pos;
      break;
    }
    const end = next ?? bytes.length;
    damage.push({ start: pos, end, detail: problem.detail, records: framesIn(bytes, pos, end) });
    pos = end;
  }
  if (tornAt !== undefined && damage.length > 0) {
    // The file is set aside whole, so its incomplete tail goes with it rather than being cut off.
    damage.push({ start: tornAt, end: bytes.length, detail: 'the last record is incomplete', records: 1 });
    tornAt = undefined;
  }
  return { records, damage, tornAt };
}

/** Why no intact frame starts at `pos`; undefined when one does. */
function frameProblem(bytes: Buffer, pos: number): FrameProblem | undefined {
  if (bytes.length - pos < recordHeaderBytes) return { detail: 'a record header is incomplete', incomplete: true };
  const length = bytes.readUInt32LE(pos);
  if (length === 0 || length > maxRecordBytes) return { detail: `a record claims ${length} bytes`, incomplete: false };
  const end = pos + 8 + length;
  if (end > bytes.length) return { detail: 'a record is incomplete', incomplete: true };
  if (crc32(bytes.subarray(pos + 8, end)) !== bytes.readUInt32LE(pos + 4)) return { detail: 'a record fails its checksum', incomplete: false };
  return undefined;
}

/**
 * The offset of the next intact frame at or after `from`, or undefined. Cheap tests come before
 * the checksum: the length must fit in the file, the kind must be known, and the frame must be
 * followed by the end of the file or by something that looks like a frame header. A budget on
 * the bytes checksummed keeps a long damaged stretch from costing more than a few reads of it.
 */
function findFrame(bytes: Buffer, from: number, knownKinds: ReadonlySet<number> | undefined): number | undefined {
  let budget = 4 * bytes.length + (1 << 20);
  for (let q = from; q + recordHeaderBytes <= bytes.length; q++) {
    const length = bytes.readUInt32LE(q);
    if (length === 0 || length > maxRecordBytes) continue;
    const end = q + 8 + length;
    if (end > bytes.length) continue;
    if (knownKinds && !knownKinds.has(bytes[q + 8] as number)) continue;
    if (end !== bytes.length && !looksLikeFrameHeader(bytes, end, knownKinds)) continue;
    budget -= length;
    if (budget < 0) return undefined;
    if (crc32(bytes.subarray(q + 8, end)) === bytes.readUInt32LE(q + 4)) return q;
  }
  return undefined;
}

function looksLikeFrameHeader(bytes: Buffer, at: number, knownKinds: ReadonlySet<number> | undefined): boolean {
  // Too little left for a header: a torn tail may follow an intact record.
  if (bytes.length - at < recordHeaderBytes) return true;
  const length = bytes.readUInt32LE(at);
  return length > 0 && length <= maxRecordBytes && (!knownKinds || knownKinds.has(bytes[at + 8] as number));
}

/**
 * How many frames lie in [start, end) by their length fields, the last one possibly cut short
 * by the end of the file; undefined when the lengths do not tile the range.
 */
function framesIn(bytes: Buffer, start: number, end: number): number | undefined {
  let count = 0;
  for (let pos = start; pos < end; count++) {
    const length = end - pos < recordHeaderBytes ? undefined : bytes.readUInt32LE(pos);
    if (length === 0) return undefined;
    if (length === undefined || pos + 8 + length > end) return end === bytes.length ? count + 1 : undefined;
    pos += 8 + length;
  }
  return count;
}

function describeDamage(name: string, fileBytes: number, outcome: ScanOutcome): string {
  const ranges = outcome.damage.map((d) => {
    const records = d.records === undefined ? 'an unknown number of records' : `${d.records} record${d.records === 1 ? '' : 's'}`;
    return `bytes ${d.start}–${d.end} (${records}: ${d.detail})`;
  });
  const kept = outcome.records.length;
  return `${name} (${fileBytes} bytes) is damaged; set aside: ${ranges.join('; ')}. The ${kept} intact record${kept === 1 ? ' was' : 's were'} kept, and the file is kept as ${name}.damaged once they have been copied out.`;
}

async function isSnapshot(path: string): Promise<boolean> {
  const handle = await fs.open(path, 'r');
  try {
    const bytes = Buffer.alloc(headerBytes);
    const { bytesRead } = await handle.read(bytes, 0, headerBytes, 0);
    return bytesRead === headerBytes && bytes.subarray(0, 8).equals(magic) && (bytes.readUInt32LE(8) & flagSnapshot) !== 0;
  } finally {
    await handle.close();
  }
}

/**
 * Where a damaged segment is kept: `<name>.damaged`, or `<name>.<n>.damaged` when an unrelated
 * file has that name already. Undefined when the name is already a link to this very file (an
 * earlier commit got that far before the process died) or the segment is gone.
 */
async function asideName(path: string): Promise<string | undefined> {
  const original = await fs.stat(path).catch(() => undefined);
  if (!original) return undefined;
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? `${path}.damaged` : `${path}.${n}.damaged`;
    const existing = await fs.stat(candidate).catch(() => undefined);
    if (!existing) return candidate;
    if (existing.ino === original.ino && existing.dev === original.dev) return undefined;
  }
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
    for (let done = 0; done < length;) {
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
  for (let done = 0; done < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, done);
    if (bytesWritten === 0) throw Object.assign(new Error('no space left on the device: a write wrote nothing'), { code: 'ENOSPC' });
    done += bytesWritten;
  }
}

/** For tests and diagnostics: the segment files now in a directory, oldest first. */
export async function listSegments(directory: string): Promise<{ readonly name: string; readonly stats: Stats }[]> {
  const names = (await fs.readdir(directory)).filter((n) => segmentPattern.test(n)).sort();
  return Promise.all(names.map(async (name) => ({ name, stats: await fs.stat(join(directory, name)) })));
}
