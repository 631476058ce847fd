import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind as ApiSpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { looksLikeJsonLines, OtlpJsonLinesDecoder } from '../../../../src/core/formats/otlpJsonLines';
import { TraceDecodeError, type DecodedSpans, type DecodeFailure } from '../../../../src/core/formats/traceFormat';
import { StatusCode } from '../../../../src/core/model/span';
import { TraceSetBuilder } from '../../../../src/core/model/traceSetBuilder';

/** Feeds text the way the file loader does: split on \n, 1-based line numbers, then finish. */
function decodeLines(text: string): DecodedSpans {
  const decoder = new OtlpJsonLinesDecoder();
  let lineNumber = 0;
  for (const line of text.split('\n')) decoder.pushLine(line, ++lineNumber);
  return decoder.finish();
}

function failureOf(run: () => unknown): DecodeFailure {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof TraceDecodeError) return error.failure;
    throw error;
  }
  assert.fail('expected a TraceDecodeError');
}

function line(traceId: string, spanIds: string[], service = 'api', extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'lib' },
            spans: spanIds.map((spanId) => ({ traceId, spanId, name: `op ${spanId}`, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000000001000', ...extra })),
          },
        ],
      },
    ],
  });
}

const traceA = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceB = '0af7651916cd43dd8448eb211c80319c';
const metricsLine = '{"resourceMetrics":[]}';
const logsLine = '{"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"hi"}}]}]}]}';

