import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';
import * as vscode from 'vscode';
import { stringAttribute } from '../../src/core/model/attributes';
import { decodeOtlpProtobuf } from '../../src/core/formats/otlpProtobuf';
import type { Span } from '../../src/core/model/span';
import { eventually } from './eventually';

interface Location {
  uri: vscode.Uri;
  line: number;
  column: number;
}

interface Explained {
  steps: { rule: string; input: string; result: string; outcome: string }[];
  location?: Location;
}

const repoRoot = resolve(__dirname, '..', '..', '..');
const traceId = '5b8aa5a2d2c872e8321cf37308d69df2';
let nextSpan = 1;

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite runs with the test workspace open');
  return folder.uri.fsPath;
}

/** A one-trace OTLP JSON file whose spans carry the given attributes. */
function writeTrace(dir: string, spans: readonly Record<string, string | number>[]): { path: string; spanIds: string[] } {
  const spanIds = spans.map(() => (nextSpan++).toString(16).padStart(16, '0'));
  const value = (v: string | number): Record<string, string> => (typeof v === 'number' ? { intValue: String(v) } : { stringValue: v });
  const doc = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeSpans: [
          {
            scope: { name: 'spanlens-integration' },
            spans: spans.map((attributes, i) => ({
              traceId,
              spanId: spanIds[i],
              name: `op ${i}`,
              kind: 1,
              startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)),
              endTimeUnixNano: String(1_700_000_000_100_000_000n + BigInt(i)),
              attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: value(v) })),
            })),
          },
        ],
      },
    ],
  };
  const path = join(dir, `trace-${spanIds[0] ?? 'x'}.json`);
  writeFileSync(path, JSON.stringify(doc));
  return { path, spanIds };
}

async function openSpans(dir: string, spans: readonly Record<string, string | number>[]): Promise<string[]> {
  const { path, spanIds } = writeTrace(dir, spans);
  await vscode.commands.executeCommand('spanlens.openTraceFile', path);
  return spanIds;
}

const goTo = (spanId: string, id = traceId): Thenable<Location | undefined> => vscode.commands.executeCommand<Location | undefined>('spanlens.goToSpanCode', { traceId: id, spanId });

function lineOf(file: string, needle: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `${needle} in ${file}`);
  return index + 1;
}

