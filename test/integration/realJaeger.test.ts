import * as assert from 'node:assert/strict';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import * as vscode from 'vscode';
import type { SpanLensApi } from '../../src/extension';
import { extensionId } from '../../src/shared/contract';
import { JaegerServer, jaegerRequirement } from '../servers/jaegerServer';
import { requireRealServer } from '../servers/realServerGate';
import { sendJsTraces, type SentTraces } from '../servers/sendJsTraces';
import { rejectionOf } from './rejectionOf';

interface OpenResult {
  traceId: string;
  spanCount: number;
  source: string;
}

interface SearchResult {
  traces: { traceId: string; rootService: string; rootName: string; spanCount?: number; errorCount?: number }[];
}

/**
 * The commands a person runs, against a real Jaeger v2 (scripts/setup-servers.sh builds it) fed by
 * the OpenTelemetry JS SDK: Search Traces… finds what was sent, Open Trace… opens it whole into
 * the Traces view, and an id Jaeger does not have is answered with SpanLens's "not found".
 */
describe('SpanLens against a real Jaeger v2', function () {
  this.timeout(120_000);
  let api: SpanLensApi;
  let jaeger: JaegerServer | undefined;
  let sent: SentTraces;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('spanlens');

  before(async function () {
    requireRealServer(this, jaegerRequirement);
    const extension = vscode.extensions.getExtension<SpanLensApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
    jaeger = await JaegerServer.start();
    sent = await sendJsTraces(new HttpProtoExporter({ url: `${jaeger.otlpHttpUrl}/v1/traces` }), 'checkout-real', 4);
    await config().update('sources', [{ name: 'jaeger-real', type: 'jaeger', url: jaeger.queryUrl }], vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    if (jaeger === undefined) return;
    await config().update('sources', undefined, vscode.ConfigurationTarget.Global);
    await jaeger.stop();
  });

  it('Search Traces… lists every trace sent, and Open Trace… opens each with all its spans', async () => {
    // The collector's batch processor stores spans a moment after the export returned.
    let found: SearchResult = { traces: [] };
    for (let i = 0; i < 50 && found.traces.length < sent.traceIds.length; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      found = await vscode.commands.executeCommand<SearchResult>('spanlens.searchTraces', { source: 'jaeger-real', service: 'checkout-real' });
    }
    assert.deepEqual(found.traces.map((t) => t.traceId).sort(), [...sent.traceIds].sort());
    assert.ok(found.traces.every((t) => t.rootService === 'checkout-real' && t.rootName === 'GET /checkout' && t.spanCount === 3));
    for (const traceId of sent.traceIds) {
      const opened = await vscode.commands.executeCommand<OpenResult>('spanlens.openTrace', { traceId, source: 'jaeger-real' });
      assert.deepEqual(opened, { traceId, spanCount: 3, source: 'jaeger-real' });
    }
    const listed = api.listedTraces().filter((t) => t.source === 'jaeger-real');
    assert.deepEqual(listed.map((t) => t.traceId).sort(), [...sent.traceIds].sort());
  });

  it('Open Trace… with an id Jaeger does not have says so, naming the source', async () => {
    const error = await rejectionOf('spanlens.openTrace', { traceId: 'fedcba9876543210fedcba9876543210', source: 'jaeger-real' });
    assert.match(error.message, /Trace fedcba9876543210fedcba9876543210 was not found in "jaeger-real"/);
  });
});
