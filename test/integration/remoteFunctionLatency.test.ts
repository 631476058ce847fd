import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { extensionId } from '../../src/shared/contract';
import type { RemoteFunctionSpansReport } from '../../src/core/traceService/traceServiceProtocol';
import { startFakeTempo } from '../unit/core/backends/fakeBackends';
import { sendText, TestServer } from '../unit/core/backends/testServer';
import { eventually } from './eventually';
import { rejectionOf } from './rejectionOf';

/*
 * Black-box: the command asks a local Tempo stand-in (which refuses what Tempo refuses) for the
 * spans of the sample service's checkout.ts, and its answer and the editor's CodeLens are read
 * back as a person or a script would see them.
 */

const command = 'spanlens.showRemoteLatencyForFile';
const productionFile = '/app/sample-service/src/checkout.ts';

async function chargeLens(line: number): Promise<vscode.CodeLens | undefined> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>('vscode.executeCodeLensProvider', uriOfCheckout())) ?? [];
  return lenses.find((l) => l.command?.command === 'spanlens.showSpansForFunction' && l.range.start.line === line);
}

/** The call count a lens title shows ("… · 6 calls · …"); 0 when there is no lens yet. */
function callsIn(title: string | undefined): number {
  const match = /([\d.]+)(k?) calls?/.exec(title ?? '');
  if (!match) return 0;
  return Number(match[1]) * (match[2] === 'k' ? 1000 : 1);
}

function uriOfCheckout(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  return vscode.Uri.file(join(folder.uri.fsPath, 'sample-service', 'src', 'checkout.ts'));
}

/**
 * Constructed in the shape of Tempo's /api/search (tempo.proto TraceSearchMetadata; no recorded
 * search answer exists in ../shared/fixtures): spans of chargeCard and checkout in this file,
 * and a chargeCard of another file that must not count.
 */
function searchBody(nowMs: number): unknown {
  const kv = (key: string, value: string): unknown => ({ key, value: { stringValue: value } });
  const span = (id: string, name: string, ms: number, file: string, error = false): unknown => ({
    spanID: id,
    name,
    startTimeUnixNano: (BigInt(nowMs - 5 * 60_000 - ms) * 1_000_000n).toString(),
    durationNanos: String(ms * 1_000_000),
    attributes: [kv('code.function.name', `checkout.${name}`), kv('code.file.path', file), kv('status', error ? 'error' : 'unset'), kv('service.name', 'shop-frontend')],
  });
  return {
    traces: [
      {
        traceID: 'c0ffee00c0ffee00c0ffee00c0ffee01',
        spanSets: [{ spans: [span('1000000000000001', 'chargeCard', 250, productionFile, true), span('1000000000000002', 'checkout', 400, productionFile)], matched: 2 }],
      },
      {
        traceID: 'c0ffee00c0ffee00c0ffee00c0ffee02',
        spanSets: [{ spans: [span('2000000000000001', 'chargeCard', 50, productionFile), span('2000000000000002', 'chargeCard', 5000, '/app/billing/src/card.ts')], matched: 2 }],
      },
    ],
    metrics: {},
  };
}

describe('SpanLens: production latency of a file’s functions from a remote source', function () {
  this.timeout(90_000);
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('spanlens');
  const servers: TestServer[] = [];
  let uri: vscode.Uri;
  let tempo: TestServer;

  before(async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension);
    await extension.activate();
    uri = uriOfCheckout();
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    // The command names the file's functions from document symbols; the TypeScript server starts lazily.
    await eventually('document symbols of checkout.ts', async () => {
      const symbols = await vscode.commands.executeCommand<unknown[] | undefined>('vscode.executeDocumentSymbolProvider', uri);
      assert.ok(symbols && symbols.length > 0, 'no symbols yet');
    });
    tempo = await startFakeTempo({ v2: true, search: searchBody(Date.now()) });
    servers.push(tempo);
  });

  after(async () => {
    await config().update('sources', undefined, vscode.ConfigurationTarget.Global);
    await Promise.all(servers.map((server) => server.close()));
  });

  it('with no source configured, says so (and offers to add one) instead of failing obscurely', async () => {
    await config().update('sources', [], vscode.ConfigurationTarget.Global);
    const error = await rejectionOf(command, { uri, interactive: false });
    assert.match(error.message, /no remote trace source is configured/);
  });

  it('answers per function, slowest first, with an honest sample size, and the figures reach the CodeLens', async () => {
    await config().update('sources', [{ name: 'tempo-fn', type: 'tempo', url: tempo.url }], vscode.ConfigurationTarget.Global);
    // Other suites in this window may already have fed chargeCard local spans; the remote ones add to them.
    const chargeLine = (await vscode.workspace.openTextDocument(uri))
      .getText()
      .split('\n')
      .findIndex((line) => line.includes('export async function chargeCard'));
    const callsBefore = callsIn((await chargeLens(chargeLine))?.command?.title);
    const report = await vscode.commands.executeCommand<RemoteFunctionSpansReport>(command, { uri, source: 'tempo-fn', interactive: false, traceLimit: 2 });
    assert.equal(report.source, 'tempo-fn');
    const q = tempo.to('/api/search')[0]?.query;
    assert.match(q?.get('q') ?? '', /chargeCard/);
    assert.equal(q?.get('limit'), '2');
    assert.deepEqual(
      report.functions.map((f) => [f.function, f.count, f.errorCount]),
      [
        ['checkout', 1, 0],
        ['chargeCard', 2, 1],
      ],
    );
    const charge = report.functions.find((f) => f.function === 'chargeCard');
    assert.ok(charge);
    assert.equal(charge.sample, '2 spans from 2 traces (search limit 2 reached — a sample, not all calls)');
    assert.match(charge.title, /2 calls · 50% errors$/);
    assert.equal(report.elsewhere, 1);
    assert.ok(report.notFound.includes('validateCart'));

    await eventually('a SpanLens lens on chargeCard with the remote figures', async () => {
      const lens = await chargeLens(chargeLine);
      assert.ok(lens, `no lens on line ${chargeLine + 1}`);
      const title = lens.command?.title ?? '';
      assert.equal(callsIn(title), callsBefore + 2, title);
      assert.match(title, /tempo-fn/);
    });
  });

  it('a failing source is named in the error', async () => {
    const broken = await TestServer.start((_req, res) => sendText(res, 503, 'ingesters unavailable'));
    servers.push(broken);
    await config().update('sources', [{ name: 'tempo-down', type: 'tempo', url: broken.url }], vscode.ConfigurationTarget.Global);
    const error = await rejectionOf(command, { uri, source: 'tempo-down', interactive: false });
    assert.match(error.message, /Trace source "tempo-down" failed with HTTP 503: ingesters unavailable/);
  });
});
