import { buildTrace } from '../model/buildTrace';
import { isErrorSpan, type Span } from '../model/span';
import type { Trace } from '../model/trace';
import { spanLength, type DurationNs } from '../model/units';
import { boundSpans, type BoundedBatch } from './boundSpans';
import { LogFullError, SegmentLog, type LogFiles, type LogSnapshot, type RecordLocation } from './segmentLog';
import { selectFirst } from './selectFirst';
import { encodeSpanRecord } from './spanRecordCodec';
import { decodeTracePayload, payloadKindCodes, payloadKindOfCode, type TracePayload } from './tracePayload';
import type { IngestBatch, TraceSink } from './traceSink';
import { Emitter } from '../emitter';

export interface LocalTraceStoreOptions {
  /** Where the log lives (the extension's global storage in VS Code). Created when missing. */
  readonly directory: string;
  /** Whole traces are evicted, least recently received first, while more spans than this are held. */
  readonly maxSpans?: number;
  /**
   * Bounds both the log on disk (its segments, and the snapshot a compaction writes beside them)
   * and the memory the held spans take (estimated, see boundSpans.ts). Whole traces are evicted
   * as for maxSpans when either would grow past it. Of the disk bound the live spans get a
   * quarter: the rest is room for evicted records a compaction has not dropped yet and for the
   * snapshot, which is written before the segments it replaces are deleted (see liveDiskShare).
   * A batch that would take the log past the bound is refused (the receiver answers 503, and the
   * client retries once a compaction has freed space). Default 512 MiB, at least 1 MiB.
   */
  readonly maxBytes?: number;
  /**
   * String values longer than this many UTF-16 code units (String.length) are cut on ingest,
   * before they are logged, with a marker such as `...[truncated 48 KiB]`: attribute values of
   * spans, events, links, resources and scopes, and names and status messages. Default 16 Ki.
   */
  readonly maxAttributeValueLength?: number;
  /** For tests: how the log opens the files it writes, so a test can make writes fail. */
  readonly files?: LogFiles;
  /** Change events are coalesced: at most one per this many ms, however fast spans arrive. */
  readonly changeDelayMs?: number;
  /** Unwritten bytes above which the store reports itself backed up (the receiver answers 503). */
  readonly maxPendingWriteBytes?: number;
  /** The log is compacted once it is at least this large and evicted spans outnumber live ones. */
  readonly compactMinBytes?: number;
  readonly segmentBytes?: number;
  /** fdatasync every group commit; see segmentLog.ts for why it is off by default. */
  readonly syncWrites?: boolean;
}

/** What the tree shows for one trace. */
export interface StoredTraceSummary {
  readonly traceId: string;
  readonly rootName: string;
  readonly rootService: string;
  /** Whether the root shown is a true root; false when the trace's root span has not arrived. */
  readonly hasRoot: boolean;
  readonly spanCount: number;
  readonly errorCount: number;
  readonly serviceCount: number;
  /** The services that sent its spans, in the order first seen (the tree's tooltip names them). */
  readonly services: readonly string[];
  readonly startNs: bigint;
  readonly durationNs: DurationNs;
  /** Date.now() when the trace's latest span arrived. */
  readonly lastReceivedMs: number;
}

/** One coalesced change: every trace touched since the previous event. */
export interface TraceStoreChange {
  readonly updatedTraceIds: readonly string[];
  readonly evictedTraceIds: readonly string[];
  /** clear() ran; listeners should drop everything they hold before applying the rest. */
  readonly cleared: boolean;
  readonly spanCount: number;
  readonly traceCount: number;
}

/** What the store holds and has had to do to stay within its bounds, for a status view. */
export interface LocalTraceStoreStats {
  readonly spanCount: number;
  readonly traceCount: number;
  /** Estimated heap bytes of the spans held (see boundSpans.ts); at most maxBytes. */
  readonly heldBytes: number;
  /** Bytes the log takes on disk now, a snapshot being written included; at most maxBytes. */
  readonly diskBytes: number;
  readonly maxBytes: number;
  /** Strings cut to maxAttributeValueLength since open (mostly attribute values; see boundSpans.ts). */
  readonly truncatedAttributes: number;
  /** Traces evicted since open to stay within maxSpans or maxBytes. */
  readonly evictedTraces: number;
  /** Batches refused since open because the log could not be written (a full disk) or was at maxBytes. */
  readonly refusedBatches: number;
}

