import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface SentTraces {
  readonly service: string;
  /** 32 lower-case hex characters each, in the order sent. */
  readonly traceIds: string[];
  readonly spans: ReadableSpan[];
}

export interface TraceShape {
  /** Spans per trace, root included; default 3. */
  readonly spansPerTrace?: number;
  /** Added to every span, for a tag search that finds only this run's traces. */
  readonly attributes?: Readonly<Record<string, string>>;
}

/**
 * Records `traces` traces with the real OpenTelemetry JS SDK, the same shape the Python sender
 * makes (test/clients/python/send_traces.py): a SERVER root `GET /checkout` and INTERNAL
 * `charge-card` children that carry `code.function.name = chargeCard` and
 * `code.file.path = src/payments.ts`; the last child of every odd trace fails. The spans are
 * then handed to `exporter`, 512 at a time as the batch processor would, and any batch the
 * exporter reports as failed rejects.
 */
export async function sendJsTraces(exporter: SpanExporter, service: string, traces: number, shape: TraceShape = {}): Promise<SentTraces> {
  const perTrace = shape.spansPerTrace ?? 3;
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('spanlens.test.js-sender', '1.0.0');
  const traceIds: string[] = [];
  const base = shape.attributes ?? {};
  const startMs = Date.now() - 1000;
  for (let t = 0; t < traces; t++) {
    // Explicit times: every child lasts 2 ms more than the one before, so durations are known.
    const rootStart = startMs + t;
    const root = tracer.startSpan('GET /checkout', {
      kind: SpanKind.SERVER,
      startTime: rootStart,
      attributes: { ...base, 'http.request.method': 'GET', 'http.route': '/checkout', 'test.trace_index': t },
    });
    traceIds.push(root.spanContext().traceId);
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 0; c < perTrace - 1; c++) {
      const child = tracer.startSpan('charge-card', { startTime: rootStart, attributes: { ...base, 'code.function.name': 'chargeCard', 'code.file.path': 'src/payments.ts' } }, ctx);
      if (t % 2 === 1 && c === perTrace - 2) child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      child.end(rootStart + 2 + 2 * (c % 100));
    }
    root.end(rootStart + 300);
  }
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  for (let i = 0; i < spans.length; i += 512) {
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans.slice(i, i + 512), resolve));
    if (result.code !== ExportResultCode.SUCCESS) throw new Error(`the exporter failed a batch of spans: ${result.error?.message ?? 'no reason given'}`);
  }
  await exporter.shutdown();
  return { service, traceIds, spans };
}
