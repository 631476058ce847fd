import type { AttributeValue } from '../model/attributes';
import { createResource, type Resource, type Scope } from '../model/span';
import { makeLogRecord, type LogRecord } from './logRecord';
import { wtLen } from '../formats/wireCursor';
import { ProtoCursor } from './protoCursor';

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

  constructor(bytes: Uint8Array) {
    this.c = new ProtoCursor(bytes, 'the OTLP protobuf logs', request);
  }

  request(): void {
    const c = this.c;
    const end = c.bytes.length;
    while (c.pos < end) {
      if (c.tag(end, request) === 1) {
        const entryEnd = c.length(end, request, 'resource_logs');
        this.resourceLogs(c.pos, entryEnd);
      } else c.skipField(end, request, 0);
    }
  }

  private resourceLogs(start: number, end: number): void {
    const c = this.c;
    const message = 'ResourceLogs';
    // A resource field that repeats merges, as protobuf merges repeated message fields.
    const base = c.kvCount;
    while (c.pos < end) {
      const field = c.tag(end, message);
      if (field === 1) this.resource(c.length(end, message, 'resource'));
      else if (field === 2 || field === 1000 || field === 3) c.pos = c.length(end, message, field === 3 ? 'schema_url' : field === 2 ? 'scope_logs' : 'instrumentation_library_logs');
      else c.skipField(end, message, 0);
    }
    this.contents(start, end, message, createResource(c.takeAttributes(base)), undefined);
  }

  /** Resource { 1 attributes, 2 dropped_attributes_count, 3 entity_refs }. */
  private resource(end: number): void {
    const c = this.c;
    const message = 'Resource';
    while (c.pos < end) {
      if (c.tag(end, message) === 1) c.pushKeyValue(c.length(end, message, 'attributes'), 0);
      else c.skipField(end, message, 0);
    }
  }

  private scopeLogs(start: number, end: number, resource: Resource): void {
    const c = this.c;
    const message = 'ScopeLogs';
    const base = c.kvCount;
    while (c.pos < end) {
      const field = c.tag(end, message);
      if (field === 1) c.readScope(c.length(end, message, 'scope'));
      else if (field === 2 || field === 3) c.pos = c.length(end, message, field === 2 ? 'log_records' : 'schema_url');
      else c.skipField(end, message, 0);
    }
    this.contents(start, end, message, resource, c.takeScope(base));
  }

  /**
   * The second reading of a ResourceLogs or ScopeLogs, now that its resource or scope is known:
   * its scope_logs (2, or 1000 before 1.0) or its log_records (2). The first reading checked the
   * wire types of these fields; anything else is passed over.
   */
  private contents(start: number, end: number, message: 'ResourceLogs' | 'ScopeLogs', resource: Resource, scope: Scope | undefined): void {
    const c = this.c;
    c.pos = start;
    while (c.pos < end) {
      const field = c.tag(end, message);
      if (c.wireType !== wtLen) {
        c.skipField(end, message, 0);
        continue;
      }
      const fieldEnd = c.length(end, message, '');
      if (message === 'ScopeLogs') {
        if (field === 2) this.logRecord(fieldEnd, resource, scope);
      } else if (field === 2 || field === 1000) this.scopeLogs(c.pos, fieldEnd, resource);
      c.pos = fieldEnd;
    }
  }

  private logRecord(end: number, resource: Resource, scope: Scope | undefined): void {
    const c = this.c;
    const message = 'LogRecord';
    let timeNs = 0n;
    let observedTimeNs = 0n;
    let severityNumber = 0;
    let severityText = '';
    let body: AttributeValue = null;
    let flags = 0;
    let traceId: string | undefined;
    let spanId: string | undefined;
    let eventName = '';
    const base = c.kvCount;
    while (c.pos < end) {
      switch (c.tag(end, message)) {
        case 1:
          timeNs = c.fixed64(end, message, 'time_unix_nano');
          break;
        case 2: {
          // An enum is an int32; a negative one (not in the enum) takes ten bytes and reads as unspecified.
          const n = c.uint(end, message, 'severity_number');
          severityNumber = n <= 0x7fff_ffff ? n : 0;
          break;
        }
        case 3:
          severityText = c.stringField(end, message, 'severity_text');
          break;
        case 5:
          body = c.anyValue(c.length(end, message, 'body'), 0);
          break;
        case 6:
          c.pushKeyValue(c.length(end, message, 'attributes'), 0);
          break;
        case 8:
          flags = c.fixed32(end, message, 'flags');
          break;
        // A 64-bit trace id is left-padded to 128 bits, as Jaeger does; other odd lengths are kept whole.
        case 9:
          traceId = c.hexId(end, message, 'trace_id')?.padStart(32, '0');
          break;
        case 10:
          spanId = c.hexId(end, message, 'span_id')?.padStart(16, '0');
          break;
        case 11:
          observedTimeNs = c.fixed64(end, message, 'observed_time_unix_nano');
          break;
        case 12:
          eventName = c.stringField(end, message, 'event_name');
          break;
        default:
          // 7 dropped_attributes_count, 4 the retired `name`, and anything newer.
          c.skipField(end, message, 0);
      }
    }
    const attributes = c.takeAttributes(base);
    this.records.push(
      makeLogRecord(
        traceId,
        spanId,
        timeNs,
        observedTimeNs,
        severityNumber,
        severityText === '' ? undefined : severityText,
        body,
        attributes,
        resource,
        scope,
        flags,
        eventName === '' ? undefined : eventName,
      ),
    );
  }
}
