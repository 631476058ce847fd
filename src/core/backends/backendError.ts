import { formatDuration } from '../../shared/formatDuration';
import { formatBytes } from '../formats/traceFormat';

/**
 * Why a call to a trace backend failed, as data (style.md habit 6). Every text field that can
 * hold something a server or the network said has already been through `redactSecrets`, so a
 * failure can be logged or shown as it is.
 */
export type BackendFailure =
  | { readonly kind: 'invalidConfig'; readonly detail: string }
  | { readonly kind: 'invalidQuery'; readonly detail: string }
  | { readonly kind: 'missingCredentials'; readonly auth: 'bearer' | 'basic' }
  | { readonly kind: 'dns'; readonly host: string }
  | { readonly kind: 'unreachable'; readonly reason: 'refused' | 'reset' | 'network'; readonly detail: string }
  | { readonly kind: 'timeout'; readonly phase: 'headers' | 'body' | 'total'; readonly afterMs: number }
  | { readonly kind: 'tls'; readonly code: string; readonly detail: string }
  | { readonly kind: 'auth'; readonly status: 401 | 403; readonly sentCredentials: boolean; readonly detail: string }
  | { readonly kind: 'tenantRequired' }
  | { readonly kind: 'traceNotFound'; readonly traceId: string }
  | { readonly kind: 'endpointNotFound'; readonly path: string }
  | { readonly kind: 'badRequest'; readonly status: number; readonly message: string }
  | { readonly kind: 'rateLimited'; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'server'; readonly status: number; readonly message: string }
  | { readonly kind: 'redirect'; readonly status: number; readonly detail: string }
  | { readonly kind: 'tooLarge'; readonly limit: number; readonly decoded?: boolean }
  | { readonly kind: 'undecodable'; readonly detail: string }
  | { readonly kind: 'unsupported'; readonly detail: string }
  | { readonly kind: 'cancelled' };

export type BackendFailureKind = BackendFailure['kind'];

export class BackendError extends Error {
  constructor(
    readonly sourceName: string,
    readonly failure: BackendFailure,
  ) {
    super(describeBackendFailure(sourceName, failure));
    this.name = 'BackendError';
  }
}

export function isBackendError(error: unknown, kind?: BackendFailureKind): error is BackendError {
  return error instanceof BackendError && (kind === undefined || error.failure.kind === kind);
}

/**
 * What went wrong with the named source and what the person can do about it. The adapter shows
 * this as it is; for `auth`, `missingCredentials` and `tenantRequired` it can also offer the
 * set-credentials command.
 */
export function describeBackendFailure(sourceName: string, failure: BackendFailure): string {
  const source = `Trace source "${sourceName}"`;
  switch (failure.kind) {
    case 'invalidConfig':
      return `${source} is not configured correctly: ${failure.detail}. Fix it in the spanlens.sources setting.`;
    case 'invalidQuery':
      return `${source} cannot run this search: ${failure.detail}.`;
    case 'missingCredentials':
      return `${source} uses ${failure.auth === 'bearer' ? 'a bearer token' : 'a user name and password'} but none is stored. Set the credentials with "SpanLens: Set Source Credentials…".`;
    case 'dns':
      return `${source}: the host name ${failure.host} could not be resolved. Check the URL in spanlens.sources and your network or VPN.`;
    case 'unreachable':
      return failure.reason === 'refused'
        ? `${source} refused the connection (${failure.detail}). Check that the backend is running and that the URL and port in spanlens.sources are right.`
        : `${source} could not be reached (${failure.detail}). Check the URL, your network, VPN or proxy settings.`;
    case 'timeout':
      if (failure.phase === 'total') {
        return `${source} was stopped after ${formatDuration(failure.afterMs * 1e6)}, the longest SpanLens lets one request run, because the response was still arriving (the server or the network is sending it very slowly). Try a shorter time range or a smaller limit; if the backend is healthy, check the network or proxy in between.`;
      }
      return `${source} did not answer within ${formatDuration(failure.afterMs * 1e6)} (${failure.phase === 'headers' ? 'waiting for a response' : 'while sending the response'}). The backend may be overloaded; try a shorter time range or a smaller limit.`;
    case 'tls':
      return `${source}: the TLS connection failed (${failure.code}: ${failure.detail}). If the server uses a private certificate authority, set tls.caFile for this source.`;
    case 'auth':
      return failure.sentCredentials
        ? `${source} rejected the credentials (HTTP ${failure.status}${failure.detail === '' ? '' : `: ${failure.detail}`}). Update them with "SpanLens: Set Source Credentials…".`
        : `${source} requires authentication (HTTP ${failure.status}). Set "auth" for the source in spanlens.sources and store the credentials with "SpanLens: Set Source Credentials…".`;
    case 'tenantRequired':
      return `${source} runs with multi-tenancy and needs a tenant: set "tenant" for the source in spanlens.sources (it is sent as X-Scope-OrgID).`;
    case 'traceNotFound':
      return `${source} has no trace with id ${failure.traceId}. It may be outside the backend's retention, not yet ingested, or stored in another source.`;
    case 'endpointNotFound':
      return `${source} has no endpoint ${failure.path} (HTTP 404). Check that the URL points at the backend's query API (including any path prefix) and that "type" is right.`;
    case 'badRequest':
      return `${source} rejected the request (HTTP ${failure.status}): ${failure.message === '' ? 'no reason given' : failure.message}.`;
    case 'rateLimited':
      return `${source} is rate limiting requests (HTTP 429)${failure.retryAfterMs === undefined ? '' : `; it asks to wait ${Math.ceil(failure.retryAfterMs / 1000)} s`}. Try again later.`;
    case 'server':
      return `${source} failed with HTTP ${failure.status}${failure.message === '' ? '' : `: ${failure.message}`}. Try again; if it persists, check the backend's logs.`;
    case 'redirect':
      return `${source} answered with a redirect SpanLens does not follow (HTTP ${failure.status}, ${failure.detail}). Put the final URL in spanlens.sources.`;
    case 'tooLarge':
      if (failure.decoded === true) {
        return `${source} sent a gzip-compressed response that expands past ${formatBytes(failure.limit)}, so SpanLens stopped decoding it (a runaway search, or a compression bomb). Narrow the search (shorter range, smaller limit).`;
      }
      return `${source} sent a response larger than ${formatBytes(failure.limit)}, so SpanLens stopped reading it. Narrow the search (shorter range, smaller limit).`;
    case 'undecodable':
      return `${source} sent a response SpanLens cannot read: ${failure.detail}. Check that the URL points at the backend's API and that "type" is right.`;
    case 'unsupported':
      return `${source}: ${failure.detail}.`;
    case 'cancelled':
      return `The request to ${source.charAt(0).toLowerCase()}${source.slice(1)} was cancelled.`;
  }
}

/** How long a request ran, as a person reads it in a message. */
const redactedMark = '‹redacted›';

/**
 * Removes every secret from a text that may reach a message or log: servers echo headers in
 * error pages, and proxies put them in diagnostics. Very short secrets are still replaced — a
 * false positive costs a word, a leak costs the credential.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    out = out.split(secret).join(redactedMark);
  }
  return out;
}