describe('SpanLens: Go to Code and Explain Code Mapping', () => {
  let dir: string;
  before(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'spanlens-goto-')));
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  it('lands a production path (/app/sample-service/src/checkout.ts:7:3) on that line and column of the workspace file', async () => {
    const [spanId] = await openSpans(dir, [{ 'code.file.path': '/app/sample-service/src/checkout.ts', 'code.line.number': 7, 'code.column.number': 3 }]);
    assert.ok(spanId);
    const result = await goTo(spanId);
    const expected = join(workspaceRoot(), 'sample-service', 'src', 'checkout.ts');
    assert.equal(result?.uri.fsPath, expected);
    assert.deepEqual([result.line, result.column], [7, 3]);
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, expected);
    assert.deepEqual([editor.selection.active.line, editor.selection.active.character], [6, 2], 'VS Code positions are 0-based');
  });

  it('maps a span recorded by the compiled sample service, deployed elsewhere, through its source map to the .ts line', async function () {
    this.timeout(60_000);
    const service = join(workspaceRoot(), 'sample-service');
    rmSync(join(service, 'dist'), { recursive: true, force: true });
    compileSampleService(service);
    // Deployed as if under /app: the recorded paths are not the workspace's.
    const deployed = join(dir, 'app', 'sample-service', 'dist');
    mkdirSync(deployed, { recursive: true });
    cpSync(join(service, 'dist'), deployed, { recursive: true });

    const collector = await startCollector();
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, [join(deployed, 'server.js')], {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', NODE_PATH: join(repoRoot, 'node_modules'), OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, SAMPLE_TRAFFIC_MS: '150' },
        stdio: 'ignore',
      });
      const { body, span } = await collector.spanNamed('listProducts', 30_000);
      const recorded = stringAttribute(span.attributes, 'code.file.path');
      assert.equal(recorded, join(deployed, 'server.js'), 'the span names the compiled, deployed file');
      const file = join(dir, 'sample.pb');
      writeFileSync(file, body);
      await vscode.commands.executeCommand('spanlens.openTraceFile', file);

      const source = join(service, 'src', 'server.ts');
      const result = await eventually('the compiled files reach the index', async () => {
        const location = await goTo(span.spanId, span.traceId);
        if (location?.uri.fsPath !== source) throw new Error(`landed on ${location?.uri.fsPath ?? 'nothing'}`);
        return location;
      });
      assert.equal(result.line, lineOf(source, "traced(tracer, 'listProducts'"));
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, source);
      const explained = await vscode.commands.executeCommand<Explained>('spanlens.explainMapping', { traceId: span.traceId, spanId: span.spanId });
      assert.ok(
        explained.steps.some((s) => s.rule === 'sourceMap' && s.outcome === 'matched'),
        JSON.stringify(explained.steps),
      );
    } finally {
      child?.kill();
      await collector.close();
    }
  });

  it('rejects an ambiguous path programmatically, naming the candidates, and follows a path mapping once one is set', async () => {
    const root = workspaceRoot();
    for (const side of ['one', 'two']) {
      mkdirSync(join(root, 'amb', side, 'lib'), { recursive: true });
      writeFileSync(join(root, 'amb', side, 'lib', 'format.ts'), 'export const a = 1;\nexport const b = 2;\n');
    }
    const [spanId] = await openSpans(dir, [{ 'code.file.path': '/srv/lib/format.ts', 'code.line.number': 2 }]);
    assert.ok(spanId);
    // The watcher indexes the two new files one at a time; until both are in, the first is a
    // unique match that Go to Code would open. Explain opens nothing, so wait with it.
    await eventually('both files in the index', async () => {
      const explained = await vscode.commands.executeCommand<{ steps: { outcome?: string }[]; location?: unknown }>('spanlens.explainMapping', { traceId, spanId });
      if (explained.location === undefined && explained.steps.some((step) => step.outcome === 'ambiguous')) return true;
      throw new Error(`not ambiguous yet: ${JSON.stringify(explained.steps)}`);
    });
    const before = vscode.window.activeTextEditor?.document.uri.fsPath;
    const error = await goTo(spanId).then(
      () => assert.fail('resolved instead of rejecting'),
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    assert.match(error.message, /matches 2 workspace files/);
    assert.match(error.message, /amb\/one\/lib\/format\.ts/);
    assert.match(error.message, /amb\/two\/lib\/format\.ts/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, before, 'nothing was opened');

    const config = vscode.workspace.getConfiguration('spanlens');
    await config.update('pathMappings', [{ from: '/srv', to: '${workspaceFolder}/amb/two' }], vscode.ConfigurationTarget.Workspace);
    try {
      const result = await eventually('the rule reaches the worker', async () => {
        const location = await goTo(spanId);
        if (!location) throw new Error('no location');
        return location;
      });
      assert.equal(result.uri.fsPath, join(root, 'amb', 'two', 'lib', 'format.ts'));
      assert.equal(result.line, 2);
    } finally {
      await config.update('pathMappings', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('lands Java and Kotlin spans named only by class and method on the declaration line, with no language server', async () => {
    const root = workspaceRoot();
    const java = join(root, 'jvm', 'src', 'main', 'java', 'com', 'shop');
    const kotlin = join(root, 'jvm', 'src', 'main', 'kotlin', 'com', 'shop');
    mkdirSync(java, { recursive: true });
    mkdirSync(kotlin, { recursive: true });
    writeFileSync(
      join(java, 'Checkout.java'),
      'package com.shop;\n\npublic class Checkout {\n  @WithSpan\n  public Receipt pay(Order order) {\n    return pay(order, 0);\n  }\n\n  Receipt pay(Order order, int tip) { return null; }\n}\n',
    );
    writeFileSync(join(kotlin, 'Fraud.kt'), 'package com.shop\n\nclass Fraud {\n    fun score(order: Order): Int = 0\n}\n');
    const [javaSpan, kotlinSpan] = await openSpans(dir, [{ 'code.namespace': 'com.shop.Checkout', 'code.function': 'pay' }, { 'code.function.name': 'com.shop.Fraud.score' }]);
    assert.ok(javaSpan && kotlinSpan);
    const landed = async (spanId: string): Promise<Location> =>
      await eventually('the new sources indexed', async () => {
        const location = await goTo(spanId);
        if (!location) throw new Error('no location yet');
        return location;
      });
    const onPay = await landed(javaSpan);
    assert.deepEqual([onPay.uri.fsPath, onPay.line, onPay.column], [join(java, 'Checkout.java'), 5, 18]);
    const onScore = await landed(kotlinSpan);
    assert.deepEqual([onScore.uri.fsPath, onScore.line], [join(kotlin, 'Fraud.kt'), 4]);
  });

  it('refuses to open a path outside the workspace folders when called programmatically', async () => {
    const outside = join(dir, 'outside', 'secretSettings.ts');
    mkdirSync(join(dir, 'outside'), { recursive: true });
    writeFileSync(outside, 'export const secret = 1;\n');
    const [spanId] = await openSpans(dir, [{ 'code.file.path': outside, 'code.line.number': 1 }]);
    assert.ok(spanId);
    await assert.rejects(Promise.resolve(goTo(spanId)), (error: Error) => {
      assert.match(error.message, /outside every workspace folder/);
      assert.ok(error.message.includes(outside));
      return true;
    });
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.fsPath === outside), 'the file was never opened');
  });

  it('goes to a stack frame by spanlens.goToFrame, and opens nothing for a dependency the workspace lacks or a file that exists nowhere', async () => {
    const [spanId] = await openSpans(dir, [{ 'http.route': '/checkout' }]);
    assert.ok(spanId);
    const goToFrame = (frame: Record<string, string | number>): Thenable<Location | undefined> =>
      vscode.commands.executeCommand<Location | undefined>('spanlens.goToFrame', { traceId, spanId, frame });
    const result = await goToFrame({ file: '/app/sample-service/src/checkout.ts', line: 7, column: 3, function: 'checkout' });
    const expected = join(workspaceRoot(), 'sample-service', 'src', 'checkout.ts');
    assert.equal(result?.uri.fsPath, expected);
    assert.deepEqual([result.line, result.column], [7, 3]);

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const open = (): string[] => vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'file').map((d) => d.uri.fsPath);
    const before = open();
    // The grpc instrumentation's frame of a frontend exception: never another index.js.
    assert.equal(await goToFrame({ file: '/app/node_modules/@opentelemetry/instrumentation-grpc/build/src/grpc-js/index.js', line: 233, column: 31 }), undefined);
    assert.equal(await goToFrame({ file: join(dir, 'gone', 'vanished.ts'), line: 1 }), undefined, 'a path that exists nowhere is not offered to open anyway');
    assert.equal(vscode.window.activeTextEditor, undefined, 'nothing was opened');
    assert.deepEqual(open(), before);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('spanlens.goToFrame', { traceId, spanId })), /expected \{ traceId, spanId, frame/);
  });

  it('explains the steps of a mapping, and says why a span without code maps nowhere', async () => {
    const [mapped, bare] = await openSpans(dir, [{ 'code.file.path': '/app/sample-service/src/inventory.ts', 'code.line.number': 2 }, { 'http.route': '/cart' }]);
    assert.ok(mapped && bare);
    const explained = await vscode.commands.executeCommand<Explained>('spanlens.explainMapping', { traceId, spanId: mapped });
    assert.deepEqual(
      explained.steps.map((s) => [s.rule, s.outcome]),
      [
        ['attributes', 'matched'],
        ['suffixMatch', 'matched'],
      ],
    );
    assert.equal(explained.location?.uri.fsPath, join(workspaceRoot(), 'sample-service', 'src', 'inventory.ts'));
    assert.equal(explained.location.line, 2);

    const none = await vscode.commands.executeCommand<Explained>('spanlens.explainMapping', { traceId, spanId: bare });
    assert.equal(none.location, undefined);
    assert.deepEqual(
      none.steps.map((s) => [s.rule, s.outcome]),
      [['attributes', 'failed']],
    );
    assert.equal(await goTo(bare), undefined);
  });
});

