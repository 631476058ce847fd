import { request } from 'node:http';

/** What could be told about the program listening on a port SpanLens wanted. */
export type PortHolder =
  | { readonly kind: 'spanlens' }
  | { readonly kind: 'jaeger' }
  | { readonly kind: 'otlpReceiver'; readonly server: string | undefined }
  | { readonly kind: 'http'; readonly server: string | undefined }
  | { readonly kind: 'unknown' };

interface Answer {
  readonly status: number;
  readonly server: string | undefined;
  readonly body: string;
}

/**
 * Asks, politely and briefly, what holds an OTLP port: one GET of `/` on it and one of Jaeger's
 * UI port. A program that does not answer HTTP within the time is `unknown`; nothing is sent
 * that a receiver would store.
 */
export async function identifyPortHolder(host: string, port: number, options: { timeoutMs?: number; jaegerUiPort?: number } = {}): Promise<PortHolder> {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const [answer, jaegerUi] = await Promise.all([get(host, port, '/', timeoutMs), get(host, options.jaegerUiPort ?? 16686, '/', timeoutMs)]);
  if (answer === undefined) return { kind: 'unknown' };
  if (/SpanLens|\/v1\/traces, \/v1\/logs/.test(answer.body)) return { kind: 'spanlens' };
  if (jaegerUi !== undefined && /<title>\s*Jaeger/i.test(jaegerUi.body)) return { kind: 'jaeger' };
  // Go's default handler answers unknown paths this way; the Collector and Jaeger's OTLP receiver are Go.
  if (answer.status === 404 && /^404 page not found/.test(answer.body)) return { kind: 'otlpReceiver', server: answer.server };
  return { kind: 'http', server: answer.server };
}

export function describePortHolder(holder: PortHolder): string {
  switch (holder.kind) {
    case 'spanlens':
      return 'another SpanLens (a VS Code with other settings storage, such as Insiders or a remote host)';
    case 'jaeger':
      return 'Jaeger (its UI answers on port 16686)';
    case 'otlpReceiver':
      return `an OTLP receiver such as an OpenTelemetry Collector or Jaeger${holder.server === undefined ? '' : ` (server "${holder.server.slice(0, 60)}")`}`;
    case 'http':
      return holder.server === undefined ? 'a web server' : `a web server ("${holder.server.slice(0, 60)}")`;
    case 'unknown':
      return 'a program that does not answer HTTP';
  }
}

function get(host: string, port: number, path: string, timeoutMs: number): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    // A hard deadline too: a socket timeout only counts idle time once connected.
    const deadline = setTimeout(() => {
      req.destroy();
      resolve(undefined);
    }, timeoutMs * 2);
    deadline.unref();
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, headers: { accept: 'text/plain, text/html' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        // The start of the body tells enough; a large page is not read.
        if (size < 16_384) chunks.push(chunk);
        size += chunk.length;
        if (size >= 16_384) res.destroy();
      });
      const server: unknown = res.headers.server;
      const done = (): void => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, server: typeof server === 'string' ? server : undefined, body: Buffer.concat(chunks).toString('utf8', 0, 16_384) });
      };
      res.on('end', done);
      res.on('close', done);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
