import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { startFakeJaeger } from '../unit/core/backends/fakeBackends';
import type { TestServer } from '../unit/core/backends/testServer';
import { otlpJsonOf, recordSdkSpans } from '../unit/sdkTraces';
import { rejectionOf } from './rejectionOf';

interface OpenResult {
  traceId: string;
  spanCount: number;
  source: string;
}

const unknownId = 'b7ad6b7169203331b7ad6b7169203331';

/** The command a document link runs, and the argument it passes. */
function commandOf(link: vscode.DocumentLink): { command: string; traceId: string } {
  const target = link.target;
  assert.ok(target, 'a trace link has a target');
  assert.equal(target.scheme, 'command');
  const [argument] = JSON.parse(decodeURIComponent(target.query)) as [{ traceId: string }];
  return { command: target.path, traceId: argument.traceId };
}

describe('SpanLens: trace ids as links in log files and the terminal', function () {
  this.timeout(60_000);
  let dir: string;
  let traceId: string;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('spanlens');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-links-'));
    const spans = recordSdkSpans(1);
    traceId = spans[0]?.spanContext().traceId ?? '';
    const file = join(dir, 'checkout.json');
    writeFileSync(file, otlpJsonOf(spans));
    await vscode.commands.executeCommand('spanlens.openTraceFile', file);
  });

  after(async () => {
    await config().update('sources', undefined, vscode.ConfigurationTarget.Global);
    await config().update('defaultSource', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  it("turns a .log file's trace ids and traceparents into links, and nothing else", async () => {
    const path = join(dir, 'service.log');
    const lines = [
      `10:00:01 INFO  GET /checkout trace_id=${traceId} status=200`,
      `10:00:02 WARN  upstream traceparent=00-${traceId}-00f067aa0ba902b7-01`,
      `10:00:03 ERROR payment failed ${unknownId.toUpperCase()}`,
      '10:00:04 INFO  deployed 9fceb02d0ae598e95dc970b74767f19372d61af8 request 123e4567-e89b-12d3-a456-426614174000',
      `10:00:05 INFO  short ${traceId.slice(1)} zero 00000000000000000000000000000000`,
    ];
    writeFileSync(path, `${lines.join('\n')}\n`);
    const document = await vscode.workspace.openTextDocument(path);
    assert.equal(document.languageId, 'log');
    const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', document.uri);
    const ours = links.filter((link) => link.target?.scheme === 'command').sort((a, b) => a.range.start.line - b.range.start.line);
    assert.deepEqual(
      ours.map((link) => [link.range.start.line, document.getText(link.range), commandOf(link).traceId]),
      [
        [0, traceId, traceId],
        [1, `00-${traceId}-00f067aa0ba902b7-01`, traceId],
        [2, unknownId.toUpperCase(), unknownId],
      ],
    );
    assert.ok(ours.every((link) => commandOf(link).command === 'spanlens.openTraceLink'));
  });

  it('offers "Open trace … in SpanLens" when hovering an id', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: `see ${traceId} for details` });
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(0, 10));
    const text = hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : (content as { value: string }).value))).join('\n');
    assert.match(text, new RegExp(`Open trace \`${traceId}\` in SpanLens`));
  });

  it('opens a loaded trace from its link, an upper-case id included, without asking a backend', async () => {
    const result = await vscode.commands.executeCommand<OpenResult>('spanlens.openTraceLink', { traceId: traceId.toUpperCase() });
    assert.deepEqual(result, { traceId, spanCount: 3, source: 'files' });
  });

  it('rejects ids of the wrong length', async () => {
    const error = await rejectionOf('spanlens.openTraceLink', { traceId: traceId.slice(2) });
    assert.match(error.message, /32 or 16 hexadecimal/);
  });

  it('names local when no source holds the id and no backend is configured', async () => {
    const error = await rejectionOf('spanlens.openTraceLink', { traceId: unknownId });
    assert.match(error.message, new RegExp(`Trace ${unknownId} was not found in local`));
    assert.match(error.message, /spanlens\.sources/);
  });

  describe('with a remote default source', () => {
    let jaeger: TestServer;
    before(async () => {
      jaeger = await startFakeJaeger({ api: 'api_v3', services: [], v3Traces: {} });
      await config().update('sources', [{ name: 'jaeger-empty', type: 'jaeger', url: jaeger.url }], vscode.ConfigurationTarget.Global);
      await config().update('defaultSource', 'jaeger-empty', vscode.ConfigurationTarget.Global);
    });
    after(async () => {
      await jaeger.close();
    });

    it('still opens a trace SpanLens holds without a request', async () => {
      const result = await vscode.commands.executeCommand<OpenResult>('spanlens.openTraceLink', { traceId });
      assert.equal(result.source, 'files');
      assert.equal(jaeger.requests.length, 0);
    });

    it('names every source tried when none holds the trace', async () => {
      const error = await rejectionOf('spanlens.openTraceLink', { traceId: unknownId });
      assert.match(error.message, new RegExp(`Trace ${unknownId} was not found in local, "jaeger-empty"`));
    });
  });
});
