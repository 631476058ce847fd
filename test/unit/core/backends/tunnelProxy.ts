import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';

export interface TunnelProxy {
  readonly url: string;
  /** `host:port` of every CONNECT, in order. */
  readonly tunnels: string[];
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * A CONNECT proxy on 127.0.0.1 that records each tunnel and connects it to 127.0.0.1 whatever
 * host was asked for, so made-up names (zipkin.test) reach local test servers without DNS.
 */
export async function startTunnelProxy(): Promise<TunnelProxy> {
  const tunnels: string[] = [];
  const server = createServer();
  server.on('connect', (req, socket) => {
    tunnels.push(req.url ?? '');
    const port = Number((req.url ?? '').split(':')[1]);
    const upstream = connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
