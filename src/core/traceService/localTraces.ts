import type { Span } from '../model/span';
import type { Trace } from '../model/trace';
import type { LocalSourceEvent, ReceiverSettings, ReceiverStatus, TraceSummary } from './traceServiceProtocol';

/**
 * The local receiver and its store as the trace service of a window sees them: in this process
 * (LocalSource: the per-machine service itself, and tests) or in the per-machine service
 * (LocalServiceSource, what a window uses).
 */
export interface LocalTraces {
  open(settings: ReceiverSettings): Promise<ReceiverStatus>;
  start(settings: ReceiverSettings): Promise<ReceiverStatus>;
  stop(): Promise<ReceiverStatus>;
  clear(): Promise<void>;
  /** The newest traces, as many as the tree lists. */
  list(): Promise<TraceSummary[]>;
  /** The summary of any trace the store holds, listed or not. */
  find(traceId: string): Promise<TraceSummary | undefined>;
  /** A trace already at hand (no waiting); `load` first to be sure it is. */
  trace(traceId: string): Trace | undefined;
  /** Makes `trace(traceId)` current: fetched when missing or grown since. */
  load(traceId: string): Promise<Trace | undefined>;
  dispose(): Promise<void>;
}

/** What a LocalTraces tells the trace service as it happens. */
export interface LocalTracesListener {
  readonly emit: (event: LocalSourceEvent) => void;
  /** Spans made durable (or replayed from the store), for the annotations. */
  readonly stored: (spans: readonly Span[]) => void;
}