describe('OtlpJsonLinesDecoder', () => {
  it('reads one request per line, skipping metrics and logs lines and counting them', () => {
    const decoded = decodeLines([line(traceA, ['0000000000000001']), metricsLine, logsLine, metricsLine, line(traceB, ['0000000000000002', '0000000000000003'])].join('\n'));
    assert.equal(decoded.format, 'otlp-json-lines');
    assert.deepEqual(
      decoded.spans.map((s) => [s.traceId, s.spanId, s.name]),
      [
        [traceA, '0000000000000001', 'op 0000000000000001'],
        [traceB, '0000000000000002', 'op 0000000000000002'],
        [traceB, '0000000000000003', 'op 0000000000000003'],
      ],
    );
    assert.deepEqual(decoded.warnings, ['Skipped 2 metrics lines and 1 logs line: only traces are shown.']);
  });

  it('ignores blank lines, CRLF line ends and a byte-order mark, without warnings', () => {
    const decoded = decodeLines(`\uFEFF${line(traceA, ['0000000000000001'])}\r\n\r\n   \n${line(traceA, ['0000000000000002'])}\r\n\n`);
    assert.equal(decoded.spans.length, 2);
    assert.deepEqual(decoded.warnings, []);
  });

  it('keeps everything before a torn last line and says which line was cut', () => {
    const whole = line(traceA, ['0000000000000002']);
    const decoded = decodeLines([line(traceA, ['0000000000000001']), metricsLine, whole.slice(0, 57)].join('\n'));
    assert.deepEqual(
      decoded.spans.map((s) => s.spanId),
      ['0000000000000001'],
    );
    assert.equal(decoded.warnings.length, 2);
    assert.equal(decoded.warnings[0], 'The last line (3) is cut short, probably because the file was still being written; its 57 characters were skipped and the 1 complete trace line was read.');
    assert.equal(decoded.warnings[1], 'Skipped 1 metrics line: only traces are shown.');
  });

  it('treats a torn line followed only by blank lines as the last line', () => {
    const decoded = decodeLines(`${line(traceA, ['0000000000000001'])}\n${line(traceA, ['0000000000000002']).slice(0, 30)}\n\n  \n`);
    assert.equal(decoded.spans.length, 1);
    assert.match(decoded.warnings[0] ?? '', /^The last line \(2\) is cut short/);
  });

  it('fails on a malformed line in the middle, naming its line number', () => {
    const text = [line(traceA, ['0000000000000001']), '', '{"resourceSpans": [ oops', line(traceA, ['0000000000000002'])].join('\n');
    const failure = failureOf(() => decodeLines(text));
    if (failure.kind !== 'malformed') assert.fail(`expected malformed, got ${failure.kind}`);
    assert.equal(failure.format, 'otlp-json-lines');
    assert.match(failure.detail, /^line 3 is not valid JSON \(.+\)$/);
    assert.match(new TraceDecodeError(failure).message, /^it looks like OTLP JSON lines \(collector file exporter\) but line 3 is not valid JSON/);
  });

  it('reports the pending failure at the next line, so a streaming caller learns of it before finish()', () => {
    const decoder = new OtlpJsonLinesDecoder();
    decoder.pushLine(line(traceA, ['0000000000000001']), 1);
    decoder.pushLine('{"resourceSpans": [', 2);
    assert.throws(
      () => decoder.pushLine(line(traceA, ['0000000000000002']), 3),
      (error: unknown) => error instanceof TraceDecodeError && /line 2 is not valid JSON/.test(error.message),
    );
  });

  it('fails on a line with a bad field, naming the line and the field', () => {
    const text = [line(traceA, ['0000000000000001']), line(traceA, ['0000000000000002'], 'api', { startTimeUnixNano: 'yesterday' })].join('\n');
    assert.deepEqual(
      failureOf(() => decodeLines(text)),
      {
        kind: 'malformed',
        format: 'otlp-json-lines',
        detail: 'on line 2, resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano is "yesterday", not an integer',
      },
    );
  });

  it('fails on a line that is JSON but not OTLP', () => {
    const text = [line(traceA, ['0000000000000001']), '{"hello":"world"}'].join('\n');
    assert.deepEqual(
      failureOf(() => decodeLines(text)),
      {
        kind: 'malformed',
        format: 'otlp-json-lines',
        detail: 'on line 2, the JSON object has the keys "hello" but no resourceSpans',
      },
    );
  });

  it('says a file of only metrics and logs holds no traces', () => {
    assert.deepEqual(
      failureOf(() => decodeLines([metricsLine, logsLine, metricsLine].join('\n'))),
      {
        kind: 'notATrace',
        detail: 'it holds 2 metrics lines and 1 logs line of OTLP data but no traces',
      },
    );
  });

  it('says a metrics file whose last line is torn holds no traces, rather than blaming the torn line', () => {
    assert.deepEqual(
      failureOf(() => decodeLines([metricsLine, metricsLine.slice(0, 10)].join('\n'))),
      {
        kind: 'notATrace',
        detail: 'it holds 1 metrics line of OTLP data but no traces',
      },
    );
  });

  it('says a file of blank lines is empty', () => {
    assert.deepEqual(
      failureOf(() => decodeLines('\n  \n\r\n')),
      { kind: 'empty' },
    );
  });

  it('sums warnings over all lines instead of repeating them', () => {
    const noService = (spanId: string): string => JSON.stringify({ resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [{ traceId: traceA, spanId, startTimeUnixNano: '1' }] }] }] });
    const decoded = decodeLines([noService('0000000000000001'), noService('0000000000000002'), noService('0000000000000003')].join('\n'));
    assert.deepEqual(decoded.warnings, ['3 resources have no service.name attribute; their spans are shown under "unknown_service".']);
  });

  it('reads the Tempo dialect line by line (base64 ids, enum names)', () => {
    const tempoLine = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '6Lbf+fjUSyjxsivDvS9naA==', spanId: 'kAf+pIRVStc=', kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR' } }] }] }],
    });
    const [tempo, plain] = decodeLines([tempoLine, line(traceA, ['0000000000000001'])].join('\n')).spans;
    assert.ok(tempo && plain);
    assert.equal(tempo.traceId, 'e8b6dff9f8d44b28f1b22bc3bd2f6768');
    assert.equal(tempo.spanId, '9007fea484554ad7');
    assert.equal(tempo.statusCode, StatusCode.Error);
    assert.equal(plain.traceId, traceA);
  });
});

describe('looksLikeJsonLines', () => {
  const one = line(traceA, ['0000000000000001']);

  it('recognises the collector file exporter format', () => {
    assert.equal(looksLikeJsonLines(`${one}\n${one}\n`), true);
    assert.equal(looksLikeJsonLines(`\n\r\n${one}\r\n  \n${metricsLine}`), true);
    assert.equal(looksLikeJsonLines(`\uFEFF${one}\n${one}`), true);
    assert.equal(looksLikeJsonLines(`${one}\n{"resourceSp`), true, 'a second line still being written still counts');
  });

  it('rejects a pretty-printed document, a one-line document and other text', () => {
    assert.equal(looksLikeJsonLines(JSON.stringify(JSON.parse(one), null, 2)), false);
    assert.equal(looksLikeJsonLines(`${one}\n`), false);
    assert.equal(looksLikeJsonLines(one), false);
    assert.equal(looksLikeJsonLines(`${one.slice(0, 40)}\n${one}`), false, 'the first line must be whole JSON');
    assert.equal(looksLikeJsonLines(`[1,2]\n${one}`), false);
    assert.equal(looksLikeJsonLines(`${one}\nnot json`), false);
    assert.equal(looksLikeJsonLines(''), false);
  });
});

