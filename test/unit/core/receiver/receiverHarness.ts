import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpReceiver, type OtlpReceiverOptions, type ReceiverAddress } from '../../../../src/core/receiver/otlpReceiver';
import { LocalTraceStore, type LocalTraceStoreOptions } from '../../../../src/core/store/localTraceStore';

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