/** Compiles the copy's sources with tsc (emit only: its packages resolve from this checkout at run time). */
function compileSampleService(service: string): void {
  const files = ['checkout', 'inventory', 'server', 'timing', 'tracing'].map((name) => join(service, 'src', `${name}.ts`));
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    esModuleInterop: true,
    rootDir: join(service, 'src'),
    outDir: join(service, 'dist'),
    sourceMap: true,
    types: [],
    noCheck: true,
  });
  const emitted = program.emit();
  assert.equal(emitted.emitSkipped, false);
}

interface Collector {
  readonly endpoint: string;
  spanNamed(name: string, timeoutMs: number): Promise<{ body: Buffer; span: Span }>;
  close(): Promise<void>;
}

/** A stand-in OTLP/HTTP collector that keeps each export request's protobuf body. */
async function startCollector(): Promise<Collector> {
  const bodies: Buffer[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async spanNamed(name, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const body of bodies) {
          let spans: Span[];
          try {
            spans = decodeOtlpProtobuf(body).spans;
          } catch {
            continue;
          }
          const span = spans.find((s) => s.name === name && stringAttribute(s.attributes, 'code.file.path') !== undefined);
          if (span) return { body, span };
        }
        if (Date.now() > deadline) throw new Error(`no ${name} span arrived from the sample service (${bodies.length} requests)`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