interface TraceEntry {
  readonly traceId: string;
  readonly spans: Span[];
  errorCount: number;
  startNs: bigint;
  endNs: bigint;
  /** The earliest span without a parent id. */
  root: Span | undefined;
  readonly services: Set<string>;
  lastReceivedMs: number;
  /** The arrival number (see StoredRecord) of each span, in step with `spans`. */
  readonly arrivals: number[];
  /** Estimated heap bytes of the entry and its spans. */
  heldBytes: number;
  /** The spans' share of the bytes of the records that hold them. */
  diskBytes: number;
  /** Neighbours in the eviction order, least recently received first (an intrusive list, so moving or evicting a trace is O(1)). */
  older: TraceEntry | undefined;
  newer: TraceEntry | undefined;
}

/**
 * A logged record, as compaction needs to know it. Every span the store applies gets the next
 * arrival number, so a record's spans have the numbers from its `firstArrival` up to (not
 * including) the next record's; after a compaction a rewritten record holds only some of the
 * numbers in its range, the rest being spans that were evicted.
 */
interface StoredRecord {
  readonly firstArrival: number;
  readonly spanCount: number;
  readonly location: RecordLocation;
  /** Its live spans must be encoded again rather than copied: replay cut values the record holds whole. */
  readonly reencode: boolean;
}

/**
 * Compaction encodes at most this many spans per record, then waits for their write; each such
 * slice takes a millisecond or so of the receiver's thread, which is what a request can be
 * delayed by. Only records that are partly evicted are encoded at all (see writeSnapshot).
 */
const spansPerCompactedRecord = 128;
/** Copied records are written in runs of up to this many bytes (the log splits them further). */
const bytesPerCopy = 4 << 20;
/** Compaction's bookkeeping yields to the event loop after this many spans. */
const spansPerSlice = 16_384;
/**
 * Shares of maxBytes on disk: live spans are evicted beyond `liveDiskShare`, and the log is
 * compacted once it reaches `compactAtShare`. A compaction's peak is then the log at the cut plus
 * a snapshot of the live spans, three quarters of the bound, which leaves a quarter for the
 * batches that arrive while it runs (a snapshot is synced before it replaces anything, which on
 * a slow disk takes seconds).
 */
const liveDiskShare = 0.25;
const compactAtShare = 0.5;
/** Above this share the store reports itself backed up, so the receiver asks clients to wait. */
const backedUpShare = 0.95;
/** A received payload is logged as it is unless it weighs more than this many times what its spans take in memory (plus slack): padding the decoder skips is not kept. */
const maxPayloadInflation = 4;
const payloadInflationSlackBytes = 64 * 1024;
/** The entry, its span and arrival arrays, its service set, its map slot and its trace id. */
const traceEntryBytes = 400;
/** After a compaction fails, none starts by itself for this long. */
const compactionRetryMs = 1000;

interface ArrivedSpan {
  readonly arrival: number;
  readonly span: Span;
}

interface CutEntry {
  readonly entry: TraceEntry;
  /** How many of its spans it had at the cut; later ones are logged after the cut. */
  readonly length: number;
}

/**
 * The receiver's store: spans grouped by trace id in memory, every acknowledged batch in an
 * append-only log on disk (segmentLog.ts), replayed on open. Bounded by maxSpans and by maxBytes
 * (disk and memory): whole traces are evicted, the one that received a span least recently
 * first, so a trace that is still growing is not cut while older ones remain. Strings past
 * maxAttributeValueLength are cut on ingest, before the batch is logged (boundSpans.ts).
 *
 * Replay applies the same eviction in the same order, so the log may hold evicted spans; once
 * they outnumber the live ones the log is compacted in the background, a slice at a time, while
 * batches keep being written and acknowledged (see compact()).
 *
 * Eviction for maxBytes weighs each span by its share of the record that holds it. A compaction
 * writes the live spans of a partly evicted record again in the store's own encoding, which can
 * take more room than the protobuf they arrived in, so where maxBytes is what binds, replay can
 * evict a few more of the oldest traces than the running store had.
 */
