import { parseJsonOrFail } from '../formats/decodeTraceBytes';
import { at, isObject, Problem, show, type JsonObject } from '../formats/jsonProblem';
import { isDigits, parseAnyValue, parseAttributesOf, parseResourceAttributes } from '../formats/jsonAttributes';
import { parseFlags, parseNanos, parseScopeOf } from '../formats/otlpJson';
import { TraceDecodeError } from '../formats/traceFormat';
import type { AttributeValue } from '../model/attributes';
import { isZeroId, normalizeSpanId, normalizeTraceId } from '../model/ids';
import { createResource, type Resource, type Scope } from '../model/span';
import { InvalidPayloadError } from '../receiver/ingestPayload';
import { makeLogRecord, type LogRecord } from './logRecord';

/**
 * OTLP logs in the OTLP/HTTP JSON encoding (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * an ExportLogsServiceRequest with lowerCamelCase keys (the proto names in snake_case are
 * accepted too, as proto3 JSON parsers do), hex ids, int64 and fixed64 as strings or numbers,
 * enums as numbers (or their names). The messages and fields are those of the protobuf form
 * (see decodeOtlpLogsProtobuf.ts). Unknown keys are ignored, as the spec asks of receivers.
 *
 * An error says where, as a path: `resourceLogs[0].scopeLogs[1].logRecords[3].timeUnixNano is "x", …`.
 */
export function decodeOtlpLogsJson(bytes: Uint8Array): LogRecord[] {
  const text = utf8.decode(bytes);
  if (text.trim() === '') throw new InvalidPayloadError(`${subject} are empty; an export of nothing is {}`);
  let doc: unknown;
  try {
    doc = parseJsonOrFail(text);
  } catch (error: unknown) {
    if (!(error instanceof TraceDecodeError)) throw error;
    const failure = error.failure;
    const detail = failure.kind === 'truncated' || failure.kind === 'invalidJson' ? failure.detail : error.message;
    throw new InvalidPayloadError(`${subject} are not ${failure.kind === 'truncated' ? 'whole' : 'valid'} JSON: ${detail}`);
  }
  if (!isObject(doc)) throw new InvalidPayloadError(`${subject} are not an ExportLogsServiceRequest: the JSON document is ${show(doc)}, not an object`);
  const key = doc['resourceLogs'] !== undefined ? 'resourceLogs' : 'resource_logs';
  const list = doc[key];
  if (list === undefined || list === null) {
    const signal = otherSignalOf(doc);
    if (signal !== undefined) throw new InvalidPayloadError(`${subject} are not logs: the body holds OTLP ${signal} (send those to /v1/${signal})`);
    return [];
  }
  const records: LogRecord[] = [];
  try {
    if (!Array.isArray(list)) throw new Problem('', `is ${show(list)}, not an array`);
    for (let i = 0; i < list.length; i++) {
      try {
        resourceLogs(list[i], records);
      } catch (error: unknown) {
        throw at(error, `[${i}]`);
      }
    }
  } catch (error: unknown) {
    if (error instanceof Problem) {
      at(error, key);
      throw new InvalidPayloadError(`${subject} are malformed: ${error.where} ${error.what}`);
    }
    throw error;
  }
  return records;
}

const subject = 'the OTLP JSON logs';
const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

function otherSignalOf(doc: JsonObject): string | undefined {
  if (doc['resourceSpans'] !== undefined || doc['resource_spans'] !== undefined) return 'traces';
  if (doc['resourceMetrics'] !== undefined || doc['resource_metrics'] !== undefined) return 'metrics';
  return undefined;
}

/** A field under its JSON name or its proto name, and which of the two the document used. */
function field(object: JsonObject, camel: string, snake: string): { readonly key: string; readonly value: unknown } {
  const value = object[camel];
  return value !== undefined ? { key: camel, value } : { key: snake, value: object[snake] };
}

function resourceLogs(entry: unknown, records: LogRecord[]): void {
  if (!isObject(entry)) throw new Problem('', `is ${show(entry)}, not an object`);
  const resource = createResource(parseResourceAttributes(entry));
  let scopes = field(entry, 'scopeLogs', 'scope_logs');
  // The pre-1.0 name, with the same layout.
  if (scopes.value === undefined) scopes = field(entry, 'instrumentationLibraryLogs', 'instrumentation_library_logs');
  if (scopes.value === undefined || scopes.value === null) return;
  if (!Array.isArray(scopes.value)) throw new Problem(scopes.key, `is ${show(scopes.value)}, not an array`);
  const list: readonly unknown[] = scopes.value;
  for (let i = 0; i < list.length; i++) {
    try {
      scopeLogs(list[i], resource, records);
    } catch (error: unknown) {
      throw at(error, `${scopes.key}[${i}]`);
    }
  }
}

