import type { Span } from '../model/span';
import type { TracePayload } from './tracePayload';

/** One received batch: its decoded spans and the bytes they were decoded from. */
export interface IngestBatch {
  readonly spans: readonly Span[];
  /** The decompressed body; persisted as is and decoded again on replay. */
  readonly payload: TracePayload;
}

/** Where the receiver puts batches; LocalTraceStore is the real one, tests may pass another. */
export interface TraceSink {
  /** Resolves once the batch is durable; only then may the receiver acknowledge it. */
  ingest(batch: IngestBatch): Promise<void>;
  /** True while writes are backed up; the receiver then answers 503 with Retry-After. */
  readonly isBackedUp: boolean;
}
