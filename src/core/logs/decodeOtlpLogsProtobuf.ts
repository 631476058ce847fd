import { attributesOf, noAttributes, type AttributeValue, type Attributes } from '../model/attributes';
import { createResource, type Resource, type Scope } from '../model/span';
import { makeLogRecord, type LogRecord } from './logRecord';
import { maxNesting, ProtoCursor, wireFixed32, wireFixed64, wireLen, wireVarint } from './protoCursor';

/**
 * OTLP logs in binary protobuf: one ExportLogsServiceRequest (the same bytes as LogsData), as
 * the receiver gets it on /v1/logs and LogsService/Export. Field numbers are those of
 * opentelemetry-proto (logs/v1/logs.proto, common/v1/common.proto, resource/v1/resource.proto):
 *
 *   ExportLogsServiceRequest { 1 resource_logs }
 *   ResourceLogs  { 1 resource, 2 scope_logs, 3 schema_url, 1000 instrumentation_library_logs }
 *   ScopeLogs     { 1 scope, 2 log_records, 3 schema_url }
 *   LogRecord     { 1 time_unix_nano (fixed64), 2 severity_number, 3 severity_text, 4 (reserved),
 *                   5 body (AnyValue), 6 attributes, 7 dropped_attributes_count, 8 flags (fixed32),
 *                   9 trace_id, 10 span_id, 11 observed_time_unix_nano (fixed64), 12 event_name }
 *
 * Field 1000 is the pre-1.0 name of scope_logs with the same layout; senders that old still exist.
 * A resource or scope may follow the records that need it on the wire, so each ResourceLogs and
 * ScopeLogs is read twice: once for its resource or scope, once for what it holds. Unknown fields
 * are skipped, as proto3 requires. An error names the message, field and byte.
 */
export function decodeOtlpLogsProtobuf(bytes: Uint8Array): LogRecord[] {
  const decoder = new ProtoLogsDecoder(bytes);
  decoder.request();
  return decoder.records;
}

const request = 'ExportLogsServiceRequest';

class ProtoLogsDecoder {
  readonly records: LogRecord[] = [];
  private readonly c: ProtoCursor;
  // Attributes being decoded, as a stack of key/value pairs: a message that has attributes notes
  // the depth it starts at and takes its own pairs off as one object when it ends (kvlists nested
  // in it push and take theirs in between). No lists are allocated per record.
  private readonly keys: string[] = [];
  private readonly values: AttributeValue[] = [];
  private count = 0;

  constructor(bytes: Uint8Array) {
    this.c = new ProtoCursor(bytes, 'the OTLP protobuf logs', request);
  }

