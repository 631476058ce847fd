import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTraceFile, TraceFileError } from '../../../../src/core/files/loadTraceFile';
import type { Span } from '../../../../src/core/model/span';
import { otlpJsonOf, otlpProtobufOf, protobufRecordsOf, recordSdkSpans } from '../../sdkTraces';

describe('loadTraceFile', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-load-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, content: string | Uint8Array): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  const key = (spans: readonly Span[]): string[] => spans.map((s) => `${s.traceId}/${s.spanId}/${s.parentSpanId ?? '-'}/${s.name}/${s.startNs}/${s.endNs}/${s.resource.serviceName}`).sort();

  async function rejects(path: string, pattern: RegExp): Promise<void> {
    await assert.rejects(loadTraceFile(path), (error: unknown) => {
      assert.ok(error instanceof TraceFileError, `expected a TraceFileError, got ${String(error)}`);
      assert.ok(error.message.includes(path), `the message must name the file: ${error.message}`);
      assert.match(error.message, pattern);
      return true;
    });
  }

  it('reads OTLP JSON and OTLP protobuf written by the real SDK to the same spans', async () => {
    const spans = recordSdkSpans(2);
    const fromJson = await loadTraceFile(file('sdk.json', otlpJsonOf(spans)));
    const fromProto = await loadTraceFile(file('sdk.pb', otlpProtobufOf(spans)));
    assert.equal(fromJson.format, 'otlp-json');
    assert.equal(fromProto.format, 'otlp-protobuf');
    assert.equal(fromJson.spans.length, 6);
    assert.deepEqual(key(fromJson.spans), key(fromProto.spans));
  });

  it('streams large files without reading them whole, with the same result', async () => {
    const spans = recordSdkSpans(20);
    const small = { wholeReadBytes: 512 };
    const json = file('big.json', otlpJsonOf(spans));
    const streamedJson = await loadTraceFile(json, small);
    assert.deepEqual(key(streamedJson.spans), key((await loadTraceFile(json)).spans));
    assert.equal(streamedJson.spans.length, 60);

    const proto = file('big.pb', otlpProtobufOf(spans));
    assert.deepEqual(key((await loadTraceFile(proto, small)).spans), key(streamedJson.spans));

    const lines = file('big.jsonl', spans.map((s) => otlpJsonOf([s])).join('\n'));
    const streamedLines = await loadTraceFile(lines, small);
    assert.equal(streamedLines.format, 'otlp-json-lines');
    assert.deepEqual(key(streamedLines.spans), key(streamedJson.spans));

    const records = file('big.records', protobufRecordsOf(spans.map((s) => otlpProtobufOf([s]))));
    const streamedRecords = await loadTraceFile(records, small);
    assert.equal(streamedRecords.format, 'otlp-protobuf-records');
    assert.deepEqual(key(streamedRecords.spans), key(streamedJson.spans));
  });

  it('streams JSON lines whose lines are too long to sniff, and keeps them when the last line is torn', async () => {
    const lines = Array.from({ length: 6 }, () => otlpJsonOf(recordSdkSpans(40)));
    assert.ok((lines[0]?.length ?? 0) > 64 * 1024, 'each line must be longer than the sniffed head');
    const whole = file('long-lines.jsonl', `${lines.join('\n')}\n`);
    const streamed = await loadTraceFile(whole, { wholeReadBytes: 1024 });
    assert.equal(streamed.format, 'otlp-json-lines');
    assert.equal(streamed.spans.length, 6 * 120);
    const torn = file('torn.jsonl', `${lines.join('\n')}\n${(lines[0] ?? '').slice(0, 1000)}`);
    const kept = await loadTraceFile(torn, { wholeReadBytes: 1024 });
    assert.equal(kept.spans.length, 6 * 120);
    assert.match(kept.warnings.join('\n'), /cut short/);
  });

  it('streams api_v3 and Tempo wrappers too', async () => {
    const spans = recordSdkSpans(3);
    const doc = JSON.parse(otlpJsonOf(spans)) as { resourceSpans: unknown[] };
    const v3 = await loadTraceFile(file('v3.json', JSON.stringify({ result: doc })), { wholeReadBytes: 256 });
    assert.equal(v3.format, 'jaeger-api-v3');
    assert.equal(v3.spans.length, 9);
  });

  it('names the file and says what is wrong with truncated JSON', async () => {
    const text = otlpJsonOf(recordSdkSpans(1));
    await rejects(file('cut.json', text.slice(0, text.length / 2)), /truncated|ends/);
    // V8 reports this one as a missing property name at the last position.
    await rejects(file('cut-object.json', '{"resourceSpans": [{'), /truncated/);
  });

  it('says when a JSON file is not a trace', async () => {
    await rejects(file('package.json', JSON.stringify({ name: 'x', version: '1.0.0' })), /not trace data.*"name", "version"/);
    await rejects(file('logs.json', JSON.stringify({ resourceLogs: [] })), /OTLP logs/);
  });

  it('says when a file is empty, a folder, missing, or too large', async () => {
    await rejects(file('empty.json', ''), /empty/);
    await rejects(file('blank.json', '  \n\t '), /empty/);
    const folder = join(dir, 'folder.json');
    mkdirSync(folder);
    await rejects(folder, /folder/);
    await rejects(join(dir, 'missing.json'), /does not exist/);
    const huge = file('huge.json', '');
    truncateSync(huge, 2 * 1024 ** 3); // sparse: 2 GiB on paper, nothing on disk
    await rejects(huge, /2\.00 GiB, more than the 1\.00 GiB SpanLens reads/);
  });

  it('says when binary data is not OTLP protobuf', async () => {
    await rejects(file('image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])), /neither JSON nor OTLP protobuf.*89 50 4e 47/);
  });

  it('reports protobuf with a wrong field type as malformed, not as a crash', async () => {
    // Field 1 (resource_spans) holding a ResourceSpans whose field 2 (scope_spans) is a varint.
    await rejects(file('wrong.pb', Buffer.from([0x0a, 0x02, 0x10, 0x01])), /OTLP protobuf/);
  });
});
