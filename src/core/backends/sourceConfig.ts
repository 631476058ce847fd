import type { BackendFailure } from './backendError';

export type SourceType = 'jaeger' | 'tempo' | 'zipkin';
export type SourceAuth = 'none' | 'bearer' | 'basic';

export interface SourceTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly rejectUnauthorized?: boolean;
}

/** One entry of the `spanlens.sources` setting (../shared/reference/contract.md); never holds a secret. */
export interface SourceConfig {
  readonly name: string;
  readonly type: SourceType;
  readonly url: string;
  /** Non-secret extra headers, sent only to the source's own origin. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Tempo/Mimir-style tenant, sent as X-Scope-OrgID. */
  readonly tenant?: string;
  readonly auth?: SourceAuth;
  readonly tls?: SourceTls;
}

/** What the adapter reads from SecretStorage for one source. */
export interface SourceCredentials {
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  /** Header values that must not sit in settings (API keys); treated like the token. */
  readonly secretHeaders?: Readonly<Record<string, string>>;
}

const sourceTypes: readonly string[] = ['jaeger', 'tempo', 'zipkin'];
const authKinds: readonly string[] = ['none', 'bearer', 'basic'];
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks a source before any request, so a typo becomes a message about the setting rather
 * than a confusing network error. Returns the base URL to build requests on.
 */
export function checkSourceConfig(config: SourceConfig): { readonly ok: true; readonly baseUrl: URL } | { readonly ok: false; readonly failure: BackendFailure } {
  const fail = (detail: string): { readonly ok: false; readonly failure: BackendFailure } => ({ ok: false, failure: { kind: 'invalidConfig', detail } });
  if (!sourceTypes.includes(config.type)) return fail(`"type" must be one of jaeger, tempo, zipkin (it is ${JSON.stringify(config.type)})`);
  if (config.auth !== undefined && !authKinds.includes(config.auth)) return fail(`"auth" must be none, bearer or basic (it is ${JSON.stringify(config.auth)})`);
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    return fail(`"url" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`"url" must start with http:// or https:// (it uses ${url.protocol})`);
  // Credentials in the URL would live in settings.json, which the contract forbids; refuse rather than send them.
  if (url.username !== '' || url.password !== '') return fail('"url" contains a user name or password; remove it and store the credentials with "SpanLens: Set Source Credentials…"');
  if (url.search !== '' || url.hash !== '') return fail('"url" must not have a query string or fragment');
  for (const name of Object.keys(config.headers ?? {})) {
    if (!headerName.test(name)) return fail(`header name ${JSON.stringify(name)} is not a valid HTTP header name`);
  }
  if (config.tls && (config.tls.certFile === undefined) !== (config.tls.keyFile === undefined)) {
    return fail('tls.certFile and tls.keyFile must be set together');
  }
  return { ok: true, baseUrl: url };
}
