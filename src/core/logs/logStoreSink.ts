import type { LogSink } from '../receiver/logSink';
import { decodeLogPayload } from './decodeLogPayload';
import type { LocalLogStore } from './localLogStore';

/**
 * What the receiver hands logs to: decodes the export request and stores its records. A body
 * that does not decode is refused with InvalidPayloadError (400 / INVALID_ARGUMENT: the client
 * must not retry it); a store that cannot write rejects with anything else (503 / UNAVAILABLE:
 * the client retries). The export is acknowledged only once the batch is in the log.
 */
export function logStoreSink(store: LocalLogStore): LogSink {
  return {
    ingestLogs: async (payload) => {
      await store.ingest({ records: decodeLogPayload(payload), payload });
    },
  };
}
