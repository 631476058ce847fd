import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../host/codeServerSession';

export const benchDir = join(repoRoot, '.bench');

const services = ['frontend', 'checkout', 'payment', 'inventory', 'shipping'];

/**
 * Realistic spans recorded by the real SDK: traces of 100 spans (a server root, 9 calls, each
 * with 10 children) across 5 services, with HTTP/DB/code attributes and an exception now and then.
 */
function recordBatch(traces: number): ReadableSpan[] {
  const all: ReadableSpan[] = [];
  for (const [s, service] of services.entries()) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.4.1', 'host.name': `host-${s}` }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      spanLimits: { attributeCountLimit: 64 },
    });
    const tracer = provider.getTracer('bench', '1.0.0');
    const share = Math.ceil(traces / services.length);
    for (let t = 0; t < share && s * share + t < traces; t++) {
      const root = tracer.startSpan('GET /api/orders/{id}', {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/api/orders/{id}',
          'url.path': `/api/orders/${t}`,
          'http.response.status_code': 200,
          'server.address': 'shop.example',
          'user_agent.original': 'Mozilla/5.0',
        },
      });
      const rootCtx = trace.setSpan(context.active(), root);
      for (let c = 0; c < 9; c++) {
        const call = tracer.startSpan(
          `OrderService.step${c}`,
          { attributes: { 'code.function.name': `OrderService.step${c}`, 'code.file.path': '/app/src/orders.ts', 'code.line.number': 10 + c, 'app.order.id': t } },
          rootCtx,
        );
        const callCtx = trace.setSpan(rootCtx, call);
        for (let g = 0; g < 10; g++) {
          const leaf = tracer.startSpan(
            'SELECT orders',
            {
              kind: SpanKind.CLIENT,
              attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM orders WHERE id = $1', 'db.namespace': 'shop', 'server.port': 5432, 'db.response.returned_rows': g },
            },
            callCtx,
          );
          if ((t + c + g) % 97 === 0) {
            leaf.recordException(new Error('connection reset'));
            leaf.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
          }
          leaf.end();
        }
        call.end();
      }
      root.end();
    }
    all.push(...exporter.getFinishedSpans());
    void provider.shutdown();
  }
  return all;
}

/** Writes (once; cached in .bench/) a file of `spanCount` spans in the given encoding. */
export function benchFile(encoding: 'json' | 'protobuf', spanCount: number): string {
  mkdirSync(benchDir, { recursive: true });
  const path = join(benchDir, `traces-${spanCount}.${encoding === 'json' ? 'json' : 'pb'}`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  try {
    const batches = Math.ceil(spanCount / 100_000);
    for (let b = 0; b < batches; b++) {
      const spans = recordBatch(Math.min(100_000, spanCount - b * 100_000) / 100);
      if (encoding === 'protobuf') {
        // Concatenated protobuf messages merge: their resource_spans lists join into one request.
        const bytes = ProtobufTraceSerializer.serializeRequest(spans);
        if (!bytes) throw new Error('serializer returned nothing');
        writeSync(fd, bytes);
      } else {
        const text = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans));
        const inner = text.slice(text.indexOf('[') + 1, text.lastIndexOf(']'));
        writeSync(fd, b === 0 ? `{"resourceSpans":[${inner}` : `,${inner}`);
      }
    }
    if (encoding === 'json') writeSync(fd, ']}');
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
  return path;
}
