import { join } from 'node:path';
import type { Resource, Scope } from '../model/span';
import type { LogPayload } from '../receiver/logSink';
import { LogFullError, SegmentLog, type LogFiles, type LogSnapshot, type RecordLocation } from '../store/segmentLog';
import { ArrivalQueue } from './arrivalQueue';
import { boundLogRecords, logRecordBytes, resourceBytes, scopeBytes } from './boundLogRecords';
import { decodeLogPayload } from './decodeLogPayload';
import { encodeOtlpLogsJson } from './encodeOtlpLogsJson';
import { logTimeNs, type LogRecord } from './logRecord';

export interface LocalLogStoreOptions {
  /** The trace store's directory; the log store keeps its own segment log in its `logs/` subfolder. */
  readonly directory: string;
  /** The oldest records are evicted while more than this many are held. Default 100 000. */
  readonly maxRecords?: number;
  /**
   * The oldest records are evicted while the held records are estimated to take more than this
   * many bytes in memory (boundLogRecords.ts), or their share of the log on disk grows past it.
   * The log's files stay within four times this: evicted records wait there for a compaction,
   * which runs once they outweigh the live ones, and the snapshot it writes lies beside the log
   * until it replaces it. Default 64 MiB, at least 1 MiB.
   */
  readonly maxBytes?: number;
  /** Records without a trace id are kept in a ring of this many, the oldest leaving first. Default 1 000. */
  readonly maxUncorrelatedRecords?: number;
  /** String values longer than this (UTF-16 code units) are cut on ingest, before they are logged. Default 16 Ki. */
  readonly maxValueLength?: number;
  /** Unwritten bytes above which batches are refused (the receiver answers 503 and the client retries). Default 32 MiB. */
  readonly maxPendingWriteBytes?: number;
  /** No compaction below this log size, however much of it is evicted. Default 4 MiB. */
  readonly compactMinBytes?: number;
  readonly segmentBytes?: number;
  /** fdatasync every group commit; see segmentLog.ts for why it is off by default. */
  readonly syncWrites?: boolean;
  /** For tests: how the log opens the files it writes. */
  readonly files?: LogFiles;
}

/** One received batch: its decoded records and, when it has them, the bytes they were decoded from. */
export interface LogBatch {
  readonly records: readonly LogRecord[];
  /** Logged as it is when nothing of it was cut; replay decodes it again to the same records. */
  readonly payload?: LogPayload;
}

export interface LocalLogStoreStats {
  readonly records: number;
  /** Traces with at least one record held. */
  readonly traces: number;
  readonly uncorrelatedRecords: number;
  /** Estimated heap bytes of the records held (boundLogRecords.ts); at most maxBytes. */
  readonly bytes: number;
  /** Bytes the log takes on disk now, a snapshot being written included. */
  readonly diskBytes: number;
  readonly maxBytes: number;
  /** Records evicted since open (replay included) to stay within maxRecords, maxBytes or the uncorrelated ring. */
  readonly evicted: number;
  /** Records dropped since open with their trace (dropTraces). */
  readonly dropped: number;
  /** Strings cut to maxValueLength since open (replay included). */
  readonly truncated: number;
  /** Batches refused since open: the log could not be written, was full, or was backed up. */
  readonly refusedBatches: number;
}

/** Record kinds in the log: one byte each; never renumber (logs written by older versions hold them). */
const kindProtobuf = 1;
const kindJson = 2;
/** A JSON array of trace ids whose records were dropped at that point of the log. */
const kindDropTraces = 3;

/** A received payload is logged as it is unless it weighs more than this many times what its records take in memory (plus slack). */
const maxPayloadInflation = 4;
const payloadInflationSlackBytes = 64 * 1024;
/** Compaction writes the live records of a partly evicted batch in records of at most this many. */
const recordsPerCompactedRecord = 512;
/** Dead entries in the arrival list are swept out once there are this many more of them than live ones. */
const deadSlack = 1024;

/** A held record and its bookkeeping. */
interface Entry {
  readonly record: LogRecord;
  /** Its own estimated bytes, without its resource and scope. */
  readonly bytes: number;
  /** The logged batch that holds it; a compaction moves it to the batch the snapshot holds it in. */
  batch: StoredBatch;
  live: boolean;
}

