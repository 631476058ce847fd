import { isAttributeMap, type AttributeValue, type Attributes } from '../model/attributes';
import type { Resource, Scope } from '../model/span';
import type { LogRecord } from './logRecord';

/*
 * Log records as an OTLP/HTTP JSON ExportLogsServiceRequest, which decodeOtlpLogsJson reads back
 * to equal records. The log store writes this where it cannot keep the bytes a batch arrived in:
 * a batch whose values it cut, and the live records of a partly evicted batch when it compacts.
 * Order is kept: only neighbouring records that share a resource (and scope) are grouped, so
 * replaying the output applies the records in the order they were given.
 */

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

export function encodeOtlpLogsJson(records: readonly LogRecord[]): Uint8Array {
  const resourceLogs: JsonValue[] = [];
  let resource: Resource | undefined;
  let scope: Scope | undefined | null = null;
  let scopeLogs: JsonValue[] = [];
  let logRecords: JsonValue[] = [];
  for (const record of records) {
    if (record.resource !== resource) {
      scopeLogs = [];
      resource = record.resource;
      scope = null;
      resourceLogs.push({ resource: { attributes: keyValues(resource.attributes) }, scopeLogs });
    }
    if (record.scope !== scope) {
      logRecords = [];
      scope = record.scope;
      scopeLogs.push(scope === undefined ? { logRecords } : { scope: scopeJson(scope), logRecords });
    }
    logRecords.push(recordJson(record));
  }
  return Buffer.from(JSON.stringify({ resourceLogs }), 'utf8');
}

function recordJson(record: LogRecord): JsonObject {
  const out: JsonObject = { timeUnixNano: record.timeNs.toString(), observedTimeUnixNano: record.observedTimeNs.toString() };
  if (record.severityNumber !== 0) out['severityNumber'] = record.severityNumber;
  if (record.severityText !== undefined) out['severityText'] = record.severityText;
  if (record.body !== null) out['body'] = anyValue(record.body);
  if (Object.keys(record.attributes).length > 0) out['attributes'] = keyValues(record.attributes);
  if (record.flags !== 0) out['flags'] = record.flags;
  if (record.traceId !== undefined) out['traceId'] = record.traceId;
  if (record.spanId !== undefined) out['spanId'] = record.spanId;
  if (record.eventName !== undefined) out['eventName'] = record.eventName;
  return out;
}

function scopeJson(scope: Scope): JsonObject {
  const out: JsonObject = { name: scope.name };
  if (scope.version !== undefined) out['version'] = scope.version;
  if (Object.keys(scope.attributes).length > 0) out['attributes'] = keyValues(scope.attributes);
  return out;
}

/** Object.keys includes a `__proto__` a decoder defined as an own property; it goes out as data. */
function keyValues(attributes: Attributes): JsonValue[] {
  return Object.keys(attributes).map((key) => ({ key, value: anyValue(attributes[key] as AttributeValue) }));
}

function anyValue(value: AttributeValue): JsonObject {
  if (value === null) return {};
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      return { intValue: value.toString() };
    case 'number':
      return numberValue(value);
    default:
      break;
  }
  if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (isAttributeMap(value)) return { kvlistValue: { values: keyValues(value) } };
  return { arrayValue: { values: value.map(anyValue) } };
}

/**
 * The model keeps OTLP ints and doubles both as numbers, so a safe integer goes out as intValue
 * and reads back as the same number. JSON has no NaN, ±Infinity or −0; proto3 JSON writes them
 * as strings.
 */
function numberValue(value: number): JsonObject {
  if (Object.is(value, -0)) return { doubleValue: '-0' };
  if (Number.isSafeInteger(value)) return { intValue: value };
  if (Number.isNaN(value)) return { doubleValue: 'NaN' };
  if (!Number.isFinite(value)) return { doubleValue: value > 0 ? 'Infinity' : '-Infinity' };
  return { doubleValue: value };
}