export class LocalTraceStore implements TraceSink {
  private readonly traces = new Map<string, TraceEntry>();
  private oldest: TraceEntry | undefined;
  private newest: TraceEntry | undefined;
  private totalSpans = 0;
  /** Spans the log holds records for, live or evicted; drives compaction. */
  private loggedSpans = 0;
  /** The log's records in log order, live or not; compaction drops the dead ones. */
  private records: StoredRecord[] = [];
  private nextArrival = 0;
  private compaction: Promise<void> | undefined;
  private closing = false;
  private readonly changes = new Emitter<TraceStoreChange>();
  private pendingUpdated = new Set<string>();
  private pendingEvicted = new Set<string>();
  private pendingCleared = false;
  private changeTimer: NodeJS.Timeout | undefined;
  private readonly maxSpans: number;
  private readonly changeDelayMs: number;
  private readonly maxPendingWriteBytes: number;
  private readonly compactMinBytes: number;
  private readonly maxBytes: number;
  private readonly maxAttributeValueLength: number;
  /** Estimated heap bytes of every held entry and span. */
  private heldBytes = 0;
  /** The live spans' share of the log's bytes (see TraceEntry.diskBytes). */
  private liveDiskBytes = 0;
  /** The size of the last snapshot; a compaction for bytes waits for the log to grow to half as much again. */
  private snapshotBytes = 0;
  private compactionRetryAtMs = 0;
  private truncatedAttributes = 0;
  private evictedTraces = 0;
  private refusedBatches = 0;
  private warnings: string[] = [];
  private readonly backgroundErrors: string[] = [];

  private constructor(
    private readonly log: SegmentLog,
    options: LocalTraceStoreOptions,
  ) {
    this.maxSpans = Math.max(1, options.maxSpans ?? 100_000);
    this.changeDelayMs = options.changeDelayMs ?? 200;
    this.maxPendingWriteBytes = options.maxPendingWriteBytes ?? 32 * 1024 * 1024;
    this.compactMinBytes = options.compactMinBytes ?? 16 * 1024 * 1024;
    this.maxBytes = maxBytesOf(options);
    this.maxAttributeValueLength = options.maxAttributeValueLength ?? 16 * 1024;
  }

