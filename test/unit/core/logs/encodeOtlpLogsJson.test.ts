import * as assert from 'node:assert/strict';
import { decodeOtlpLogsJson } from '../../../../src/core/logs/decodeOtlpLogsJson';
import { decodeOtlpLogsProtobuf } from '../../../../src/core/logs/decodeOtlpLogsProtobuf';
import { encodeOtlpLogsJson } from '../../../../src/core/logs/encodeOtlpLogsJson';
import { makeLogRecord } from '../../../../src/core/logs/logRecord';
import { setAttribute, type AttributeValue } from '../../../../src/core/model/attributes';
import { createResource } from '../../../../src/core/model/span';
import { sdkProtobufOf, spanId, traceId, variedSdkLogs } from './sdkLogs';

describe('encodeOtlpLogsJson', () => {
  it('writes what decodeOtlpLogsJson reads back to equal records', () => {
    const records = decodeOtlpLogsProtobuf(sdkProtobufOf(variedSdkLogs()));
    assert.deepEqual(decodeOtlpLogsJson(encodeOtlpLogsJson(records)), records);
  });

  it('keeps values JSON cannot hold as numbers exact: int64 beyond 2^53, NaN, ±Infinity, −0, bytes, and hostile keys', () => {
    const attributes: Record<string, AttributeValue> = {
      big: 2n ** 62n,
      low: -(2n ** 63n),
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
      zero: -0,
      bytes: new Uint8Array([9, 8]),
      empty: {},
      list: [null, 1.5],
    };
    setAttribute(attributes, '__proto__', 'data');
    const resource = createResource({ 'service.name': 'cart' });
    const record = makeLogRecord(traceId, spanId, 1n, 2n ** 64n - 1n, 13, 'WARN', { deep: { list: ['x'] } }, attributes, resource, { name: '', version: '2', attributes: {} }, 0x01, 'evt');
    assert.deepEqual(decodeOtlpLogsJson(encodeOtlpLogsJson([record])), [record]);
  });

  it('keeps the order of records whose resources alternate', () => {
    const a = createResource({ 'service.name': 'a' });
    const b = createResource({ 'service.name': 'b' });
    const record = (body: string, resource: typeof a) => makeLogRecord(undefined, undefined, 0n, 0n, 0, undefined, body, {}, resource, undefined, 0, undefined);
    const decoded = decodeOtlpLogsJson(encodeOtlpLogsJson([record('1', a), record('2', b), record('3', a), record('4', a)]));
    assert.deepEqual(
      decoded.map((r) => [r.body, r.resource.serviceName]),
      [
        ['1', 'a'],
        ['2', 'b'],
        ['3', 'a'],
        ['4', 'a'],
      ],
    );
    assert.equal(decoded[2]?.resource, decoded[3]?.resource, 'neighbours share one resource');
  });
});