/** A logged batch of records, as compaction needs to know it. */
interface StoredBatch {
  readonly location: RecordLocation;
  readonly count: number;
  live: number;
  /** Replay cut values the logged bytes hold whole: compaction must write its live records again, not copy them. */
  readonly reencode: boolean;
}

interface TraceLogs {
  readonly records: ArrivalQueue<Entry>;
  /** Created for the first record with a span id. */
  bySpan: Map<string, ArrivalQueue<Entry>> | undefined;
}

/** A resource or scope held by live records, charged once however many hold it. */
interface SharedCharge {
  holders: number;
  readonly bytes: number;
}

/**
 * The receiver's log store: OTLP log records kept beside the traces they belong to, indexed by
 * trace id and span id, with the records that carry no trace id in a small ring of their own.
 * Every acknowledged batch is in an append-only segment log (store/segmentLog.ts) in the `logs/`
 * subfolder of the trace store's directory, replayed on open, so logs survive a restart as the
 * traces do. `dropTraces` logs the ids it drops, so a replay drops the same records.
 *
 * Bounded by record count and by estimated bytes: the oldest records go first, whatever trace
 * they belong to. Every removal happens in log order (a batch is applied once written, a drop
 * once its own record is), so a replay rebuilds the same records. Evicted records stay in the log
 * until a compaction, which runs in the background once they outweigh the live ones and copies
 * wholly live batches as they lie. It writes the live records of partly evicted batches again as
 * OTLP JSON, which may take more room than the protobuf they came in, so where the disk share is
 * what binds, a replay after a compaction may evict a few more of the oldest records.
 */
export class LocalLogStore {
  /** Every record in arrival order, dead ones too until swept or reached by eviction. */
  private all = new ArrivalQueue<Entry>();
  private deadInAll = 0;
  private readonly traces = new Map<string, TraceLogs>();
  private uncorrelated = new ArrivalQueue<Entry>();
  /** Logged batches in log order, live or not; compaction drops the dead ones. */
  private batches: StoredBatch[] = [];
  private readonly shared = new Map<Resource | Scope, SharedCharge>();
  private liveCount = 0;
  private heldBytes = 0;
  /** The live records' share of the bytes of the batches that hold them. */
  private liveDiskBytes = 0;
  private compaction: Promise<void> | undefined;
  /** Records that died since the last snapshot: a compaction before any did would rewrite the log unchanged. */
  private diedSinceSnapshot = 0;
  private closing = false;
  private evictedCount = 0;
  private droppedCount = 0;
  private truncatedCount = 0;
  private refusedBatches = 0;
  private warnings: string[] = [];
  private readonly backgroundErrors: string[] = [];
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly maxUncorrelated: number;
  private readonly maxValueLength: number;
  private readonly maxPendingWriteBytes: number;
  private readonly compactMinBytes: number;

  private constructor(
    private readonly log: SegmentLog,
    options: LocalLogStoreOptions,
  ) {
    this.maxRecords = Math.max(1, options.maxRecords ?? 100_000);
    this.maxBytes = maxBytesOf(options);
    this.maxUncorrelated = Math.max(1, options.maxUncorrelatedRecords ?? 1_000);
    this.maxValueLength = options.maxValueLength ?? 16 * 1024;
    this.maxPendingWriteBytes = options.maxPendingWriteBytes ?? 32 * 1024 * 1024;
    // Never above the bound itself, or a small store's log could fill before it compacts.
    this.compactMinBytes = Math.min(this.maxBytes, options.compactMinBytes ?? 4 * 1024 * 1024);
  }

