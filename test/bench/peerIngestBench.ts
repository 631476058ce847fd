import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpReceiver } from '../../src/core/receiver/otlpReceiver';
import { LocalTraceStore } from '../../src/core/store/localTraceStore';
import { JaegerServer } from '../servers/jaegerServer';
import { inspectJaegerCache } from '../servers/serverCache';
import type { Figure } from './benchReport';
import { batchesOf, batchSpans, nthBody, postBody } from './receiverBench';
import type { RenewableBatch } from './renewableBatch';

/**
 * SpanLens's receiver beside a peer: Jaeger v2's own OTLP ingest (the OpenTelemetry Collector's
 * OTLP receiver, batch processor and Jaeger's in-memory store), fed by the same load generator in
 * the same run: the receiver bench's 512-span OTLP/HTTP protobuf batches with fresh trace ids,
 * 8 clients over loopback. Each server is a process of its own, measured from outside by
 * /proc/<pid>/stat (utime + stime), so both are charged the same way: every thread, the
 * garbage collector and whatever they do after answering (Jaeger stores asynchronously).
 */

const childFlag = '--spanlens-peer-bench-receiver';
const requests = Number(process.env['SPANLENS_PEER_BENCH_REQUESTS'] ?? '400');
const concurrency = 8;
const clockTicksPerSecond = 100;

/** CPU seconds a process has used, all its threads, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/** Waits until a process has used no CPU for 300 ms: what it does after the last answer counts too. */
async function settled(pid: number): Promise<number> {
  let last = processCpuSeconds(pid);
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = processCpuSeconds(pid);
    if (now === last) return now;
    last = now;
  }
  return last;
}

interface PeerRun {
  readonly cpuSecondsPerSpan: number;
  readonly spans: number;
  readonly failed: number;
}

async function drive(pid: number, port: number, batches: readonly RenewableBatch[]): Promise<PeerRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    // The same warm-up for both; its trace ids are not reused by the measured sends.
    for (let i = 0; i < 20; i++) await postBody(agent, port, (batches[i % batches.length] as RenewableBatch).bytes, 'application/x-protobuf');
    const before = await settled(pid);
    let next = 0;
    let failed = 0;
    const worker = async (): Promise<void> => {
      while (next < requests) {
        const { status } = await postBody(agent, port, nthBody(batches, next++), 'application/x-protobuf');
        if (status !== 200) failed++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const after = await settled(pid);
    const spans = (requests - failed) * batchSpans;
    return { cpuSecondsPerSpan: (after - before) / spans, spans, failed };
  } finally {
    agent.destroy();
  }
}

async function runReceiverChild(directory: string): Promise<void> {
  // As the receiver bench and the local trace service run it: the store on disk behind it.
  const store = await LocalTraceStore.open({ directory, maxSpans: 200_000 });
  const receiver = new OtlpReceiver({ sink: store, port: 0, maxInFlightRequests: 256 });
  const address = await receiver.start();
  process.on('message', () => {
    void receiver
      .stop()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
  process.send?.({ port: address.httpPort });
}

async function spanLensRun(batches: readonly RenewableBatch[]): Promise<PeerRun> {
  const directory = mkdtempSync(join(tmpdir(), 'spanlens-peer-bench-'));
  const child = fork(__filename, [childFlag, directory], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
    if (child.pid === undefined) throw new Error('the receiver process did not start');
    return await drive(child.pid, port, batches);
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(directory, { recursive: true, force: true });
  }
}

async function jaegerRun(batches: readonly RenewableBatch[]): Promise<PeerRun> {
  const jaeger = await JaegerServer.start();
  try {
    return await drive(jaeger.process.pid, jaeger.ports.otlpHttp, batches);
  } finally {
    await jaeger.stop();
  }
}

/** The peer figures for `npm run bench`: fails when Jaeger was not built (scripts/setup-servers.sh). */
export async function benchPeerIngest(): Promise<Figure[]> {
  const problems = inspectJaegerCache();
  if (problems.length > 0) throw new Error(`the peer benchmark needs Jaeger: ${problems.join('; ')}. Run bash scripts/setup-servers.sh.`);
  const batches = batchesOf('protobuf');
  // Sequential, so neither server competes with the other for the two cores.
  const spanLens = await spanLensRun(batches);
  const jaeger = await jaegerRun(batches);
  const load = `${requests} × ${batchSpans}-span OTLP/HTTP protobuf batches, ${concurrency} clients`;
  return [
    { name: `SpanLens receiver CPU per span (${load})`, value: spanLens.cpuSecondsPerSpan * 1e6, unit: 'µs', target: Number.POSITIVE_INFINITY },
    { name: `Jaeger v2.12 OTLP ingest CPU per span (same load, in-memory store)`, value: jaeger.cpuSecondsPerSpan * 1e6, unit: 'µs', target: Number.POSITIVE_INFINITY },
    { name: 'Jaeger CPU per span ÷ SpanLens CPU per span (compass aim ≥ 5)', value: jaeger.cpuSecondsPerSpan / spanLens.cpuSecondsPerSpan, unit: '×', target: Number.POSITIVE_INFINITY },
    // The aim as a ceiling, so the report's ratio column reads like the others: ≤ 1 is met.
    { name: 'SpanLens CPU per span as a share of Jaeger’s (aim ≤ 0.2, i.e. 5× fewer)', value: spanLens.cpuSecondsPerSpan / jaeger.cpuSecondsPerSpan, unit: '', target: 0.2, aim: true },
    { name: 'peer bench requests not answered 200 (both servers; must be 0)', value: spanLens.failed + jaeger.failed, unit: 'requests', target: 0.5 },
  ];
}

if (process.argv[2] === childFlag) {
  runReceiverChild(process.argv[3] ?? '').catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
