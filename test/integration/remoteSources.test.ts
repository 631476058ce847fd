import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SpanLensApi } from '../../src/extension';
import { readFixtureJson } from '../unit/sharedFixtures';
import { startFakeJaeger, startFakeTempo, startFakeZipkin } from '../unit/core/backends/fakeBackends';
import { closedPort, type TestServer } from '../unit/core/backends/testServer';
import { rejectionOf } from './rejectionOf';
import { activateNeedingFixtures } from './activateNeedingFixtures';

interface OpenResult {
  traceId: string;
  spanCount: number;
  source: string;
}

interface SearchResult {
  traces: { traceId: string; rootService: string; rootName: string; startTime: number; durationMs: number; spanCount?: number; errorCount?: number }[];
}

const jaegerId = '00000000000000000000000000000001';
const tempoId = '5b8efff798038103d269b633813fc60c';
const zipkinToken = 'zipkin-token-do-not-leak';
const tempoUser = '812345';
const tempoPassword = 'glc_tempo-secret';

describe('SpanLens: remote sources (Jaeger, Tempo, Zipkin replaying recorded responses)', function () {
  this.timeout(60_000);
  let api: SpanLensApi;
  const servers: TestServer[] = [];
  let jaeger: TestServer;
  let tempo: TestServer;
  let zipkin: TestServer;
  let zipkinIds: string[] = [];
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('spanlens');
  const setSources = async (sources: unknown[]): Promise<void> => {
    await config().update('sources', sources, vscode.ConfigurationTarget.Global);
  };

  before(async function () {
    api = await activateNeedingFixtures(this);
    const services = readFixtureJson('jaeger/GetServices.json') as { services: string[] };
    const ops = readFixtureJson('jaeger/GetOperations.json') as { operations: { name: string; spanKind: string }[] };
    jaeger = await startFakeJaeger({
      api: 'api_v3',
      services: services.services,
      operations: { foo: ops.operations },
      summaries: readFixtureJson('jaeger/FindTraceSummaries.json'),
      findTraces: readFixtureJson('jaeger/FindTraces.json'),
      v3Traces: { [jaegerId]: readFixtureJson('jaeger/GetTrace.json') },
    });
    const startNs = BigInt(Date.now()) * 1_000_000n;
    tempo = await startFakeTempo({
      v2: false,
      traces: { [tempoId]: readFixtureJson('tempo/trace.json') },
      search: { traces: [{ traceID: tempoId, rootServiceName: 'my.service', rootTraceName: 'root', startTimeUnixNano: startNs.toString(), durationMs: 12 }], metrics: {} },
      authorization: `Basic ${Buffer.from(`${tempoUser}:${tempoPassword}`).toString('base64')}`,
    });
    const zipkinTraces = ['skew.json', 'messaging-kafka.json'].map((name) => readFixtureJson(`zipkin/${name}`) as Record<string, unknown>[]);
    zipkinIds = zipkinTraces.map((spans) => String(spans[0]?.['traceId']));
    zipkin = await startFakeZipkin({ services: ['frontend'], traces: zipkinTraces, authorization: `Bearer ${zipkinToken}` });
    servers.push(jaeger, tempo, zipkin);
    await setSources([
      { name: 'jaeger-replay', type: 'jaeger', url: jaeger.url },
      { name: 'tempo-replay', type: 'tempo', url: tempo.url, auth: 'basic' },
      { name: 'zipkin-replay', type: 'zipkin', url: zipkin.url, auth: 'bearer' },
    ]);
    await vscode.commands.executeCommand('spanlens.setSourceCredentials', { source: 'tempo-replay', username: tempoUser, password: tempoPassword });
    await vscode.commands.executeCommand('spanlens.setSourceCredentials', { source: 'zipkin-replay', token: zipkinToken });
  });

  after(async () => {
    if (servers.length === 0) return;
    await vscode.commands.executeCommand('spanlens.setSourceCredentials', { source: 'tempo-replay', clear: true });
    await vscode.commands.executeCommand('spanlens.setSourceCredentials', { source: 'zipkin-replay', clear: true });
    await setSources(undefined as unknown as unknown[]);
    await config().update('defaultSource', undefined, vscode.ConfigurationTarget.Global);
    await vscode.env.clipboard.writeText('');
    await Promise.all(servers.map((server) => server.close()));
  });

  it('Jaeger: searches, lists the results under the source, and opens a trace by id into the tree', async () => {
    const found = await vscode.commands.executeCommand<SearchResult>('spanlens.searchTraces', { source: 'jaeger-replay', service: 'foo' });
    assert.deepEqual(
      found.traces.map((t) => [t.traceId, t.rootService, t.rootName, t.spanCount, t.errorCount]),
      [[jaegerId, 'frontend', 'HTTP GET /', 2, 1]],
    );
    assert.ok(api.listedTraces().some((t) => t.source === 'jaeger-replay' && t.traceId === jaegerId && t.searchResult === true));
    const opened = await vscode.commands.executeCommand<OpenResult>('spanlens.openTrace', { traceId: '1', source: 'jaeger-replay' });
    assert.deepEqual(opened, { traceId: jaegerId, spanCount: 1, source: 'jaeger-replay' });
    // Listed once, as an opened trace under its source (no longer as a search result).
    const listed = api.listedTraces().filter((t) => t.traceId === jaegerId);
    assert.deepEqual(
      listed.map((t) => [t.source, t.spanCount, t.searchResult]),
      [['jaeger-replay', 1, undefined]],
    );
    assert.match(listed[0]?.label ?? '', /: foobar$/);
  });

  it('Tempo with basic auth: searches and opens a trace by upper-case id', async () => {
    const found = await vscode.commands.executeCommand<SearchResult>('spanlens.searchTraces', { source: 'tempo-replay', tags: { 'service.name': 'my.service' }, lookbackMinutes: 30 });
    assert.deepEqual(
      found.traces.map((t) => t.traceId),
      [tempoId],
    );
    const opened = await vscode.commands.executeCommand<OpenResult>('spanlens.openTrace', { traceId: tempoId.toUpperCase(), source: 'tempo-replay' });
    assert.deepEqual(opened, { traceId: tempoId, spanCount: 1, source: 'tempo-replay' });
    assert.ok(api.listedTraces().some((t) => t.source === 'tempo-replay' && t.traceId === tempoId && t.searchResult === undefined));
    const sent = tempo.requests.map((r) => r.headers.authorization);
    assert.ok(
      sent.every((value) => value?.startsWith('Basic ')),
      'every request carried the stored basic credentials',
    );
  });

  it('Zipkin with a bearer token: searches and opens a 16-hex id', async () => {
    const found = await vscode.commands.executeCommand<SearchResult>('spanlens.searchTraces', { source: 'zipkin-replay', lookbackMinutes: 60 * 24 * 365 * 5, limit: 10 });
    assert.equal(found.traces.length, 2);
    const kafka = found.traces.find((t) => t.spanCount === 28);
    assert.ok(kafka, 'messaging-kafka.json has 28 spans');
    const shortId = zipkinIds.find((id) => id.length === 16) ?? zipkinIds[0] ?? '';
    const opened = await vscode.commands.executeCommand<OpenResult>('spanlens.openTrace', { traceId: shortId, source: 'zipkin-replay' });
    assert.equal(opened.source, 'zipkin-replay');
    assert.ok(opened.spanCount > 0);
    assert.ok(api.listedTraces().some((t) => t.source === 'zipkin-replay' && t.traceId === opened.traceId && t.searchResult === undefined));
  });

  it('rejects wrong credentials naming the source and the fix, never the token, and leaves the tree as it was', async () => {
    await vscode.commands.executeCommand('spanlens.setSourceCredentials', { source: 'zipkin-replay', token: 'wrong-secret-token' });
    try {
      const before = api.listedTraces();
      const error = await rejectionOf('spanlens.openTrace', { traceId: zipkinIds[1], source: 'zipkin-replay' });
      assert.match(error.message, /Trace source "zipkin-replay" rejected the credentials \(HTTP 401/);
      assert.match(error.message, /Set Source Credentials/);
      assert.ok(!error.message.includes('wrong-secret-token'));
      assert.deepEqual(api.listedTraces(), before);
    } finally {
      await vscode.commands.executeCommand('spanlens.setSourceCredentials', { source: 'zipkin-replay', token: zipkinToken });
    }
  });

  it('asks for credentials a source needs but has not got, and names an unknown source', async () => {
    await vscode.commands.executeCommand('spanlens.setSourceCredentials', { source: 'tempo-replay', clear: true });
    try {
      const error = await rejectionOf('spanlens.searchTraces', { source: 'tempo-replay' });
      assert.match(error.message, /Trace source "tempo-replay" uses a user name and password but none is stored/);
    } finally {
      await vscode.commands.executeCommand('spanlens.setSourceCredentials', { source: 'tempo-replay', username: tempoUser, password: tempoPassword });
    }
    const unknown = await rejectionOf('spanlens.openTrace', { traceId: tempoId, source: 'nowhere' });
    assert.match(unknown.message, /no trace source named "nowhere".*"jaeger-replay"/);
  });

  it('rejects clearly when a source is unreachable, and names a bad entry without breaking the others', async () => {
    const port = await closedPort();
    const current = config().get<unknown[]>('sources') ?? [];
    await setSources([...current, { name: 'down', type: 'jaeger', url: `http://127.0.0.1:${port}` }, { name: 'broken', type: 'jaeger', url: 'not a url' }]);
    try {
      const error = await rejectionOf('spanlens.searchTraces', { source: 'down', service: 'x' });
      assert.match(error.message, /Trace source "down" refused the connection/);
      const broken = await rejectionOf('spanlens.openTrace', { traceId: jaegerId, source: 'broken' });
      assert.match(broken.message, /Trace source "broken" is not configured correctly: "url" is not a valid URL/);
      const still = await vscode.commands.executeCommand<SearchResult>('spanlens.searchTraces', { source: 'jaeger-replay', service: 'foo' });
      assert.equal(still.traces.length, 1);
    } finally {
      await setSources(current);
    }
  });

  it('opens from the clipboard (a traceparent) with the default source', async () => {
    await config().update('defaultSource', 'tempo-replay', vscode.ConfigurationTarget.Global);
    await vscode.env.clipboard.writeText(`00-${tempoId}-00f067aa0ba902b7-01`);
    const opened = await vscode.commands.executeCommand<OpenResult>('spanlens.openTraceFromClipboard');
    assert.deepEqual(opened, { traceId: tempoId, spanCount: 1, source: 'tempo-replay' });
    await vscode.env.clipboard.writeText('not an id');
    assert.match((await rejectionOf('spanlens.openTraceFromClipboard')).message, /clipboard does not hold a trace id/);
  });

  it('runs "Open Trace…" from the palette: in a browser the clipboard is left alone, the box opens empty', async function () {
    if (vscode.env.uiKind !== vscode.UIKind.Web) this.skip();
    await vscode.env.clipboard.writeText(jaegerId);
    const running = Promise.resolve(vscode.commands.executeCommand<OpenResult | undefined>('spanlens.openTrace'));
    // Accepting the box as it opened: had it been prefilled from the clipboard, the trace would open.
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    assert.equal(await running, undefined);
  });

  it('runs "Open Trace…" from the palette: the input box is prefilled from the clipboard and the default source is offered first', async function () {
    // A browser's clipboard read asks for a permission, so only the desktop prefills.
    if (vscode.env.uiKind === vscode.UIKind.Web) this.skip();
    await config().update('defaultSource', 'jaeger-replay', vscode.ConfigurationTarget.Global);
    await vscode.env.clipboard.writeText(jaegerId);
    const state: { settled: boolean } = { settled: false };
    const isSettled = (): boolean => state.settled;
    const running = Promise.resolve(vscode.commands.executeCommand<OpenResult | undefined>('spanlens.openTrace')).finally(() => {
      state.settled = true;
    });
    // Accepts the prefilled input box, then the first (default) source in the quick pick.
    for (let i = 0; i < 40 && !isSettled(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (!isSettled()) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const opened = await running;
    assert.deepEqual(opened, { traceId: jaegerId, spanCount: 1, source: 'jaeger-replay' });
    assert.ok(api.listedTraces().some((t) => t.source === 'jaeger-replay' && t.traceId === jaegerId));
  });
});
