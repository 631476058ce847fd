import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { parseJsonOrFail } from '../formats/decodeTraceBytes';
import { TraceDecodeError } from '../formats/traceFormat';
import { BackendError, redactSecrets, type BackendFailure } from './backendError';
import { acceptEncoding, contentCoding, decodeContentEncoding } from './decodeContentEncoding';

/** Time as the client sees it; tests replace it so that retry waits cost nothing and can be asserted. */
export interface BackendClock {
  now(): number;
  /** Resolves after `ms`, or rejects as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
}

export const systemClock: BackendClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface HttpClientOptions {
  /** undici dispatcher: an Agent with the source's TLS files, a ProxyAgent, or a test double. */
  readonly dispatcher?: Dispatcher;
  /** Longest wait for the response headers, and longest silence while the body streams. */
  readonly timeoutMs?: number;
  /**
   * Longest a request may take in all, redirects and retries included, however steadily the
   * server trickles bytes: silence alone (`timeoutMs`) never ends a body dripped a byte at a time.
   */
  readonly deadlineMs?: number;
  /**
   * Bodies past this are abandoned mid-stream, so a runaway search cannot exhaust memory. A
   * gzip-compressed body is held to it twice: as sent and as decoded.
   */
  readonly maxResponseBytes?: number;
  /** Attempts for one GET, counting the first; only 429/502/503/504 are retried. */
  readonly maxAttempts?: number;
  readonly retryBaseDelayMs?: number;
  /** A Retry-After longer than this is not waited out: the failure is reported with the server's wait. */
  readonly maxRetryDelayMs?: number;
  readonly maxRedirects?: number;
  readonly clock?: BackendClock;
  /** One line per request, secrets already removed. */
  readonly log?: (line: string) => void;
}

export const defaultTimeoutMs = 30_000;
/** Room for a 256 MB trace at about 1 MB/s. */
export const defaultDeadlineMs = 5 * 60_000;
export const defaultMaxResponseBytes = 256 * 1024 ** 2;
const defaultMaxAttempts = 3;
const defaultRetryBaseDelayMs = 500;
const defaultMaxRetryDelayMs = 10_000;
const defaultMaxRedirects = 3;
/** Error bodies are read only this far: enough for a message, not for a 50 MB HTML page. */
const errorBodyBytes = 64 * 1024;
const retryableStatuses: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const redirectStatuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export type QueryParams = ReadonlyArray<readonly [string, string]>;

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly url: URL;
  /** Whether this (final) request carried the source's credentials. */
  readonly sentCredentials: boolean;
  /** The 2xx body went to a sink as it arrived (see `getStream`); `body` is then empty. */
  readonly streamed?: boolean;
}

/** A 2xx response before its body: what a sink needs to decide how to read it. */
export interface ResponseHead {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly url: URL;
}

/**
 * Takes a 2xx body chunk by chunk as it arrives. A throw stops the transfer and becomes the
 * request's failure (a BackendError as it is; anything else as an undecodable body).
 */
export type BodySink = (chunk: Buffer) => void;

export interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
  readonly accept?: string;
}

/**
 * GETs against one source. It owns the source's security rules: the source's headers and
 * credentials go only to the source's own origin (a redirect elsewhere is followed without
 * them), and no secret reaches an error or a log line.
 */
export class BackendHttpClient {
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly maxRedirects: number;
  private readonly clock: BackendClock;
  private readonly log: ((line: string) => void) | undefined;
  private readonly secrets: readonly string[];

