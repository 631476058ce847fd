import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode, type HrTime } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as vscode from 'vscode';
import { extensionId } from '../../src/shared/contract';
import { eventually } from './eventually';

/*
 * Black-box: spans go in through the built-in receiver with the real OTel SDK; annotations are
 * read back only through VS Code's own commands, as a user's editor would show them.
 */

interface SpanPlan {
  readonly fn: string;
  readonly line: number;
  readonly durationMs: number;
  readonly error?: boolean;
  readonly exception?: { readonly type: string; readonly message: string; readonly stacktrace: string };
}

const productionFile = '/app/sample-service/src/checkout.ts';

function hrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

async function exportSpans(endpoint: string, plans: readonly SpanPlan[]): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop-frontend' }),
    spanProcessors: [new SimpleSpanProcessor(new OtlpProtoExporter({ url: `${endpoint}/v1/traces` }))],
  });
  const tracer = provider.getTracer('spanlens-annotations');
  const endMs = Date.now() - 1000;
  for (const plan of plans) {
    const span = tracer.startSpan(plan.fn, {
      startTime: hrTime(endMs - plan.durationMs),
      attributes: { 'code.function.name': plan.fn, 'code.file.path': productionFile, 'code.line.number': plan.line },
    });
    if (plan.exception) {
      span.addEvent('exception', { 'exception.type': plan.exception.type, 'exception.message': plan.exception.message, 'exception.stacktrace': plan.exception.stacktrace }, hrTime(endMs));
    }
    if (plan.error === true) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(hrTime(endMs));
  }
  await provider.forceFlush();
  await provider.shutdown();
}

function lineOf(file: string, needle: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `${needle} in ${file}`);
  return index + 1;
}

/** Nearest-rank percentile, the definition "exact below the threshold" means. */
function nearestRank(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number;
}

async function spanLensLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>('vscode.executeCodeLensProvider', uri)) ?? [];
  return lenses.filter((lens) => lens.command?.command === 'spanlens.showSpansForFunction');
}

function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : (content as vscode.MarkdownString).value))
    .join('\n');
}

