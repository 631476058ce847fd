import { createServer, type Server } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { traced, tracerFor, withIncomingContext } from './tracing';
import { work } from './timing';

const tracer = tracerFor('inventory');

/** Looks up stock in a pretend database; slow for a few SKUs, as real hot rows are. */
export async function lookupStock(sku: string): Promise<number> {
  return await traced(tracer, 'SELECT stock', 'inventory.lookupStock', async (span) => {
    span.setAttribute('db.system.name', 'postgresql');
    span.setAttribute('db.query.text', 'SELECT quantity FROM stock WHERE sku = $1');
    await work(sku.endsWith('7') ? 40 : 4);
    return sku.length * 3;
  });
}

export async function reserve(sku: string, quantity: number): Promise<boolean> {
  return await traced(tracer, 'reserve', 'inventory.reserve', async (span) => {
    span.setAttribute('inventory.sku', sku);
    const available = await lookupStock(sku);
    if (quantity > available) throw new Error(`Only ${available} of ${sku} left`);
    await work(6);
    return true;
  });
}

/** The inventory service: a second service, so traces cross a process boundary over HTTP. */
export function startInventory(port: number): Server {
  const server = createServer((request, response) => {
    withIncomingContext(request.headers, () => {
      const url = new URL(request.url ?? '/', 'http://inventory');
      void tracer.startActiveSpan(
        `${request.method ?? 'GET'} /reserve`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method ?? 'GET', 'http.route': '/reserve' } },
        async (span) => {
          try {
            await reserve(url.searchParams.get('sku') ?? 'sku-1', Number(url.searchParams.get('quantity') ?? '1'));
            span.setAttribute('http.response.status_code', 200);
            response.writeHead(200).end('reserved');
          } catch (error: unknown) {
            span.setAttribute('http.response.status_code', 409);
            response.writeHead(409).end(error instanceof Error ? error.message : 'conflict');
          } finally {
            span.end();
          }
        },
      );
    });
  });
  server.listen(port, '127.0.0.1');
  return server;
}
