import type { AttributeValue, Attributes } from '../model/attributes';
import type { Resource, Scope } from '../model/span';

/**
 * One OTLP log record, normalized (opentelemetry-proto logs/v1/logs.proto, LogRecord). Resource
 * and scope are the trace model's, shared by every record of one ResourceLogs / ScopeLogs, so a
 * batch costs one object each however many records it holds.
 */
export interface LogRecord {
  /** Canonical lower-case hex (see model/ids.ts); undefined when absent or all zeros, OTLP's "no id". */
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  /** When the event happened, epoch ns; 0n when the sender did not know (OTLP's "unknown"). */
  readonly timeNs: bigint;
  /** When the collecting side first saw it, epoch ns; 0n when not set. */
  readonly observedTimeNs: bigint;
  /** 1–24 as in the OTLP SeverityNumber enum (TRACE=1 … FATAL4=24); 0 when unspecified. */
  readonly severityNumber: number;
  readonly severityText: string | undefined;
  /** The body: a string for most loggers, a kvlist for structured ones; null when absent. */
  readonly body: AttributeValue;
  readonly attributes: Attributes;
  readonly resource: Resource;
  readonly scope: Scope | undefined;
  /** W3C trace flags in the low 8 bits; 0 when not set. */
  readonly flags: number;
  /** The event name of an OTel Event (logs.proto field 12); undefined for a plain log. */
  readonly eventName: string | undefined;
}

/**
 * The one place records are made: every field in the same order, so V8 gives every record one
 * hidden class whichever decoder made it. Takes normalized fields: undefined rather than ''.
 */
export function makeLogRecord(
  traceId: string | undefined,
  spanId: string | undefined,
  timeNs: bigint,
  observedTimeNs: bigint,
  severityNumber: number,
  severityText: string | undefined,
  body: AttributeValue,
  attributes: Attributes,
  resource: Resource,
  scope: Scope | undefined,
  flags: number,
  eventName: string | undefined,
): LogRecord {
  return { traceId, spanId, timeNs, observedTimeNs, severityNumber, severityText, body, attributes, resource, scope, flags, eventName };
}

/** The time a viewer orders records by: the event's own time, else when it was observed. */
export function logTimeNs(record: LogRecord): bigint {
  return record.timeNs !== 0n ? record.timeNs : record.observedTimeNs;
}
