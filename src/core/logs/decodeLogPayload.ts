import type { LogPayload } from '../receiver/logSink';
import { decodeOtlpLogsJson } from './decodeOtlpLogsJson';
import { decodeOtlpLogsProtobuf } from './decodeOtlpLogsProtobuf';
import type { LogRecord } from './logRecord';

/** The records of an export request body; throws InvalidPayloadError, saying where, when it is not one. */
export function decodeLogPayload(payload: LogPayload): LogRecord[] {
  return payload.kind === 'protobuf' ? decodeOtlpLogsProtobuf(payload.bytes) : decodeOtlpLogsJson(payload.bytes);
}
