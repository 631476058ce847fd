import type { DecodedSpans } from '../formats/traceFormat';
import { normalizeTraceId } from '../model/ids';
import type { BackendClock, BackendHttpClient, HttpResponse, QueryParams } from './backendHttpClient';
import { canonicalTraceId, goDuration, groupByTrace, newestFirst, nsToEpochMs, resolveSearch, summarizeSpans, type SearchWindow } from './searchWindow';
import { JaegerStreamDecoder } from './jaegerStreamDecoder';
import { getJsonStream, openJsonStream } from './traceBodyStream';
import type { BackendProbe, FetchedTrace, SpanSearchResult, SpanBatchListener, TraceBackend, TraceSearchQuery, SearchHit } from './traceBackend';

export type JaegerApi = 'api_v3' | 'v1';

/**
 * Jaeger's query service (../shared/reference/backends.md §1). api_v3 is preferred: Jaeger
 * after v2.20 removed the v1 search endpoints (PR #9260), while every released server up to
 * then still has them. Which one a server speaks is found out once, on first use.
 */
export class JaegerBackend implements TraceBackend {
  readonly type = 'jaeger' as const;
  private api: JaegerApi | undefined;
  /** trace-summaries arrived in v2.19; older api_v3 servers search through /api/v3/traces. */
  private summariesMissing = false;
  /** Whether trace-summaries exists, once asked without a search (see searchApi). */
  private summariesProbed = false;

  constructor(
    private readonly http: BackendHttpClient,
    private readonly clock: BackendClock,
    private readonly onDispose: () => Promise<void> = () => Promise.resolve(),
    forceApi?: JaegerApi,
  ) {
    this.api = forceApi;
  }

  get name(): string {
    return this.http.sourceName;
  }

  async probe(signal?: AbortSignal): Promise<BackendProbe> {
    return { type: 'jaeger', api: await this.detect(signal) };
  }

  async listServices(signal?: AbortSignal): Promise<string[]> {
    if ((await this.detect(signal)) === 'api_v3') {
      const doc = await this.http.getJson('/api/v3/services', [], { signal });
      return sorted(stringArray(this.listField(doc, 'services', '/api/v3/services')));
    }
    const doc = await this.http.getJson('/api/services', [], { signal });
    return sorted(stringArray(this.field(doc, 'data', '/api/services')));
  }

  async listOperations(service: string, signal?: AbortSignal): Promise<string[]> {
    if ((await this.detect(signal)) === 'api_v3') {
      const doc = await this.http.getJson('/api/v3/operations', [['service', service]], { signal });
      const operations = this.listField(doc, 'operations', '/api/v3/operations');
      const names = Array.isArray(operations) ? operations.flatMap((op: unknown) => (isObject(op) && typeof op['name'] === 'string' ? [op['name']] : [])) : [];
      return sorted(names);
    }
    const path = `/api/services/${encodeURIComponent(service)}/operations`;
    const doc = await this.http.getJson(path, [], { signal });
    return sorted(stringArray(this.field(doc, 'data', path)));
  }

  async search(query: TraceSearchQuery, signal?: AbortSignal): Promise<SearchHit[]> {
    if (query.query !== undefined && query.query.trim() !== '') {
      this.http.fail({ kind: 'invalidQuery', detail: 'Jaeger has no query language; search by service, operation and tags instead' });
    }
    const resolved = resolveSearch(query, this.clock.now());
    if ('kind' in resolved) this.http.fail(resolved);
    const api = await this.detect(signal);
    return api === 'api_v3' ? this.searchV3(query, resolved.window, resolved.limit, signal) : this.searchV1(query, resolved.window, resolved.limit, signal);
  }

