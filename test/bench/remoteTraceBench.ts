import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { decodeOtlpJson } from '../../src/core/formats/otlpJson';
import { TraceSetBuilder } from '../../src/core/model/traceSetBuilder';
import { TraceService } from '../../src/core/traceService/traceService';
import { formatFigure, type Figure } from './benchReport';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const targetBytes = 50 * 1024 * 1024;
const chunkBytes = 64 * 1024;

/**
 * A Jaeger api_v3 `GET /api/v3/traces/{id}` answer (OTLP JSON under "result") of about 50 MB:
 * one root and a fan of services below it, every span with a few attributes as a real
 * instrumented server records them. One resourceSpans entry per 1,000 spans, so a streaming
 * decoder has elements to work on while the rest of the body is still in flight.
 */
export function largeJaegerV3Trace(): { body: Buffer; spans: number } {
  const startNs = 1_760_000_000_000_000_000n;
  const resources: string[] = [];
  let spans = 0;
  let size = 0;
  for (let r = 0; size < targetBytes; r++) {
    const spanTexts: string[] = [];
    for (let i = 0; i < 1000; i++, spans++) {
      const spanId = (spans + 1).toString(16).padStart(16, '0');
      const parent = spans === 0 ? '' : (Math.floor((spans - 1) / 8) + 1).toString(16).padStart(16, '0');
      const start = startNs + BigInt(spans) * 1000n;
      spanTexts.push(
        JSON.stringify({
          traceId,
          spanId,
          parentSpanId: parent,
          name: `GET /api/items/${spans % 97}`,
          kind: 2,
          startTimeUnixNano: start.toString(),
          endTimeUnixNano: (start + 50_000n).toString(),
          attributes: [
            { key: 'http.request.method', value: { stringValue: 'GET' } },
            { key: 'http.response.status_code', value: { intValue: '200' } },
          ],
          status: spans % 501 === 0 ? { code: 2, message: 'upstream failed' } : {},
        }),
      );
    }
    const resource = `{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"service-${r % 20}"}}]},"scopeSpans":[{"scope":{"name":"bench"},"spans":[${spanTexts.join(',')}]}]}`;
    resources.push(resource);
    size += resource.length + 1;
  }
  return { body: Buffer.from(`{"result":{"resourceSpans":[${resources.join(',')}]}}`), spans };
}

/**
 * The same kind of trace as Jaeger v1 `GET /api/traces/{id}` writes it (`{"data":[Trace]}`):
 * one trace of about 50 MB whose `processes` follow its `spans`, as Jaeger orders them, so a
 * streaming decoder sees every span before any service.
 */
export function largeJaegerV1Trace(): { body: Buffer; spans: number } {
  const startUs = 1_760_000_000_000_000;
  const spanTexts: string[] = [];
  let size = 0;
  let spans = 0;
  for (; size < targetBytes; spans++) {
    const parent = spans === 0 ? [] : [{ refType: 'CHILD_OF', traceID: traceId, spanID: (Math.floor((spans - 1) / 8) + 1).toString(16).padStart(16, '0') }];
    const text = JSON.stringify({
      traceID: traceId,
      spanID: (spans + 1).toString(16).padStart(16, '0'),
      operationName: `GET /api/items/${spans % 97}`,
      references: parent,
      startTime: startUs + spans,
      duration: 50,
      tags: [
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'http.request.method', type: 'string', value: 'GET' },
        { key: 'http.response.status_code', type: 'int64', value: 200 },
        ...(spans % 501 === 0 ? [{ key: 'error', type: 'bool', value: true }] : []),
      ],
      logs: [],
      processID: `p${(Math.floor(spans / 1000) % 20) + 1}`,
      warnings: null,
    });
    spanTexts.push(text);
    size += text.length + 1;
  }
  const processes: Record<string, unknown> = {};
  for (let p = 1; p <= 20; p++) processes[`p${p}`] = { serviceName: `service-${p - 1}`, tags: [{ key: 'hostname', type: 'string', value: `host-${p}` }] };
  const body = `{"data":[{"traceID":"${traceId}","spans":[${spanTexts.join(',')}],"processes":${JSON.stringify(processes)},"warnings":null}],"total":0,"limit":0,"offset":0,"errors":null}`;
  return { body: Buffer.from(body), spans };
}

type BenchApi = 'api_v3' | 'v1';

interface Timings {
  readonly firstByteAt: number;
  readonly lastByteAt: number;
}

/** Wall-clock milliseconds that mean the same in every thread of this process. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

type ServerMessage = { readonly kind: 'listening'; readonly url: string } | ({ readonly kind: 'sent' } & Timings);

/**
 * A Jaeger query service that answers `/api/v3/services` and streams the big trace in 64 KiB
 * writes, honouring backpressure, and notes when the first and the last body byte left.
 */
