import { parseJsonOrFail } from '../formats/decodeTraceBytes';
import { at, isObject, Problem, show, type JsonObject } from '../formats/jsonProblem';
import { TraceDecodeError } from '../formats/traceFormat';
import { setAttribute, noAttributes, type AttributeValue, type Attributes } from '../model/attributes';
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
const maxNesting = 64;
const maxUint64 = 0xffff_ffff_ffff_ffffn;

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
  let attributes: Attributes = noAttributes;
  const rawResource = entry['resource'];
  if (rawResource !== undefined && rawResource !== null) {
    if (!isObject(rawResource)) throw new Problem('resource', `is ${show(rawResource)}, not an object`);
    try {
      attributes = keyValues(rawResource['attributes'], 0);
    } catch (error: unknown) {
      throw at(error, 'resource.attributes');
    }
  }
  const resource = createResource(attributes);
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
  let rawScope = field(entry, 'scope', 'scope');
  if (rawScope.value === undefined) rawScope = field(entry, 'instrumentationLibrary', 'instrumentation_library');
  const scope = scopeOf(rawScope.value, rawScope.key);
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

/** An empty scope (no name, version or attributes) is no scope, as in the trace decoders. */
function scopeOf(raw: unknown, key: string): Scope | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new Problem(key, `is ${show(raw)}, not an object`);
  const name = optionalString(raw, 'name', 'name', key) ?? '';
  const version = optionalString(raw, 'version', 'version', key);
  let attributes: Attributes;
  try {
    attributes = keyValues(raw['attributes'], 0);
  } catch (error: unknown) {
    throw at(error, `${key}.attributes`);
  }
  if (name === '' && version === undefined && attributes === noAttributes) return undefined;
  return { name, version, attributes };
}

