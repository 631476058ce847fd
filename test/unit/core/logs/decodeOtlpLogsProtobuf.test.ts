import * as assert from 'node:assert/strict';
import { decodeOtlpLogsProtobuf } from '../../../../src/core/logs/decodeOtlpLogsProtobuf';
import { otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';
import { assertRefused, assertVariedRecords, sdkProtobufOf, spanId, traceId, variedSdkLogs } from './sdkLogs';

/** A length-delimited field: tag, varint length (under 128 here), bytes. */
function field(number: number, ...bytes: number[]): number[] {
  assert.ok(bytes.length < 128);
  return [(number << 3) | 2, bytes.length, ...bytes];
}

/** An ExportLogsServiceRequest of one ResourceLogs of one ScopeLogs of one LogRecord with these bytes. */
function request(logRecord: number[], resource: number[] = []): Buffer {
  return Buffer.from(field(1, ...resource, ...field(2, ...field(2, ...logRecord))));
}

function refused(bytes: Uint8Array, message: RegExp): void {
  assertRefused(decodeOtlpLogsProtobuf, bytes, message);
}

describe('decodeOtlpLogsProtobuf', () => {
  it('reads what the SDK protobuf serializer writes: ids, times, severity, every body type, attributes, resource', () => {
    assertVariedRecords(decodeOtlpLogsProtobuf(sdkProtobufOf(variedSdkLogs())));
  });

  it('takes no bytes as an export of nothing (proto3 writes an empty message so)', () => {
    assert.deepEqual(decodeOtlpLogsProtobuf(new Uint8Array(0)), []);
  });

  it('reads a resource written after the records, the pre-1.0 field 1000, unknown fields, and 64-bit trace ids', () => {
    const id8 = [0, 0, 0, 0, 0, 0, 0, 0x2a];
    const resource = field(1, ...field(1, ...field(1, ...Buffer.from('service.name')), ...field(2, ...field(1, ...Buffer.from('cart')))));
    const logRecord = [...field(9, ...id8), 0x98, 0x06, 0x01 /* field 99, varint 1: unknown */, ...field(10, ...Buffer.from(spanId, 'hex'))];
    // field 1000 (instrumentation_library_logs): tag 0xc2 0x3e.
    const scopeLogs = field(2, ...logRecord);
    const bytes = Buffer.from(field(1, 0xc2, 0x3e, scopeLogs.length, ...scopeLogs, ...resource));
    const [record] = decodeOtlpLogsProtobuf(bytes);
    assert.ok(record);
    assert.equal(record.traceId, '0000000000000000000000000000002a');
    assert.equal(record.spanId, spanId);
    assert.equal(record.resource.serviceName, 'cart');
  });

  it('treats all-zero ids as none and reads negative and large int64 values exactly', () => {
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const twoTo62 = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40];
    const attribute = (key: string, value: number[]): number[] => field(6, ...field(1, ...Buffer.from(key)), ...field(2, 0x18, ...value));
    const [record] = decodeOtlpLogsProtobuf(request([...field(9, ...new Array<number>(16).fill(0)), ...attribute('minus', minusOne), ...attribute('big', twoTo62)]));
    assert.ok(record);
    assert.equal(record.traceId, undefined);
    assert.deepEqual(record.attributes, { minus: -1, big: 2n ** 62n });
  });

  it('says which message, field and byte is wrong', () => {
    refused(Buffer.from([0]), /malformed: ExportLogsServiceRequest has an invalid tag 0 at byte 0/);
    refused(request([0x08, 0x01]), /malformed: field 1 of LogRecord \(time_unix_nano\) at byte 6 has wire type 0 \(varint\), expected 1 \(fixed64\)/);
    refused(request([0x1a, 0x0a, 0x41]), /malformed: field 3 of LogRecord \(tag at byte 6, length-delimited\) needs 10 bytes from byte 8, but its enclosing LogRecord ends at byte 9/);
    refused(request([0x2a, 0x02, 0x08, 0x01]), /field 1 of AnyValue \(string_value\) at byte 8 has wire type 0/);
    refused(request([0x45, 0x01]), /field 8 of LogRecord \(tag at byte 6, fixed32\) needs 4 bytes from byte 7/);
  });

  it('says a body was cut short, and where', () => {
    const whole = sdkProtobufOf(variedSdkLogs());
    refused(
      whole.subarray(0, whole.length - 7),
      /end too early \(truncated\?\): field 1 of ExportLogsServiceRequest \(tag at byte 0, length-delimited\) needs \d+ bytes from byte \d+, but the data ends at byte \d+/,
    );
  });

  it('refuses a trace export sent to the logs endpoint', () => {
    refused(otlpProtobufOf(recordSdkSpans()), /the OTLP protobuf logs are malformed: field 1 of LogRecord \(time_unix_nano\) at byte \d+ has wire type 2/);
  });

  it('refuses values nested deeper than it follows, instead of overflowing the stack', () => {
    let value = [0x0a, 0x00];
    for (let i = 0; i < 70; i++) {
      const inner = [0x0a, ...varint(value.length), ...value];
      value = [0x2a, ...varint(inner.length), ...inner];
    }
    const body = [0x2a, ...varint(value.length), ...value];
    const scopeLogs = [0x12, ...varint(body.length), ...body];
    const resourceLogs = [0x12, ...varint(scopeLogs.length), ...scopeLogs];
    refused(Buffer.from([0x0a, ...varint(resourceLogs.length), ...resourceLogs]), /nests arrays or kvlists more than 64 levels deep/);
  });

  it('keeps the trace id the SDK wrote', () => {
    const records = decodeOtlpLogsProtobuf(sdkProtobufOf(variedSdkLogs()));
    assert.equal(records[0]?.traceId, traceId);
  });
});

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return out;
}
