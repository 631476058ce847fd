import { createServer } from 'node:http';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { checkout, tracer } from './checkout';
import { startInventory } from './inventory';
import { shutdownTracing, traced, withIncomingContext } from './tracing';
import { work } from './timing';

/**
 * SpanLens's sample service: a shop front end and an inventory service, instrumented with the
 * OpenTelemetry JS SDK and exporting to OTEL_EXPORTER_OTLP_ENDPOINT. It drives its own traffic
 * so traces keep arriving: quick product listings, slower checkouts that cross into the inventory
 * service, and declined payments that throw.
 */
const shopPort = Number(process.env['SAMPLE_SHOP_PORT'] ?? '0');
const inventoryServer = startInventory(Number(process.env['SAMPLE_INVENTORY_PORT'] ?? '0'));

async function listProducts(): Promise<string[]> {
  return await traced(tracer, 'listProducts', 'server.listProducts', async (span) => {
    span.setAttribute('db.system.name', 'postgresql');
    span.setAttribute('db.query.text', 'SELECT id, name FROM products LIMIT 20');
    await work(8);
    return ['sku-1', 'sku-2', 'sku-7'];
  });
}

function inventoryPort(): number {
  const address = inventoryServer.address();
  return typeof address === 'object' && address ? address.port : 0;
}

const shop = createServer((request, response) => {
  withIncomingContext(request.headers, () => {
    const route = new URL(request.url ?? '/', 'http://shop').pathname;
    void tracer.startActiveSpan(`${request.method ?? 'GET'} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method ?? 'GET', 'http.route': route } }, async (span) => {
      let status = 200;
      let body = '';
      try {
        if (route === '/products') body = JSON.stringify(await listProducts());
        else if (route === '/checkout') body = await checkout(inventoryPort(), ['sku-1', Math.random() < 0.3 ? 'sku-7' : 'sku-2']);
        else status = 404;
      } catch (error: unknown) {
        status = 500;
        body = error instanceof Error ? error.message : String(error);
      }
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: body });
      span.end();
      response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
  });
});

shop.listen(shopPort, '127.0.0.1', () => {
  const address = shop.address();
  const port = typeof address === 'object' && address ? address.port : shopPort;
  console.log(`sample service: shop on http://127.0.0.1:${port}, exporting to ${process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? 'http://localhost:4318'}`);
  const interval = Number(process.env['SAMPLE_TRAFFIC_MS'] ?? '700');
  if (interval > 0) {
    const timer = setInterval(() => {
      const path = Math.random() < 0.6 ? '/products' : '/checkout';
      fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
    }, interval);
    timer.unref();
  }
});

async function stop(): Promise<void> {
  shop.close();
  inventoryServer.close();
  await shutdownTracing();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
