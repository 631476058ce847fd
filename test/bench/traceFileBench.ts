import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadTraceFile } from '../../src/core/files/loadTraceFile';
import { TraceSetBuilder } from '../../src/core/model/traceSetBuilder';
import type { Figure } from './benchReport';
import { benchFile } from './benchTraces';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function parseAndIndexMs(path: string): Promise<number> {
  const started = performance.now();
  const decoded = await loadTraceFile(path);
  const builder = new TraceSetBuilder();
  for (const span of decoded.spans) builder.add(span);
  const traces = builder.build();
  const elapsed = performance.now() - started;
  if (traces.length === 0) throw new Error(`${path} decoded to no traces`);
  return elapsed;
}

/** Issue 3's targets: parse + index speed, memory on a 1M-span file, and a free event loop. */
export async function benchTraceFiles(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const [encoding, target] of [
    ['protobuf', 500],
    ['json', 2000],
  ] as const) {
    const path = benchFile(encoding, 100_000);
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) runs.push(await parseAndIndexMs(path));
    figures.push({ name: `parse + index 100k-span OTLP ${encoding} file (median of 5)`, value: median(runs), unit: 'ms', target });
  }
  const large = benchFile('protobuf', 1_000_000);
  const probe = join(__dirname, 'largeFileProbe.js');
  const viaWorker = JSON.parse(execFileSync(process.execPath, [probe, 'worker', large], { encoding: 'utf8', maxBuffer: 1 << 20 })) as {
    spans: number;
    loadMs: number;
    maxEventLoopDelayMs: number;
    maxRssBytes: number;
  };
  figures.push({ name: `1M-span protobuf file: peak process memory (${viaWorker.spans} spans)`, value: viaWorker.maxRssBytes / 1024 ** 2, unit: 'MiB', target: 1024 });
  figures.push({ name: '1M-span file: longest main-thread event loop stall', value: viaWorker.maxEventLoopDelayMs, unit: 'ms', target: 50 });
  figures.push({ name: '1M-span file: open until first tree rows (worker)', value: viaWorker.loadMs, unit: 'ms', target: Number.POSITIVE_INFINITY });
  const heap = JSON.parse(execFileSync(process.execPath, ['--expose-gc', probe, 'heap', benchFile('protobuf', 100_000)], { encoding: 'utf8' })) as { heapBytesPerSpan: number };
  figures.push({ name: 'heap bytes per span, indexed', value: heap.heapBytesPerSpan, unit: 'B', target: 200, aim: true });
  return figures;
}
