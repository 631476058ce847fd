import * as assert from 'node:assert/strict';
import { Agent } from 'undici';
import { BackendError, describeBackendFailure, redactSecrets, type BackendFailure } from '../../../../src/core/backends/backendError';
import { BackendHttpClient, classifyTransportError, retryAfterMs, type HttpClientOptions } from '../../../../src/core/backends/backendHttpClient';
import { closedPort, FakeClock, rejection, sendJson, sendText, TestServer } from './testServer';

const token = 'tok-SECRET-4f9a2c';

function client(url: string, options: HttpClientOptions = {}, secret: Record<string, string> = { authorization: `Bearer ${token}` }): BackendHttpClient {
  return new BackendHttpClient('prod-jaeger', new URL(url), { 'x-team': 'checkout', 'x-scope-orgid': 'acme' }, secret, { clock: new FakeClock(), ...options });
}

async function failureOf(promise: Promise<unknown>): Promise<BackendFailure> {
  const error = await rejection(promise);
  assert.ok(error instanceof BackendError, `expected a BackendError, got ${String(error)}`);
  assert.equal(error.sourceName, 'prod-jaeger');
  assert.ok(error.message.includes('"prod-jaeger"'), 'the message names the source');
  assert.ok(!error.message.includes(token), 'the message never holds the token');
  return error.failure;
}

