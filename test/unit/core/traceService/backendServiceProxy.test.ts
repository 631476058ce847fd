import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BackendError } from '../../../../src/core/backends/backendError';
import { BackendService } from '../../../../src/core/traceService/backendService';
import { makeTestPki, type TestPki } from '../backends/testPki';
import { rejection } from '../backends/testServer';
import { startTunnelProxy, type TunnelProxy } from '../backends/tunnelProxy';

/** VS Code's proxy settings, as the adapter hands them to the worker, reach the connections. */
describe('BackendService with VS Code proxy settings', () => {
  let pki: TestPki | undefined;
  let target: Server;
  let proxy: TunnelProxy;
  let url: string;
  before(async function () {
    pki = makeTestPki();
    if (pki === undefined) {
      console.log('      (skipped: openssl is not installed to make test certificates)');
      this.skip();
    }
    // A certificate SpanLens cannot verify, as a TLS-intercepting corporate proxy presents.
    target = createServer({ key: pki.serverKey, cert: pki.serverCert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('["behind-the-proxy"]');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    url = `https://zipkin.test:${(target.address() as AddressInfo).port}`;
    proxy = await startTunnelProxy();
  });
  after(async () => {
    if (pki === undefined) return;
    await proxy.close();
    target.closeAllConnections();
    await new Promise<void>((resolve) => target.close(() => resolve()));
    pki.remove();
  });

  it('http.proxyStrictSSL false lets a proxied connection through an unverifiable certificate; the default refuses it', async () => {
    const service = new BackendService({ timeoutMs: 5000 });
    try {
      const sources = [{ config: { name: 'corp', type: 'zipkin' as const, url } }];
      await service.configure({ sources, proxy: { proxyUrl: proxy.url } });
      const error = await rejection(service.listServices('corp'));
      assert.ok(error instanceof BackendError && error.failure.kind === 'tls', `expected a TLS failure, got ${String(error)}`);
      await service.configure({ sources, proxy: { proxyUrl: proxy.url, strictSSL: false } });
      assert.deepEqual(await service.listServices('corp'), ['behind-the-proxy']);
      assert.equal(proxy.tunnels.length, 2);
    } finally {
      await service.dispose();
    }
  });
});
