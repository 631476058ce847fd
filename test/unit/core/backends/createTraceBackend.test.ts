import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendError, type BackendFailure } from '../../../../src/core/backends/backendError';
import { bypassesProxy } from '../../../../src/core/backends/createDispatcher';
import { createTraceBackend } from '../../../../src/core/backends/createTraceBackend';
import { checkSourceConfig, type SourceConfig } from '../../../../src/core/backends/sourceConfig';
import { startFakeZipkin } from './fakeBackends';
import { FakeClock, rejection } from './testServer';

const clock = new FakeClock();

async function failureOf(promise: Promise<unknown>): Promise<BackendFailure> {
  const error = await rejection(promise);
  assert.ok(error instanceof BackendError, `expected BackendError, got ${String(error)}`);
  return error.failure;
}

function invalid(config: Partial<SourceConfig>): string {
  const result = checkSourceConfig({ name: 's', type: 'jaeger', url: 'http://localhost:16686', ...config });
  assert.ok(!result.ok, 'expected the config to be refused');
  return result.failure.kind === 'invalidConfig' ? result.failure.detail : result.failure.kind;
}

describe('createTraceBackend', () => {
  describe('source settings', () => {
    it('accepts a plain source and refuses bad ones with a reason', () => {
      assert.ok(checkSourceConfig({ name: 's', type: 'tempo', url: 'https://tempo.example.com/tempo' }).ok);
      assert.match(invalid({ url: 'not a url' }), /not a valid URL/);
      assert.match(invalid({ url: 'ftp://host' }), /http:\/\/ or https:\/\//);
      assert.match(invalid({ url: 'https://user:pw@host' }), /user name or password/);
      assert.doesNotMatch(invalid({ url: 'https://user:pw@host' }), /pw/);
      assert.match(invalid({ url: 'https://host/?x=1' }), /query string/);
      assert.match(invalid({ type: 'elastic' as never }), /"type"/);
      assert.match(invalid({ auth: 'digest' as never }), /"auth"/);
      assert.match(invalid({ headers: { 'bad header': 'x' } }), /header name/);
      assert.match(invalid({ tls: { certFile: '/c.pem' } }), /together/);
    });

    it('asks for credentials the source needs but SecretStorage does not have', async () => {
      assert.deepEqual(await failureOf(createTraceBackend({ name: 's', type: 'jaeger', url: 'http://127.0.0.1:1', auth: 'bearer' }, undefined)), { kind: 'missingCredentials', auth: 'bearer' });
      assert.deepEqual(await failureOf(createTraceBackend({ name: 's', type: 'tempo', url: 'http://127.0.0.1:1', auth: 'basic' }, { username: 'u' })), { kind: 'missingCredentials', auth: 'basic' });
    });

    it('refuses header injection through a stored secret without echoing it', async () => {
      const error = await rejection(createTraceBackend({ name: 's', type: 'zipkin', url: 'http://127.0.0.1:1', auth: 'bearer' }, { token: 'abc\r\nX-Evil: 1' }));
      assert.ok(error instanceof BackendError);
      assert.equal(error.failure.kind, 'invalidConfig');
      assert.ok(!error.message.includes('X-Evil'));
    });

    it('sends custom headers and secret headers only to the source', async () => {
      const server = await startFakeZipkin({ services: ['a'], traces: [] });
      try {
        const backend = await createTraceBackend(
          { name: 'z', type: 'zipkin', url: server.url, headers: { 'X-Team': 'payments' }, tenant: 'acme' },
          { secretHeaders: { 'X-Api-Key': 'k-SECRET' } },
          { clock },
        );
        await backend.listServices();
        const headers = server.last().headers;
        assert.equal(headers['x-team'], 'payments');
        assert.equal(headers['x-api-key'], 'k-SECRET');
        assert.equal(headers['x-scope-orgid'], 'acme');
        await backend.dispose();
      } finally {
        await server.close();
      }
    });

    it('reports an unreadable TLS file by setting name, not contents', async () => {
      const failure = await failureOf(createTraceBackend({ name: 's', type: 'jaeger', url: 'https://127.0.0.1:1', tls: { caFile: '/nonexistent/ca.pem' } }, undefined));
      assert.equal(failure.kind, 'invalidConfig');
      assert.match(JSON.stringify(failure), /tls\.caFile.*ENOENT/);
    });
  });

  describe('proxy', () => {
    it('bypasses the proxy for loopback and noProxy hosts', () => {
      assert.ok(bypassesProxy('127.0.0.1', []));
      assert.ok(bypassesProxy('localhost', []));
      assert.ok(bypassesProxy('[::1]', []));
      assert.ok(bypassesProxy('jaeger.corp.example', ['.corp.example']));
      assert.ok(bypassesProxy('corp.example', ['corp.example']));
      assert.ok(bypassesProxy('anything', ['*']));
      assert.ok(!bypassesProxy('tempo.grafana.net', ['corp.example']));
    });

    it('tunnels through a ProxyAgent when a proxy is set', async () => {
      const target = await startFakeZipkin({ services: ['through-proxy'], traces: [] });
      const tunnels: string[] = [];
      const proxy: Server = createHttpServer();
      proxy.on('connect', (req, socket) => {
        tunnels.push(req.url ?? '');
        // The fake target listens on 127.0.0.1 whatever host name the tunnel asked for.
        const port = Number((req.url ?? '').split(':')[1]);
        const upstream = connect(port, '127.0.0.1', () => {
          socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.pipe(socket);
          socket.pipe(upstream);
        });
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      try {
        // A name that is not loopback, so the proxy is used; it never reaches DNS because the proxy resolves it.
        const backend = await createTraceBackend({ name: 'z', type: 'zipkin', url: `http://zipkin.test:${target.port}` }, undefined, { clock, proxyUrl });
        assert.deepEqual(await backend.listServices(), ['through-proxy']);
        assert.deepEqual(tunnels, [`zipkin.test:${target.port}`]);
        await backend.dispose();
      } finally {
        proxy.closeAllConnections();
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
        await target.close();
      }
    });
  });

  describe('TLS', function () {
    let dir: string;
    let opensslMissing = false;
    before(function () {
      try {
        dir = mkdtempSync(join(tmpdir(), 'spanlens-tls-'));
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
            '-days',
            '2',
            '-subj',
            '/CN=127.0.0.1',
            '-addext',
            'subjectAltName=IP:127.0.0.1',
          ],
          { stdio: 'ignore' },
        );
      } catch {
        opensslMissing = true;
        console.warn('    skipped: openssl is not available to make a test certificate');
        this.skip();
      }
    });
    after(() => {
      if (!opensslMissing) rmSync(dir, { recursive: true, force: true });
    });

    async function withHttpsServer(run: (url: string) => Promise<void>): Promise<void> {
      const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('["secure"]');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        await run(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }

    it('fails with a TLS reason against an unknown CA, and succeeds with tls.caFile', async () => {
      await withHttpsServer(async (url) => {
        const untrusted = await createTraceBackend({ name: 'z', type: 'zipkin', url }, undefined, { clock, timeoutMs: 5000 });
        const failure = await failureOf(untrusted.listServices());
        assert.equal(failure.kind, 'tls');
        assert.match(JSON.stringify(failure), /SELF_SIGNED|self.signed/i);
        await untrusted.dispose();

        const trusted = await createTraceBackend({ name: 'z', type: 'zipkin', url, tls: { caFile: join(dir, 'cert.pem') } }, undefined, { clock, timeoutMs: 5000 });
        assert.deepEqual(await trusted.listServices(), ['secure']);
        await trusted.dispose();

        const insecure = await createTraceBackend({ name: 'z', type: 'zipkin', url, tls: { rejectUnauthorized: false } }, undefined, { clock, timeoutMs: 5000 });
        assert.deepEqual(await insecure.listServices(), ['secure']);
        await insecure.dispose();
      });
    });
  });
});