function scopeLogs(entry: unknown, resource: Resource, records: LogRecord[]): void {
  if (!isObject(entry)) throw new Problem('', `is ${show(entry)}, not an object`);
  const scope = parseScopeOf(entry);
  const rawRecords = field(entry, 'logRecords', 'log_records');
  if (rawRecords.value === undefined || rawRecords.value === null) return;
  if (!Array.isArray(rawRecords.value)) throw new Problem(rawRecords.key, `is ${show(rawRecords.value)}, not an array`);
  const list: readonly unknown[] = rawRecords.value;
  for (let i = 0; i < list.length; i++) {
    try {
      records.push(logRecord(list[i], resource, scope));
    } catch (error: unknown) {
      throw at(error, `${rawRecords.key}[${i}]`);
    }
  }
}

function logRecord(raw: unknown, resource: Resource, scope: Scope | undefined): LogRecord {
  if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not an object`);
  const timeNs = nanos(field(raw, 'timeUnixNano', 'time_unix_nano'));
  const observedTimeNs = nanos(field(raw, 'observedTimeUnixNano', 'observed_time_unix_nano'));
  const severityNumber = severity(field(raw, 'severityNumber', 'severity_number'));
  const severityText = optionalString(raw, 'severityText', 'severity_text');
  let body: AttributeValue;
  try {
    body = parseAnyValue(raw['body'], 0);
  } catch (error: unknown) {
    throw at(error, 'body');
  }
  const attributes = parseAttributesOf(raw);
  const traceId = id(field(raw, 'traceId', 'trace_id'), true);
  const spanId = id(field(raw, 'spanId', 'span_id'), false);
  const eventName = optionalString(raw, 'eventName', 'event_name');
  return makeLogRecord(traceId, spanId, timeNs, observedTimeNs, severityNumber, severityText, body, attributes, resource, scope, flagsOf(raw['flags']), eventName);
}

/** A string field; undefined when absent or empty. */
function optionalString(raw: JsonObject, camel: string, snake: string): string | undefined {
  const { key, value } = field(raw, camel, snake);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Problem(key, `is ${show(value)}, not a string`);
  return value;
}

/** A fixed64 nanosecond time, exactly. 0n when absent; a number past 2^53 has lost digits already and is refused. */
function nanos({ key, value }: { readonly key: string; readonly value: unknown }): bigint {
  if (value === undefined || value === null) return 0n;
  const ns = typeof value === 'number' && !Number.isSafeInteger(value) ? undefined : parseNanos(value);
  if (ns !== undefined) return ns;
  throw new Problem(key, `is ${show(value)}, not a time in nanoseconds (an unsigned 64-bit integer, as a string or a number)`);
}

/** SEVERITY_NUMBER_UNSPECIFIED = 0, then TRACE, TRACE2 … TRACE4 = 1 … 4, DEBUG = 5, and so on to FATAL4 = 24. */
const severityByName = new Map<string, number>([['SEVERITY_NUMBER_UNSPECIFIED', 0]]);
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((level, i) => {
  ['', '2', '3', '4'].forEach((n, j) => severityByName.set(`SEVERITY_NUMBER_${level}${n}`, 4 * i + j + 1));
});

/** The enum as a number (or a digit string, or its name); a number outside the int32 range or negative reads as unspecified, as in protobuf. */
function severity({ key, value }: { readonly key: string; readonly value: unknown }): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' ? (isDigits(value, 0) ? Number(value) : severityByName.get(value)) : value;
  if (typeof n === 'number' && Number.isInteger(n)) return n >= 0 && n <= 0x7fff_ffff ? n : 0;
  throw new Problem(key, `is ${show(value)}, not a severity number (0–24 or a name such as "SEVERITY_NUMBER_INFO")`);
}

function flagsOf(value: unknown): number {
  return value === undefined || value === null ? 0 : parseFlags(value);
}

/** A canonical id; undefined when absent, empty or all zeros (OTLP's "no id"). */
function id({ key, value }: { readonly key: string; readonly value: unknown }, trace: boolean): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Problem(key, `is ${show(value)}, not a hex id string`);
  const canonical = trace ? normalizeTraceId(value) : normalizeSpanId(value);
  return isZeroId(canonical) ? undefined : canonical;
}