  async getTrace(traceId: string, signal?: AbortSignal, onSpans?: SpanBatchListener): Promise<FetchedTrace> {
    const id = canonicalTraceId(traceId);
    if (id === undefined) this.http.fail({ kind: 'invalidQuery', detail: `${JSON.stringify(traceId)} is not a trace id (expected 16 or 32 hex characters)` });
    const api = await this.detect(signal);
    const path = api === 'api_v3' ? `/api/v3/traces/${id}` : `/api/traces/${id}`;
    const decoded = await this.fetchDecoded(path, api, id, signal, onSpans);
    const spans = decoded.spans.filter((s) => s.traceId === id);
    if (spans.length === 0) this.http.fail({ kind: 'traceNotFound', traceId: id });
    return { traceId: id, spans, format: decoded.format, warnings: decoded.warnings };
  }

  dispose(): Promise<void> {
    return this.onDispose();
  }

  /** api_v3 if /api/v3/services answers like api_v3, else v1 if /api/services answers like v1. */
  private async detect(signal: AbortSignal | undefined): Promise<JaegerApi> {
    if (this.api !== undefined) return this.api;
    const v3 = await this.http.get('/api/v3/services', [], { signal });
    const v3Doc = isOk(v3) ? tryJson(v3) : undefined;
    // An empty server answers `{}`: protojson leaves out an empty list.
    if (isObject(v3Doc) && (Array.isArray(v3Doc['services']) || Object.keys(v3Doc).length === 0)) return (this.api = 'api_v3');
    // An auth or server failure says nothing about the API; report it rather than guess.
    if (v3.status === 401 || v3.status === 403 || v3.status >= 500) this.http.fail(this.http.failureFor(v3));
    const v1 = await this.http.get('/api/services', [], { signal });
    const v1Doc = isOk(v1) ? tryJson(v1) : undefined;
    if (isObject(v1Doc) && 'data' in v1Doc) return (this.api = 'v1');
    if (!isOk(v1) && v1.status !== 404) this.http.fail(this.http.failureFor(v1));
    this.http.fail({
      kind: 'undecodable',
      detail: `neither ${this.http.urlFor('/api/v3/services').pathname} (api_v3) nor ${this.http.urlFor('/api/services').pathname} (v1) answered like a Jaeger query service (HTTP ${v3.status} and ${v1.status}); the URL should be the query service, usually port 16686`,
    });
  }

  /**
   * The spans of the traces a search finds: api_v3's /api/v3/traces and v1's /api/traces both
   * answer with whole traces, so every span of each is returned (the caller picks its own).
   */
  async searchSpans(query: TraceSearchQuery, signal?: AbortSignal): Promise<SpanSearchResult> {
    if (query.query !== undefined && query.query.trim() !== '') {
      this.http.fail({ kind: 'invalidQuery', detail: 'Jaeger has no query language; search by service, operation and tags instead' });
    }
    const resolved = resolveSearch(query, this.clock.now());
    if ('kind' in resolved) this.http.fail(resolved);
    const api = await this.searchApi(query, signal);
    const decoded =
      api === 'api_v3'
        ? await this.searchDecoded('/api/v3/traces', this.v3SearchParams(query, resolved.window, resolved.limit), api, signal)
        : await this.searchDecoded('/api/traces', this.v1SearchParams(query, resolved.window, resolved.limit), api, signal);
    return { spans: decoded.spans, traceCount: groupByTrace(decoded.spans).size, unreturned: 0 };
  }

  /**
   * The API a search goes to. /api/v3/traces ignored `query.attributes` until the release that
   * added trace-summaries (Jaeger PR #8574, then #8604 in v2.19): such a server answers a tag
   * search with every trace of the service. Those servers still have the v1 search, which does
   * filter by tags, so a search with tags goes there.
   */
  private async searchApi(query: TraceSearchQuery, signal: AbortSignal | undefined): Promise<JaegerApi> {
    const api = await this.detect(signal);
    if (api === 'v1' || !hasTags(query)) return api;
    if (!this.summariesMissing && !this.summariesProbed) {
      // Without parameters a server that has the endpoint refuses in JSON (the time range is
      // required); an older one answers with its UI page or a plain 404.
      const response = await this.http.get('/api/v3/trace-summaries', [], { signal });
      if (response.status === 401 || response.status === 403 || response.status >= 500) this.http.fail(this.http.failureFor(response));
      if (!isObject(tryJson(response))) this.summariesMissing = true;
      this.summariesProbed = true;
    }
    return this.summariesMissing ? 'v1' : 'api_v3';
  }