  request(): void {
    const c = this.c;
    const end = c.bytes.length;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, request);
      const field = tag >>> 3;
      if (field === 1) {
        c.expect(tag & 7, wireLen, request, 1, 'resource_logs', tagPos);
        const entryEnd = c.lengthEnd(end, request, 1, tagPos);
        this.resourceLogs(c.pos, entryEnd);
        c.pos = entryEnd;
      } else {
        c.skip(tag & 7, field, end, request, tagPos, 0);
      }
    }
  }

  private resourceLogs(start: number, end: number): void {
    const c = this.c;
    const message = 'ResourceLogs';
    // A resource field that repeats merges, as protobuf merges repeated message fields.
    const base = this.count;
    c.pos = start;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, message);
      const field = tag >>> 3;
      if (field === 1) {
        c.expect(tag & 7, wireLen, message, 1, 'resource', tagPos);
        const resourceEnd = c.lengthEnd(end, message, 1, tagPos);
        this.resource(resourceEnd);
      } else if (field === 2 || field === 1000 || field === 3) {
        c.expect(tag & 7, wireLen, message, field, field === 3 ? 'schema_url' : field === 2 ? 'scope_logs' : 'instrumentation_library_logs', tagPos);
        c.pos = c.lengthEnd(end, message, field, tagPos);
      } else {
        c.skip(tag & 7, field, end, message, tagPos, 0);
      }
    }
    const resource = createResource(this.takeAttributes(base));
    c.pos = start;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, message);
      const field = tag >>> 3;
      if ((tag & 7) !== wireLen) {
        c.skip(tag & 7, field, end, message, tagPos, 0);
        continue;
      }
      const fieldEnd = c.lengthEnd(end, message, field, tagPos);
      if (field === 2 || field === 1000) this.scopeLogs(c.pos, fieldEnd, resource);
      c.pos = fieldEnd;
    }
  }

  /** Resource { 1 attributes, 2 dropped_attributes_count, 3 entity_refs }. */
  private resource(end: number): void {
    const c = this.c;
    const message = 'Resource';
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, message);
      const field = tag >>> 3;
      if (field === 1) {
        c.expect(tag & 7, wireLen, message, 1, 'attributes', tagPos);
        this.keyValue(c.lengthEnd(end, message, 1, tagPos), 0);
      } else {
        c.skip(tag & 7, field, end, message, tagPos, 0);
      }
    }
  }

  private scopeLogs(start: number, end: number, resource: Resource): void {
    const c = this.c;
    const message = 'ScopeLogs';
    let scope: Scope | undefined;
    c.pos = start;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, message);
      const field = tag >>> 3;
      if (field === 1) {
        c.expect(tag & 7, wireLen, message, 1, 'scope', tagPos);
        scope = this.scope(c.lengthEnd(end, message, 1, tagPos));
      } else if (field === 2 || field === 3) {
        c.expect(tag & 7, wireLen, message, field, field === 2 ? 'log_records' : 'schema_url', tagPos);
        c.pos = c.lengthEnd(end, message, field, tagPos);
      } else {
        c.skip(tag & 7, field, end, message, tagPos, 0);
      }
    }
    c.pos = start;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, message);
      if ((tag & 7) !== wireLen) {
        c.skip(tag & 7, tag >>> 3, end, message, tagPos, 0);
        continue;
      }
      const fieldEnd = c.lengthEnd(end, message, tag >>> 3, tagPos);
      if (tag >>> 3 === 2) this.logRecord(fieldEnd, resource, scope);
      c.pos = fieldEnd;
    }
  }

  /** InstrumentationScope { 1 name, 2 version, 3 attributes, 4 dropped_attributes_count }; an empty one is no scope, as in the trace decoders. */
  private scope(end: number): Scope | undefined {
    const c = this.c;
    const message = 'InstrumentationScope';
    let name = '';
    let version = '';
    const base = this.count;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, message);
      const field = tag >>> 3;
      if (field === 1 || field === 2 || field === 3) {
        c.expect(tag & 7, wireLen, message, field, field === 1 ? 'name' : field === 2 ? 'version' : 'attributes', tagPos);
        const fieldEnd = c.lengthEnd(end, message, field, tagPos);
        if (field === 1) name = c.string(c.pos, fieldEnd);
        else if (field === 2) version = c.string(c.pos, fieldEnd);
        else this.keyValue(fieldEnd, 0);
        c.pos = fieldEnd;
      } else {
        c.skip(tag & 7, field, end, message, tagPos, 0);
      }
    }
    const attributes = this.takeAttributes(base);
    if (name === '' && version === '' && attributes === noAttributes) return undefined;
    return { name, version: version === '' ? undefined : version, attributes };
  }

  private logRecord(end: number, resource: Resource, scope: Scope | undefined): void {
    const c = this.c;
    const message = 'LogRecord';
    let timeNs = 0n;
    let observedTimeNs = 0n;
    let severityNumber = 0;
    let severityText: string | undefined;
    let body: AttributeValue = null;
    let flags = 0;
    let traceId: string | undefined;
    let spanId: string | undefined;
    let eventName: string | undefined;
    const base = this.count;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      switch (field) {
        case 1:
          c.expect(wireType, wireFixed64, message, 1, 'time_unix_nano', tagPos);
          timeNs = c.fixed64(end, message, 1, tagPos);
          break;
        case 2: {
          c.expect(wireType, wireVarint, message, 2, 'severity_number', tagPos);
          // An enum is an int32; a negative one (not in the enum) takes ten bytes and reads as unspecified.
          const n = c.varint(end, message);
          severityNumber = n <= 0x7fff_ffff ? n : 0;
          break;
        }
        case 3:
        case 12: {
          c.expect(wireType, wireLen, message, field, field === 3 ? 'severity_text' : 'event_name', tagPos);
          const fieldEnd = c.lengthEnd(end, message, field, tagPos);
          const text = c.string(c.pos, fieldEnd);
          if (field === 3) severityText = text === '' ? undefined : text;
          else eventName = text === '' ? undefined : text;
          c.pos = fieldEnd;
          break;
        }
        case 5:
          c.expect(wireType, wireLen, message, 5, 'body', tagPos);
          body = this.anyValue(c.lengthEnd(end, message, 5, tagPos), 0);
          break;
        case 6:
          c.expect(wireType, wireLen, message, 6, 'attributes', tagPos);
          this.keyValue(c.lengthEnd(end, message, 6, tagPos), 0);
          break;
        case 8:
          c.expect(wireType, wireFixed32, message, 8, 'flags', tagPos);
          flags = c.fixed32(end, message, 8, tagPos);
          break;
        case 9:
        case 10: {
          c.expect(wireType, wireLen, message, field, field === 9 ? 'trace_id' : 'span_id', tagPos);
          const fieldEnd = c.lengthEnd(end, message, field, tagPos);
          // A 64-bit trace id is left-padded to 128 bits, as Jaeger does; other odd lengths are kept whole.
          const id = c.hexId(c.pos, fieldEnd)?.padStart(field === 9 ? 32 : 16, '0');
          if (field === 9) traceId = id;
          else spanId = id;
          c.pos = fieldEnd;
          break;
        }
        case 11:
          c.expect(wireType, wireFixed64, message, 11, 'observed_time_unix_nano', tagPos);
          observedTimeNs = c.fixed64(end, message, 11, tagPos);
          break;
        default:
          // 7 dropped_attributes_count, 4 the retired `name`, and anything newer.
          c.skip(wireType, field, end, message, tagPos, 0);
      }
    }
    this.records.push(makeLogRecord(traceId, spanId, timeNs, observedTimeNs, severityNumber, severityText, body, this.takeAttributes(base), resource, scope, flags, eventName));
  }

  /** KeyValue { 1 key, 2 value }, pushed on the attribute stack; a missing value is null, as an empty AnyValue. */
  private keyValue(end: number, depth: number): void {
    const c = this.c;
    const message = 'KeyValue';
    let key = '';
    let value: AttributeValue = null;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, message);
      const field = tag >>> 3;
      if (field === 1) {
        c.expect(tag & 7, wireLen, message, 1, 'key', tagPos);
        const fieldEnd = c.lengthEnd(end, message, 1, tagPos);
        key = c.string(c.pos, fieldEnd);
        c.pos = fieldEnd;
      } else if (field === 2) {
        c.expect(tag & 7, wireLen, message, 2, 'value', tagPos);
        value = this.anyValue(c.lengthEnd(end, message, 2, tagPos), depth);
      } else {
        c.skip(tag & 7, field, end, message, tagPos, depth);
      }
    }
    const at = this.count++;
    this.keys[at] = key;
    this.values[at] = value;
  }

  /** The pairs pushed since `base`, as one object, taken off the stack. */
  private takeAttributes(base: number): Attributes {
    const attributes = attributesOf(this.keys, this.values, base, this.count);
    this.count = base;
    return attributes;
  }

  /**
   * AnyValue { 1 string, 2 bool, 3 int (int64), 4 double, 5 array, 6 kvlist, 7 bytes }: a oneof,
   * so the last variant on the wire wins; none at all is null. Leaves the cursor at `end`.
   */
  private anyValue(end: number, depth: number): AttributeValue {
    const c = this.c;
    const message = 'AnyValue';
    let value: AttributeValue = null;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      switch (field) {
        case 1:
        case 7: {
          c.expect(wireType, wireLen, message, field, field === 1 ? 'string_value' : 'bytes_value', tagPos);
          const fieldEnd = c.lengthEnd(end, message, field, tagPos);
          // Bytes are copied, so a value does not keep the whole request alive.
          value = field === 1 ? c.string(c.pos, fieldEnd) : new Uint8Array(c.bytes.subarray(c.pos, fieldEnd));
          c.pos = fieldEnd;
          break;
        }
        case 2:
          c.expect(wireType, wireVarint, message, 2, 'bool_value', tagPos);
          value = c.varint(end, message) !== 0;
          break;
        case 3:
          c.expect(wireType, wireVarint, message, 3, 'int_value', tagPos);
          value = c.int64(end, message);
          break;
        case 4:
          c.expect(wireType, wireFixed64, message, 4, 'double_value', tagPos);
          value = c.double(end, message, 4, tagPos);
          break;
        case 5:
        case 6: {
          c.expect(wireType, wireLen, message, field, field === 5 ? 'array_value' : 'kvlist_value', tagPos);
          const fieldEnd = c.lengthEnd(end, message, field, tagPos);
          if (depth >= maxNesting) throw c.malformed(`an AnyValue at byte ${tagPos} nests arrays or kvlists more than ${maxNesting} levels deep`);
          value = field === 5 ? this.arrayValue(fieldEnd, depth + 1) : this.kvlistValue(fieldEnd, depth + 1);
          break;
        }
        default:
          c.skip(wireType, field, end, message, tagPos, depth);
      }
    }
    return value;
  }

  /** ArrayValue { 1 values }. */
  private arrayValue(end: number, depth: number): AttributeValue[] {
    const c = this.c;
    const out: AttributeValue[] = [];
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, 'ArrayValue');
      if (tag >>> 3 === 1) {
        c.expect(tag & 7, wireLen, 'ArrayValue', 1, 'values', tagPos);
        out.push(this.anyValue(c.lengthEnd(end, 'ArrayValue', 1, tagPos), depth));
      } else {
        c.skip(tag & 7, tag >>> 3, end, 'ArrayValue', tagPos, depth);
      }
    }
    return out;
  }

  /** KeyValueList { 1 values }. */
  private kvlistValue(end: number, depth: number): Attributes {
    const c = this.c;
    const base = this.count;
    while (c.pos < end) {
      const tagPos = c.pos;
      const tag = c.tag(end, 'KeyValueList');
      if (tag >>> 3 === 1) {
        c.expect(tag & 7, wireLen, 'KeyValueList', 1, 'values', tagPos);
        this.keyValue(c.lengthEnd(end, 'KeyValueList', 1, tagPos), depth);
      } else {
        c.skip(tag & 7, tag >>> 3, end, 'KeyValueList', tagPos, depth);
      }
    }
    return this.takeAttributes(base);
  }
}

