import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcConnection, rpcStubs } from '../../../../src/core/rpc/rpcConnection';
import type { RpcErrorCodec, RpcMessage, RpcOps } from '../../../../src/core/rpc/rpcMessage';
import { serveRpc, type RpcServer } from '../../../../src/core/rpc/serveRpc';
import { socketChannel } from '../../../../src/core/rpc/socketChannel';

interface Api {
  add(a: number, b: number): Promise<number>;
  echo(value: unknown): Promise<unknown>;
  wait(ms: number, signal?: AbortSignal): Promise<string>;
  fail(kind: 'typed' | 'plain'): Promise<never>;
}
const ops: RpcOps<Api> = { add: true, echo: true, wait: true, fail: true };
type Event = { readonly type: 'tick'; readonly n: bigint };

class TypedError extends Error {
  constructor(readonly code: number) {
    super(`typed ${code}`);
  }
}
const errors: RpcErrorCodec = {
  encode: (error) => (error instanceof TypedError ? { message: error.message, type: 'typed', data: error.code } : { message: error instanceof Error ? error.message : String(error) }),
  decode: (data) => (data.type === 'typed' ? new TypedError(data.data as number) : new Error(data.message)),
};

class Impl implements Api {
  aborted = 0;
  add(a: number, b: number): Promise<number> {
    return Promise.resolve(a + b);
  }
  echo(value: unknown): Promise<unknown> {
    return Promise.resolve(value);
  }
  wait(ms: number, signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve('done'), ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        this.aborted++;
        reject(new Error('aborted'));
      });
    });
  }
  fail(kind: 'typed' | 'plain'): Promise<never> {
    return Promise.reject(kind === 'typed' ? new TypedError(7) : new Error('plain failure'));
  }
  /** Not in the API: must not be callable from the other side. */
  secret(): Promise<string> {
    return Promise.resolve('leaked');
  }
}

describe('typed RPC over a Unix socket', () => {
  let dir: string;
  let server: Server;
  let impl: Impl;
  let rpcServer: RpcServer<Event> | undefined;
  let serverSocket: Socket | undefined;
  let client: Socket;
  let connection: RpcConnection<Event>;
  let api: Api;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-rpc-'));
    impl = new Impl();
    server = createServer((socket) => {
      serverSocket = socket;
      rpcServer = serveRpc<Api, Event>(socketChannel<RpcMessage<Event>>(socket), impl, ops, { errors });
    });
    const path = join(dir, 's.sock');
    server.listen(path);
    await once(server, 'listening');
    client = connect(path);
    await once(client, 'connect');
    connection = new RpcConnection<Event>(socketChannel(client), errors);
    api = rpcStubs<Api>(ops, (op, args, signal) => connection.call(op, args, signal));
  });

  afterEach(async () => {
    client.destroy();
    server.close();
    await once(server, 'close');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every declared operation with values JSON would lose', async () => {
    assert.equal(await api.add(2, 3), 5);
    const value = { big: 12345678901234567890n, bytes: new Uint8Array([1, 2, 3]), map: new Map([['a', 1]]), missing: undefined };
    assert.deepEqual(await api.echo(value), value);
  });

  it('keeps many concurrent answers apart, including large ones split across packets', async () => {
    const large = 'x'.repeat(3_000_000);
    const answers = await Promise.all([api.echo(large), ...Array.from({ length: 200 }, (_, i) => api.add(i, i))]);
    assert.equal(answers[0], large);
    assert.deepEqual(
      answers.slice(1),
      Array.from({ length: 200 }, (_, i) => 2 * i),
    );
  });

  it('rebuilds typed errors and keeps plain ones as messages', async () => {
    await assert.rejects(api.fail('typed'), (error: unknown) => error instanceof TypedError && error.code === 7);
    await assert.rejects(api.fail('plain'), /plain failure/);
  });

  it('refuses operations the API does not declare', async () => {
    await assert.rejects(connection.call('secret', []), /unknown operation "secret"/);
    await assert.rejects(connection.call('constructor', []), /unknown operation/);
  });

  it('cancels a request when the caller aborts its signal', async () => {
    const controller = new AbortController();
    const waiting = api.wait(10_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(waiting, /aborted/);
    assert.equal(impl.aborted, 1);
    assert.equal(rpcServer?.busy, 0);
  });

  it('delivers events in order with the requests', async () => {
    const seen: bigint[] = [];
    connection.onEvent((event) => seen.push(event.n));
    for (let n = 0n; n < 5n; n++) rpcServer?.emit({ type: 'tick', n });
    assert.equal(await api.add(1, 1), 2);
    assert.deepEqual(seen, [0n, 1n, 2n, 3n, 4n]);
  });

  it('fails pending calls once, with the reason, when the other side goes away', async () => {
    const reasons: string[] = [];
    connection.onClose((reason) => reasons.push(reason));
    const waiting = api.wait(10_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    serverSocket?.destroy();
    await assert.rejects(waiting, /connection closed/);
    assert.deepEqual(reasons, ['the connection closed']);
    await assert.rejects(api.add(1, 2), /connection closed/);
  });

  it('closes a connection that announces a message over the limit instead of buffering it', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'spanlens-rpc-'));
    const path = join(dir2, 'limit.sock');
    const reasons: string[] = [];
    const limited = createServer((socket) => socketChannel(socket, { maxMessageBytes: 1024 }).onClose((reason) => reasons.push(reason)));
    limited.listen(path);
    await once(limited, 'listening');
    const raw = connect(path);
    await once(raw, 'connect');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1_000_000_000, 0);
    raw.write(head);
    await once(raw, 'close');
    assert.match(reasons[0] ?? '', /over the 1024-byte limit/);
    limited.close();
    rmSync(dir2, { recursive: true, force: true });
  });
});
