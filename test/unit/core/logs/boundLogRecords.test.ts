import * as assert from 'node:assert/strict';
import { boundLogRecords, logRecordBytes } from '../../../../src/core/logs/boundLogRecords';
import { makeLogRecord, type LogRecord } from '../../../../src/core/logs/logRecord';
import type { AttributeValue, Attributes } from '../../../../src/core/model/attributes';
import { createResource, type Resource } from '../../../../src/core/model/span';

const resource = createResource({ 'service.name': 'cart' });

function record(body: AttributeValue, attributes: Attributes = {}, res: Resource = resource): LogRecord {
  return makeLogRecord('1'.padStart(32, '0'), '2'.padStart(16, '0'), 1n, 2n, 9, 'INFO', body, attributes, res, undefined, 1, undefined);
}

describe('boundLogRecords', () => {
  it('returns the very records when nothing is too long', () => {
    const records = [record('short', { a: 'b' }), record({ k: ['v'] })];
    const bounded = boundLogRecords(records, 1024);
    assert.equal(bounded.records, records);
    assert.equal(bounded.truncatedValues, 0);
  });

  it('cuts long bodies and values, nested ones too, with the trace store’s ASCII marker', () => {
    const long = 'x'.repeat(50 * 1024);
    const bounded = boundLogRecords([record(long), record({ response: { text: long } }, { stack: [long, 'ok'] })], 1024);
    assert.equal(bounded.truncatedValues, 3);
    const [first, second] = bounded.records as [LogRecord, LogRecord];
    assert.match(first.body as string, /^x+\.\.\.\[truncated 49 KiB\]$/);
    assert.ok((first.body as string).length <= 1024);
    assert.match(((second.body as Attributes)['response'] as Attributes)['text'] as string, /\.\.\.\[truncated 49 KiB\]$/);
    assert.deepEqual((second.attributes['stack'] as AttributeValue[])[1], 'ok');
    assert.equal(first.traceId, '1'.padStart(32, '0'), 'the rest of the record is kept');
  });

  it('cuts a shared resource once and keeps it shared', () => {
    const big = createResource({ 'service.name': 'cart', 'process.command_line': 'y'.repeat(4096) });
    const bounded = boundLogRecords([record('a', {}, big), record('b', {}, big)], 300);
    assert.equal(bounded.truncatedValues, 1);
    assert.equal(bounded.records[0]?.resource, bounded.records[1]?.resource);
    assert.equal(bounded.records[0]?.resource.serviceName, 'cart');
  });

  it('never cuts below the smallest useful limit', () => {
    const text = 'z'.repeat(200);
    assert.equal(boundLogRecords([record(text)], 10).records[0]?.body, text);
  });

  it('estimates a record by what it holds', () => {
    const small = logRecordBytes(record('a'));
    const large = logRecordBytes(record('a'.repeat(10_000)));
    assert.ok(small >= 256 && small < 512, String(small));
    assert.ok(large - small >= 9_999, 'every character of the body counts');
    assert.ok(logRecordBytes(record('ж'.repeat(2000))) > logRecordBytes(record('e'.repeat(2000))) + 1500, 'two-byte strings count twice');
  });
});
