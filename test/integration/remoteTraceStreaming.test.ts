import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SpanLensApi } from '../../src/extension';
import type { ListedTrace } from '../../src/vscode/tracesTreeProvider';
import type { TestServer } from '../unit/core/backends/testServer';
import { startSlowJaeger, streamedApiV3Body, streamedTraceId } from '../unit/core/traceService/slowJaeger';
import { activateNeedingFixtures } from './activateNeedingFixtures';

interface OpenResult {
  traceId: string;
  spanCount: number;
  source: string;
}

/** Polls what the view lists until `pick` finds something, for at most `ms`. */
async function listedWhen(api: SpanLensApi, pick: (listed: ListedTrace[]) => ListedTrace | undefined, ms: number): Promise<ListedTrace | undefined> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const found = pick(api.listedTraces());
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}

describe('SpanLens: a large remote trace is listed while it downloads', function () {
  this.timeout(60_000);
  let api: SpanLensApi;
  let server: TestServer | undefined;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('spanlens');
  const useServer = async (cut?: { after: number; how: 'end' | 'destroy' }, traceId = streamedTraceId): Promise<void> => {
    await server?.close();
    server = await startSlowJaeger({ body: streamedApiV3Body(3_000, traceId).body, traceId, pieces: 50, pauseMs: 40, cut });
    await config().update('sources', [{ name: 'jaeger-slow', type: 'jaeger', url: server.url }], vscode.ConfigurationTarget.Global);
  };
  const inTree =
    (state?: 'loading' | 'failed', traceId = streamedTraceId) =>
    (listed: ListedTrace[]): ListedTrace | undefined =>
      listed.find((trace) => trace.source === 'jaeger-slow' && trace.traceId === traceId && trace.incomplete === state);

  before(async function () {
    api = await activateNeedingFixtures(this);
  });

  after(async () => {
    await config().update('sources', undefined, vscode.ConfigurationTarget.Global);
    await server?.close();
  });

  it('shows the trace as loading, with the spans so far, then the whole trace', async () => {
    await useServer();
    const opening = Promise.resolve(vscode.commands.executeCommand<OpenResult>('spanlens.openTrace', { traceId: streamedTraceId, source: 'jaeger-slow' }));
    const loading = await listedWhen(api, inTree('loading'), 10_000);
    assert.ok(loading, 'the trace was listed as loading before it was whole');
    assert.ok(loading.spanCount > 0 && loading.spanCount < 3_000, `spans so far: ${loading.spanCount}`);
    assert.match(loading.label, /root span not received yet/);
    const opened = await opening;
    assert.deepEqual(opened, { traceId: streamedTraceId, spanCount: 3_000, source: 'jaeger-slow' });
    const whole = inTree()(api.listedTraces());
    assert.equal(whole?.spanCount, 3_000);
    assert.equal(inTree('loading')(api.listedTraces()), undefined);
  });

  it('says so when the download breaks off, and keeps what arrived marked incomplete', async () => {
    const cutId = 'c0ffee00c0ffee00c0ffee00c0ffee01';
    await useServer({ after: 0.5, how: 'destroy' }, cutId);
    const error = await Promise.resolve(vscode.commands.executeCommand<OpenResult>('spanlens.openTrace', { traceId: cutId, source: 'jaeger-slow' })).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof Error, 'the command rejected');
    const kept = inTree('failed', cutId)(api.listedTraces());
    assert.ok(kept, `listed: ${JSON.stringify(api.listedTraces().filter((trace) => trace.traceId === cutId))}`);
    assert.ok(kept.spanCount > 0 && kept.spanCount < 3_000);
    assert.match(error.message, new RegExp(`The ${kept.spanCount.toLocaleString('en-US')} spans that arrived before are kept in the SpanLens view, marked incomplete`));
  });

  it('keeps a trace opened whole when fetching it again breaks off', async () => {
    await useServer({ after: 0.5, how: 'destroy' });
    const opening = Promise.resolve(vscode.commands.executeCommand<OpenResult>('spanlens.openTrace', { traceId: streamedTraceId, source: 'jaeger-slow' }));
    const error = await opening.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof Error, 'the command rejected');
    // The whole copy opened before stays: nothing partial replaced it, and the failure is reported.
    assert.equal(inTree()(api.listedTraces())?.spanCount, 3_000);
    assert.equal(inTree('failed')(api.listedTraces()), undefined);
  });
});
