import * as assert from 'node:assert/strict';
import { context, SpanStatusCode, trace, type Span as SdkSpan, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FileCandidate } from '../../../../src/core/mapping/candidateLocation';
import type { SpanLocationResult } from '../../../../src/core/mapping/resolveSpanLocation';
import { OtlpReceiver } from '../../../../src/core/receiver/otlpReceiver';
import { AnnotationService } from '../../../../src/core/traceService/annotationService';

class PaymentDeclinedError extends Error {
  constructor() {
    super('Card ending 4242 was declined');
    this.name = 'PaymentDeclinedError';
  }
}

/** The sample service's wrapper (test/workspace/sample-service/src/tracing.ts): every span an exception leaves records it, as the SDK docs show. */
async function traced<T>(tracer: Tracer, name: string, work: () => Promise<T>): Promise<T> {
  return await tracer.startActiveSpan(
    name,
    { attributes: { 'code.file.path': '/app/src/checkout.ts', 'code.line.number': name === 'chargeCard' ? 30 : 40, 'code.function.name': name } },
    async (span: SdkSpan) => {
      try {
        return await work();
      } catch (error: unknown) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Maps /app/<rest> to /ws/<rest>. */
function resolver(_service: string, { path, line }: FileCandidate): Promise<SpanLocationResult> {
  if (!path.startsWith('/app/')) return Promise.resolve({ reason: { kind: 'notInWorkspace', paths: [path] }, steps: [] });
  return Promise.resolve({ location: { folder: 'ws', relativePath: path.slice(5), path: `/ws/${path.slice(5)}`, line, column: undefined }, steps: [] });
}

/**
 * Issue 15: "164×" for about 82 declined payments. The real OpenTelemetry JS SDK records each
 * declined payment on the span that threw (chargeCard) and again on its caller's span (checkout)
 * it was rethrown through; both records go through the OTLP receiver into the annotations.
 */
describe('exception counts through the receiver (real OpenTelemetry SDK)', function () {
  this.timeout(30_000);
  let receiver: OtlpReceiver | undefined;
  let provider: BasicTracerProvider | undefined;
  let annotations: AnnotationService | undefined;
  const contextManager = new AsyncLocalStorageContextManager();

  before(() => {
    context.setGlobalContextManager(contextManager.enable());
  });
  after(() => {
    contextManager.disable();
    context.disable();
  });
  afterEach(async () => {
    await provider?.shutdown();
    await receiver?.stop();
    annotations?.dispose();
  });

  it('counts each thrown exception once, however many spans it was rethrown through', async () => {
    const service = new AnnotationService({ resolveLocation: resolver, mappingReady: () => true, emit: () => undefined, expiryIntervalMs: 0, notifyDelayMs: 0 });
    annotations = service;
    let received = 0;
    const stored: Promise<void>[] = [];
    receiver = new OtlpReceiver({
      port: 0,
      sink: {
        isBackedUp: false,
        ingest: (batch) => {
          received += batch.spans.length;
          stored.push(service.add(batch.spans, 'local', 'spanEnd'));
          return Promise.resolve();
        },
      },
    });
    const address = await receiver.start();
    provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop-frontend', 'service.version': '1.4.0' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${address.httpPort}/v1/traces` }))],
    });
    const tracer = provider.getTracer('exception-count-test');

    const checkouts = 30;
    // Every third payment is declined: 10, a count a test can know.
    const declined = new Set([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    for (let i = 0; i < checkouts; i++) {
      await traced(tracer, 'checkout', async () => {
        await traced(tracer, 'chargeCard', () => (declined.has(i) ? Promise.reject(new PaymentDeclinedError()) : Promise.resolve('ok')));
      }).catch(() => undefined);
    }
    await provider.forceFlush();
    assert.equal(received, checkouts * 2, 'every span arrived through the receiver');
    await Promise.all(stored);

    const exceptions = await service.exceptionsForDocument('/ws/src/checkout.ts');
    assert.equal(exceptions.length, 1, 'one bug, one group');
    const [group] = exceptions;
    assert.ok(group);
    assert.equal(group.type, 'PaymentDeclinedError');
    assert.equal(group.count, declined.size, 'each declined payment once, not once per span it left');
  });

  it('still counts separate throws inside one span (a retry loop) each', async () => {
    const service = new AnnotationService({ resolveLocation: resolver, mappingReady: () => true, emit: () => undefined, expiryIntervalMs: 0, notifyDelayMs: 0 });
    annotations = service;
    const stored: Promise<void>[] = [];
    receiver = new OtlpReceiver({ port: 0, sink: { isBackedUp: false, ingest: (batch) => (stored.push(service.add(batch.spans, 'local', 'spanEnd')), Promise.resolve()) } });
    const address = await receiver.start();
    provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop-frontend' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${address.httpPort}/v1/traces` }))],
    });
    const tracer = provider.getTracer('exception-count-test');
    await traced(tracer, 'checkout', async () => {
      await traced(tracer, 'chargeCard', async () => {
        const span = trace.getActiveSpan();
        assert.ok(span);
        // Three attempts, each its own Error (the same throw site, so the same stack text).
        for (let attempt = 0; attempt < 3; attempt++) span.recordException(new PaymentDeclinedError());
        await Promise.resolve();
      });
    });
    await provider.forceFlush();
    await Promise.all(stored);
    const exceptions = await service.exceptionsForDocument('/ws/src/checkout.ts');
    assert.equal(exceptions[0]?.count, 3);
  });
});
