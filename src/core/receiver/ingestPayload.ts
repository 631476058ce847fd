import { TraceDecodeError } from '../formats/traceFormat';
import { decodeTracePayload, type TracePayload } from '../store/tracePayload';
import type { TraceSink } from '../store/traceSink';
import type { PartialSuccess } from './exportResponse';

export interface IngestOutcome {
  readonly acceptedSpans: number;
  /** What the response reports: rejected spans with the reason, or decoder warnings. */
  readonly partial: PartialSuccess;
}

/** A payload the decoders refused; the receiver answers 400 / INVALID_ARGUMENT with `message`. */
export class InvalidPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPayloadError';
  }
}

// The decoders report spans they had to skip as warnings such as "3 spans have no traceId or
// spanId and were skipped (…)"; those are the rejected spans of an OTLP partial success.
const skippedSpans = /^(\d+) spans? (?:has|have) .*\b(?:was|were) skipped/;

export function rejectedSpanCount(warnings: readonly string[]): number {
  let total = 0;
  for (const warning of warnings) {
    const n = skippedSpans.exec(warning)?.[1];
    if (n !== undefined) total += Number(n);
  }
  return total;
}

const maxMessageLength = 1024;

/**
 * Decodes a received payload and hands it to the sink; resolves when the sink has made it
 * durable. Decoding is synchronous: batches are bounded by the receiver's body limit, and the
 * hand-written decoders take about a millisecond per thousand spans.
 */
export async function ingestPayload(sink: TraceSink, payload: TracePayload): Promise<IngestOutcome> {
  let decoded;
  try {
    decoded = decodeTracePayload(payload);
  } catch (error: unknown) {
    if (error instanceof TraceDecodeError) throw new InvalidPayloadError(error.message);
    throw error;
  }
  await sink.ingest({ spans: decoded.spans, payload });
  let errorMessage = decoded.warnings.join(' ');
  if (errorMessage.length > maxMessageLength) errorMessage = `${errorMessage.slice(0, maxMessageLength - 1)}…`;
  return { acceptedSpans: decoded.spans.length, partial: { rejectedSpans: rejectedSpanCount(decoded.warnings), errorMessage } };
}