function logRecord(raw: unknown, resource: Resource, scope: Scope | undefined): LogRecord {
  if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not an object`);
  const timeNs = nanos(field(raw, 'timeUnixNano', 'time_unix_nano'));
  const observedTimeNs = nanos(field(raw, 'observedTimeUnixNano', 'observed_time_unix_nano'));
  const severityNumber = severity(field(raw, 'severityNumber', 'severity_number'));
  const severityText = optionalString(raw, 'severityText', 'severity_text', '');
  let body: AttributeValue;
  try {
    body = anyValue(raw['body'], 0);
  } catch (error: unknown) {
    throw at(error, 'body');
  }
  let attributes: Attributes;
  try {
    attributes = keyValues(raw['attributes'], 0);
  } catch (error: unknown) {
    throw at(error, 'attributes');
  }
  const traceId = id(field(raw, 'traceId', 'trace_id'), true);
  const spanId = id(field(raw, 'spanId', 'span_id'), false);
  const eventName = optionalString(raw, 'eventName', 'event_name', '');
  return makeLogRecord(traceId, spanId, timeNs, observedTimeNs, severityNumber, severityText, body, attributes, resource, scope, flagsOf(raw['flags']), eventName);
}

/** A string field; undefined when absent or empty. `prefix` is the path of `raw` for messages. */
function optionalString(raw: JsonObject, camel: string, snake: string, prefix: string): string | undefined {
  const { key, value } = field(raw, camel, snake);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Problem(prefix === '' ? key : `${prefix}.${key}`, `is ${show(value)}, not a string`);
  return value;
}

function isDigits(text: string, from: number): boolean {
  if (text.length <= from) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A fixed64 nanosecond time, exactly: a decimal string goes straight to BigInt. 0n when absent. */
function nanos({ key, value }: { readonly key: string; readonly value: unknown }): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'string' && value.length <= 20 && isDigits(value, 0)) {
    const ns = BigInt(value);
    if (ns <= maxUint64) return ns;
  } else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return BigInt(value);
  }
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
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' && isDigits(value, 0) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff) return n;
  throw new Problem('flags', `is ${show(value)}, not a 32-bit unsigned integer`);
}

/** A canonical id; undefined when absent, empty or all zeros (OTLP's "no id"). */
function id({ key, value }: { readonly key: string; readonly value: unknown }, trace: boolean): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Problem(key, `is ${show(value)}, not a hex id string`);
  const canonical = trace ? normalizeTraceId(value) : normalizeSpanId(value);
  return isZeroId(canonical) ? undefined : canonical;
}

/** A list of {key, value} as an attribute map; `__proto__` and friends stay ordinary keys. */
function keyValues(list: unknown, depth: number): Attributes {
  if (list === undefined || list === null) return noAttributes;
  if (!Array.isArray(list)) throw new Problem('', `is ${show(list)}, not an array of {key, value} pairs`);
  if (list.length === 0) return noAttributes;
  const out: Record<string, AttributeValue> = {};
  for (let i = 0; i < list.length; i++) {
    const pair: unknown = list[i];
    try {
      if (!isObject(pair)) throw new Problem('', `is ${show(pair)}, not a {key, value} pair`);
      const key = pair['key'];
      if (typeof key !== 'string') throw new Problem('key', `is ${show(key)}, not a string`);
      let value: AttributeValue;
      try {
        value = anyValue(pair['value'], depth);
      } catch (error: unknown) {
        throw at(error, 'value');
      }
      setAttribute(out, key, value);
    } catch (error: unknown) {
      throw at(error, `[${i}]`);
    }
  }
  return out;
}

const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** An AnyValue; the empty one (`{}`, no variant set) is null. */
function anyValue(raw: unknown, depth: number): AttributeValue {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not an AnyValue object such as {"stringValue": "…"}`);
  for (const key in raw) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    switch (key) {
      case 'stringValue':
      case 'string_value':
        if (typeof value === 'string') return value;
        throw new Problem(key, `is ${show(value)}, not a string`);
      case 'boolValue':
      case 'bool_value':
        if (typeof value === 'boolean') return value;
        throw new Problem(key, `is ${show(value)}, not true or false`);
      case 'intValue':
      case 'int_value':
        return int64(value, key);
      case 'doubleValue':
      case 'double_value':
        return double(value, key);
      case 'bytesValue':
      case 'bytes_value':
        if (typeof value === 'string' && base64Text.test(value)) return new Uint8Array(Buffer.from(value, 'base64'));
        throw new Problem(key, `is ${show(value)}, not base64 text`);
      case 'arrayValue':
      case 'array_value':
      case 'kvlistValue':
      case 'kvlist_value': {
        if (depth >= maxNesting) throw new Problem(key, `nests arrays or kvlists more than ${maxNesting} levels deep`);
        if (!isObject(value)) throw new Problem(key, `is ${show(value)}, not an object with "values"`);
        const values = value['values'];
        try {
          if (key === 'kvlistValue' || key === 'kvlist_value') return keyValues(values, depth + 1);
          if (values === undefined || values === null) return [];
          if (!Array.isArray(values)) throw new Problem('', `is ${show(values)}, not an array`);
          const out: AttributeValue[] = new Array<AttributeValue>(values.length);
          for (let i = 0; i < values.length; i++) {
            try {
              out[i] = anyValue(values[i], depth + 1);
            } catch (error: unknown) {
              throw at(error, `[${i}]`);
            }
          }
          return out;
        } catch (error: unknown) {
          throw at(error, `${key}.values`);
        }
      }
      default:
        // A variant this reader does not know (a newer proto) is skipped rather than refused.
        continue;
    }
  }
  return null;
}

/** An int64 as a number when it is a safe integer, else an exact bigint; strings are read exactly. */
function int64(value: unknown, key: string): number | bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return Number.isSafeInteger(value) ? value : BigInt(value);
  if (typeof value === 'string' && value.length <= 20 && isDigits(value, value.startsWith('-') ? 1 : 0)) {
    const big = BigInt(value);
    if (big >= -(2n ** 63n) && big < 2n ** 63n) return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  throw new Problem(key, `is ${show(value)}, not a 64-bit integer`);
}

/** proto3 JSON writes NaN and ±Infinity as strings, and may quote any double. */
function double(value: unknown, key: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = value === 'NaN' ? Number.NaN : Number(value);
    if (!Number.isNaN(n) || value === 'NaN') return n;
  }
  throw new Problem(key, `is ${show(value)}, not a number`);
}
