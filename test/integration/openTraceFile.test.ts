import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { otlpJsonOf, otlpProtobufOf, recordSdkSpans } from '../unit/sdkTraces';

interface OpenResult {
  format: string;
  traces: { traceId: string; spanCount: number }[];
}

const fixtures = resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures');

describe('SpanLens: Open Trace File…', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-open-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const open = async (argument: unknown): Promise<OpenResult> => await vscode.commands.executeCommand<OpenResult>('spanlens.openTraceFile', argument);

  it('opens an OTLP JSON file written by the real SDK, given a path', async () => {
    const path = join(dir, 'checkout.json');
    const spans = recordSdkSpans(1);
    writeFileSync(path, otlpJsonOf(spans));
    const result = await open(path);
    assert.equal(result.format, 'otlp-json');
    assert.deepEqual(result.traces, [{ traceId: spans[0]?.spanContext().traceId, spanCount: 3 }]);
  });

  it('opens an OTLP protobuf file, given a Uri', async () => {
    const path = join(dir, 'checkout.pb');
    writeFileSync(path, otlpProtobufOf(recordSdkSpans(2)));
    const result = await open(vscode.Uri.file(path));
    assert.equal(result.format, 'otlp-protobuf');
    assert.equal(result.traces.length, 2);
  });

  it('loads the good files of a multi-file open and rejects only when none loads', async () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, otlpJsonOf(recordSdkSpans(1)));
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, '{"resourceSpans": [{');
    const result = await open([vscode.Uri.file(bad), vscode.Uri.file(good)]);
    assert.equal(result.traces.length, 1);
    await assert.rejects(Promise.resolve(open(bad)), (error: Error) => {
      assert.match(error.message, /broken\.json/);
      assert.match(error.message, /truncated|ends/);
      return true;
    });
  });

  it('rejects a folder and a missing file with a message naming them', async () => {
    await assert.rejects(Promise.resolve(open(dir)), /is a folder/);
    await assert.rejects(Promise.resolve(open(join(dir, 'nope.json'))), /nope\.json: the file does not exist/);
  });

  it('opens real Zipkin and Jaeger exports', async function () {
    if (!existsSync(join(fixtures, 'SOURCES.md'))) {
      console.warn(`    skipped: ${fixtures} is absent`);
      this.skip();
    }
    const zipkin = await open(join(fixtures, 'zipkin', 'messaging-kafka.json'));
    assert.equal(zipkin.format, 'zipkin-json');
    assert.equal(
      zipkin.traces.reduce((sum, t) => sum + t.spanCount, 0),
      28,
    );
    const jaeger = await open(join(fixtures, 'jaeger-ui', 'testTrace.json'));
    assert.equal(jaeger.format, 'jaeger-json');
    assert.equal(jaeger.traces[0]?.spanCount, 11);
  });
});
