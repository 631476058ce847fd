/** An OTLP logs export request body as received, decompressed: ExportLogsServiceRequest. */
export interface LogPayload {
  readonly kind: 'json' | 'protobuf';
  readonly bytes: Uint8Array;
}

/**
 * Where the receiver hands the logs it receives. The export is acknowledged once `ingestLogs`
 * resolves; a rejection with InvalidPayloadError is answered 400 (the client must not retry), any
 * other rejection 503 / UNAVAILABLE (the client retries).
 */
export interface LogSink {
  ingestLogs(payload: LogPayload): Promise<void>;
}
