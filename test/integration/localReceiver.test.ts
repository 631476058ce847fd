import * as assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import * as vscode from 'vscode';
import type { SpanLensApi } from '../../src/extension';
import { extensionId } from '../../src/shared/contract';

interface StartResult {
  endpoint: string;
  httpPort: number;
  grpcPort?: number;
}

/** Records one request trace with the real SDK and exports it through `exporter`. */
async function exportTrace(exporter: SpanExporter, serviceName: string, rootName: string): Promise<string> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('spanlens-integration');
  const root = tracer.startSpan(rootName, { kind: SpanKind.SERVER });
  const child = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root));
  child.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('SpanLens: the built-in receiver', () => {
  let api: SpanLensApi;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('spanlens');

  before(async () => {
    const extension = vscode.extensions.getExtension<SpanLensApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
    // Port 0: the system picks free ports, so the suite never collides with a real collector.
    await config().update('receiver.httpPort', 0, vscode.ConfigurationTarget.Global);
    await config().update('receiver.grpcPort', 0, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.commands.executeCommand('spanlens.receiver.stop');
    await config().update('receiver.httpPort', undefined, vscode.ConfigurationTarget.Global);
    await config().update('receiver.grpcPort', undefined, vscode.ConfigurationTarget.Global);
  });

  it('starts on loopback and lists what the real OTLP/HTTP protobuf exporter sends, in the Local receiver source', async () => {
    const started = await vscode.commands.executeCommand<StartResult>('spanlens.receiver.start');
    assert.match(started.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(started.grpcPort, undefined, 'grpcPort 0 turns gRPC off');
    const traceId = await exportTrace(new OtlpProtoExporter({ url: `${started.endpoint}/v1/traces` }), 'orders', 'GET /orders');
    const listed = await until('the whole trace in the view', () => api.listedTraces().find((t) => t.traceId === traceId && t.spanCount === 2));
    assert.deepEqual(listed, { source: 'local', traceId, label: 'orders: GET /orders', spanCount: 2, errorCount: 0 });
  });

  it('accepts OTLP/gRPC from the real gRPC exporter when a gRPC port is set', async () => {
    await vscode.commands.executeCommand('spanlens.receiver.stop');
    const probe = await freePort();
    await config().update('receiver.grpcPort', probe, vscode.ConfigurationTarget.Global);
    try {
      const started = await vscode.commands.executeCommand<StartResult>('spanlens.receiver.start');
      assert.equal(started.grpcPort, probe);
      const traceId = await exportTrace(new OtlpGrpcExporter({ url: `http://127.0.0.1:${probe}` }), 'payments', 'Charge');
      const listed = await until('the whole gRPC trace in the view', () => api.listedTraces().find((t) => t.traceId === traceId && t.spanCount === 2));
      assert.equal(listed.label, 'payments: Charge');
    } finally {
      await config().update('receiver.grpcPort', 0, vscode.ConfigurationTarget.Global);
    }
  });

  it('says a taken port is in use, names it, and keeps running nothing', async () => {
    await vscode.commands.executeCommand('spanlens.receiver.stop');
    const blocker = await listenOnFreePort();
    const port = (blocker.address() as { port: number }).port;
    await config().update('receiver.httpPort', port, vscode.ConfigurationTarget.Global);
    try {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('spanlens.receiver.start')), (error: Error) => {
        assert.match(error.message, new RegExp(`port ${port} is already in use`));
        // The blocker is a bare TCP listener: SpanLens asks it, and says what it could tell.
        assert.match(error.message, /held by a program that does not answer HTTP/);
        assert.match(error.message, /free port/);
        return true;
      });
    } finally {
      await config().update('receiver.httpPort', 0, vscode.ConfigurationTarget.Global);
      await closeAll(blocker);
    }
    // The extension is still healthy: it starts once the port setting is usable again.
    const started = await vscode.commands.executeCommand<StartResult>('spanlens.receiver.start');
    assert.match(started.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stops listening on stop and forgets every trace on clear', async () => {
    const started = await vscode.commands.executeCommand<StartResult>('spanlens.receiver.start');
    await vscode.commands.executeCommand('spanlens.receiver.stop');
    await assert.rejects(fetch(`${started.endpoint}/v1/traces`, { method: 'POST' }));
    assert.ok(
      api.listedTraces().some((t) => t.source === 'local'),
      'stopped: earlier traces stay listed',
    );
    await vscode.commands.executeCommand('spanlens.receiver.clear');
    await until('the local source to empty', () => (api.listedTraces().some((t) => t.source === 'local') ? undefined : true));
  });
});

/** Closes a listener and the connections SpanLens's probe left on it (a bare listener never reads them, so they never end). */
async function closeAll(server: Server): Promise<void> {
  const { connections } = server as Server & { connections: Set<Socket> };
  for (const socket of connections) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
}

async function listenOnFreePort(): Promise<Server> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    const connections = new Set<Socket>();
    server.on('connection', (socket) => {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
    });
    Object.assign(server, { connections });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function freePort(): Promise<number> {
  const server = await listenOnFreePort();
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