describe('BackendHttpClient', () => {
  const servers: TestServer[] = [];
  async function serve(handler: Parameters<typeof TestServer.start>[0]): Promise<TestServer> {
    const server = await TestServer.start(handler);
    servers.push(server);
    return server;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe('requests and headers', () => {
    it('builds URLs under a base path prefix and encodes parameters', () => {
      const url = client('https://tempo-prod-01.grafana.net/tempo/').urlFor('/api/search', [
        ['q', '{ status = error }'],
        ['tags', 'a=b c="d e"'],
      ]);
      assert.equal(url.pathname, '/tempo/api/search');
      assert.equal(url.searchParams.get('q'), '{ status = error }');
      assert.equal(url.searchParams.get('tags'), 'a=b c="d e"');
    });

    it('sends the source headers and credentials to the source origin', async () => {
      const server = await serve((_req, res) => sendJson(res, 200, { ok: true }));
      assert.deepEqual(await client(server.url).getJson('/x', []), { ok: true });
      const headers = server.last().headers;
      assert.equal(headers.authorization, `Bearer ${token}`);
      assert.equal(headers['x-scope-orgid'], 'acme');
      assert.equal(headers['x-team'], 'checkout');
      assert.equal(headers.accept, 'application/json');
    });

    it('follows a same-origin redirect with credentials', async () => {
      const server = await serve((req, res) => {
        if (req.path === '/old') return sendText(res, 302, '', { location: '/new' });
        return sendJson(res, 200, { at: req.path });
      });
      assert.deepEqual(await client(server.url).getJson('/old', []), { at: '/new' });
      assert.equal(server.last().headers.authorization, `Bearer ${token}`);
    });

    it('follows a redirect to another origin without any of the source headers or credentials', async () => {
      const elsewhere = await serve((_req, res) => sendJson(res, 200, { landed: true }));
      const source = await serve((_req, res) => sendText(res, 307, '', { location: `${elsewhere.url}/steal` }));
      assert.deepEqual(await client(source.url).getJson('/api/v3/services', []), { landed: true });
      const leaked = elsewhere.last().headers;
      assert.equal(leaked.authorization, undefined);
      assert.equal(leaked['x-scope-orgid'], undefined);
      assert.equal(leaked['x-team'], undefined);
      assert.ok(!JSON.stringify(leaked).includes(token));
      assert.equal(source.last().headers.authorization, `Bearer ${token}`);
    });

    it('stops after too many redirects', async () => {
      const server = await serve((_req, res) => sendText(res, 302, '', { location: '/loop' }));
      const failure = await failureOf(client(server.url, { maxRedirects: 2 }).getJson('/loop', []));
      assert.equal(failure.kind, 'redirect');
      assert.equal(server.requests.length, 3);
    });

    it('treats a cross-origin redirect to a login page as an HTML answer, not JSON', async () => {
      const login = await serve((_req, res) => sendText(res, 200, '<!DOCTYPE html><html><body><form>Sign in</form></body></html>', { 'content-type': 'text/html' }));
      const source = await serve((_req, res) => sendText(res, 302, '', { location: `${login.url}/login` }));
      const failure = await failureOf(client(source.url).getJson('/api/search', []));
      assert.equal(failure.kind, 'undecodable');
      assert.match(describeBackendFailure('s', failure), /HTML page/);
    });
  });

  describe('faults', () => {
    it('reports a refused connection', async () => {
      const port = await closedPort();
      const failure = await failureOf(client(`http://127.0.0.1:${port}`).getJson('/api/services', []));
      assert.ok(failure.kind === 'unreachable');
      assert.equal(failure.reason, 'refused');
      assert.match(describeBackendFailure('prod-jaeger', failure), /refused the connection.*running/);
    });

    it('reports a DNS failure without touching the network', async () => {
      const lookup = (_host: string, _options: unknown, callback: (error: Error) => void): void => {
        callback(Object.assign(new Error('getaddrinfo ENOTFOUND jaeger.internal'), { code: 'ENOTFOUND' }));
      };
      const dispatcher = new Agent({ connect: { lookup: lookup as never } });
      try {
        const failure = await failureOf(client('http://jaeger.internal:16686', { dispatcher }).getJson('/api/services', []));
        assert.deepEqual(failure, { kind: 'dns', host: 'jaeger.internal' });
      } finally {
        await dispatcher.close();
      }
    });

    it('times out against a server that never answers', async () => {
      const server = await serve(() => {
        // never answers
      });
      const failure = await failureOf(client(server.url, { timeoutMs: 200 }).getJson('/api/services', []));
      assert.deepEqual(failure, { kind: 'timeout', phase: 'headers', afterMs: 200 });
    });

    it('times out when the body stalls', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data": [');
      });
      const failure = await failureOf(client(server.url, { timeoutMs: 200 }).getJson('/api/services', []));
      assert.deepEqual(failure, { kind: 'timeout', phase: 'body', afterMs: 200 });
    });

    it('is cancelled by its AbortSignal, before and during the request', async () => {
      const server = await serve(() => {
        // never answers
      });
      const http = client(server.url, { timeoutMs: 10_000 });
      assert.deepEqual(await failureOf(http.getJson('/x', [], { signal: AbortSignal.abort() })), { kind: 'cancelled' });
      const controller = new AbortController();
      const pending = http.getJson('/x', [], { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      assert.deepEqual(await failureOf(pending), { kind: 'cancelled' });
    });

    it('retries 503 then succeeds, backing off', async () => {
      let calls = 0;
      const server = await serve((_req, res) => (++calls < 3 ? sendText(res, 503, 'overloaded') : sendJson(res, 200, { services: ['a'] })));
      const clock = new FakeClock();
      assert.deepEqual(await client(server.url, { clock, retryBaseDelayMs: 100 }).getJson('/s', []), { services: ['a'] });
      assert.equal(server.requests.length, 3);
      assert.deepEqual(clock.sleeps, [100, 200]);
    });

    it('does not retry a 500 and reports the server message', async () => {
      const server = await serve((_req, res) => sendText(res, 500, JSON.stringify({ error: { httpCode: 500, message: 'storage down' } })));
      const failure = await failureOf(client(server.url).getJson('/s', []));
      assert.deepEqual(failure, { kind: 'server', status: 500, message: 'storage down' });
      assert.equal(server.requests.length, 1);
    });

    it('honours Retry-After in seconds and as an HTTP date', async () => {
      let calls = 0;
      const clock = new FakeClock();
      const server = await serve((_req, res) => {
        calls++;
        if (calls === 1) return sendText(res, 429, 'slow down', { 'retry-after': '2' });
        if (calls === 2) return sendText(res, 503, 'busy', { 'retry-after': new Date(clock.nowMs + 3000).toUTCString() });
        return sendJson(res, 200, []);
      });
      await client(server.url, { clock }).getJson('/s', []);
      assert.deepEqual(clock.sleeps, [2000, 3000]);
    });

    it('reports 429 with the server wait when Retry-After exceeds the cap, without waiting', async () => {
      const clock = new FakeClock();
      const server = await serve((_req, res) => sendText(res, 429, 'quota', { 'retry-after': '120' }));
      const failure = await failureOf(client(server.url, { clock, maxRetryDelayMs: 5000 }).getJson('/s', []));
      assert.deepEqual(failure, { kind: 'rateLimited', retryAfterMs: 120_000 });
      assert.deepEqual(clock.sleeps, []);
      assert.equal(server.requests.length, 1);
    });

    it('gives up after the last attempt', async () => {
      const server = await serve((_req, res) => sendText(res, 502, 'bad gateway'));
      const failure = await failureOf(client(server.url, { maxAttempts: 2, retryBaseDelayMs: 1 }).getJson('/s', []));
      assert.deepEqual(failure, { kind: 'server', status: 502, message: 'bad gateway' });
      assert.equal(server.requests.length, 2);
    });

    it('stops reading a body past the size bound (streamed, no Content-Length)', async () => {
      let wrote = 0;
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (wrote < 64 * 1024 ** 2 && res.write(chunk)) wrote += chunk.length;
          if (wrote < 64 * 1024 ** 2) res.once('drain', pump);
          else res.end();
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      });
      const failure = await failureOf(client(server.url, { maxResponseBytes: 256 * 1024 }).getJson('/big', []));
      assert.deepEqual(failure, { kind: 'tooLarge', limit: 256 * 1024 });
      assert.ok(wrote < 64 * 1024 ** 2, 'the client stopped the transfer early');
    });

    it('refuses a body whose Content-Length is past the bound before reading it', async () => {
      const server = await serve((_req, res) => sendJson(res, 200, 'x'.repeat(5000)));
      const failure = await failureOf(client(server.url, { maxResponseBytes: 1000 }).getJson('/big', []));
      assert.equal(failure.kind, 'tooLarge');
    });

    it('reports invalid, truncated and empty JSON', async () => {
      const bodies: Record<string, string> = { '/invalid': '{"services": [nope]}', '/truncated': '{"services": ["a", "b"', '/empty': '' };
      const server = await serve((req, res) => sendJson(res, 200, bodies[req.path] ?? ''));
      const http = client(server.url);
      for (const path of Object.keys(bodies)) {
        const failure = await failureOf(http.getJson(path, []));
        assert.equal(failure.kind, 'undecodable', path);
      }
      assert.match(describeBackendFailure('s', await failureOf(http.getJson('/truncated', []))), /truncated|ends too early/);
    });

    it('maps statuses to failures: 401, 403, 404, 400 with the server message, tenant', async () => {
      const server = await serve((req, res) => {
        if (req.path === '/401') return sendText(res, 401, 'Unauthorized');
        if (req.path === '/403') return sendText(res, 403, 'Forbidden');
        if (req.path === '/tenant') return sendText(res, 401, 'no org id');
        if (req.path === '/v1-400') return sendText(res, 400, JSON.stringify({ data: null, errors: [{ code: 400, msg: "parameter 'service' is required" }] }));
        return sendText(res, 404, '404 page not found');
      });
      const http = client(server.url);
      assert.deepEqual(await failureOf(http.getJson('/401', [])), { kind: 'auth', status: 401, sentCredentials: true, detail: 'Unauthorized' });
      assert.equal((await failureOf(http.getJson('/403', []))).kind, 'auth');
      assert.deepEqual(await failureOf(http.getJson('/tenant', [])), { kind: 'tenantRequired' });
      assert.deepEqual(await failureOf(http.getJson('/v1-400', [])), { kind: 'badRequest', status: 400, message: "parameter 'service' is required" });
      assert.deepEqual(await failureOf(http.getJson('/nowhere', [])), { kind: 'endpointNotFound', path: '/nowhere' });
      const anonymous = client(server.url, {}, {});
      const failure = await failureOf(anonymous.getJson('/401', []));
      assert.equal(failure.kind === 'auth' && failure.sentCredentials, false);
      assert.match(describeBackendFailure('s', failure), /requires authentication/);
    });
  });

  describe('secrets', () => {
    it('never puts the credential in an error, even when the server echoes it', async () => {
      const server = await serve((req, res) => sendText(res, 400, `bad request; you sent Authorization: ${req.headers.authorization ?? ''}`));
      const error = await rejection(client(server.url).getJson('/x', []));
      assert.ok(error instanceof BackendError);
      assert.ok(!error.message.includes(token));
      assert.ok(!JSON.stringify(error.failure).includes(token));
      assert.match(error.message, /‹redacted›/);
    });

    it('never puts basic credentials or secret headers in errors or logs', async () => {
      const basic = `Basic ${Buffer.from('123456:glc_SECRETpassword').toString('base64')}`;
      const server = await serve((req, res) => sendText(res, 500, `upstream said ${req.headers.authorization ?? ''} / glc_SECRETpassword / ${String(req.headers['x-api-key'])}`));
      const lines: string[] = [];
      const http = client(server.url, { log: (line) => lines.push(line) }, { authorization: basic, 'x-api-key': 'key-SECRET-99' });
      const error = await rejection(http.getJson('/x', []));
      assert.ok(error instanceof BackendError);
      for (const secret of ['glc_SECRETpassword', 'key-SECRET-99', basic.slice(6)]) {
        assert.ok(!error.message.includes(secret), `error holds ${secret}`);
        assert.ok(!lines.join('\n').includes(secret), `log holds ${secret}`);
      }
      assert.ok(lines.length > 0);
    });

    it('redactSecrets replaces every occurrence', () => {
      assert.equal(redactSecrets('a SECRET b SECRET', ['SECRET', '']), 'a ‹redacted› b ‹redacted›');
    });
  });

  describe('helpers', () => {
    it('parses Retry-After', () => {
      const now = Date.UTC(2026, 0, 1);
      assert.equal(retryAfterMs('7', now), 7000);
      assert.equal(retryAfterMs(new Date(now + 5000).toUTCString(), now), 5000);
      assert.equal(retryAfterMs(new Date(now - 5000).toUTCString(), now), 0);
      assert.equal(retryAfterMs('soon', now), undefined);
      assert.equal(retryAfterMs(undefined, now), undefined);
    });

    it('classifies nested transport errors', () => {
      const id = (s: string): string => s;
      const refused = new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:16686'), { code: 'ECONNREFUSED' })], 'connect failed');
      assert.equal(classifyTransportError(refused, 'h', 1, id).kind, 'unreachable');
      const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      assert.deepEqual(classifyTransportError(new Error('fetch failed', { cause: tls }), 'h', 1, id), { kind: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', detail: 'self-signed certificate' });
      assert.equal(classifyTransportError(Object.assign(new Error('x'), { code: 'EAI_AGAIN' }), 'h', 1, id).kind, 'dns');
      assert.equal(classifyTransportError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }), 'h', 1, id).kind, 'unreachable');
      assert.equal(classifyTransportError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'h', 1, id).kind, 'timeout');
    });

    it('describes every failure with the source name', () => {
      const failures: BackendFailure[] = [
        { kind: 'invalidConfig', detail: 'd' },
        { kind: 'invalidQuery', detail: 'd' },
        { kind: 'missingCredentials', auth: 'bearer' },
        { kind: 'dns', host: 'h' },
        { kind: 'unreachable', reason: 'reset', detail: 'd' },
        { kind: 'timeout', phase: 'body', afterMs: 5 },
        { kind: 'tls', code: 'C', detail: 'd' },
        { kind: 'auth', status: 403, sentCredentials: true, detail: '' },
        { kind: 'tenantRequired' },
        { kind: 'traceNotFound', traceId: 'abc' },
        { kind: 'endpointNotFound', path: '/p' },
        { kind: 'badRequest', status: 400, message: '' },
        { kind: 'rateLimited', retryAfterMs: undefined },
        { kind: 'server', status: 500, message: '' },
        { kind: 'redirect', status: 302, detail: 'd' },
        { kind: 'tooLarge', limit: 1024 },
        { kind: 'undecodable', detail: 'd' },
        { kind: 'unsupported', detail: 'd' },
        { kind: 'cancelled' },
      ];
      for (const failure of failures) assert.match(describeBackendFailure('my-src', failure), /"my-src"/, failure.kind);
    });
  });
});
