import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { gzipSync } from 'node:zlib';
import { BackendError, type BackendFailure } from '../../../../src/core/backends/backendError';
import { BackendHttpClient, type HttpClientOptions } from '../../../../src/core/backends/backendHttpClient';
import { createTraceBackend } from '../../../../src/core/backends/createTraceBackend';
import { closedPort, FakeClock, rejection, sendJson, TestServer } from './testServer';
import { makeTestPki, type TestPki } from './testPki';
import { startTunnelProxy } from './tunnelProxy';

function client(url: string, options: HttpClientOptions = {}): BackendHttpClient {
  return new BackendHttpClient('slow-tempo', new URL(url), {}, {}, { clock: new FakeClock(), ...options });
}

async function failureOf(promise: Promise<unknown>): Promise<{ failure: BackendFailure; message: string }> {
  const error = await rejection(promise);
  assert.ok(error instanceof BackendError, `expected a BackendError, got ${String(error)}`);
  return { failure: error.failure, message: error.message };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('the remote client against hostile servers', () => {
  const servers: TestServer[] = [];
  const raw: Server[] = [];
  async function serve(handler: Parameters<typeof TestServer.start>[0]): Promise<TestServer> {
    const server = await TestServer.start(handler);
    servers.push(server);
    return server;
  }
  afterEach(async () => {
    await Promise.all([...servers.splice(0).map((s) => s.close()), ...raw.splice(0).map(close)]);
  });

  describe('an overall deadline', () => {
    /** Headers at once, then one byte every 400 ms: never silent long enough for the idle timeout. */
    function drip(res: ServerResponse): void {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent++ > 150) {
          clearInterval(timer);
          res.end(']');
          return;
        }
        res.write(' ');
      }, 400);
      res.on('close', () => clearInterval(timer));
    }

    it('stops a body dripped one byte every 400 ms, naming the source and how long it ran', async () => {
      const server = await serve((_req, res) => drip(res));
      const started = performance.now();
      const { failure, message } = await failureOf(client(server.url, { timeoutMs: 1000, deadlineMs: 2500 }).getJson('/api/search', []));
      const elapsed = performance.now() - started;
      assert.deepEqual(failure, { kind: 'timeout', phase: 'total', afterMs: 2500 });
      assert.ok(elapsed >= 2400 && elapsed < 4500, `stopped after ${Math.round(elapsed)} ms`);
      assert.match(message, /"slow-tempo" was stopped after 2\.5 s/);
      assert.match(message, /shorter time range or a smaller limit/);
    });

    it('stops a streamed body the same way, and the deadline covers redirects too', async () => {
      const server = await serve((req, res) => {
        if (req.path === '/start') {
          // Each hop answers slowly; the deadline counts from the first request, not per hop.
          setTimeout(() => {
            res.writeHead(302, { location: '/trace' });
            res.end();
          }, 900);
          return;
        }
        drip(res);
      });
      const chunks: Buffer[] = [];
      const started = performance.now();
      const { failure } = await failureOf(client(server.url, { timeoutMs: 1000, deadlineMs: 2000 }).getStream('/start', [], () => (chunk) => chunks.push(chunk)));
      const elapsed = performance.now() - started;
      assert.equal(failure.kind, 'timeout');
      assert.ok(elapsed < 3500, `stopped after ${Math.round(elapsed)} ms`);
      assert.ok(chunks.length > 0, 'the body had started to arrive');
    });

    it('leaves a steady, prompt answer alone', async () => {
      const server = await serve((_req, res) => sendJson(res, 200, ['ok']));
      assert.deepEqual(await client(server.url, { deadlineMs: 2000 }).getJson('/x', []), ['ok']);
    });
  });

  describe('the mTLS client certificate', function () {
    let pki: TestPki | undefined;
    before(function () {
      pki = makeTestPki();
      if (pki === undefined) {
        console.log('      (skipped: openssl is not installed to make test certificates)');
        this.skip();
      }
    });
    after(() => pki?.remove());

    /** An HTTPS server that records the subject of the client certificate of each request ('' for none). */
    async function tlsServer(requireClientCert: boolean, answer: (res: ServerResponse, port: number) => void): Promise<{ port: number; presented: string[] }> {
      assert.ok(pki);
      const presented: string[] = [];
      let port = 0;
      const server = createHttpsServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: requireClientCert }, (req, res) => {
        const socket = req.socket;
        assert.ok(socket instanceof TLSSocket);
        // An empty object when the client sent no certificate.
        const subject = socket.getPeerCertificate().subject as Record<string, unknown> | undefined;
        presented.push(typeof subject?.['CN'] === 'string' ? subject['CN'] : '');
        answer(res, port);
      });
      raw.push(server);
      port = await listen(server);
      return { port, presented };
    }

    it('is presented to the source, and not to another host the source redirects to', async () => {
      assert.ok(pki);
      const elsewhere = await tlsServer(false, (res) => sendJson(res, 200, ['landed']));
      const source = await tlsServer(true, (res) => {
        res.writeHead(307, { location: `https://localhost:${elsewhere.port}/api/v2/services` });
        res.end();
      });
      const tls = { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile };
      const backend = await createTraceBackend({ name: 'mtls', type: 'zipkin', url: `https://127.0.0.1:${source.port}`, tls }, undefined, { clock: new FakeClock(), timeoutMs: 5000 });
      try {
        assert.deepEqual(await backend.listServices(), ['landed']);
      } finally {
        await backend.dispose();
      }
      assert.deepEqual(source.presented, ['spanlens-client']);
      assert.deepEqual(elsewhere.presented, [''], 'the redirect target got no client certificate');
    });

    it('through a proxy too: the tunnel to the redirect target carries no client certificate', async () => {
      assert.ok(pki);
      const elsewhere = await tlsServer(false, (res) => sendJson(res, 200, ['landed']));
      const source = await tlsServer(true, (res) => {
        res.writeHead(302, { location: `https://elsewhere.test:${elsewhere.port}/api/v2/services` });
        res.end();
      });
      const proxy = await startTunnelProxy();
      raw.push(proxy.server);
      const tls = { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile };
      for (const via of [{ proxyUrl: proxy.url }, { env: { HTTPS_PROXY: proxy.url } }]) {
        const backend = await createTraceBackend({ name: 'mtls', type: 'zipkin', url: `https://source.test:${source.port}`, tls }, undefined, { clock: new FakeClock(), timeoutMs: 5000, ...via });
        try {
          assert.deepEqual(await backend.listServices(), ['landed']);
        } finally {
          await backend.dispose();
        }
      }
      assert.deepEqual(proxy.tunnels, [`source.test:${source.port}`, `elsewhere.test:${elsewhere.port}`, `source.test:${source.port}`, `elsewhere.test:${elsewhere.port}`]);
      assert.deepEqual(source.presented, ['spanlens-client', 'spanlens-client']);
      assert.deepEqual(elsewhere.presented, ['', '']);
    });

    it('is presented again when the redirect comes back to the source', async () => {
      assert.ok(pki);
      let hops = 0;
      const source = await tlsServer(true, (res, port) => {
        if (hops++ === 0) {
          res.writeHead(302, { location: `https://127.0.0.1:${port}/api/v2/services?again=1` });
          res.end();
        } else sendJson(res, 200, ['home']);
      });
      const tls = { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile };
      const backend = await createTraceBackend({ name: 'mtls', type: 'zipkin', url: `https://127.0.0.1:${source.port}`, tls }, undefined, { clock: new FakeClock(), timeoutMs: 5000 });
      try {
        assert.deepEqual(await backend.listServices(), ['home']);
      } finally {
        await backend.dispose();
      }
      assert.deepEqual(source.presented, ['spanlens-client', 'spanlens-client']);
    });
  });

  describe('proxies from the environment and http.proxyStrictSSL', () => {
    const clock = new FakeClock();

    it('tunnels through HTTP_PROXY from the environment when VS Code has no http.proxy', async () => {
      const target = await serve((_req, res) => sendJson(res, 200, ['via-env-proxy']));
      const proxy = await startTunnelProxy();
      raw.push(proxy.server);
      const backend = await createTraceBackend({ name: 'z', type: 'zipkin', url: `http://zipkin.test:${target.port}` }, undefined, { clock, env: { HTTP_PROXY: proxy.url } });
      try {
        assert.deepEqual(await backend.listServices(), ['via-env-proxy']);
      } finally {
        await backend.dispose();
      }
      assert.deepEqual(proxy.tunnels, [`zipkin.test:${target.port}`]);
    });

    it('goes direct for a host in NO_PROXY', async () => {
      const proxy = await startTunnelProxy();
      raw.push(proxy.server);
      const port = await closedPort();
      const backend = await createTraceBackend({ name: 'z', type: 'zipkin', url: `http://zipkin.test:${port}` }, undefined, {
        clock,
        timeoutMs: 3000,
        maxAttempts: 1,
        env: { https_proxy: proxy.url, http_proxy: proxy.url, no_proxy: 'example.org, .test' },
      });
      try {
        const { failure } = await failureOf(backend.listServices());
        // Direct, the made-up name cannot be resolved; through the proxy it would have been.
        assert.equal(failure.kind, 'dns');
      } finally {
        await backend.dispose();
      }
      assert.deepEqual(proxy.tunnels, []);
    });

    it("prefers VS Code's http.proxy over the environment", async () => {
      const target = await serve((_req, res) => sendJson(res, 200, ['via-setting']));
      const proxy = await startTunnelProxy();
      raw.push(proxy.server);
      const dead = `http://127.0.0.1:${await closedPort()}`;
      const backend = await createTraceBackend({ name: 'z', type: 'zipkin', url: `http://zipkin.test:${target.port}` }, undefined, { clock, proxyUrl: proxy.url, env: { HTTP_PROXY: dead } });
      try {
        assert.deepEqual(await backend.listServices(), ['via-setting']);
      } finally {
        await backend.dispose();
      }
      assert.equal(proxy.tunnels.length, 1);
    });

    it('through a proxy, checks the server certificate unless http.proxyStrictSSL is false', async function () {
      const pki = makeTestPki();
      if (pki === undefined) {
        console.log('      (skipped: openssl is not installed to make test certificates)');
        this.skip();
      }
      try {
        // A certificate from an authority the client does not know, for another name: what a TLS-intercepting proxy shows.
        const server = createHttpsServer({ key: pki.serverKey, cert: pki.serverCert }, (_req, res) => sendJson(res, 200, ['intercepted']));
        raw.push(server);
        const port = await listen(server);
        const proxy = await startTunnelProxy();
        raw.push(proxy.server);
        const url = `https://zipkin.test:${port}`;
        const strict = await createTraceBackend({ name: 'z', type: 'zipkin', url }, undefined, { clock, timeoutMs: 5000, proxyUrl: proxy.url });
        try {
          assert.equal((await failureOf(strict.listServices())).failure.kind, 'tls');
        } finally {
          await strict.dispose();
        }
        const relaxed = await createTraceBackend({ name: 'z', type: 'zipkin', url }, undefined, { clock, timeoutMs: 5000, proxyUrl: proxy.url, proxyStrictSSL: false });
        try {
          assert.deepEqual(await relaxed.listServices(), ['intercepted']);
        } finally {
          await relaxed.dispose();
        }
        const relaxedEnv = await createTraceBackend({ name: 'z', type: 'zipkin', url }, undefined, { clock, timeoutMs: 5000, env: { HTTPS_PROXY: proxy.url }, proxyStrictSSL: false });
        try {
          assert.deepEqual(await relaxedEnv.listServices(), ['intercepted']);
        } finally {
          await relaxedEnv.dispose();
        }
        assert.equal(proxy.tunnels.length, 3);
      } finally {
        pki.remove();
      }
    });
  });

  describe('gzip', () => {
    function gzipped(res: ServerResponse, status: number, body: Buffer, headers: Record<string, string> = {}): void {
      res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip', ...headers });
      res.end(body);
    }

    it('asks for gzip and decodes it, buffered and streamed', async () => {
      const doc = { traces: Array.from({ length: 2000 }, (_, i) => ({ traceID: i.toString(16).padStart(32, '0'), rootServiceName: 'shop' })) };
      const wire = gzipSync(JSON.stringify(doc));
      const server = await serve((_req, res) => gzipped(res, 200, wire));
      const http = client(server.url);
      assert.deepEqual(await http.getJson('/api/search', []), doc);
      assert.equal(server.last().headers['accept-encoding'], 'gzip');
      const chunks: Buffer[] = [];
      await http.getStream('/api/search', [], () => (chunk) => chunks.push(chunk));
      assert.deepEqual(JSON.parse(Buffer.concat(chunks).toString('utf8')), doc);
      assert.ok(wire.length * 10 < Buffer.concat(chunks).length, `trace JSON shrinks under gzip (${wire.length} bytes on the wire)`);
    });

    it('refuses a gzip bomb once the decoded bytes pass the bound, buffered and streamed', async () => {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 ** 2, 0x20));
      const server = await serve((_req, res) => gzipped(res, 200, bomb));
      const http = client(server.url, { maxResponseBytes: 4 * 1024 ** 2 });
      for (const run of [() => http.getJson('/api/traces/1', []), () => http.getStream('/api/traces/1', [], () => () => undefined)]) {
        const { failure, message } = await failureOf(run());
        assert.deepEqual(failure, { kind: 'tooLarge', limit: 4 * 1024 ** 2, decoded: true });
        assert.match(message, /gzip-compressed response that expands past 4(\.0)? MiB/);
      }
      assert.ok(bomb.length < 4 * 1024 ** 2, 'the bomb itself is small on the wire');
    });

    it('bounds the compressed bytes too', async () => {
      const noise = gzipSync(randomBytes(300 * 1024));
      const server = await serve((_req, res) => gzipped(res, 200, noise, { 'content-length': String(noise.length) }));
      const { failure } = await failureOf(client(server.url, { maxResponseBytes: 100 * 1024 }).getJson('/x', []));
      assert.deepEqual(failure, { kind: 'tooLarge', limit: 100 * 1024 });
    });

    it('reads a gzip-compressed error body, and calls a corrupt stream undecodable', async () => {
      const server = await serve((req, res) => {
        if (req.path === '/bad') return gzipped(res, 400, gzipSync('invalid TraceQL: unexpected IDENTIFIER'), { 'content-type': 'text/plain' });
        return gzipped(res, 200, Buffer.concat([gzipSync('{"a":1}').subarray(0, 12), Buffer.from('not gzip at all')]));
      });
      const bad = await failureOf(client(server.url).getJson('/bad', []));
      assert.deepEqual(bad.failure, { kind: 'badRequest', status: 400, message: 'invalid TraceQL: unexpected IDENTIFIER' });
      const corrupt = await failureOf(client(server.url).getJson('/x', []));
      assert.equal(corrupt.failure.kind, 'undecodable');
      assert.match(corrupt.message, /gzip-compressed response is corrupt/);
    });

    it('reads an empty body labelled gzip as empty', async () => {
      const server = await serve((_req, res) => gzipped(res, 204, Buffer.alloc(0)));
      const response = await client(server.url).get('/x', []);
      assert.equal(response.status, 204);
      assert.equal(response.body.length, 0);
    });

    it('refuses a coding it did not ask for', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
        res.end('xx');
      });
      const { failure } = await failureOf(client(server.url).getJson('/x', []));
      assert.equal(failure.kind, 'undecodable');
      assert.match(JSON.stringify(failure), /Content-Encoding \\"br\\"/);
    });
  });
});