  private async searchV3(query: TraceSearchQuery, window: SearchWindow, limit: number, signal: AbortSignal | undefined): Promise<SearchHit[]> {
    const params = this.v3SearchParams(query, window, limit);

    if (!this.summariesMissing) {
      const response = await this.http.get('/api/v3/trace-summaries', params, { signal });
      if (isNoTracesFound(response)) return [];
      if (isOk(response)) {
        const doc = tryJson(response);
        if (isObject(doc)) {
          this.summariesProbed = true;
          return newestFirst(this.summariesFromV3(doc));
        }
        // Before v2.19 the path is unknown and the UI's catch-all route answers with its page (200, text/html).
      } else if (response.status !== 404) {
        this.http.fail(this.http.failureFor(response));
      }
      this.summariesMissing = true;
    }
    if (hasTags(query)) return this.searchV1(query, window, limit, signal);
    return this.summariesFromSpans(await this.searchDecoded('/api/v3/traces', params, 'api_v3', signal), limit);
  }

  private v3SearchParams(query: TraceSearchQuery, window: SearchWindow, limit: number): [string, string][] {
    // The snake_case names are the ones every api_v3 server understands (backends.md §1.5).
    const params: [string, string][] = [];
    if (query.service !== undefined) params.push(['query.service_name', query.service]);
    if (query.operation !== undefined) params.push(['query.operation_name', query.operation]);
    params.push(['query.start_time_min', new Date(window.startMs).toISOString()], ['query.start_time_max', new Date(window.endMs).toISOString()]);
    if (query.minDurationMs !== undefined) params.push(['query.duration_min', goDuration(query.minDurationMs)]);
    if (query.maxDurationMs !== undefined) params.push(['query.duration_max', goDuration(query.maxDurationMs)]);
    params.push(['query.num_traces', String(limit)]);
    if (query.tags !== undefined && Object.keys(query.tags).length > 0) params.push(['query.attributes', JSON.stringify(query.tags)]);
    return params;
  }

  private async searchV1(query: TraceSearchQuery, window: SearchWindow, limit: number, signal: AbortSignal | undefined): Promise<SearchHit[]> {
    return this.summariesFromSpans(await this.searchDecoded('/api/traces', this.v1SearchParams(query, window, limit), 'v1', signal), limit);
  }

  private v1SearchParams(query: TraceSearchQuery, window: SearchWindow, limit: number): [string, string][] {
    if (query.service === undefined || query.service === '') this.http.fail({ kind: 'invalidQuery', detail: 'Jaeger needs a service to search in' });
    const params: [string, string][] = [['service', query.service]];
    if (query.operation !== undefined) params.push(['operation', query.operation]);
    // start/end are unix microseconds (query_parser.go); lookback is only what the UI sends, the server reads start/end.
    params.push(['start', String(window.startMs * 1000)], ['end', String(window.endMs * 1000)], ['lookback', `${Math.round((window.endMs - window.startMs) / 60_000)}m`]);
    if (query.minDurationMs !== undefined) params.push(['minDuration', goDuration(query.minDurationMs)]);
    if (query.maxDurationMs !== undefined) params.push(['maxDuration', goDuration(query.maxDurationMs)]);
    params.push(['limit', String(limit)]);
    if (query.tags !== undefined && Object.keys(query.tags).length > 0) params.push(['tags', JSON.stringify(query.tags)]);
    return params;
  }

