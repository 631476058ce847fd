import * as assert from 'node:assert/strict';
import { decodeOtlpLogsJson } from '../../../../src/core/logs/decodeOtlpLogsJson';
import { decodeOtlpLogsProtobuf } from '../../../../src/core/logs/decodeOtlpLogsProtobuf';
import { otlpJsonOf, recordSdkSpans } from '../../sdkTraces';
import { assertRefused, assertVariedRecords, sdkJsonOf, sdkProtobufOf, traceId, variedSdkLogs } from './sdkLogs';

function json(doc: unknown): Buffer {
  return Buffer.from(JSON.stringify(doc));
}

/** A request of one record, `record` merged into a valid one. */
function oneRecord(record: Record<string, unknown>): Buffer {
  return json({
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] }, scopeLogs: [{ scope: { name: 's' }, logRecords: [{ timeUnixNano: '1', ...record }] }] }],
  });
}

function refused(bytes: Uint8Array, message: RegExp): void {
  assertRefused(decodeOtlpLogsJson, bytes, message);
}

describe('decodeOtlpLogsJson', () => {
  it('reads what the SDK JSON serializer writes: ids, times, severity, every body type, attributes, resource', () => {
    assertVariedRecords(decodeOtlpLogsJson(sdkJsonOf(variedSdkLogs())));
  });

  it('gives the same records as the protobuf body of the same logs', () => {
    const logs = variedSdkLogs();
    assert.deepEqual(decodeOtlpLogsJson(sdkJsonOf(logs)), decodeOtlpLogsProtobuf(sdkProtobufOf(logs)));
  });

  it('reads snake_case keys, int64 as numbers or strings, enum names, upper-case ids, and treats all-zero ids as none', () => {
    const [record] = decodeOtlpLogsJson(
      json({
        resource_logs: [
          {
            scope_logs: [
              {
                log_records: [
                  {
                    time_unix_nano: 1_700_000_000_000,
                    observed_time_unix_nano: '18446744073709551615',
                    severity_number: 'SEVERITY_NUMBER_WARN3',
                    trace_id: traceId.toUpperCase(),
                    span_id: '0000000000000000',
                    flags: '1',
                    body: {
                      kvlist_value: {
                        values: [
                          { key: 'big', value: { int_value: '-9223372036854775808' } },
                          { key: 'nan', value: { double_value: 'NaN' } },
                        ],
                      },
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    assert.ok(record);
    assert.equal(record.timeNs, 1_700_000_000_000n);
    assert.equal(record.observedTimeNs, 2n ** 64n - 1n);
    assert.equal(record.severityNumber, 15);
    assert.equal(record.traceId, traceId);
    assert.equal(record.spanId, undefined);
    assert.equal(record.flags, 1);
    assert.deepEqual(record.body, { big: -(2n ** 63n), nan: Number.NaN });
    assert.equal(record.resource.serviceName, 'unknown_service');
    assert.equal(record.scope, undefined);
  });

  it('takes {} and an empty resourceLogs as an export of nothing', () => {
    assert.deepEqual(decodeOtlpLogsJson(json({})), []);
    assert.deepEqual(decodeOtlpLogsJson(json({ resourceLogs: [] })), []);
  });

  it('refuses bodies that are not an ExportLogsServiceRequest, saying why', () => {
    refused(Buffer.alloc(0), /are empty/);
    refused(Buffer.from('{"resourceLogs": ['), /not whole JSON/);
    refused(Buffer.from('{"resourceLogs": x}'), /not valid JSON: .*Unexpected token/);
    refused(json([]), /not an object/);
    refused(Buffer.from(otlpJsonOf(recordSdkSpans())), /holds OTLP traces/);
  });

  it('says where a record is malformed, as a path', () => {
    refused(json({ resourceLogs: {} }), /malformed: resourceLogs is an object, not an array/);
    refused(oneRecord({ timeUnixNano: 'soon' }), /resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.timeUnixNano is "soon", not a time in nanoseconds/);
    refused(oneRecord({ traceId: 7 }), /logRecords\[0\]\.traceId is 7, not a hex id string/);
    refused(oneRecord({ severityNumber: 'LOUD' }), /logRecords\[0\]\.severityNumber is "LOUD"/);
    refused(oneRecord({ body: { intValue: '1.5' } }), /logRecords\[0\]\.body\.intValue is "1\.5", not a 64-bit integer/);
    refused(oneRecord({ attributes: [{ key: 'a', value: { kvlistValue: { values: [{ key: 3 }] } } }] }), /logRecords\[0\]\.attributes\[0\]\.value\.kvlistValue\.values\[0\]\.key is 3, not a string/);
    refused(oneRecord({ body: { arrayValue: { values: [{ stringValue: 'a' }, { boolValue: 'yes' }] } } }), /body\.arrayValue\.values\[1\]\.boolValue is "yes", not true or false/);
    refused(oneRecord({ flags: -1 }), /logRecords\[0\]\.flags is -1, not a 32-bit unsigned integer/);
    refused(json({ resourceLogs: [{ scopeLogs: [{ scope: 'x' }] }] }), /resourceLogs\[0\]\.scopeLogs\[0\]\.scope is "x", not an object/);
  });

  it('refuses values nested deeper than it follows, instead of overflowing the stack', () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 100; i++) value = { arrayValue: { values: [value] } };
    refused(oneRecord({ body: value }), /nests arrays or kvlists more than 64 levels deep/);
  });

  it('keeps hostile attribute keys as plain data', () => {
    const [record] = decodeOtlpLogsJson(oneRecord({ attributes: [{ key: '__proto__', value: { stringValue: 'x' } }] }));
    assert.ok(record);
    assert.equal(Object.getPrototypeOf(record.attributes), Object.prototype);
    assert.deepEqual(Object.keys(record.attributes), ['__proto__']);
  });
});
