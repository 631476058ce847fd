import { BackendError } from './backendError';
import { BackendHttpClient, systemClock, type HttpClientOptions } from './backendHttpClient';
import { createDispatcher } from './createDispatcher';
import { JaegerBackend, type JaegerApi } from './jaegerBackend';
import { checkSourceConfig, type SourceConfig, type SourceCredentials } from './sourceConfig';
import { TempoBackend } from './tempoBackend';
import type { TraceBackend } from './traceBackend';
import { ZipkinBackend } from './zipkinBackend';

export interface CreateBackendOptions extends HttpClientOptions {
  /** The user's proxy; ignored when `dispatcher` is given. */
  readonly proxyUrl?: string | undefined;
  readonly noProxy?: readonly string[] | undefined;
  readonly proxyStrictSSL?: boolean | undefined;
  /** HTTP(S)_PROXY / NO_PROXY come from here; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Skips api detection (tests, or a user who knows). */
  readonly jaegerApi?: JaegerApi;
  /** For tests; defaults to fs.readFile. */
  readonly readFile?: (path: string) => Promise<Buffer>;
}

/** Header values may not carry line breaks or control characters (RFC 9110 §5.5); refusing them stops header injection. */
const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * A backend client for one `spanlens.sources` entry. `credentials` come from SecretStorage;
 * they are turned into headers here and handed to a client that sends them only to the
 * source's origin. Throws BackendError (`invalidConfig`, `missingCredentials`).
 */
export async function createTraceBackend(config: SourceConfig, credentials: SourceCredentials | undefined, options: CreateBackendOptions = {}): Promise<TraceBackend> {
  const checked = checkSourceConfig(config);
  if (!checked.ok) throw new BackendError(config.name, checked.failure);
  const fail = (detail: string): never => {
    throw new BackendError(config.name, { kind: 'invalidConfig', detail });
  };

  const sourceHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (!headerValue.test(value)) fail(`the value of header ${name} contains a line break or control character`);
    sourceHeaders[name.toLowerCase()] = value;
  }
  if (config.tenant !== undefined && config.tenant !== '') {
    if (!headerValue.test(config.tenant)) fail('"tenant" contains a line break or control character');
    sourceHeaders['x-scope-orgid'] = config.tenant;
  }

  const secretHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(credentials?.secretHeaders ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) fail(`the stored header name ${JSON.stringify(name)} is not a valid HTTP header name`);
    // The value is a secret: say which header is wrong, never what it holds.
    if (!headerValue.test(value)) fail(`the stored value of header ${name} contains a line break or control character`);
    secretHeaders[name.toLowerCase()] = value;
  }
  const auth = config.auth ?? 'none';
  if (auth === 'bearer') {
    const token = credentials?.token;
    if (token === undefined || token === '') throw new BackendError(config.name, { kind: 'missingCredentials', auth });
    if (!headerValue.test(token)) fail('the stored token contains a line break or control character');
    secretHeaders['authorization'] = `Bearer ${token}`;
  } else if (auth === 'basic') {
    const username = credentials?.username;
    const password = credentials?.password ?? credentials?.token;
    if (username === undefined || username === '' || password === undefined || password === '') throw new BackendError(config.name, { kind: 'missingCredentials', auth });
    if (username.includes(':')) fail('the stored user name contains ":", which basic authentication cannot carry');
    secretHeaders['authorization'] = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }

  let dispatcher = options.dispatcher;
  let close = (): Promise<void> => Promise.resolve();
  if (dispatcher === undefined) {
    const owned = await createDispatcher(config.name, checked.baseUrl, {
      tls: config.tls,
      proxyUrl: options.proxyUrl,
      noProxy: options.noProxy,
      proxyStrictSSL: options.proxyStrictSSL,
      env: options.env,
      connectTimeoutMs: options.timeoutMs,
      readFile: options.readFile,
    });
    dispatcher = owned.dispatcher;
    close = () => owned.close();
  }
  const http = new BackendHttpClient(config.name, checked.baseUrl, sourceHeaders, secretHeaders, { ...options, ...(dispatcher ? { dispatcher } : {}) });
  const clock = options.clock ?? systemClock;
  switch (config.type) {
    case 'jaeger':
      return new JaegerBackend(http, clock, close, options.jaegerApi);
    case 'tempo':
      return new TempoBackend(http, clock, close);
    case 'zipkin':
      return new ZipkinBackend(http, clock, close);
  }
}