async function startStreamingJaeger(body: Buffer, api: BenchApi, onSent: (timings: Timings) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === (api === 'api_v3' ? '/api/v3/services' : '/api/services')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(api === 'api_v3' ? '{"services":["service-0"]}' : '{"data":["service-0"],"total":1,"limit":0,"offset":0,"errors":null}');
      return;
    }
    if (req.url !== (api === 'api_v3' ? `/api/v3/traces/${traceId}` : `/api/traces/${traceId}`)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    void stream(res, body).then(onSent);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function stream(res: ServerResponse, body: Buffer): Promise<Timings> {
  const firstByteAt = now();
  for (let offset = 0; offset < body.length; offset += chunkBytes) {
    if (!res.write(body.subarray(offset, offset + chunkBytes))) await new Promise((resolve) => res.once('drain', resolve));
  }
  await new Promise<void>((resolve) => res.end(resolve));
  return { firstByteAt, lastByteAt: now() };
}

/**
 * The server runs in its own thread, as a real backend runs elsewhere: in the client's thread
 * its writes would wait for the client's decoding (and the decoding for its writes), which
 * says nothing about either.
 */
class ServerThread {
  private readonly sent: Timings[] = [];
  private waiter: ((timings: Timings) => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly url: string,
  ) {
    worker.on('message', (message: ServerMessage) => {
      if (message.kind !== 'sent') return;
      const waiter = this.waiter;
      this.waiter = undefined;
      if (waiter) waiter(message);
      else this.sent.push(message);
    });
  }

  static async start(api: BenchApi = 'api_v3'): Promise<ServerThread> {
    const worker = new Worker(__filename, { workerData: { remoteTraceBenchServer: true, api } });
    const url = await new Promise<string>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: ServerMessage) => {
        if (message.kind === 'listening') resolve(message.url);
      });
    });
    return new ServerThread(worker, url);
  }

  /** The timings of the next trace the server finished sending. */
  next(): Promise<Timings> {
    const ready = this.sent.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

function serveInWorker(): void {
  const port = parentPort;
  if (port === null) return;
  const api = (workerData as { api?: BenchApi }).api ?? 'api_v3';
  const { body } = api === 'api_v3' ? largeJaegerV3Trace() : largeJaegerV1Trace();
  void startStreamingJaeger(body, api, (timings) => port.postMessage({ kind: 'sent', ...timings } satisfies ServerMessage)).then(({ url }) =>
    port.postMessage({ kind: 'listening', url } satisfies ServerMessage),
  );
}

interface Run {
  readonly firstRowsMs: number;
  readonly afterLastByteMs: number;
  readonly transferMs: number;
  readonly spans: number;
  /** Spans in the trace the first rows came from (a partial build). */
  readonly firstRowsSpans: number;
  /** Partial builds published while the body streamed. */
  readonly partials: number;
}

async function once(service: TraceService, server: ServerThread, name: string): Promise<Run> {
  await service.configureSources({ sources: [{ config: { name, type: 'jaeger', url: server.url } }], proxy: {} });
  // A reopened trace is listed whole already and would get no partial; each run starts empty.
  await service.removeTraces([traceId]);
  // "First rows" is what a person sees: the first moment the service answers a page of root
  // rows for this trace, partial or not, asked for as soon as it says the trace is listed.
  let firstRows: Promise<{ at: number; spans: number }> | undefined;
  let partials = 0;
  const subscription = service.onRemoteTraceEvent((event) => {
    if (event.type !== 'partial' || event.summary.traceId !== traceId) return;
    partials++;
    firstRows ??= service.children(traceId, -1, 0, 100).then((page) => {
      if (page.rows.length === 0) throw new Error('the partial trace has no root rows');
      return { at: now(), spans: event.summary.spanCount };
    });
  });
  let summary;
  try {
    summary = await service.openRemoteTrace(name, traceId);
  } finally {
    subscription.dispose();
  }
  const page = await service.children(summary.traceId, -1, 0, 100);
  const indexedAt = now();
  if (page.rows.length === 0) throw new Error('the trace has no root rows');
  const first = (await firstRows) ?? { at: indexedAt, spans: summary.spanCount };
  const timings = await server.next();
  return {
    firstRowsMs: first.at - timings.firstByteAt,
    afterLastByteMs: indexedAt - timings.lastByteAt,
    transferMs: timings.lastByteAt - timings.firstByteAt,
    spans: summary.spanCount,
    firstRowsSpans: first.spans,
    partials,
  };
}

/**
 * What the same work costs when done whole, each step on its own (reported, no target): the
 * floor for "first rows" while rows wait for the whole trace, and what streaming overlaps
 * with the transfer.
 */
function phases(body: Buffer): Figure[] {
  const started = performance.now();
  const doc = JSON.parse(body.toString('utf8')) as unknown;
  const parsed = performance.now();
  const decoded = decodeOtlpJson(doc);
  const decodedAt = performance.now();
  const builder = new TraceSetBuilder();
  for (const span of decoded.spans) builder.add(span);
  builder.build();
  const built = performance.now();
  return [
    { name: 'remote trace: phase JSON.parse of the whole body', value: parsed - started, unit: 'ms', target: Number.POSITIVE_INFINITY },
    { name: 'remote trace: phase decode OTLP JSON to spans', value: decodedAt - parsed, unit: 'ms', target: Number.POSITIVE_INFINITY },
    { name: 'remote trace: phase index (TraceSetBuilder)', value: built - decodedAt, unit: 'ms', target: Number.POSITIVE_INFINITY },
  ];
}

/**
 * Issue 4's figures for a 50 MB trace response: the worker's side (request, streamed decode,
 * index, first page of the tree) in this thread, the backend in another. First rows: the first
 * children page of the roots with rows, from the first partial build the service published.
 * Fully indexed: openRemoteTrace resolved and a children page of the whole trace came back.
 */
export async function benchRemoteTrace(): Promise<Figure[]> {
  const { body, spans } = largeJaegerV3Trace();
  const server = await ServerThread.start();
  const service = new TraceService();
  try {
    // The first run warms the JIT and the connection; the figures are the median of three more.
    await once(service, server, 'warm-up');
    const runs: Run[] = [];
    for (let i = 0; i < 3; i++) runs.push(await once(service, server, `bench-${i}`));
    const median = (pick: (run: Run) => number): number => runs.map(pick).sort((a, b) => a - b)[1] ?? Number.NaN;
    const mb = (body.length / 1024 / 1024).toFixed(0);
    const count = runs[0]?.spans ?? spans;
    return [
      { name: `remote trace: ${mb} MB, ${count} spans: first byte → first tree rows`, value: median((r) => r.firstRowsMs), unit: 'ms', target: 300 },
      { name: `remote trace: ${mb} MB: last byte → fully indexed`, value: median((r) => r.afterLastByteMs), unit: 'ms', target: 1000 },
      { name: `remote trace: ${mb} MB: transfer, first → last byte (loopback, paced by the client's reading)`, value: median((r) => r.transferMs), unit: 'ms', target: Number.POSITIVE_INFINITY },
      { name: `remote trace: ${mb} MB: spans in the first rows' partial build`, value: median((r) => r.firstRowsSpans), unit: 'spans', target: Number.POSITIVE_INFINITY },
      { name: `remote trace: ${mb} MB: partial builds published while streaming`, value: median((r) => r.partials), unit: 'builds', target: Number.POSITIVE_INFINITY },
      ...phases(body),
      ...(await benchRemoteV1Trace(service)),
    ];
  } finally {
    await service.configureSources({ sources: [], proxy: {} });
    await server.stop();
  }
}

/** The same two figures for Jaeger v1, whose trace streams span by span (services settled at the end). */
async function benchRemoteV1Trace(service: TraceService): Promise<Figure[]> {
  const { body, spans } = largeJaegerV1Trace();
  const server = await ServerThread.start('v1');
  try {
    await once(service, server, 'v1-warm-up');
    const runs: Run[] = [];
    for (let i = 0; i < 3; i++) runs.push(await once(service, server, `v1-bench-${i}`));
    const median = (pick: (run: Run) => number): number => runs.map(pick).sort((a, b) => a - b)[1] ?? Number.NaN;
    const mb = (body.length / 1024 / 1024).toFixed(0);
    const count = runs[0]?.spans ?? spans;
    return [
      { name: `remote trace (Jaeger v1): ${mb} MB, ${count} spans: first byte → first tree rows`, value: median((r) => r.firstRowsMs), unit: 'ms', target: 300 },
      { name: `remote trace (Jaeger v1): ${mb} MB: last byte → fully indexed`, value: median((r) => r.afterLastByteMs), unit: 'ms', target: 1000 },
      { name: `remote trace (Jaeger v1): ${mb} MB: transfer, first → last byte`, value: median((r) => r.transferMs), unit: 'ms', target: Number.POSITIVE_INFINITY },
      { name: `remote trace (Jaeger v1): ${mb} MB: partial builds published while streaming`, value: median((r) => r.partials), unit: 'builds', target: Number.POSITIVE_INFINITY },
    ];
  } finally {
    await server.stop();
  }
}

const serverThreadData = workerData as { remoteTraceBenchServer?: boolean } | null;
if (!isMainThread && serverThreadData?.remoteTraceBenchServer === true) serveInWorker();

if (isMainThread && require.main === module) {
  void benchRemoteTrace().then((figures) => {
    for (const figure of figures) console.log(formatFigure(figure));
  });
}
