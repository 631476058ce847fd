import { context, propagation, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { IncomingHttpHeaders } from 'node:http';

// One context manager and propagator for the process; each service gets its own provider so
// its spans carry its own `service.name`, as two deployed services would.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const providers: BasicTracerProvider[] = [];

/**
 * A tracer that exports over OTLP/HTTP protobuf to OTEL_EXPORTER_OTLP_ENDPOINT (the exporter
 * reads the variable itself; SpanLens's built-in receiver listens on http://127.0.0.1:4318).
 */
export function tracerFor(serviceName: string): Tracer {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': serviceName,
      'service.version': '1.4.0',
      'deployment.environment.name': 'local',
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 500 })],
  });
  providers.push(provider);
  return provider.getTracer('sample-service', '1.4.0');
}

export async function shutdownTracing(): Promise<void> {
  await Promise.all(providers.map((provider) => provider.shutdown()));
}

/**
 * Where the caller of `traced` is, as V8 reports it: the compiled file under dist/ and its
 * line and column. Recorded as `code.*` attributes, the way instrumentations that capture call
 * sites do, so SpanLens must go through the source map to land on the TypeScript line.
 */
function callSite(): { file: string; line: number; column: number } | undefined {
  const frames = new Error().stack?.split('\n') ?? [];
  // [0] "Error", [1] callSite, [2] traced, [3] the caller.
  const frame = frames[3] ?? '';
  const match = /\(?([^()\s]+):(\d+):(\d+)\)?$/.exec(frame.trim());
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { file: match[1], line: Number(match[2]), column: Number(match[3]) };
}

/** Runs `work` inside a span named `name`, recording the function and its call site. */
export async function traced<T>(tracer: Tracer, name: string, functionName: string, work: (span: Span) => Promise<T>): Promise<T> {
  const site = callSite();
  return await tracer.startActiveSpan(name, async (span) => {
    span.setAttribute('code.function.name', functionName);
    if (site) {
      span.setAttribute('code.file.path', site.file);
      span.setAttribute('code.line.number', site.line);
      span.setAttribute('code.column.number', site.column);
    }
    try {
      return await work(span);
    } catch (error: unknown) {
      const exception = error instanceof Error ? error : new Error(String(error));
      span.recordException(exception);
      span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The W3C traceparent of the active span, for an outgoing request. */
export function outgoingHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** Continues the caller's trace from an incoming request's headers. */
export function withIncomingContext<T>(headers: IncomingHttpHeaders, work: () => T): T {
  return context.with(propagation.extract(context.active(), headers), work);
}
