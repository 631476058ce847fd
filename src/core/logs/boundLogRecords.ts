import { isAttributeMap, noAttributes, setAttribute, type AttributeValue, type Attributes } from '../model/attributes';
import { createResource, type Resource, type Scope } from '../model/span';
import { attributeBytes, attributesOverheadBytes, minValueLength, resourceOverheadBytes, scopeOverheadBytes, stringHeapBytes, truncateText } from '../store/boundSpans';
import { makeLogRecord, type LogRecord } from './logRecord';

/**
 * What the log store keeps of a batch, and what keeping it costs in memory, in the manner of the
 * trace store's boundSpans.ts: a string longer than the limit is cut, with the trace store's
 * ASCII marker (`...[truncated 48 KiB]`), and sizes are estimated from the shape of the model,
 * a fixed cost per object and field plus the length of every string, rounded up so the estimate
 * errs towards evicting early. A log body can be a whole HTTP response or stack dump; nothing
 * that shows a log line needs more than its first few KiB.
 */
export interface BoundedLogs {
  /** The input array itself when nothing was cut. */
  readonly records: readonly LogRecord[];
  /** Strings cut: bodies, attribute values (of records, resources and scopes), severity texts, event names, ids. */
  readonly truncatedValues: number;
}

export function boundLogRecords(records: readonly LogRecord[], maxValueLength: number): BoundedLogs {
  const bounder = new Bounder(Math.max(minValueLength, maxValueLength));
  let kept: LogRecord[] | undefined;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as LogRecord;
    const bounded = bounder.record(record);
    if (bounded !== record && kept === undefined) kept = records.slice(0, i);
    kept?.push(bounded);
  }
  return { records: kept ?? records, truncatedValues: bounder.truncated };
}

/** The record object, its two bigint times and the store's entry and index slots. */
const recordOverheadBytes = 256;

/** A record's own estimated heap bytes; its resource and scope are shared, and charged once by whoever holds them. */
export function logRecordBytes(record: LogRecord): number {
  let bytes = recordOverheadBytes + valueBytes(record.body) + attributesBytes(record.attributes);
  if (record.traceId !== undefined) bytes += stringHeapBytes(record.traceId);
  if (record.spanId !== undefined) bytes += stringHeapBytes(record.spanId);
  if (record.severityText !== undefined) bytes += stringHeapBytes(record.severityText);
  if (record.eventName !== undefined) bytes += stringHeapBytes(record.eventName);
  return bytes;
}

export function resourceBytes(resource: Resource): number {
  return resourceOverheadBytes + stringHeapBytes(resource.serviceName) + attributesBytes(resource.attributes);
}

export function scopeBytes(scope: Scope): number {
  return scopeOverheadBytes + stringHeapBytes(scope.name) + (scope.version === undefined ? 0 : stringHeapBytes(scope.version)) + attributesBytes(scope.attributes);
}

/** Empty maps cost nothing: decoders share one. */
function attributesBytes(attributes: Attributes): number {
  if (attributes === noAttributes) return 0;
  let bytes = 0;
  for (const key in attributes) bytes += attributeBytes + valueBytes(attributes[key] as AttributeValue);
  return bytes === 0 ? 0 : bytes + attributesOverheadBytes;
}

function valueBytes(value: AttributeValue): number {
  switch (typeof value) {
    case 'string':
      return stringHeapBytes(value);
    case 'number':
    case 'bigint':
      return 16;
    case 'boolean':
      return 0;
  }
  if (value === null) return 0;
  if (value instanceof Uint8Array) return 128 + value.byteLength;
  if (Array.isArray(value)) {
    let bytes = 16 + 8 * value.length;
    for (const item of value as readonly AttributeValue[]) bytes += valueBytes(item);
    return bytes;
  }
  return attributesBytes(value as Attributes);
}

/** One batch's bounding: resources and scopes are shared by many records, so each is bounded once and stays shared. */
class Bounder {
  truncated = 0;
  private readonly resources = new Map<Resource, Resource>();
  private readonly scopes = new Map<Scope, Scope>();

  constructor(private readonly max: number) {}

  record(record: LogRecord): LogRecord {
    const resource = this.resource(record.resource);
    const scope = record.scope === undefined ? undefined : this.scope(record.scope);
    // Most records have nothing to cut: they are checked without allocating anything.
    const own =
      this.over(record.body) ||
      this.overIn(record.attributes) ||
      this.overText(record.traceId) ||
      this.overText(record.spanId) ||
      this.overText(record.severityText) ||
      this.overText(record.eventName);
    if (!own && resource === record.resource && scope === record.scope) return record;
    return makeLogRecord(
      this.optionalText(record.traceId),
      this.optionalText(record.spanId),
      record.timeNs,
      record.observedTimeNs,
      record.severityNumber,
      this.optionalText(record.severityText),
      this.value(record.body),
      this.attributes(record.attributes),
      resource,
      scope,
      record.flags,
      this.optionalText(record.eventName),
    );
  }

  private resource(resource: Resource): Resource {
    let bounded = this.resources.get(resource);
    if (bounded === undefined) {
      // service.name is an attribute: the name of a resource made from the cut attributes is cut too.
      bounded = this.overIn(resource.attributes) ? createResource(this.attributes(resource.attributes)) : resource;
      this.resources.set(resource, bounded);
    }
    return bounded;
  }

  private scope(scope: Scope): Scope {
    let bounded = this.scopes.get(scope);
    if (bounded === undefined) {
      const over = this.overText(scope.name) || this.overText(scope.version) || this.overIn(scope.attributes);
      bounded = over ? { name: this.text(scope.name), version: this.optionalText(scope.version), attributes: this.attributes(scope.attributes) } : scope;
      this.scopes.set(scope, bounded);
    }
    return bounded;
  }

  private overText(value: string | undefined): boolean {
    return value !== undefined && value.length > this.max;
  }

  private over(value: AttributeValue): boolean {
    if (typeof value === 'string') return value.length > this.max;
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return false;
    if (Array.isArray(value)) return (value as readonly AttributeValue[]).some((item) => this.over(item));
    return this.overIn(value as Attributes);
  }

  private overIn(attributes: Attributes): boolean {
    for (const key in attributes) if (this.over(attributes[key] as AttributeValue)) return true;
    return false;
  }

  private text(value: string): string {
    if (value.length <= this.max) return value;
    this.truncated++;
    return truncateText(value, this.max);
  }

  private optionalText(value: string | undefined): string | undefined {
    return value === undefined ? undefined : this.text(value);
  }

  private value(value: AttributeValue): AttributeValue {
    if (!this.over(value)) return value;
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return (value as readonly AttributeValue[]).map((item) => this.value(item));
    return isAttributeMap(value) ? this.attributes(value) : value;
  }

  /** `attributes` with every string over the limit cut; the same object when none is. */
  private attributes(attributes: Attributes): Attributes {
    if (!this.overIn(attributes)) return attributes;
    const out: Record<string, AttributeValue> = {};
    for (const key in attributes) setAttribute(out, key, this.value(attributes[key] as AttributeValue));
    return out;
  }
}
