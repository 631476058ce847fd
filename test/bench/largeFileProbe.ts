import { monitorEventLoopDelay } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { TraceService } from '../../src/core/traceService/traceService';
import { createTraceServiceClient } from '../../src/core/traceService/traceServiceClient';

/**
 * Runs in its own process so its memory is its own: `worker` mode loads a file the way the
 * extension does (trace service in a worker) and watches the main thread's event loop; `heap`
 * mode loads in-process after a GC baseline to measure heap bytes per span.
 */
async function main(): Promise<void> {
  const [mode, path] = process.argv.slice(2);
  if (!path) throw new Error('usage: largeFileProbe worker|heap <file>');
  if (mode === 'worker') {
    const client = createTraceServiceClient(resolve(__dirname, '..', '..', 'src', 'core', 'traceService', 'traceServiceWorker.js'));
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    const result = await client.openFiles([path]);
    const first = result.traces[0];
    if (first) await client.children(first.traceId, -1, 0, 500);
    const loadMs = performance.now() - started;
    delay.disable();
    const spans = result.traces.reduce((sum, t) => sum + t.spanCount, 0);
    await client.dispose();
    process.stdout.write(JSON.stringify({ spans, loadMs, maxEventLoopDelayMs: delay.max / 1e6, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
  } else {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with --expose-gc');
    gc();
    const before = process.memoryUsage().heapUsed;
    const service = new TraceService();
    const result = await service.openFiles([path]);
    gc();
    const after = process.memoryUsage().heapUsed;
    const spans = result.traces.reduce((sum, t) => sum + t.spanCount, 0);
    process.stdout.write(JSON.stringify({ spans, heapBytesPerSpan: (after - before) / spans, traces: (await service.listTraces()).length }));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
