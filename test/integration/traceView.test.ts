import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { decodeOtlpJson } from '../../src/core/formats/otlpJson';
import type { Span } from '../../src/core/model/span';
import { extensionId } from '../../src/shared/contract';
import type { SpanLensApi } from '../../src/extension';

interface SpanSpec {
  readonly id: string;
  readonly parent?: string;
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

const base = 1_732_262_400_123_456_789n;

function otlpDoc(traceId: string, spans: readonly SpanSpec[]): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeSpans: [
          {
            scope: { name: 'spanlens-integration', version: '1.0.0' },
            spans: spans.map((span) => ({
              traceId,
              spanId: span.id,
              ...(span.parent === undefined ? {} : { parentSpanId: span.parent }),
              name: span.name,
              kind: 2,
              startTimeUnixNano: String(base + BigInt(span.startMs) * 1_000_000n),
              endTimeUnixNano: String(base + BigInt(span.endMs) * 1_000_000n + 7n),
              attributes: [
                { key: 'code.file.path', value: { stringValue: 'sample-service/src/checkout.ts' } },
                { key: '__proto__', value: { stringValue: 'hostile' } },
                { key: 'big', value: { intValue: '9223372036854775807' } },
              ],
              events: [{ timeUnixNano: String(base + 1n), name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'Error' } }] }],
              links: [{ traceId: 'f'.repeat(32), spanId: 'e'.repeat(16), attributes: [] }],
              status: { code: 2, message: 'failed' },
            })),
          },
        ],
      },
    ],
  };
}

const baselineId = '7a000000000000000000000000000001';
const currentId = '7a000000000000000000000000000002';
const baselineSpans: SpanSpec[] = [
  { id: 'a000000000000001', name: 'GET /checkout', startMs: 0, endMs: 100 },
  { id: 'a000000000000002', parent: 'a000000000000001', name: 'reserve', startMs: 5, endMs: 20 },
  { id: 'a000000000000003', parent: 'a000000000000001', name: 'charge', startMs: 20, endMs: 90 },
];
const currentSpans: SpanSpec[] = [
  { id: 'b000000000000001', name: 'GET /checkout', startMs: 0, endMs: 300 },
  { id: 'b000000000000002', parent: 'b000000000000001', name: 'reserve', startMs: 5, endMs: 250 },
  { id: 'b000000000000003', parent: 'b000000000000001', name: 'ship', startMs: 250, endMs: 290 },
];

function comparable(span: Span): unknown {
  return JSON.stringify({ ...span, attributes: Object.entries(span.attributes), resource: Object.entries(span.resource.attributes) }, (_key, value: unknown) =>
    typeof value === 'bigint' ? `${value}n` : value,
  );
}

async function eventually(check: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(what());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function webviewTabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs.filter((tab) => tab.input instanceof vscode.TabInputWebview).map((tab) => tab.label));
}

describe('trace view commands (in VS Code)', function () {
  this.timeout(60_000);
  let api: SpanLensApi;
  let dir: string;
  let baselineFile: string;
  let currentFile: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<SpanLensApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
    dir = mkdtempSync(join(tmpdir(), 'spanlens-traceview-'));
    baselineFile = join(dir, 'baseline.json');
    currentFile = join(dir, 'current.json');
    writeFileSync(baselineFile, JSON.stringify(otlpDoc(baselineId, baselineSpans)));
    writeFileSync(currentFile, JSON.stringify(otlpDoc(currentId, currentSpans)));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the trace view panel for an opened file, titled after the trace', async () => {
    const result = await vscode.commands.executeCommand<{ traces: { traceId: string }[] }>('spanlens.openTraceFile', baselineFile);
    assert.deepEqual(
      result.traces.map((trace) => trace.traceId),
      [baselineId],
    );
    assert.ok(api.openPanels().includes(baselineId), `open panels: ${api.openPanels().join(', ')}`);
    // The tab model follows the panel asynchronously.
    await eventually(
      // Root name, start time and short id: two traces of one endpoint get different tabs.
      () => webviewTabLabels().some((label) => label.startsWith('GET /checkout · ') && label.endsWith(` · ${baselineId.slice(0, 6)}…${baselineId.slice(-4)}`)),
      () => `webview tabs: ${JSON.stringify(vscode.window.tabGroups.all.map((group) => group.tabs.map((tab) => tab.label)))}`,
    );
  });

  it('compareTraces resolves the matched, added and removed counts and shows the comparison', async () => {
    await vscode.commands.executeCommand('spanlens.openTraceFile', currentFile);
    const counts = await vscode.commands.executeCommand('spanlens.compareTraces', { traceId: currentId, baselineTraceId: baselineId });
    // GET /checkout and reserve align; ship is new; charge is gone.
    assert.deepEqual(counts, { matched: 2, added: 1, removed: 1 });
    assert.ok(api.openPanels().includes(currentId));
  });

  it('compareTraces rejects with a message naming a trace that is not loaded', async () => {
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('spanlens.compareTraces', { traceId: currentId, baselineTraceId: '7a0000000000000000000000000000ff' })),
      /7a0000000000000000000000000000ff is not loaded/,
    );
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('spanlens.compareTraces', { traceId: currentId })), /baselineTraceId/);
  });

  it('exportTrace writes OTLP JSON that reads back to the same spans, times exact to the ns', async () => {
    const target = join(dir, 'exported.json');
    const written = await vscode.commands.executeCommand('spanlens.exportTrace', { traceId: currentId, file: target });
    assert.equal(written, target);
    const original = decodeOtlpJson(JSON.parse(readFileSync(currentFile, 'utf8'))).spans;
    const back = decodeOtlpJson(JSON.parse(readFileSync(target, 'utf8'))).spans;
    assert.equal(back.length, original.length);
    for (const span of original) {
      const again = back.find((candidate) => candidate.spanId === span.spanId);
      assert.ok(again, `span ${span.spanId} was exported`);
      assert.equal(comparable(again), comparable(span));
    }
    assert.equal(back.find((span) => span.spanId === 'b000000000000002')?.endNs, base + 250_000_007n);
  });

  it('exportTrace rejects a relative path and an unknown trace', async () => {
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('spanlens.exportTrace', { traceId: currentId, file: 'out.json' })), /not an absolute path/);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('spanlens.exportTrace', { traceId: '7a0000000000000000000000000000fe', file: join(dir, 'x.json') })), /is not loaded/);
  });
});
