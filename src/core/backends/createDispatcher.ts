import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { BackendError } from './backendError';
import type { SourceTls } from './sourceConfig';

export interface DispatcherOptions {
  readonly tls?: SourceTls | undefined;
  /** The user's proxy (VS Code's http.proxy or the environment), credentials included if any. */
  readonly proxyUrl?: string | undefined;
  /** Hosts that bypass the proxy: exact names, ".suffix" or "suffix" for subdomains, "*" for all. */
  readonly noProxy?: readonly string[] | undefined;
  readonly connectTimeoutMs?: number | undefined;
  /** For tests; defaults to fs.readFile. */
  readonly readFile?: ((path: string) => Promise<Buffer>) | undefined;
}

export interface OwnedDispatcher {
  /** undefined: nothing source-specific, use undici's global dispatcher. */
  readonly dispatcher: Dispatcher | undefined;
  close(): Promise<void>;
}

/**
 * The dispatcher a source's requests go through: an Agent holding its CA and client
 * certificate, or a ProxyAgent that tunnels to it with the same TLS settings. The caller
 * closes it when the source goes away.
 */
export async function createDispatcher(sourceName: string, target: URL, options: DispatcherOptions): Promise<OwnedDispatcher> {
  const tls = options.tls;
  const read = options.readFile ?? ((path: string) => readFile(path));
  const load = async (field: 'caFile' | 'certFile' | 'keyFile'): Promise<Buffer | undefined> => {
    const path = tls?.[field];
    if (path === undefined || path === '') return undefined;
    try {
      return await read(path);
    } catch (error: unknown) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unreadable';
      throw new BackendError(sourceName, { kind: 'invalidConfig', detail: `tls.${field} ${JSON.stringify(path)} cannot be read (${code})` });
    }
  };
  const [ca, cert, key] = await Promise.all([load('caFile'), load('certFile'), load('keyFile')]);
  const connect: Record<string, unknown> = {};
  // A custom CA replaces Node's bundled roots for this source only, which is what a private PKI wants.
  if (ca !== undefined) connect['ca'] = ca;
  if (cert !== undefined) connect['cert'] = cert;
  if (key !== undefined) connect['key'] = key;
  if (tls?.rejectUnauthorized === false) connect['rejectUnauthorized'] = false;
  if (options.connectTimeoutMs !== undefined) connect['timeout'] = options.connectTimeoutMs;

  const proxy = options.proxyUrl !== undefined && options.proxyUrl !== '' && !bypassesProxy(target.hostname, options.noProxy ?? []) ? options.proxyUrl : undefined;
  if (proxy !== undefined) {
    try {
      new URL(proxy);
    } catch {
      throw new BackendError(sourceName, { kind: 'invalidConfig', detail: 'the proxy URL (http.proxy) is not a valid URL' });
    }
    const agent = new ProxyAgent({ uri: proxy, requestTls: connect });
    return { dispatcher: agent, close: () => agent.close() };
  }
  if (Object.keys(connect).length === 0) return { dispatcher: undefined, close: () => Promise.resolve() };
  const agent = new Agent({ connect });
  return { dispatcher: agent, close: () => agent.close() };
}

/**
 * Whether a host skips the proxy. Loopback always does: a proxy elsewhere cannot reach this
 * machine's backend, and a port-forwarded Jaeger on localhost is the common case.
 */
export function bypassesProxy(hostname: string, noProxy: readonly string[]): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))) return true;
  return noProxy.some((raw) => {
    const entry = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (entry === '') return false;
    if (entry === '*') return true;
    const bare = entry.replace(/^\*?\./, '');
    return host === bare || host.endsWith(`.${bare}`);
  });
}