  /** Opens (or creates) the store and replays its log. Damage is reported in `openWarnings`, never thrown. */
  static async open(options: LocalLogStoreOptions): Promise<LocalLogStore> {
    const maxBytes = maxBytesOf(options);
    const log = new SegmentLog(join(options.directory, 'logs'), {
      // Segments are read whole on open, so they are kept small next to the bound.
      segmentBytes: options.segmentBytes ?? Math.min(16 * 1024 * 1024, Math.max(256 * 1024, Math.floor(maxBytes / 8))),
      ...(options.syncWrites === undefined ? {} : { syncWrites: options.syncWrites }),
      ...(options.files === undefined ? {} : { files: options.files }),
      knownKinds: [kindProtobuf, kindJson, kindDropTraces],
      maxBytes: 4 * maxBytes,
    });
    const store = new LocalLogStore(log, options);
    const undecodable: string[] = [];
    const replay = await log.open((record) => {
      try {
        if (record.kind === kindDropTraces) {
          store.drop(parseTraceIds(record.payload));
        } else if (record.kind === kindProtobuf || record.kind === kindJson) {
          const records = decodeLogPayload({ kind: record.kind === kindProtobuf ? 'protobuf' : 'json', bytes: record.payload });
          // The same bound as on ingest, so a log written under a larger one replays within this one.
          const bounded = boundLogRecords(records, store.maxValueLength);
          store.truncatedCount += bounded.truncatedValues;
          store.apply(bounded.records, record.location, bounded.truncatedValues > 0);
        } else {
          undecodable.push(`${record.segment} at byte ${record.offset}: unknown record kind ${record.kind}`);
        }
      } catch (error: unknown) {
        undecodable.push(`${record.segment} at byte ${record.offset}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    store.warnings = [...replay.warnings];
    if (undecodable.length > 0) {
      store.warnings.push(
        `${undecodable.length} logged log batch${undecodable.length === 1 ? '' : 'es'} could not be read and ${undecodable.length === 1 ? 'was' : 'were'} skipped (the first: ${undecodable[0] ?? ''}).`,
      );
    }
    // A compaction sets damaged segments aside and drops what could not be read, so the next open is clean.
    if (replay.corrupted || undecodable.length > 0) {
      try {
        await store.compact();
      } catch (error: unknown) {
        store.warnings.push(`The log store could not compact its log (${error instanceof Error ? error.message : String(error)}).`);
      }
    } else store.maybeCompact();
    return store;
  }

  /** What replay had to tolerate (a torn last record, a damaged file), worded for a person. */
  get openWarnings(): readonly string[] {
    return this.warnings;
  }

  /** Failures of background work (compaction, a drop that could not be logged) since the last call. */
  takeBackgroundErrors(): string[] {
    return this.backgroundErrors.splice(0);
  }

  get recordCount(): number {
    return this.liveCount;
  }

  /** True while writes are backed up; ingest then refuses batches, which the receiver answers with 503. */
  get isBackedUp(): boolean {
    return this.log.pendingBytes > this.maxPendingWriteBytes;
  }

  get stats(): LocalLogStoreStats {
    return {
      records: this.liveCount,
      traces: this.traces.size,
      uncorrelatedRecords: this.uncorrelated.length,
      bytes: this.heldBytes,
      diskBytes: this.log.diskBytes,
      maxBytes: this.maxBytes,
      evicted: this.evictedCount,
      dropped: this.droppedCount,
      truncated: this.truncatedCount,
      refusedBatches: this.refusedBatches,
    };
  }

  /**
   * Logs a batch and then holds its records; resolves once the batch is written (acknowledged
   * means persisted), and rejects, having kept nothing of it, when it cannot be. The payload is
   * logged as it arrived unless it holds more than the store keeps (a value that was cut, bytes
   * the decoder skipped); then the records kept are logged as OTLP JSON.
   */
  ingest(batch: LogBatch): Promise<void> {
    if (batch.records.length === 0) return Promise.resolve();
    if (this.isBackedUp) {
      this.refusedBatches++;
      return Promise.reject(new Error('the log store is still writing earlier batches; try again shortly'));
    }
    const bounded = boundLogRecords(batch.records, this.maxValueLength);
    const received = batch.payload !== undefined && bounded.truncatedValues === 0 && !isInflated(batch.payload, bounded.records) ? batch.payload : undefined;
    const kind = received?.kind === 'protobuf' ? kindProtobuf : kindJson;
    const bytes = received?.bytes ?? encodeOtlpLogsJson(bounded.records);
    return this.log
      .append(kind, bytes, (location) => {
        this.truncatedCount += bounded.truncatedValues;
        this.apply(bounded.records, location, false);
        this.maybeCompact();
      })
      .catch((error: unknown) => {
        this.refusedBatches++;
        if (error instanceof LogFullError) this.maybeCompact();
        throw error;
      });
  }

  /** The records of one trace, by time (observed time when a record has none), ties in arrival order. */
  logsForTrace(traceId: string): LogRecord[] {
    const logs = this.traces.get(traceId);
    return logs ? byTime(logs.records) : [];
  }

  /** The records of one span of one trace, ordered as logsForTrace orders them. */
  logsForSpan(traceId: string, spanId: string): LogRecord[] {
    const logs = this.traces.get(traceId)?.bySpan?.get(spanId);
    return logs ? byTime(logs) : [];
  }

  /** How many records one trace has, without copying them (for a count beside the trace). */
  logCount(traceId: string): number {
    return this.traces.get(traceId)?.records.length ?? 0;
  }

  /** The latest records that carry no trace id, newest first. */
  recentUncorrelated(limit = this.maxUncorrelated): LogRecord[] {
    return this.uncorrelated.newest(limit).map((entry) => entry.record);
  }

  /** The trace store evicted a trace: its records go too. */
  dropTrace(traceId: string): Promise<void> {
    return this.dropTraces([traceId]);
  }

  /**
   * Drops the records of these traces, in memory and, through a record in the log, for every
   * later replay. Applied when that record is written, so batches written before it lose their
   * records of these traces and batches after it keep theirs, at run time and on replay alike.
   * Traces the store holds nothing of cost nothing. Never rejects: when the drop cannot be
   * logged (a full disk) it still happens in memory, and the failure is reported through
   * takeBackgroundErrors (a replay would then bring those records back).
   */
  dropTraces(traceIds: Iterable<string>): Promise<void> {
    const held = [...new Set(traceIds)].filter((id) => this.traces.has(id));
    if (held.length === 0) return Promise.resolve();
    return this.log
      .append(kindDropTraces, Buffer.from(JSON.stringify(held), 'utf8'), () => {
        this.drop(held);
        this.maybeCompact();
      })
      .catch((error: unknown) => {
        this.drop(held);
        if (!this.closing)
          this.backgroundErrors.push(
            `dropping the logs of ${held.length} evicted trace${held.length === 1 ? '' : 's'} could not be logged (${error instanceof Error ? error.message : String(error)}); they are gone from memory but would come back after a restart.`,
          );
      });
  }

  /** Forgets every record, in memory and on disk; ordered after writes already queued. */
  async clear(): Promise<void> {
    await this.settleCompaction();
    await this.log.exclusive(async () => {
      await this.log.rewrite(() => Promise.resolve());
      this.all = new ArrivalQueue();
      this.deadInAll = 0;
      this.traces.clear();
      this.uncorrelated = new ArrivalQueue();
      this.batches = [];
      this.shared.clear();
      this.liveCount = 0;
      this.heldBytes = 0;
      this.liveDiskBytes = 0;
      this.diedSinceSnapshot = 0;
    });
  }

  /**
   * Rewrites the log to hold only live records; runs by itself when evicted records dominate.
   * Any compaction already running finishes first, so when this resolves the log holds nothing
   * that was evicted before the call.
   */
  async compact(): Promise<void> {
    await this.settleCompaction();
    await this.startCompaction();
  }

  /** Waits for queued writes and closes the log; a compaction in progress is abandoned. */
  async close(): Promise<void> {
    this.closing = true;
    await this.settleCompaction();
    await this.log.close();
  }

  private apply(records: readonly LogRecord[], location: RecordLocation, reencode: boolean): void {
    if (records.length === 0) return;
    const batch: StoredBatch = { location, count: records.length, live: records.length, reencode };
    this.batches.push(batch);
    this.liveDiskBytes += location.bytes;
    for (const record of records) {
      const entry: Entry = { record, bytes: logRecordBytes(record), batch, live: true };
      this.all.push(entry);
      this.liveCount++;
      this.heldBytes += entry.bytes + this.hold(record.resource, resourceBytes) + (record.scope === undefined ? 0 : this.hold(record.scope, scopeBytes));
      if (record.traceId === undefined) {
        this.uncorrelated.push(entry);
        if (this.uncorrelated.length > this.maxUncorrelated) this.release(this.uncorrelated.shift() as Entry, 'evicted');
        continue;
      }
      let logs = this.traces.get(record.traceId);
      if (!logs) {
        logs = { records: new ArrivalQueue(), bySpan: undefined };
        this.traces.set(record.traceId, logs);
      }
      logs.records.push(entry);
      if (record.spanId !== undefined) {
        logs.bySpan ??= new Map();
        let span = logs.bySpan.get(record.spanId);
        if (!span) logs.bySpan.set(record.spanId, (span = new ArrivalQueue()));
        span.push(entry);
      }
    }
    this.evict();
  }

  /** Charges a shared resource or scope to the first live record that holds it; returns what it adds. */
  private hold<T extends Resource | Scope>(shared: T, bytesOf: (value: T) => number): number {
    const charge = this.shared.get(shared);
    if (charge) {
      charge.holders++;
      return 0;
    }
    const bytes = bytesOf(shared);
    this.shared.set(shared, { holders: 1, bytes });
    return bytes;
  }

  private unhold(shared: Resource | Scope): number {
    const charge = this.shared.get(shared);
    if (!charge || --charge.holders > 0) return 0;
    this.shared.delete(shared);
    return charge.bytes;
  }

  /**
   * Takes a live record out of the counts; the caller has taken it out of its index or ring.
   * `inArrivalList` is false when the caller has taken it out of that list too.
   */
  private release(entry: Entry, why: 'evicted' | 'dropped', inArrivalList = true): void {
    entry.live = false;
    if (inArrivalList) this.deadInAll++;
    this.liveCount--;
    this.heldBytes -= entry.bytes + this.unhold(entry.record.resource) + (entry.record.scope === undefined ? 0 : this.unhold(entry.record.scope));
    entry.batch.live--;
    this.liveDiskBytes -= entry.batch.location.bytes / entry.batch.count;
    this.diedSinceSnapshot++;
    if (why === 'evicted') this.evictedCount++;
    else this.droppedCount++;
    if (this.deadInAll > this.liveCount + deadSlack) {
      this.all.retain((e) => e.live);
      this.deadInAll = 0;
    }
  }

  /**
   * Evicts the oldest live records while any bound is exceeded. The oldest live record overall is
   * also the oldest of its trace, its span and the uncorrelated ring (each is in arrival order
   * and loses records only from its front, or whole), so it is always at the front of those.
   */
  private evict(): void {
    while (this.liveCount > this.maxRecords || this.heldBytes > this.maxBytes || this.liveDiskBytes > this.maxBytes) {
      const entry = this.all.shift();
      if (!entry) break;
      if (!entry.live) {
        this.deadInAll--;
        continue;
      }
      const { traceId, spanId } = entry.record;
      if (traceId === undefined) {
        this.uncorrelated.shift();
      } else {
        const logs = this.traces.get(traceId) as TraceLogs;
        logs.records.shift();
        if (logs.records.length === 0) this.traces.delete(traceId);
        else if (spanId !== undefined && logs.bySpan) {
          const span = logs.bySpan.get(spanId) as ArrivalQueue<Entry>;
          span.shift();
          if (span.length === 0) logs.bySpan.delete(spanId);
        }
      }
      this.release(entry, 'evicted', false);
    }
  }

  private drop(traceIds: readonly string[]): void {
    for (const traceId of traceIds) {
      const logs = this.traces.get(traceId);
      if (!logs) continue;
      this.traces.delete(traceId);
      for (const entry of logs.records) this.release(entry, 'dropped');
    }
  }

  /** Compacts once evicted records take more of the log than live ones, in a log of some size. */
  private maybeCompact(): void {
    if (this.compaction || this.closing || this.diedSinceSnapshot === 0) return;
    const size = this.log.sizeBytes;
    if (size < this.compactMinBytes || size - this.liveDiskBytes <= this.liveDiskBytes) return;
    this.startCompaction().catch((error: unknown) => {
      if (!this.closing) this.backgroundErrors.push(`compacting the log store failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private async settleCompaction(): Promise<void> {
    while (this.compaction) await this.compaction.catch(() => undefined);
  }

  private startCompaction(): Promise<void> {
    this.compaction ??= this.writeSnapshot().finally(() => (this.compaction = undefined));
    return this.compaction;
  }

  /**
   * The snapshot holds, in log order, every record live at the cut; what is logged after the
   * cut follows it. A batch whose records are all live is copied as it lies; the live records of
   * any other are written again as OTLP JSON. Records that die while the snapshot is written are
   * in it, and so is what kills them (an eviction by a later batch, a drop record), after it.
   */
  private async writeSnapshot(): Promise<void> {
    let live: Entry[] = [];
    let batchesAtCut = 0;
    const snapshot = await this.log.beginSnapshot(() => {
      live = [...this.all].filter((entry) => entry.live);
      this.diedSinceSnapshot = 0;
      batchesAtCut = this.batches.length;
      return this.liveDiskBytes;
    });
    let written: { readonly batch: StoredBatch; readonly entries: readonly Entry[] }[];
    try {
      written = await this.writeLive(snapshot, live);
    } catch (error: unknown) {
      await snapshot.abort();
      throw error;
    }
    await snapshot.commit(() => {
      for (const { batch, entries } of written) {
        for (const entry of entries) {
          entry.batch = batch;
          if (entry.live) batch.live++;
        }
      }
      this.batches = written.map((w) => w.batch).concat(this.batches.slice(batchesAtCut));
      let liveDiskBytes = 0;
      for (const entry of this.all) if (entry.live) liveDiskBytes += entry.batch.location.bytes / entry.batch.count;
      this.liveDiskBytes = liveDiskBytes;
    });
  }

  /** Writes the live records of the cut, batch by batch, and says which new batch holds which entries. */
  private async writeLive(snapshot: LogSnapshot, live: readonly Entry[]): Promise<{ readonly batch: StoredBatch; readonly entries: readonly Entry[] }[]> {
    const written: { batch: StoredBatch; entries: readonly Entry[] }[] = [];
    // Live records of one batch lie together in arrival order.
    const groups: Entry[][] = [];
    for (const entry of live) {
      const last = groups[groups.length - 1];
      if (last && (last[0] as Entry).batch === entry.batch) last.push(entry);
      else groups.push([entry]);
    }
    let copies: Entry[][] = [];
    const encode = async (entries: readonly Entry[]): Promise<void> => {
      for (let i = 0; i < entries.length; i += recordsPerCompactedRecord) {
        this.throwIfClosing();
        const slice = entries.slice(i, i + recordsPerCompactedRecord);
        const location = await snapshot.append(kindJson, encodeOtlpLogsJson(slice.map((entry) => entry.record)));
        written.push({ batch: { location, count: slice.length, live: 0, reencode: false }, entries: slice });
      }
    };
    const flushCopies = async (): Promise<void> => {
      const pending = copies;
      copies = [];
      if (pending.length === 0) return;
      this.throwIfClosing();
      const { copied, damage } = await snapshot.copy(pending.map((group) => (group[0] as Entry).batch.location));
      copied.forEach((location, i) => {
        const entries = pending[i] as Entry[];
        written.push({ batch: { location, count: entries.length, live: 0, reencode: false }, entries });
      });
      if (damage !== undefined) {
        // Memory holds the same records, so what could not be copied is written from there.
        this.backgroundErrors.push(`compacting the log store: ${damage}; its records were written again from what the store holds.`);
        for (const entries of pending.slice(copied.length)) await encode(entries);
      }
    };
    for (const group of groups) {
      const batch = (group[0] as Entry).batch;
      if (group.length === batch.count && !batch.reencode) {
        copies.push(group);
        continue;
      }
      await flushCopies();
      await encode(group);
    }
    await flushCopies();
    return written;
  }

  private throwIfClosing(): void {
    if (this.closing) throw new Error('the log store was closed');
  }
}

function maxBytesOf(options: LocalLogStoreOptions): number {
  return Math.max(1024 * 1024, options.maxBytes ?? 64 * 1024 * 1024);
}

/** Whether a payload weighs much more than the records decoded from it take (padding, fields the decoder skips): then it is not worth keeping as it is. */
function isInflated(payload: LogPayload, records: readonly LogRecord[]): boolean {
  let estimate = 0;
  for (const record of records) estimate += logRecordBytes(record);
  return payload.bytes.length > maxPayloadInflation * estimate + payloadInflationSlackBytes;
}

function byTime(entries: Iterable<Entry>): LogRecord[] {
  const records: LogRecord[] = [];
  for (const entry of entries) records.push(entry.record);
  // Array.prototype.sort is stable, so equal times keep their arrival order.
  return records.sort((a, b) => {
    const ta = logTimeNs(a);
    const tb = logTimeNs(b);
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  });
}

function parseTraceIds(payload: Uint8Array): string[] {
  const ids: unknown = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  if (!Array.isArray(ids) || !ids.every((id: unknown): id is string => typeof id === 'string')) throw new Error('a drop record does not hold a list of trace ids');
  return ids;
}
