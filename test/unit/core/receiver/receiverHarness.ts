import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { ClientHttp2Session, IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpReceiver, type OtlpReceiverOptions, type ReceiverAddress } from '../../../../src/core/receiver/otlpReceiver';
import { LocalTraceStore, type LocalTraceStoreOptions } from '../../../../src/core/store/localTraceStore';
import type { IngestBatch, TraceSink } from '../../../../src/core/store/traceSink';

export interface Harness {
  readonly store: LocalTraceStore;
  readonly receiver: OtlpReceiver;
  readonly address: ReceiverAddress;
  readonly directory: string;
  close(): Promise<void>;
}

/** A store in a fresh temporary directory and a receiver on ports the system chooses. */
export async function startHarness(receiverOptions: Partial<OtlpReceiverOptions> = {}, storeOptions: Partial<LocalTraceStoreOptions> = {}): Promise<Harness> {
  const directory = mkdtempSync(join(tmpdir(), 'spanlens-receiver-'));
  const store = await LocalTraceStore.open({ directory, ...storeOptions });
  const receiver = new OtlpReceiver({ port: 0, grpcPort: 'ephemeral', ...receiverOptions, sink: receiverOptions.sink ?? store });
  const address = await receiver.start();
  return {
    store,
    receiver,
    address,
    directory,
    async close() {
      await receiver.stop();
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface PostOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The client side of the connection; another of this machine's addresses makes it look remote. */
  readonly localAddress?: string;
}

/** One HTTP request with full control over headers; resolves with whatever the server answered. */
export function post(port: number, path: string, body: Uint8Array | string, headers: Readonly<Record<string, string>> = {}, method = 'POST', options: PostOptions = {}): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const target = { host: options.host ?? '127.0.0.1', port, path, method, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) };
    const req = request({ ...target, headers: { ...('Transfer-Encoding' in headers ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A sink whose writes wait until released, to hold requests in flight. */
export class GatedSink implements TraceSink {
  isBackedUp = false;
  readonly batches: IngestBatch[] = [];
  private readonly waiting: (() => void)[] = [];
  ingest(batch: IngestBatch): Promise<void> {
    this.batches.push(batch);
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
  get pending(): number {
    return this.waiting.length;
  }
}

/** Polls until `condition` holds; rejects after `timeoutMs` so a test that never gets there fails instead of hanging. */
export async function until(condition: () => boolean, timeoutMs = 5_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface GrpcAnswer {
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export function grpcCall(session: ClientHttp2Session, path: string, body: Buffer, extra: Readonly<Record<string, string>> = {}): Promise<GrpcAnswer> {
  return new Promise<GrpcAnswer>((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...extra });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t: IncomingHttpHeaders) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ headers, trailers, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.end(body);
  });
}

/** The status of a gRPC answer: in the trailers, or in the headers of a trailers-only answer. */
export function grpcStatusOf(answer: GrpcAnswer): string | undefined {
  const status = answer.trailers['grpc-status'] ?? answer.headers['grpc-status'];
  return typeof status === 'string' ? status : undefined;
}

/** A gRPC length-prefixed message; `flag` is the first byte (0 plain, 1 compressed). */
export function grpcFramed(message: Uint8Array, flag = 0): Buffer {
  const header = Buffer.alloc(5);
  header[0] = flag;
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

export const exportPath = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