  constructor(
    readonly sourceName: string,
    readonly baseUrl: URL,
    /** Non-secret headers of the source (its `headers`, the tenant). Still origin-bound. */
    private readonly sourceHeaders: Readonly<Record<string, string>>,
    /** Authorization and secret custom headers. */
    private readonly secretHeaders: Readonly<Record<string, string>>,
    options: HttpClientOptions = {},
  ) {
    this.dispatcher = options.dispatcher ?? getGlobalDispatcher();
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.deadlineMs = options.deadlineMs ?? defaultDeadlineMs;
    this.maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? defaultMaxAttempts);
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? defaultRetryBaseDelayMs;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? defaultMaxRetryDelayMs;
    this.maxRedirects = options.maxRedirects ?? defaultMaxRedirects;
    this.clock = options.clock ?? systemClock;
    this.log = options.log;
    this.secrets = secretValues(secretHeaders);
  }

  /** The URL of an API path under the source's base URL (which may carry a prefix such as /tempo). */
  urlFor(path: string, params: QueryParams = []): URL {
    const prefix = this.baseUrl.pathname.replace(/\/+$/, '');
    const url = new URL(prefix + path, this.baseUrl.origin);
    for (const [key, value] of params) url.searchParams.append(key, value);
    return url;
  }

  fail(failure: BackendFailure): never {
    throw new BackendError(this.sourceName, failure);
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  /** A GET that resolves with whatever final status the server gave; throws only when no usable answer came. */
  async get(path: string, params: QueryParams, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.request(path, params, options, undefined);
  }

  /**
   * Like `get`, but a final 2xx body is handed to the sink `openSink` returns as it arrives
   * instead of being collected, so the caller can decode while the rest is in flight. The
   * same size bound, timeouts, redirects and retries apply: retries and redirects only ever
   * follow a non-2xx answer, so no sink sees a byte before the response it reads is final.
   * Non-2xx bodies are read as by `get`, and `openSink` is not called for them.
   */
  async getStream(path: string, params: QueryParams, openSink: (head: ResponseHead) => BodySink, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.request(path, params, options, openSink);
  }

  private async request(path: string, params: QueryParams, options: RequestOptions, openSink: ((head: ResponseHead) => BodySink) | undefined): Promise<HttpResponse> {
    const signal = options.signal;
    if (signal?.aborted) this.fail({ kind: 'cancelled' });
    let url = this.urlFor(path, params);
    let redirects = 0;
    // Real time, not `clock`: the deadline is enforced by a real timer in `once`.
    const deadlineAt = performance.now() + this.deadlineMs;
    for (let attempt = 1; ; attempt++) {
      const left = deadlineAt - performance.now();
      if (left <= 0) this.fail({ kind: 'timeout', phase: 'total', afterMs: this.deadlineMs });
      const response = await this.once(url, options.accept ?? 'application/json', signal, openSink, left);
      if (redirectStatuses.has(response.status)) {
        const location = header(response.headers, 'location');
        if (location === undefined || redirects >= this.maxRedirects) {
          this.fail({ kind: 'redirect', status: response.status, detail: location === undefined ? 'without a Location' : `more than ${this.maxRedirects} in a row` });
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          this.fail({ kind: 'redirect', status: response.status, detail: 'to an invalid Location' });
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') this.fail({ kind: 'redirect', status: response.status, detail: `to a ${next.protocol} URL` });
        redirects++;
        attempt--;
        url = next;
        continue;
      }
      if (!retryableStatuses.has(response.status) || attempt >= this.maxAttempts) return response;
      const wait = retryAfterMs(header(response.headers, 'retry-after'), this.clock.now()) ?? this.retryBaseDelayMs * 2 ** (attempt - 1);
      if (wait > this.maxRetryDelayMs) return response;
      try {
        await this.clock.sleep(wait, signal);
      } catch {
        this.fail({ kind: 'cancelled' });
      }
    }
  }

  /** GET, require 2xx, parse JSON. `onStatus` lets a backend word a status itself (404 for a trace). */
  async getJson(path: string, params: QueryParams, options: RequestOptions & { readonly onStatus?: (response: HttpResponse) => BackendFailure | undefined } = {}): Promise<unknown> {
    const response = await this.get(path, params, options);
    if (response.status < 200 || response.status > 299) this.fail(options.onStatus?.(response) ?? this.failureFor(response));
    return this.parseJson(response);
  }

  parseJson(response: HttpResponse): unknown {
    const text = response.body.toString('utf8');
    if (text.trim() === '') this.fail({ kind: 'undecodable', detail: `the response to ${response.url.pathname} is empty` });
    if (looksLikeHtml(text, header(response.headers, 'content-type'))) {
      this.fail({ kind: 'undecodable', detail: `${response.url.pathname} answered with an HTML page, not JSON (a login page, a proxy's error page, or the backend's web UI?)` });
    }
    try {
      return parseJsonOrFail(text);
    } catch (error: unknown) {
      const detail = error instanceof TraceDecodeError ? error.message : String(error);
      this.fail({ kind: 'undecodable', detail: this.redact(`${response.url.pathname} did not return valid JSON: ${detail}`) });
    }
  }

  /** The failure a non-2xx final response stands for. */
  failureFor(response: HttpResponse): BackendFailure {
    const status = response.status;
    const message = this.serverMessage(response);
    if (status === 401 || status === 403) {
      // Tempo's (and Mimir's) tenant check answers 401 "no org id" when X-Scope-OrgID is missing.
      if (/no org ?id/i.test(message)) return { kind: 'tenantRequired' };
      return { kind: 'auth', status, sentCredentials: response.sentCredentials, detail: message };
    }
    if (status === 404) return { kind: 'endpointNotFound', path: response.url.pathname };
    if (status === 429) return { kind: 'rateLimited', retryAfterMs: retryAfterMs(header(response.headers, 'retry-after'), this.clock.now()) };
    if (status >= 300 && status < 400) return { kind: 'redirect', status, detail: 'not followed' };
    if (status >= 400 && status < 500) return { kind: 'badRequest', status, message };
    return { kind: 'server', status, message };
  }

  /** The reason a server gave in an error body, whichever of the backends' shapes it uses. */
  serverMessage(response: HttpResponse): string {
    const text = response.body.toString('utf8').trim();
    if (text === '') return '';
    if (looksLikeHtml(text, header(response.headers, 'content-type'))) return 'the server answered with an HTML page';
    let message = text;
    try {
      message = messageFromJson(JSON.parse(text) as unknown) ?? text;
    } catch {
      // Tempo and Zipkin answer in plain text.
    }
    const oneLine = message.replace(/\s+/g, ' ').trim();
    return this.redact(oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine);
  }

  private async once(url: URL, accept: string, signal: AbortSignal | undefined, openSink: ((head: ResponseHead) => BodySink) | undefined, deadlineLeftMs: number): Promise<HttpResponse> {
    const sameOrigin = url.origin === this.baseUrl.origin;
    // Trace JSON shrinks about 16× under gzip; the decoded bytes stay under the same bound.
    const headers: Record<string, string> = { accept, 'accept-encoding': acceptEncoding, 'user-agent': 'SpanLens' };
    if (sameOrigin) {
      for (const [name, value] of Object.entries(this.sourceHeaders)) headers[name.toLowerCase()] = value;
      for (const [name, value] of Object.entries(this.secretHeaders)) headers[name.toLowerCase()] = value;
    }
    const sentCredentials = sameOrigin && Object.keys(this.secretHeaders).length > 0;

    const controller = new AbortController();
    // An object, because the timer callback writes it and the catch block reads it.
    const state: { phase: 'headers' | 'body'; timedOut: boolean; pastDeadline: boolean } = { phase: 'headers', timedOut: false, pastDeadline: false };
    const timer = setTimeout(() => {
      state.timedOut = true;
      controller.abort(new Error('timed out'));
    }, this.timeoutMs);
    const deadline = setTimeout(() => {
      state.pastDeadline = true;
      controller.abort(new Error('past the deadline'));
    }, deadlineLeftMs);
    const onCallerAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    const started = this.clock.now();
    const shownUrl = this.redact(`${url.origin}${url.pathname}${url.search}`);
    try {
      const response = await this.dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'GET',
        headers,
        signal: controller.signal,
        // Our own timer covers connect + headers and body silence; undici's are a backstop.
        headersTimeout: this.timeoutMs * 2,
        bodyTimeout: this.timeoutMs * 2,
      });
      state.phase = 'body';
      timer.refresh();
      const ok = response.statusCode >= 200 && response.statusCode <= 299;
      const coding = contentCoding(header(response.headers, 'content-encoding'));
      if (typeof coding === 'object') {
        // Unread, the body has no reader to take the abort error it emits when destroyed.
        response.body.on('error', () => undefined);
        response.body.destroy();
        this.fail({ kind: 'undecodable', detail: this.redact(`${url.pathname} answered with Content-Encoding "${coding.unsupported}", which SpanLens did not ask for`) });
      }
      if (ok && openSink !== undefined) {
        const sink = openSink({ status: response.statusCode, headers: response.headers, url });
        const size = await this.streamBody(response, coding, sink, timer);
        this.log?.(`GET ${shownUrl} → ${response.statusCode} (${size} bytes streamed, ${this.clock.now() - started} ms)`);
        return { status: response.statusCode, headers: response.headers, body: Buffer.alloc(0), url, sentCredentials, streamed: true };
      }
      const body = await this.readBody(response, coding, ok ? this.maxResponseBytes : errorBodyBytes, ok, timer);
      this.log?.(`GET ${shownUrl} → ${response.statusCode} (${body.length} bytes, ${this.clock.now() - started} ms)`);
      return { status: response.statusCode, headers: response.headers, body, url, sentCredentials };
    } catch (error: unknown) {
      if (error instanceof BackendError) {
        this.log?.(`GET ${shownUrl} → ${error.failure.kind}`);
        throw error;
      }
      const failure: BackendFailure = signal?.aborted
        ? { kind: 'cancelled' }
        : state.pastDeadline
          ? { kind: 'timeout', phase: 'total', afterMs: this.deadlineMs }
          : state.timedOut
            ? { kind: 'timeout', phase: state.phase, afterMs: this.timeoutMs }
            : classifyTransportError(error, url.hostname, this.timeoutMs, (text) => this.redact(text));
      this.log?.(`GET ${shownUrl} → ${failure.kind}`);
      throw new BackendError(this.sourceName, failure);
    } finally {
      clearTimeout(timer);
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Feeds a 2xx body to `sink` under the same bound as `readBody`; returns the bytes read. */
  private async streamBody(response: Dispatcher.ResponseData, coding: 'identity' | 'gzip', sink: BodySink, timer: NodeJS.Timeout): Promise<number> {
    const limit = this.maxResponseBytes;
    const declared = Number(header(response.headers, 'content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      response.body.destroy();
      this.fail({ kind: 'tooLarge', limit });
    }
    let size = 0;
    try {
      for await (const chunk of decodeContentEncoding(response.body, coding, limit, (failure) => this.fail(failure))) {
        timer.refresh();
        size += chunk.length;
        if (size > limit) {
          response.body.destroy();
          this.fail({ kind: 'tooLarge', limit, ...(coding === 'gzip' ? { decoded: true } : {}) });
        }
        try {
          sink(chunk);
        } catch (error: unknown) {
          response.body.destroy();
          if (error instanceof BackendError) throw error;
          this.fail({ kind: 'undecodable', detail: this.redact(`the response body could not be read: ${error instanceof Error ? error.message : String(error)}`) });
        }
        // Decoding a large element may take a while; that is not the server being silent.
        timer.refresh();
      }
    } catch (error: unknown) {
      if (error instanceof BackendError) throw error;
      // Part of the answer was already decoded, so a connection that drops now cut the data short.
      const failure = classifyTransportError(error, '', this.timeoutMs, (text) => this.redact(text));
      if (failure.kind === 'unreachable' && failure.reason === 'reset') {
        const of = Number.isFinite(declared) ? ` of the ${declared} it announced` : '';
        this.fail({ kind: 'undecodable', detail: `the connection closed after ${size} bytes${of}, so the response is truncated (${failure.detail})` });
      }
      throw error;
    }
    return size;
  }

  /** Streams the body, stopping at `limit`: past it a success is an error, an error body is just cut. */
  private async readBody(response: Dispatcher.ResponseData, coding: 'identity' | 'gzip', limit: number, enforce: boolean, timer: NodeJS.Timeout): Promise<Buffer> {
    const declared = Number(header(response.headers, 'content-length') ?? NaN);
    if (enforce && Number.isFinite(declared) && declared > limit) {
      response.body.destroy();
      this.fail({ kind: 'tooLarge', limit });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // An error body is cut, not refused, so its wire bytes are bounded only by the cut.
    for await (const chunk of decodeContentEncoding(response.body, coding, enforce ? limit : Number.POSITIVE_INFINITY, (failure) => this.fail(failure))) {
      timer.refresh();
      if (size + chunk.length > limit) {
        response.body.destroy();
        if (enforce) this.fail({ kind: 'tooLarge', limit, ...(coding === 'gzip' ? { decoded: true } : {}) });
        chunks.push(chunk.subarray(0, limit - size));
        size = limit;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    return Buffer.concat(chunks, size);
  }
}

function secretValues(secretHeaders: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const value of Object.values(secretHeaders)) {
    out.push(value);
    // "Bearer x" and "Basic base64" also leak through their parts, and basic's decoded user:password.
    const match = /^(?:bearer|basic)\s+(.+)$/i.exec(value);
    if (match?.[1] !== undefined) {
      out.push(match[1]);
      if (/^basic/i.test(value)) {
        const decoded = Buffer.from(match[1], 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon >= 0) out.push(decoded, decoded.slice(colon + 1));
      }
    }
  }
  // Longest first, so a value that contains another is replaced whole.
  return out.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

export function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from now; never negative. */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function looksLikeHtml(text: string, contentType: string | undefined): boolean {
  if (contentType !== undefined && /text\/html/i.test(contentType)) return true;
  return /^\s*</.test(text);
}

function messageFromJson(doc: unknown): string | undefined {
  if (typeof doc === 'string') return doc;
  if (typeof doc !== 'object' || doc === null) return undefined;
  const record = doc as Record<string, unknown>;
  // Jaeger v1: {"errors":[{"code":400,"msg":"…"}]}
  const errors = record['errors'];
  if (Array.isArray(errors)) {
    const messages = errors.flatMap((e: unknown) =>
      typeof e === 'object' && e !== null && typeof (e as Record<string, unknown>)['msg'] === 'string' ? [(e as Record<string, unknown>)['msg'] as string] : [],
    );
    if (messages.length > 0) return messages.join('; ');
  }
  // Jaeger api_v3: {"error":{"httpCode":400,"message":"…"}}; others: {"error":"…"} or {"message":"…"}
  const error = record['error'];
  if (typeof error === 'object' && error !== null && typeof (error as Record<string, unknown>)['message'] === 'string') return (error as Record<string, unknown>)['message'] as string;
  if (typeof error === 'string') return error;
  const message = record['message'];
  return typeof message === 'string' ? message : undefined;
}

const dnsCodes: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const resetCodes: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);
const tlsCodes: ReadonlySet<string> = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Node and undici errors nest (cause, AggregateError from happy-eyeballs); this finds the first code that says something. */
function errorCodes(error: unknown, depth = 0): { code: string; message: string }[] {
  if (depth > 4 || typeof error !== 'object' || error === null) return [];
  const record = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof record.code === 'string' ? [{ code: record.code, message: typeof record.message === 'string' ? record.message : '' }] : [];
  const nested = Array.isArray(record.errors) ? record.errors.flatMap((e: unknown) => errorCodes(e, depth + 1)) : [];
  return [...errorCodes(record.cause, depth + 1), ...nested, ...own];
}

/** The failure a thrown network error stands for. */
export function classifyTransportError(error: unknown, host: string, timeoutMs: number, redact: (text: string) => string): BackendFailure {
  const codes = errorCodes(error);
  const message = redact(error instanceof Error ? error.message : String(error));
  for (const { code, message: detail } of codes) {
    if (dnsCodes.has(code)) return { kind: 'dns', host };
    if (code === 'ECONNREFUSED') return { kind: 'unreachable', reason: 'refused', detail: redact(detail === '' ? code : detail) };
    if (tlsCodes.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) return { kind: 'tls', code, detail: redact(detail) };
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return { kind: 'timeout', phase: 'headers', afterMs: timeoutMs };
    if (code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'timeout', phase: 'body', afterMs: timeoutMs };
    if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return { kind: 'undecodable', detail: 'the response ended before its declared length (truncated)' };
  }
  const reset = codes.find((c) => resetCodes.has(c.code));
  if (reset !== undefined) return { kind: 'unreachable', reason: 'reset', detail: redact(reset.message === '' ? reset.code : reset.message) };
  const first = codes[0];
  if (/certificate|ssl|tls/i.test(message)) return { kind: 'tls', code: first?.code ?? 'TLS', detail: message };
  return { kind: 'unreachable', reason: 'network', detail: first === undefined ? message : `${first.code}: ${message}` };
}
