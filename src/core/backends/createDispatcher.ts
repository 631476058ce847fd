import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';
import { BackendError } from './backendError';
import type { SourceTls } from './sourceConfig';

export interface DispatcherOptions {
  readonly tls?: SourceTls | undefined;
  /** VS Code's http.proxy, credentials included if any. When unset, HTTP(S)_PROXY from `env` is used. */
  readonly proxyUrl?: string | undefined;
  /** Hosts that bypass the proxy: exact names, ".suffix" or "suffix" for subdomains, "*" for all. */
  readonly noProxy?: readonly string[] | undefined;
  /**
   * VS Code's http.proxyStrictSSL. `false` stops verifying certificates on connections that go
   * through a proxy (the proxy's own and the tunnelled server's), as VS Code does for a
   * TLS-intercepting corporate proxy; a direct connection is not affected.
   */
  readonly proxyStrictSSL?: boolean | undefined;
  /** Where HTTP_PROXY, HTTPS_PROXY and NO_PROXY are read (either case); defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
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
 * certificate, or a proxy agent (VS Code's http.proxy, else HTTP(S)_PROXY) that tunnels with
 * the same TLS settings. With a client certificate there are two, and each request is routed
 * by origin: the certificate is offered only to the source's own. The caller closes it when
 * the source goes away.
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
  // Trust settings go to every origin; the client certificate only to the source's own.
  const trust: Record<string, unknown> = {};
  // A custom CA replaces Node's bundled roots for this source only, which is what a private PKI wants.
  if (ca !== undefined) trust['ca'] = ca;
  if (tls?.rejectUnauthorized === false) trust['rejectUnauthorized'] = false;
  if (options.connectTimeoutMs !== undefined) trust['timeout'] = options.connectTimeoutMs;
  const identity: Record<string, unknown> = { ...trust };
  if (cert !== undefined) identity['cert'] = cert;
  if (key !== undefined) identity['key'] = key;

  const build = chooseRoute(sourceName, target, options);
  if (build === undefined && Object.keys(identity).length === 0) return { dispatcher: undefined, close: () => Promise.resolve() };
  const make = build ?? ((connect: Record<string, unknown>): Dispatcher => new Agent({ connect }));
  if (cert === undefined && key === undefined) {
    const agent = make(trust);
    return { dispatcher: agent, close: () => agent.close() };
  }
  // A redirect to another host must not get the client certificate: that host would learn who
  // the user is, and a TLS-terminating proxy could replay the handshake's identity elsewhere.
  const own = make(identity);
  const elsewhere = make(trust);
  const routed = own.compose((dispatch) => (opts, handler) => (originOf(opts.origin) === target.origin ? dispatch(opts, handler) : elsewhere.dispatch(opts, handler)));
  return {
    dispatcher: routed,
    close: async () => {
      await Promise.all([own.close(), elsewhere.close()]);
    },
  };
}

/**
 * How a source's connections are made when a proxy applies: undefined for a direct connection,
 * else a builder of the proxy agent for given TLS settings. VS Code's http.proxy wins; without it
 * HTTP(S)_PROXY and NO_PROXY from the environment are honoured, as curl and VS Code do.
 */
function chooseRoute(sourceName: string, target: URL, options: DispatcherOptions): ((connect: Record<string, unknown>) => Dispatcher) | undefined {
  const env = options.env ?? process.env;
  const strict = options.proxyStrictSSL !== false;
  const relaxed = (connect: Record<string, unknown>): Record<string, unknown> => (strict ? connect : { ...connect, rejectUnauthorized: false });
  const proxyTls = strict ? {} : { rejectUnauthorized: false };
  const settingNoProxy = options.noProxy ?? [];
  if (options.proxyUrl !== undefined && options.proxyUrl !== '') {
    if (bypassesProxy(target.hostname, settingNoProxy)) return undefined;
    checkProxyUrl(sourceName, options.proxyUrl, 'http.proxy');
    const uri = options.proxyUrl;
    return (connect) => new ProxyAgent({ uri, requestTls: relaxed(connect), proxyTls });
  }
  const httpProxy = envValue(env, 'http_proxy');
  const httpsProxy = envValue(env, 'https_proxy');
  if (httpProxy === undefined && httpsProxy === undefined) return undefined;
  const envNoProxy = (envValue(env, 'no_proxy') ?? '').split(/[\s,]+/);
  if (bypassesProxy(target.hostname, [...settingNoProxy, ...envNoProxy])) return undefined;
  if (httpProxy !== undefined) checkProxyUrl(sourceName, httpProxy, 'HTTP_PROXY');
  if (httpsProxy !== undefined) checkProxyUrl(sourceName, httpsProxy, 'HTTPS_PROXY');
  // Given explicitly, so the agent reads the same values (and NO_PROXY list) this check did.
  const noProxy = [...settingNoProxy, ...envNoProxy, 'localhost', '127.0.0.1', '::1'].filter((entry) => entry.trim() !== '').join(',');
  return (connect) =>
    new EnvHttpProxyAgent({
      ...(httpProxy === undefined ? {} : { httpProxy }),
      ...(httpsProxy === undefined ? {} : { httpsProxy }),
      noProxy,
      connect,
      requestTls: relaxed(connect),
      proxyTls,
    });
}

function envValue(env: Readonly<Record<string, string | undefined>>, lowerName: string): string | undefined {
  const value = env[lowerName] ?? env[lowerName.toUpperCase()];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function checkProxyUrl(sourceName: string, proxy: string, setting: string): void {
  try {
    new URL(proxy);
  } catch {
    throw new BackendError(sourceName, { kind: 'invalidConfig', detail: `the proxy URL (${setting}) is not a valid URL` });
  }
}

function originOf(origin: string | URL | undefined): string | undefined {
  if (origin === undefined) return undefined;
  try {
    return new URL(String(origin)).origin;
  } catch {
    return undefined;
  }
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