describe('SpanLens: production latency and exceptions in the editor', function () {
  this.timeout(90_000);
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('spanlens');
  let file: string;
  let uri: vscode.Uri;
  let dir: string;
  const checkoutDurations = Array.from({ length: 20 }, (_, i) => (i + 1) * 5);
  const validateDurations = [7, 8, 9];

  before(async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension);
    await extension.activate();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    file = join(folder.uri.fsPath, 'sample-service', 'src', 'checkout.ts');
    uri = vscode.Uri.file(file);
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'spanlens-annotations-')));
    await config().update('receiver.httpPort', 0, vscode.ConfigurationTarget.Global);
    await config().update('receiver.grpcPort', 0, vscode.ConfigurationTarget.Global);
    // Spans are placed as they arrive, so the workspace index must know the files first: a
    // production path of another file mapping proves it does.
    const probe = join(dir, 'probe.json');
    writeFileSync(
      probe,
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'probe' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: 'a1'.repeat(16),
                    spanId: 'b2'.repeat(8),
                    name: 'probe',
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                    attributes: [{ key: 'code.file.path', value: { stringValue: '/app/sample-service/src/timing.ts' } }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    await vscode.commands.executeCommand('spanlens.openTraceFile', probe);
    await eventually('the workspace index', async () => {
      const location = await vscode.commands.executeCommand<{ uri: vscode.Uri } | undefined>('spanlens.goToSpanCode', { traceId: 'a1'.repeat(16), spanId: 'b2'.repeat(8) });
      assert.ok(location?.uri.fsPath.endsWith('timing.ts'));
    });

    const started = await vscode.commands.executeCommand<{ endpoint: string }>('spanlens.receiver.start');
    const checkoutLine = lineOf(file, 'export async function checkout(');
    const validateLine = lineOf(file, 'export async function validateCart(');
    const chargeLine = lineOf(file, 'export async function chargeCard(');
    const throwLine = lineOf(file, 'throw new PaymentDeclinedError');
    const callLine = lineOf(file, 'return await chargeCard(');
    const stacktrace = [
      'PaymentDeclinedError: Card ending 4242 was declined',
      `    at /app/sample-service/src/checkout.ts:${String(throwLine)}:37`,
      `    at async checkout (/app/sample-service/src/checkout.ts:${String(callLine)}:12)`,
    ].join('\n');
    await exportSpans(started.endpoint, [
      ...checkoutDurations.map((durationMs, i) => ({ fn: 'checkout', line: checkoutLine, durationMs, error: i % 10 === 3 })),
      ...validateDurations.map((durationMs) => ({ fn: 'validateCart', line: validateLine, durationMs })),
      { fn: 'chargeCard', line: chargeLine, durationMs: 30, error: true, exception: { type: 'PaymentDeclinedError', message: 'Card ending 4242 was declined', stacktrace } },
    ]);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  });

  after(async () => {
    await config().update('annotations.codeLens', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('spanlens.receiver.stop');
    await config().update('receiver.httpPort', undefined, vscode.ConfigurationTarget.Global);
    await config().update('receiver.grpcPort', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts a lens on each function that has data, with the exact percentiles, calls and error rate of the spans sent', async () => {
    const checkoutLine = lineOf(file, 'export async function checkout(');
    const validateLine = lineOf(file, 'export async function validateCart(');
    const lenses = await eventually('lenses with all spans', async () => {
      const found = await spanLensLenses(uri);
      const onCheckout = found.find((lens) => lens.range.start.line === checkoutLine - 1);
      assert.match(onCheckout?.command?.title ?? '(none)', /20 calls/);
      return found;
    });
    const expected = (values: readonly number[], rest: string): string =>
      `p50 ${String(nearestRank(values, 50))} ms · p95 ${String(nearestRank(values, 95))} ms · p99 ${String(nearestRank(values, 99))} ms · ${rest}`;
    const title = (line: number): string | undefined => lenses.find((lens) => lens.range.start.line === line - 1)?.command?.title;
    assert.ok(title(checkoutLine)?.startsWith(expected(checkoutDurations, '20 calls · 10% errors')), title(checkoutLine));
    assert.ok(title(validateLine)?.startsWith(expected(validateDurations, '3 calls · 0% errors')), title(validateLine));
    assert.match(title(checkoutLine) ?? '', /last hour · local$/);
    // Nothing is drawn where there is no data.
    assert.equal(title(lineOf(file, 'async function callInventory(')), undefined);
    assert.equal(lenses.length, 3, lenses.map((lens) => lens.command?.title).join('\n'));
  });

  it('hovers a function with its figures, sample size, window, distribution and a link to the slowest trace', async () => {
    const line = lineOf(file, 'export async function checkout(') - 1;
    const character = readFileSync(file, 'utf8').split('\n')[line]?.indexOf('checkout(') ?? 0;
    const text = await eventually('the hover', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, character + 2));
      const value = hoverText(hovers);
      assert.match(value, /Production latency/);
      return value;
    });
    // The sample size, the window and the percentiles' exactness, in words.
    assert.match(text, /Based on 20 calls that ended in the last hour/);
    assert.match(text, /slowest 100 ms; percentiles computed from every duration/);
    assert.match(text, /The spans state no sampling rate: the counts are of the calls that were recorded/);
    assert.match(text, /Distribution [▁▂▃▄▅▆▇█]+ from/);
    // The trace links come before the details, so a short hover box shows them.
    assert.ok(text.indexOf('Slowest trace') < text.indexOf('Based on'), text);
    assert.match(text, /\[Slowest trace \\\(100 ms\\\)\]\(command:spanlens\.openTrace\?/);
    assert.match(text, /Latest error trace/);
  });

  it('reports the recorded exception as a SpanLens diagnostic on the line that threw, with the calling frame related', async () => {
    const throwLine = lineOf(file, 'throw new PaymentDeclinedError');
    const callLine = lineOf(file, 'return await chargeCard(');
    const diagnostic = await eventually('the diagnostic', () => {
      const found = vscode.languages.getDiagnostics(uri).find((d) => d.source === 'SpanLens');
      assert.ok(found, 'a SpanLens diagnostic');
      return Promise.resolve(found);
    });
    assert.equal(diagnostic.range.start.line, throwLine - 1);
    assert.match(diagnostic.message, /^PaymentDeclinedError: Card ending .* was declined \(1× in shop-frontend; last seen /);
    assert.ok(diagnostic.relatedInformation?.some((info) => info.location.uri.fsPath === file && info.location.range.start.line === callLine - 1));
  });

  it('answers spanlens.showSpansForFunction with the function’s spans, slowest first', async () => {
    const result = await vscode.commands.executeCommand<{ spans: { traceId: string; spanId: string; durationMs: number; error: boolean }[] }>('spanlens.showSpansForFunction', {
      uri,
      line: lineOf(file, 'export async function checkout(') + 1,
    });
    assert.ok(result.spans.length >= 10, String(result.spans.length));
    assert.equal(result.spans[0]?.durationMs, 100);
    const durations = result.spans.map((s) => s.durationMs);
    assert.deepEqual(
      durations,
      [...durations].sort((a, b) => b - a),
    );
    assert.ok(durations.every((d) => checkoutDurations.includes(d)));
    assert.ok(result.spans.every((s) => /^[0-9a-f]{32}$/.test(s.traceId) && /^[0-9a-f]{16}$/.test(s.spanId)));
  });

  it('removes the lenses when spanlens.annotations.codeLens is turned off', async () => {
    assert.ok((await spanLensLenses(uri)).length > 0);
    await config().update('annotations.codeLens', false, vscode.ConfigurationTarget.Global);
    assert.equal((await spanLensLenses(uri)).length, 0);
    await config().update('annotations.codeLens', undefined, vscode.ConfigurationTarget.Global);
    assert.ok((await spanLensLenses(uri)).length > 0);
  });
});
