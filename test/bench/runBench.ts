import { fork } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../host/codeServerSession';
import { runInHost } from '../host/runInCodeServer';
import { formatFigure, missedTarget, type Figure } from './benchReport';
import { benchAggregation } from './aggregationBench';
import { benchLocalService } from './localServiceBench';
import { benchMapping } from './mappingBench';
import { benchOtlpProtobuf } from './otlpProtobufBench';
import { benchPeerIngest } from './peerIngestBench';
import { benchReceiver } from './receiverBench';
import { benchRemoteTrace } from './remoteTraceBench';
import { benchTraceFiles } from './traceFileBench';
import { benchTraceView } from './traceViewBench';

/**
 * `npm run bench`: every performance target of the issues, measured, printed with its ratio
 * to the target. Exits non-zero when a target is missed. Later issues add their figures here.
 */
async function activationFigures(): Promise<Figure[]> {
  const runs = Number(process.env['SPANLENS_BENCH_RUNS'] ?? '3');
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = (await runInHost({
      suite: 'bench-activation',
      testsIndex: join(repoRoot, 'out', 'test', 'bench', 'inHost', 'index.js'),
      timeoutMs: 180_000,
    })) as { activationMs: number };
    samples.push(result.activationMs);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? Number.NaN;
  const worst = samples[samples.length - 1] ?? Number.NaN;
  return [
    { name: `activate() in code-server, median of ${runs}`, value: median, unit: 'ms', target: 50 },
    { name: `activate() in code-server, worst of ${runs}`, value: worst, unit: 'ms', target: 50 },
  ];
}

function bundleFigures(): Figure[] {
  const kib = (file: string): number => statSync(join(repoRoot, 'dist', file)).size / 1024;
  return [
    { name: 'extension bundle (production)', value: kib('extension.js'), unit: 'KiB', target: 1024 },
    { name: 'webview bundle (production)', value: kib('webview.js'), unit: 'KiB', target: 400 },
  ];
}

const childGroupVariable = 'SPANLENS_BENCH_GROUP';

/**
 * Each group runs in a process of its own: in one shared heap a group measured what the groups
 * before it left behind (V8 pretenures an allocation site, such as the span constructor, after
 * one group keeps a million spans, and a later group's short-lived spans then fill the old
 * generation), so a figure depended on the order of the groups.
 */
function runGroupInChild(name: string): Promise<Figure[]> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [name], {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: { ...process.env, [childGroupVariable]: name },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    let figures: Figure[] | undefined;
    child.on('message', (message) => {
      figures = message as Figure[];
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (figures !== undefined) resolve(figures);
      else reject(new Error(`the ${name} benchmarks stopped (exit code ${String(code)}) before reporting their figures`));
    });
  });
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const groups: [string, () => Promise<Figure[]> | Figure[]][] = [
    ['bundles', bundleFigures],
    ['activation', activationFigures],
    ['protobuf', benchOtlpProtobuf],
    ['files', benchTraceFiles],
    ['receiver', benchReceiver],
    ['peer', benchPeerIngest],
    ['remote', benchRemoteTrace],
    ['mapping', benchMapping],
    ['aggregation', benchAggregation],
    ['traceView', benchTraceView],
    ['service', benchLocalService],
  ];
  const childGroup = process.env[childGroupVariable];
  if (childGroup !== undefined) {
    const run = groups.find(([name]) => name === childGroup)?.[1];
    if (run === undefined) throw new Error(`no benchmark group named ${childGroup}`);
    process.send?.(await run());
    return;
  }
  const unknown = only.filter((name) => !groups.some(([known]) => known === name));
  if (unknown.length > 0) throw new Error(`no benchmark group named ${unknown.join(', ')} (the groups: ${groups.map(([name]) => name).join(', ')})`);
  const figures: Figure[] = [];
  for (const [name] of groups) {
    if (only.length > 0 && !only.includes(name)) continue;
    console.log(`measuring ${name}…`);
    figures.push(...(await runGroupInChild(name)));
  }
  console.log('\nSpanLens benchmarks');
  for (const figure of figures) console.log(formatFigure(figure));
  const missed = figures.filter(missedTarget);
  if (missed.length > 0) {
    console.error(`\n${missed.length} target(s) missed.`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