  /** Opens (or creates) the store and replays its log. Damage is reported in `openWarnings`, never thrown. */
  static async open(options: LocalTraceStoreOptions): Promise<LocalTraceStore> {
    const maxBytes = maxBytesOf(options);
    const log = new SegmentLog(options.directory, {
      // Segments are read whole on open, so they are kept small next to the bound.
      segmentBytes: options.segmentBytes ?? Math.min(64 * 1024 * 1024, Math.max(256 * 1024, Math.floor(maxBytes / 16))),
      ...(options.syncWrites === undefined ? {} : { syncWrites: options.syncWrites }),
      ...(options.files === undefined ? {} : { files: options.files }),
      knownKinds: Object.values(payloadKindCodes),
      maxBytes,
    });
    const store = new LocalTraceStore(log, options);
    const undecodable: string[] = [];
    const replay = await log.open((record) => {
      const kind = payloadKindOfCode(record.kind);
      if (kind === undefined) {
        undecodable.push(`${record.segment} at byte ${record.offset}: unknown record kind ${record.kind}`);
        return;
      }
      try {
        const { spans } = decodeTracePayload({ kind, bytes: record.payload });
        // The same bounds as on ingest, so a log written under a larger one replays within this one.
        const bounded = boundSpans(spans, store.maxAttributeValueLength);
        store.truncatedAttributes += bounded.truncatedValues;
        store.apply(bounded, false, record.location, bounded.truncatedValues > 0);
      } catch (error: unknown) {
        undecodable.push(`${record.segment} at byte ${record.offset}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    store.warnings = [...replay.warnings];
    if (undecodable.length > 0) {
      store.warnings.push(
        `${undecodable.length} logged batch${undecodable.length === 1 ? '' : 'es'} could not be read and ${undecodable.length === 1 ? 'was' : 'were'} skipped (the first: ${undecodable[0] ?? ''}).`,
      );
    }
    // A compaction sets damaged segments aside and brings a log written under a larger bound
    // within this one; done before the store is used, so the next open is clean and the bound holds.
    if (replay.corrupted || undecodable.length > 0 || log.diskBytes > store.maxBytes * compactAtShare) {
      try {
        await store.compact();
      } catch (error: unknown) {
        const reason = error instanceof Error ? error.message : String(error);
        store.warnings.push(`The trace store could not compact its log (${reason})${replay.corrupted ? '; the damaged segments stay where they are until a later compaction succeeds' : ''}.`);
      }
    } else store.maybeCompact();
    return store;
  }

  /** What replay had to tolerate (a torn last record, a damaged file), worded for a person. */
  get openWarnings(): readonly string[] {
    return this.warnings;
  }

  /** Failures of background work (compaction) since the last call, for the adapter to log. */
  takeBackgroundErrors(): string[] {
    return this.backgroundErrors.splice(0);
  }

  get spanCount(): number {
    return this.totalSpans;
  }

  get traceCount(): number {
    return this.traces.size;
  }

  get isBackedUp(): boolean {
    return this.log.pendingBytes > this.maxPendingWriteBytes || this.log.committedBytes > this.maxBytes * backedUpShare;
  }

  get logBytes(): number {
    return this.log.sizeBytes;
  }

  get stats(): LocalTraceStoreStats {
    return {
      spanCount: this.totalSpans,
      traceCount: this.traces.size,
      heldBytes: this.heldBytes,
      diskBytes: this.log.diskBytes,
      maxBytes: this.maxBytes,
      truncatedAttributes: this.truncatedAttributes,
      evictedTraces: this.evictedTraces,
      refusedBatches: this.refusedBatches,
    };
  }

  /**
   * Logs a received batch and then adds its spans; resolves once the batch is written, and
   * rejects, having kept nothing of it, when it could not be. The bytes it arrived in are logged
   * as they are, which costs nothing more, unless they hold more than the store keeps: a value
   * that was cut, or bytes the decoder skipped; then the spans kept are encoded instead.
   */
  ingest(batch: IngestBatch): Promise<void> {
    if (batch.spans.length === 0) return Promise.resolve();
    const bounded = boundSpans(batch.spans, this.maxAttributeValueLength);
    const asReceived = bounded.truncatedValues === 0 && batch.payload.bytes.length <= maxPayloadInflation * bounded.totalBytes + payloadInflationSlackBytes;
    return this.write(bounded, asReceived ? batch.payload : undefined);
  }

  /** Adds spans that have no wire bytes (imports, tests), in the store's own encoding. */
  appendSpans(spans: readonly Span[]): Promise<void> {
    if (spans.length === 0) return Promise.resolve();
    return this.write(boundSpans(spans, this.maxAttributeValueLength), undefined);
  }

  private write(bounded: BoundedBatch, received: TracePayload | undefined): Promise<void> {
    const payload: TracePayload = received ?? { kind: 'spans', bytes: encodeSpanRecord(bounded.spans) };
    return this.log
      .append(payloadKindCodes[payload.kind], payload.bytes, (location) => {
        this.truncatedAttributes += bounded.truncatedValues;
        this.apply(bounded, true, location, false);
        this.maybeCompact();
      })
      .catch((error: unknown) => {
        this.refusedBatches++;
        if (error instanceof LogFullError) this.maybeCompact();
        throw error;
      });
  }

  /** Summaries of the held traces, the latest-starting first. */
  listTraces(limit = Number.POSITIVE_INFINITY): StoredTraceSummary[] {
    const entries = limit >= this.traces.size ? [...this.inEvictionOrder()].sort(newestFirst) : selectFirst(this.inEvictionOrder(), limit, newestFirst);
    return entries.map(summarize);
  }

  getSummary(traceId: string): StoredTraceSummary | undefined {
    const entry = this.traces.get(traceId);
    return entry && summarize(entry);
  }

  /** The spans of one trace in arrival order; undefined once evicted or never seen. */
  getSpans(traceId: string): readonly Span[] | undefined {
    return this.traces.get(traceId)?.spans.slice();
  }

  getTrace(traceId: string): Trace | undefined {
    const entry = this.traces.get(traceId);
    return entry && buildTrace(traceId, entry.spans);
  }

  /** Forgets every trace, in memory and on disk; ordered after writes already queued. */
  async clear(): Promise<void> {
    await this.settleCompaction();
    await this.log.exclusive(async () => {
      await this.log.rewrite(() => Promise.resolve());
      const evicted = [...this.traces.keys()];
      this.traces.clear();
      this.oldest = undefined;
      this.newest = undefined;
      this.totalSpans = 0;
      this.loggedSpans = 0;
      this.heldBytes = 0;
      this.liveDiskBytes = 0;
      this.snapshotBytes = 0;
      this.records = [];
      this.pendingUpdated.clear();
      this.pendingEvicted.clear();
      this.pendingCleared = evicted.length > 0 || this.pendingCleared;
      this.scheduleChange();
    });
  }

  /**
   * Rewrites the log to hold only live spans; runs by itself when evicted data dominates. Any
   * compaction already running finishes first, so when this resolves the log holds nothing that
   * was evicted before the call.
   */
  async compact(): Promise<void> {
    await this.settleCompaction();
    await this.startCompaction();
  }

  /** Waits for a running compaction, whatever its outcome. */
  private async settleCompaction(): Promise<void> {
    while (this.compaction) await this.compaction.catch(() => undefined);
  }

  private startCompaction(): Promise<void> {
    this.compaction ??= this.writeSnapshot().finally(() => (this.compaction = undefined));
    return this.compaction;
  }

  /**
   * The snapshot holds, in log order, every span that was live at the cut; batches written after
   * the cut follow it in the log. Replaying the live spans in the order they were first applied
   * touches the live traces in the same order as before, so it rebuilds the same traces, spans
   * and eviction order, and evicts nothing (the live spans fit in maxSpans); the batches after the
   * cut then evict exactly as they did. A record whose spans are all live is copied byte for byte;
   * only one that is partly evicted (or unreadable where it lies) has its live spans encoded
   * again. Spans are only ever appended to an entry, so the prefix taken at the cut stays valid
   * however long the snapshot takes, even for a trace evicted meanwhile.
   */
  private async writeSnapshot(): Promise<void> {
    let cut: CutEntry[] = [];
    let logged: StoredRecord[] = [];
    let recordsAtCut = 0;
    let loggedAtCut = 0;
    const snapshot = await this.log.beginSnapshot(() => {
      for (let entry = this.oldest; entry; entry = entry.newer) cut.push({ entry, length: entry.spans.length });
      logged = this.records;
      recordsAtCut = logged.length;
      loggedAtCut = this.loggedSpans;
      return this.liveDiskBytes;
    });
    let written: StoredRecord[];
    try {
      written = await this.copyLiveRecords(snapshot, cut, logged.slice(0, recordsAtCut));
    } catch (error: unknown) {
      await snapshot.abort();
      throw error;
    }
    // The cut holds on to traces evicted since; they need not outlive the sync in commit().
    cut = [];
    const writtenSpans = written.reduce((sum, record) => sum + record.spanCount, 0);
    await snapshot.commit(() => {
      this.records = written.concat(this.records.slice(recordsAtCut));
      this.loggedSpans += writtenSpans - loggedAtCut;
    });
    this.snapshotBytes = written.reduce((sum, record) => sum + record.location.bytes, 0);
  }

  /** Writes the snapshot's records (see writeSnapshot) and returns them, located in the snapshot. */
  private async copyLiveRecords(snapshot: LogSnapshot, cut: readonly CutEntry[], records: readonly StoredRecord[]): Promise<StoredRecord[]> {
    const live = new Uint32Array(records.length);
    await this.forEachLiveSpan(cut, records, undefined, (record) => {
      live[record] = (live[record] ?? 0) + 1;
    });
    const rewrite = new Uint8Array(records.length);
    for (let r = 0; r < records.length; r++) {
      const count = live[r] as number;
      if (count > 0 && (count !== (records[r] as StoredRecord).spanCount || (records[r] as StoredRecord).reencode)) rewrite[r] = 1;
    }
    const spansOf = await this.collectSpans(cut, records, rewrite);

    const written: StoredRecord[] = [];
    let chunk: ArrivedSpan[] = [];
    const flushChunk = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const spans = chunk.map((c) => c.span);
      const firstArrival = (chunk[0] as ArrivedSpan).arrival;
      chunk = [];
      this.throwIfClosing();
      const location = await snapshot.append(payloadKindCodes.spans, encodeSpanRecord(spans));
      written.push({ firstArrival, spanCount: spans.length, location, reencode: false });
    };
    const encode = async (record: number): Promise<void> => {
      for (const arrived of spansOf.get(record) ?? []) {
        chunk.push(arrived);
        if (chunk.length >= spansPerCompactedRecord) await flushChunk();
      }
    };
    let copies: number[] = [];
    let copyBytes = 0;
    const flushCopies = async (): Promise<void> => {
      let batch = copies;
      copies = [];
      copyBytes = 0;
      while (batch.length > 0) {
        this.throwIfClosing();
        const { copied, damage } = await snapshot.copy(batch.map((r) => (records[r] as StoredRecord).location));
        copied.forEach((location, i) => {
          const { firstArrival, spanCount } = records[batch[i] as number] as StoredRecord;
          written.push({ firstArrival, spanCount, location, reencode: false });
        });
        batch = batch.slice(copied.length);
        if (damage === undefined) break;
        // Memory holds the same spans. What follows the damage in its segment is likely damaged
        // too, so all of that is written from memory, after one more pass over the live spans.
        this.backgroundErrors.push(`compacting the trace store: ${damage}; its spans were written again from what the store holds.`);
        const segment = (records[batch[0] as number] as StoredRecord).location.segment;
        const more = new Uint8Array(records.length);
        for (let r = batch[0] as number; r < records.length; r++) {
          if (rewrite[r] === 1 || live[r] === 0 || (records[r] as StoredRecord).location.segment !== segment) continue;
          rewrite[r] = 1;
          more[r] = 1;
        }
        for (const [record, spans] of await this.collectSpans(cut, records, more)) spansOf.set(record, spans);
        while (batch.length > 0 && rewrite[batch[0] as number] === 1) await encode(batch.shift() as number);
        await flushChunk();
      }
    };
    for (let r = 0; r < records.length; r++) {
      if (live[r] === 0) continue;
      if (rewrite[r] === 1) {
        await flushCopies();
        await encode(r);
        continue;
      }
      await flushChunk();
      copies.push(r);
      copyBytes += (records[r] as StoredRecord).location.bytes;
      if (copyBytes >= bytesPerCopy) await flushCopies();
    }
    await flushCopies();
    await flushChunk();
    return written;
  }

  /** The live spans of each record marked in `selected`, in the order they arrived. */
  private async collectSpans(cut: readonly CutEntry[], records: readonly StoredRecord[], selected: Uint8Array): Promise<Map<number, ArrivedSpan[]>> {
    const selectedBefore = new Uint32Array(records.length + 1);
    for (let r = 0; r < records.length; r++) selectedBefore[r + 1] = (selectedBefore[r] as number) + (selected[r] as number);
    const spansOf = new Map<number, ArrivedSpan[]>();
    if (selectedBefore[records.length] === 0) return spansOf;
    await this.forEachLiveSpan(cut, records, selectedBefore, (record, arrival, span) => {
      if (selected[record] !== 1) return;
      let spans = spansOf.get(record);
      if (!spans) spansOf.set(record, (spans = []));
      spans.push({ arrival, span });
    });
    for (const spans of spansOf.values()) spans.sort((a, b) => a.arrival - b.arrival);
    return spansOf;
  }

  /**
   * Calls `visit` with every span in the cut, its arrival number and the index of its record in
   * `records`, a slice at a time. With `selectedBefore` (how many records before each index are
   * of interest), skips the traces whose spans all lie in records of no interest.
   */
  private async forEachLiveSpan(
    cut: readonly CutEntry[],
    records: readonly StoredRecord[],
    selectedBefore: Uint32Array | undefined,
    visit: (record: number, arrival: number, span: Span) => void,
  ): Promise<void> {
    let record = 0;
    let sinceYield = 0;
    for (const { entry, length } of cut) {
      if (length === 0) continue;
      if (selectedBefore) {
        const first = recordOf(records, entry.arrivals[0] as number, record);
        const last = recordOf(records, entry.arrivals[length - 1] as number, first);
        if (selectedBefore[last + 1] === selectedBefore[first]) continue;
      }
      for (let i = 0; i < length; i++) {
        const arrival = entry.arrivals[i] as number;
        record = recordOf(records, arrival, record);
        visit(record, arrival, entry.spans[i] as Span);
      }
      sinceYield += length;
      if (sinceYield >= spansPerSlice) {
        sinceYield = 0;
        this.throwIfClosing();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  private throwIfClosing(): void {
    if (this.closing) throw new Error('the trace store was closed');
  }

  /** Subscribes to coalesced changes. */
  readonly onDidChange = this.changes.event;

  /** Waits for queued writes and closes the log; a compaction in progress is abandoned. Pending change events are delivered first. */
  async close(): Promise<void> {
    this.closing = true;
    await this.settleCompaction();
    await this.log.close();
    if (this.changeTimer) {
      clearTimeout(this.changeTimer);
      this.changeTimer = undefined;
      this.emitChange();
    }
  }

  private apply(batch: BoundedBatch, live: boolean, location: RecordLocation, reencode: boolean): void {
    const { spans, spanBytes } = batch;
    if (spans.length === 0) return;
    const now = Date.now();
    this.records.push({ firstArrival: this.nextArrival, spanCount: spans.length, location, reencode });
    const diskShare = location.bytes / spans.length;
    let heldBytes = 0;
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i] as Span;
      let entry = this.traces.get(span.traceId);
      if (entry) {
        if (entry !== this.newest) {
          this.unlink(entry);
          this.linkNewest(entry);
        }
      } else {
        entry = {
          traceId: span.traceId,
          spans: [],
          arrivals: [],
          heldBytes: traceEntryBytes,
          diskBytes: 0,
          errorCount: 0,
          startNs: span.startNs,
          endNs: span.endNs,
          root: undefined,
          services: new Set(),
          lastReceivedMs: now,
          older: undefined,
          newer: undefined,
        };
        heldBytes += traceEntryBytes;
        this.traces.set(span.traceId, entry);
        this.linkNewest(entry);
      }
      entry.spans.push(span);
      entry.arrivals.push(this.nextArrival++);
      const bytes = spanBytes[i] as number;
      entry.heldBytes += bytes;
      entry.diskBytes += diskShare;
      heldBytes += bytes;
      entry.lastReceivedMs = now;
      if (isErrorSpan(span)) entry.errorCount++;
      if (span.startNs < entry.startNs) entry.startNs = span.startNs;
      if (span.endNs > entry.endNs) entry.endNs = span.endNs;
      if (span.parentSpanId === undefined && (!entry.root || span.startNs < entry.root.startNs)) entry.root = span;
      entry.services.add(span.resource.serviceName);
      if (live) this.pendingUpdated.add(span.traceId);
    }
    this.totalSpans += spans.length;
    this.loggedSpans += spans.length;
    this.heldBytes += heldBytes;
    this.liveDiskBytes += location.bytes;
    this.evict(live);
    if (live) this.scheduleChange();
  }

  private *inEvictionOrder(): Generator<TraceEntry> {
    for (let entry = this.oldest; entry; entry = entry.newer) yield entry;
  }

  private linkNewest(entry: TraceEntry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: TraceEntry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  /**
   * Not Map insertion order: taking a Map's first entry skips every deleted slot before it, and
   * eviction deletes from the front, so each eviction paid for all the ones before it until V8
   * rehashed the table.
   */
  private evict(live: boolean): void {
    const liveDiskBound = this.maxBytes * liveDiskShare;
    while (this.totalSpans > this.maxSpans || this.heldBytes > this.maxBytes || this.liveDiskBytes > liveDiskBound) {
      const entry = this.oldest;
      if (!entry) break;
      this.unlink(entry);
      this.traces.delete(entry.traceId);
      this.totalSpans -= entry.spans.length;
      this.heldBytes -= entry.heldBytes;
      this.liveDiskBytes -= entry.diskBytes;
      this.evictedTraces++;
      if (live) {
        this.pendingUpdated.delete(entry.traceId);
        this.pendingEvicted.add(entry.traceId);
      }
    }
  }

  /**
   * Compacts once evicted spans outnumber live ones in a log of some size, or once the log
   * reaches its share of maxBytes; the second waits for the log to be half as large again as
   * the last snapshot, so an estimate that undercounts the live bytes cannot make it run back to
   * back.
   */
  private maybeCompact(): void {
    if (this.compaction || this.closing || Date.now() < this.compactionRetryAtMs) return;
    const size = this.log.sizeBytes;
    const bySpans = size >= this.compactMinBytes && this.loggedSpans - this.totalSpans > this.totalSpans;
    const byBytes = size >= this.maxBytes * compactAtShare && size >= 1.5 * this.snapshotBytes;
    if (!bySpans && !byBytes) return;
    this.startCompaction().catch((error: unknown) => {
      this.compactionRetryAtMs = Date.now() + compactionRetryMs;
      if (!this.closing) this.backgroundErrors.push(`compacting the trace store failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private scheduleChange(): void {
    if (this.changeTimer || !this.changes.hasListeners) {
      if (!this.changes.hasListeners) this.resetPending();
      return;
    }
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.emitChange();
    }, this.changeDelayMs);
    this.changeTimer.unref();
  }

  private resetPending(): void {
    this.pendingUpdated = new Set();
    this.pendingEvicted = new Set();
    this.pendingCleared = false;
  }

  private emitChange(): void {
    const change: TraceStoreChange = {
      updatedTraceIds: [...this.pendingUpdated],
      evictedTraceIds: [...this.pendingEvicted],
      cleared: this.pendingCleared,
      spanCount: this.totalSpans,
      traceCount: this.traces.size,
    };
    this.resetPending();
    this.changes.fire(change, (error) => this.backgroundErrors.push(`a trace store listener threw: ${error instanceof Error ? error.message : String(error)}`));
  }
}

/**
 * The index of the record in `records` (ascending firstArrival) that holds `arrival`; tries
 * `hint` first, as consecutive lookups mostly land in the same record.
 */
function recordOf(records: readonly StoredRecord[], arrival: number, hint: number): number {
  const holds = (i: number): boolean => (records[i] as StoredRecord).firstArrival <= arrival && (i + 1 === records.length || (records[i + 1] as StoredRecord).firstArrival > arrival);
  if (hint < records.length && holds(hint)) return hint;
  let low = 0;
  let high = records.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if ((records[middle] as StoredRecord).firstArrival <= arrival) low = middle;
    else high = middle - 1;
  }
  return low;
}

function maxBytesOf(options: LocalTraceStoreOptions): number {
  return Math.max(1024 * 1024, options.maxBytes ?? 512 * 1024 * 1024);
}

function newestFirst(a: TraceEntry, b: TraceEntry): number {
  return a.startNs > b.startNs ? -1 : a.startNs < b.startNs ? 1 : b.lastReceivedMs - a.lastReceivedMs;
}

function summarize(entry: TraceEntry): StoredTraceSummary {
  const root = entry.root ?? earliestOrphan(entry.spans);
  return {
    traceId: entry.traceId,
    rootName: root?.name ?? '',
    rootService: root?.resource.serviceName ?? '',
    hasRoot: entry.root !== undefined,
    spanCount: entry.spans.length,
    errorCount: entry.errorCount,
    serviceCount: entry.services.size,
    services: [...entry.services],
    startNs: entry.startNs,
    durationNs: spanLength(entry.startNs, entry.endNs),
    lastReceivedMs: entry.lastReceivedMs,
  };
}

/** The top of a trace whose root has not arrived: the earliest span whose parent is not held. */
function earliestOrphan(spans: readonly Span[]): Span | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  let best: Span | undefined;
  for (const span of spans) {
    if (span.parentSpanId !== undefined && ids.has(span.parentSpanId)) continue;
    if (!best || span.startNs < best.startNs) best = span;
  }
  return best ?? spans[0];
}