  private summariesFromV3(doc: unknown): SearchHit[] {
    const list = this.field(doc, 'summaries', '/api/v3/trace-summaries');
    if (!Array.isArray(list)) return [];
    return list.flatMap((item: unknown): SearchHit[] => {
      if (!isObject(item) || typeof item['traceId'] !== 'string') return [];
      const start = bigintField(item['minStartTimeUnixNano']) ?? 0n;
      const end = bigintField(item['maxEndTimeUnixNano']) ?? start;
      return [
        {
          traceId: normalizeTraceId(item['traceId']),
          rootService: typeof item['rootServiceName'] === 'string' ? item['rootServiceName'] : '',
          rootName: typeof item['rootOperationName'] === 'string' ? item['rootOperationName'] : '',
          startTime: nsToEpochMs(start),
          startTimeNs: start.toString(),
          durationMs: end > start ? Number(end - start) / 1e6 : 0,
          spanCount: typeof item['spanCount'] === 'number' ? item['spanCount'] : undefined,
          errorCount: typeof item['errorSpanCount'] === 'number' ? item['errorSpanCount'] : 0,
        },
      ];
    });
  }

  private summariesFromSpans(decoded: DecodedSpans, limit: number): SearchHit[] {
    const out: SearchHit[] = [];
    for (const [traceId, spans] of groupByTrace(decoded.spans)) {
      const summary = summarizeSpans(traceId, spans);
      if (summary) out.push(summary);
    }
    return newestFirst(out).slice(0, limit);
  }

  /** The trace, decoded while it downloads (JaegerStreamDecoder). */
  private async fetchDecoded(path: string, api: JaegerApi, id: string, signal: AbortSignal | undefined, onSpans: SpanBatchListener | undefined): Promise<DecodedSpans> {
    const decoder = new JaegerStreamDecoder(this.http, api, onSpans);
    const streamed = await getJsonStream(this.http, path, [], decoder.paths, decoder.onElement, {
      ...decoder.split,
      signal,
      onStatus: (r) => (r.status === 404 ? { kind: 'traceNotFound', traceId: id } : undefined),
    });
    return decoder.result(streamed);
  }

  /**
   * A search answered with whole traces, decoded while it downloads: neither the body nor its
   * parsed document is ever held whole, only the spans. Empty when api_v3 answers
   * 404 "No traces found".
   */
  private async searchDecoded(path: string, params: QueryParams, api: JaegerApi, signal: AbortSignal | undefined): Promise<DecodedSpans> {
    const decoder = new JaegerStreamDecoder(this.http, api);
    const { response, body } = await openJsonStream(this.http, path, params, decoder.paths, decoder.onElement, { ...decoder.split, signal });
    if (body !== undefined) return decoder.result(body);
    if (isNoTracesFound(response)) return { format: api === 'api_v3' ? 'jaeger-api-v3' : 'jaeger-json', spans: [], warnings: [] };
    this.http.fail(this.http.failureFor(response));
  }

  /** api_v3 answers are protojson, which leaves an empty list out rather than writing `[]`. */
  private listField(doc: unknown, key: string, path: string): unknown {
    if (!isObject(doc)) this.http.fail({ kind: 'undecodable', detail: `${path} did not return a JSON object` });
    return doc[key] ?? [];
  }

  private field(doc: unknown, key: string, path: string): unknown {
    if (!isObject(doc) || !(key in doc)) this.http.fail({ kind: 'undecodable', detail: `${path} returned JSON without "${key}"` });
    return doc[key];
  }
}

function hasTags(query: TraceSearchQuery): boolean {
  return query.tags !== undefined && Object.keys(query.tags).length > 0;
}

function isOk(response: HttpResponse): boolean {
  return response.status >= 200 && response.status <= 299;
}

/** api_v3 answers an empty search with 404 "No traces found" where v1 gave 200 and no data (PR #9260). */
function isNoTracesFound(response: HttpResponse): boolean {
  if (response.status !== 404) return false;
  const doc = tryJson(response);
  if (!isObject(doc) || !isObject(doc['error'])) return false;
  const message = doc['error']['message'];
  return typeof message === 'string' && /no traces found/i.test(message);
}

function tryJson(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v: unknown): v is string => typeof v === 'string') : [];
}

function sorted(values: string[]): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b));
}

function bigintField(value: unknown): bigint | undefined {
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return undefined;
}
