import * as assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { describePortHolder, identifyPortHolder } from '../../../../src/core/receiver/portHolder';
import { OtlpReceiver } from '../../../../src/core/receiver/otlpReceiver';

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

async function closed(server: Server | ReturnType<typeof createTcpServer>): Promise<void> {
  await new Promise((done) => server.close(done));
}

describe('what holds the receiver port', () => {
  const nothing = 1; // a privileged port nobody here listens on: no Jaeger UI

  it('tells a Go OTLP receiver (Collector, Jaeger) by its 404 page', async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
    });
    const port = await listen(server);
    const holder = await identifyPortHolder('127.0.0.1', port, { jaegerUiPort: nothing });
    assert.deepEqual(holder, { kind: 'otlpReceiver', server: undefined });
    assert.match(describePortHolder(holder), /OpenTelemetry Collector or Jaeger/);
    await closed(server);
  });

  it('names Jaeger when its UI answers beside the port', async () => {
    const otlp = createHttpServer((_req, res) => res.writeHead(404).end('404 page not found'));
    const ui = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><head><title>Jaeger UI</title></head></html>'));
    const port = await listen(otlp);
    const uiPort = await listen(ui);
    assert.equal((await identifyPortHolder('127.0.0.1', port, { jaegerUiPort: uiPort })).kind, 'jaeger');
    await closed(otlp);
    await closed(ui);
  });

  it('recognises another SpanLens receiver', async () => {
    const receiver = new OtlpReceiver({ sink: { ingest: () => Promise.resolve(), isBackedUp: false }, host: '127.0.0.1', port: 0 });
    await receiver.start();
    assert.equal((await identifyPortHolder('127.0.0.1', receiver.address?.httpPort ?? 0, { jaegerUiPort: nothing })).kind, 'spanlens');
    await receiver.stop();
  });

  it('reports a web server by its Server header, and a silent program as not answering HTTP', async () => {
    const web = createHttpServer((_req, res) => res.writeHead(200, { server: 'nginx/1.25' }).end('hello'));
    const port = await listen(web);
    const holder = await identifyPortHolder('127.0.0.1', port, { jaegerUiPort: nothing });
    assert.match(describePortHolder(holder), /nginx/);
    await closed(web);
    const silent = createTcpServer(() => undefined);
    const silentPort = await listen(silent);
    const unknown = await identifyPortHolder('127.0.0.1', silentPort, { timeoutMs: 200, jaegerUiPort: nothing });
    assert.equal(unknown.kind, 'unknown');
    silent.close();
  });
});
