import * as assert from 'node:assert/strict';
import type { TraceBackend } from '../../src/core/backends/traceBackend';

/**
 * Waits until `backend` returns `traceId` with at least `spans` spans. Servers store what they
 * received a moment after answering the exporter (Jaeger's batch processor, Zipkin's collector),
 * so a test reads back only once the last trace it sent is there.
 */
export async function untilTraceHas(backend: TraceBackend, traceId: string, spans: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await backend.getTrace(traceId).catch(() => undefined);
    if (found !== undefined && found.spans.length >= spans) return;
    if (Date.now() > deadline) assert.fail(`trace ${traceId} did not reach ${spans} spans within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
