import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * Spans recorded by the real OpenTelemetry JS SDK, for tests that check SpanLens reads exactly
 * what real exporters write. Each call records `traces` traces of a small request tree.
 */
export function recordSdkSpans(traces = 1, serviceName = 'checkout'): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': '1.2.3' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('spanlens-tests', '0.1.0');
  for (let t = 0; t < traces; t++) {
    const root = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/cart', 'http.response.status_code': 200 } });
    const ctx = trace.setSpan(context.active(), root);
    const db = tracer.startSpan('SELECT cart', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM cart WHERE id = $1' } }, ctx);
    db.end();
    const pay = tracer.startSpan(
      'pay',
      { attributes: { 'code.function.name': 'Checkout.pay', 'code.file.path': '/app/src/checkout.ts', 'code.line.number': 42, retries: 2, ratio: 0.5, ok: false, tags: ['a', 'b'] } },
      ctx,
    );
    pay.recordException(new Error('card declined'));
    pay.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
    pay.end();
    root.end();
  }
  const spans = exporter.getFinishedSpans();
  void provider.shutdown();
  return spans;
}

export function otlpJsonOf(spans: ReadableSpan[]): string {
  return new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans));
}

export function otlpProtobufOf(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the SDK serializer returned nothing');
  return bytes;
}

/** The collector file exporter's `format: proto` framing: a 4-byte big-endian length per record. */
export function protobufRecordsOf(requests: Uint8Array[]): Buffer {
  return Buffer.concat(
    requests.flatMap((request) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(request.length);
      return [length, Buffer.from(request)];
    }),
  );
}