// ---------------------------------------------------------------------------------------------
// Real SDK output written as the collector's file exporter would

function hrToNs(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

function recordTwoServices(): { readonly front: ReadableSpan[]; readonly back: ReadableSpan[] } {
  const record = (service: string): { exporter: InMemorySpanExporter; tracer: ReturnType<BasicTracerProvider['getTracer']> } => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    return { exporter, tracer: provider.getTracer(`${service}-lib`) };
  };
  const front = record('frontend');
  const back = record('backend');
  const root = front.tracer.startSpan('GET /', { kind: ApiSpanKind.SERVER, startTime: [1_700_000_000, 0] }, ROOT_CONTEXT);
  const call = front.tracer.startSpan('call backend', { kind: ApiSpanKind.CLIENT, startTime: [1_700_000_000, 1_000] }, trace.setSpan(ROOT_CONTEXT, root));
  const serve = back.tracer.startSpan('handle', { kind: ApiSpanKind.SERVER, startTime: [1_700_000_000, 2_000], attributes: { rows: 3 } }, trace.setSpan(ROOT_CONTEXT, call));
  serve.setStatus({ code: SpanStatusCode.ERROR, message: 'db down' });
  serve.end([1_700_000_000, 9_000]);
  call.end([1_700_000_000, 10_000]);
  root.end([1_700_000_000, 11_000]);
  const other = front.tracer.startSpan('GET /health', { startTime: [1_700_000_001, 0] }, ROOT_CONTEXT);
  other.end([1_700_000_001, 500]);
  return { front: front.exporter.getFinishedSpans(), back: back.exporter.getFinishedSpans() };
}

function serializeLine(spans: ReadableSpan[]): string {
  const bytes = JsonTraceSerializer.serializeRequest(spans) ?? assert.fail('serializer returned nothing');
  const text = new TextDecoder().decode(bytes);
  assert.ok(!text.includes('\n'), 'one request is one line');
  return text;
}

describe('OtlpJsonLinesDecoder on real SDK requests, one per line', () => {
  it('merges the spans of one trace spread over several lines among metrics and logs lines', () => {
    const { front, back } = recordTwoServices();
    const [frontCall, frontRoot, health] = [front.find((s) => s.name === 'call backend'), front.find((s) => s.name === 'GET /'), front.find((s) => s.name === 'GET /health')];
    assert.ok(frontCall && frontRoot && health);
    const text = [serializeLine([frontCall]), metricsLine, serializeLine(back), logsLine, '', serializeLine([frontRoot, health]), metricsLine].join('\n');
    assert.equal(looksLikeJsonLines(text), true);

    const decoded = decodeLines(text);
    assert.equal(decoded.format, 'otlp-json-lines');
    assert.deepEqual(decoded.warnings, ['Skipped 2 metrics lines and 1 logs line: only traces are shown.']);
    const all = [...front, ...back];
    assert.equal(decoded.spans.length, all.length);
    for (const sdk of all) {
      const span = decoded.spans.find((s) => s.spanId === sdk.spanContext().spanId) ?? assert.fail(`missing ${sdk.name}`);
      assert.equal(span.traceId, sdk.spanContext().traceId);
      assert.equal(span.parentSpanId, sdk.parentSpanContext?.spanId);
      assert.equal(span.name, sdk.name);
      assert.equal(span.kind, sdk.kind + 1);
      assert.equal(span.startNs, hrToNs(sdk.startTime));
      assert.equal(span.endNs, hrToNs(sdk.endTime));
      assert.equal(span.statusCode, sdk.status.code);
      assert.equal(span.resource.serviceName, sdk.resource.attributes['service.name']);
      assert.deepEqual(span.attributes, sdk.attributes);
    }

    const builder = new TraceSetBuilder();
    for (const span of decoded.spans) builder.add(span);
    const traces = builder.build();
    assert.equal(traces.length, 2);
    const main = traces.find((t) => t.traceId === frontRoot.spanContext().traceId) ?? assert.fail();
    assert.deepEqual(
      main.spans.map((s, i) => `${'  '.repeat(main.depth[i] ?? 0)}${s.name} (${s.resource.serviceName})`),
      ['GET / (frontend)', '  call backend (frontend)', '    handle (backend)'],
    );
    assert.deepEqual(main.orphans, []);
    assert.equal(main.errorCount, 1);
    assert.deepEqual(main.services, ['frontend', 'backend']);
  });
});
