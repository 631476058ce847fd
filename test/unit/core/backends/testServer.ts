import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackendClock } from '../../../../src/core/backends/backendHttpClient';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

/** A server on 127.0.0.1, port 0, that records every request it gets. Loopback only. */
export class TestServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly requests: RecordedRequest[],
  ) {}

  static async start(handler: Handler): Promise<TestServer> {
    const requests: RecordedRequest[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        if (!res.headersSent) sendText(res, 500, `test server handler failed: ${String(error)}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new TestServer(server, `http://127.0.0.1:${port}`, requests);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Requests to one path, in order. */
  to(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  last(): RecordedRequest {
    const request = this.requests[this.requests.length - 1];
    if (request === undefined) throw new Error('the test server got no request');
    return request;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** A clock frozen at `nowMs` whose sleeps return at once and are recorded, so retry tests take no time. */
export class FakeClock implements BackendClock {
  readonly sleeps: number[] = [];
  constructor(public nowMs = Date.UTC(2026, 7, 20, 12, 0, 0)) {}
  now(): number {
    return this.nowMs;
  }
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(new Error('aborted'));
    return Promise.resolve();
  }
}

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
