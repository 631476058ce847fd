import { anyValueJson, keyValuesJson, scopeJson, type JsonValue } from '../formats/encodeOtlpJson';
import type { Resource, Scope } from '../model/span';
import type { LogRecord } from './logRecord';

/*
 * Log records as an OTLP/HTTP JSON ExportLogsServiceRequest, which decodeOtlpLogsJson reads back
 * to equal records. The log store writes this where it cannot keep the bytes a batch arrived in:
 * a batch whose values it cut, and the live records of a partly evicted batch when it compacts.
 * Order is kept: only neighbouring records that share a resource (and scope) are grouped, so
 * replaying the output applies the records in the order they were given.
 */

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
      resourceLogs.push({ resource: { attributes: keyValuesJson(resource.attributes) }, scopeLogs });
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
  if (record.body !== null) out['body'] = anyValueJson(record.body);
  if (Object.keys(record.attributes).length > 0) out['attributes'] = keyValuesJson(record.attributes);
  if (record.flags !== 0) out['flags'] = record.flags;
  if (record.traceId !== undefined) out['traceId'] = record.traceId;
  if (record.spanId !== undefined) out['spanId'] = record.spanId;
  if (record.eventName !== undefined) out['eventName'] = record.eventName;
  return out;
}
