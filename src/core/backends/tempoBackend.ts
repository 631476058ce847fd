import type { JsonPath } from '../formats/jsonArraySplitter';
import { decodeOtlpJson, OtlpJsonSpanCollector } from '../formats/otlpJson';
import { TraceDecodeError, type DecodedSpans, type TraceFormat } from '../formats/traceFormat';
import { normalizeSpanId, normalizeTraceId } from '../model/ids';
import { setAttribute, type AttributeValue } from '../model/attributes';
import { createResource, createSpan, StatusCode, type Span } from '../model/span';
import type { BackendClock, BackendHttpClient, HttpResponse, QueryParams } from './backendHttpClient';
import { canonicalTraceId, goDuration, newestFirst, nsToEpochMs, resolveSearch } from './searchWindow';
import { getJsonStream, TraceBodyStream, wrapElement } from './traceBodyStream';
import { traceqlString } from './traceqlString';
import type { BackendProbe, FetchedTrace, SpanSearchResult, SpanBatchListener, TraceBackend, TraceSearchQuery, SearchHit } from './traceBackend';

/** Where Tempo puts a trace's spans: /api/v2/traces under `trace`, /api/traces at the top (backends.md §2.1). */
const tempoTracePaths = [['trace', 'resourceSpans'], ['trace', 'batches'], ['batches'], ['resourceSpans']] as const;

/**
 * Grafana Tempo's query frontend, or Grafana Cloud Traces (../shared/reference/backends.md §2).
 * Tempo has no service or operation lists of its own; they are the values of the
 * `resource.service.name` and `name` attributes. Where Tempo has a v2 endpoint it is tried
 * first and the v1 one used when an older Tempo answers 404.
 */
export class TempoBackend implements TraceBackend {
  readonly type = 'tempo' as const;
  private v2Missing = false;

  constructor(
    private readonly http: BackendHttpClient,
    private readonly clock: BackendClock,
    private readonly onDispose: () => Promise<void> = () => Promise.resolve(),
  ) {}

  get name(): string {
    return this.http.sourceName;
  }

  async probe(signal?: AbortSignal): Promise<BackendProbe> {
    const response = await this.http.get('/api/echo', [], { signal, accept: 'text/plain' });
    if (!isOk(response)) this.http.fail(this.http.failureFor(response));
    if (response.body.toString('utf8').trim() !== 'echo') {
      this.http.fail({ kind: 'undecodable', detail: `${response.url.pathname} did not answer "echo"; the URL should be Tempo's query frontend (port 3200, or …/tempo on Grafana Cloud)` });
    }
    return { type: 'tempo', api: this.v2Missing ? 'v1' : 'v2' };
  }

  async listServices(signal?: AbortSignal): Promise<string[]> {
    return this.tagValuesOf('resource.service.name', 'service.name', [], signal);
  }

  async listOperations(service: string, signal?: AbortSignal): Promise<string[]> {
    // The v2 endpoint narrows by a TraceQL filter; v1 cannot, so it lists every span name.
    return this.tagValuesOf('name', 'name', [['q', `{ resource.service.name = ${traceqlString(service)} }`]], signal);
  }

  async search(query: TraceSearchQuery, signal?: AbortSignal): Promise<SearchHit[]> {
    const summaries: SearchHit[] = [];
    await this.searchHits(this.searchParams(query), signal, (item) => {
      for (const summary of summaryOf(item)) summaries.push(summary);
    });
    return newestFirst(summaries);
  }

  /**
   * Each entry of `/api/search`'s `traces`, handed over as it arrives rather than after the whole
   * answer is parsed; resolves to how many there were.
   */
  private async searchHits(params: QueryParams, signal: AbortSignal | undefined, onHit: (item: unknown) => void): Promise<number> {
    let hits = 0;
    const streamed = await getJsonStream(
      this.http,
      '/api/search',
      params,
      [['traces']],
      (item) => {
        hits++;
        onHit(item);
      },
      { signal },
    );
    if (streamed.kind === 'split') return hits;
    // No "traces" list came apart: an empty search, or a body the buffered reading words best.
    const doc = this.http.parseJson(streamed.response);
    if (!isObject(doc)) this.http.fail({ kind: 'undecodable', detail: '/api/search did not return a JSON object' });
    const traces = doc['traces'];
    if (traces === undefined || traces === null) return 0;
    if (!Array.isArray(traces)) this.http.fail({ kind: 'undecodable', detail: '/api/search returned "traces" that is not a list' });
    for (const item of traces) onHit(item);
    return traces.length;
  }

  /**
   * The matching spans themselves, from the search's span sets: Tempo returns only the spans
   * the query matched, with the attributes its conditions and `select` name (and `status` as
   * an attribute). `spss` raises the spans per trace from the default 3 to the query
   * frontend's default cap, 100; `matched` says how many there were in all.
   */
  async searchSpans(query: TraceSearchQuery, signal?: AbortSignal): Promise<SpanSearchResult> {
    const params: [string, string][] = [...this.searchParams(query), ['spss', String(spansPerSpanSet)]];
    const spans: Span[] = [];
    let unreturned = 0;
    const traceCount = await this.searchHits(params, signal, (item) => {
      const found = spansOfSearchHit(item);
      for (const span of found.spans) spans.push(span);
      unreturned += found.unreturned;
    });
    return { spans, traceCount, unreturned };
  }

  private searchParams(query: TraceSearchQuery): [string, string][] {
    const resolved = resolveSearch(query, this.clock.now());
    if ('kind' in resolved) this.http.fail(resolved);
    const { window, limit } = resolved;
    // Unix seconds (docs §Search); an end rounded up so the newest second is inside the range.
    const start = Math.floor(window.startMs / 1000);
    const end = Math.max(start + 1, Math.ceil(window.endMs / 1000));
    const params: [string, string][] = [];
    const traceql = query.query?.trim() ?? '';
    if (traceql !== '') {
      // Tempo refuses q together with tags; TraceQL expresses every filter itself.
      if (query.service !== undefined || query.operation !== undefined || (query.tags && Object.keys(query.tags).length > 0)) {
        this.http.fail({ kind: 'invalidQuery', detail: 'give either a TraceQL query or service/operation/tags, not both (TraceQL can express them: { resource.service.name = "x" && name = "y" })' });
      }
      params.push(['q', traceql]);
    } else {
      const tags: [string, string][] = [];
      if (query.service !== undefined) tags.push(['service.name', query.service]);
      if (query.operation !== undefined) tags.push(['name', query.operation]);
      for (const [key, value] of Object.entries(query.tags ?? {})) tags.push([key, value]);
      if (tags.length > 0) params.push(['tags', logfmt(tags)]);
      if (query.minDurationMs !== undefined) params.push(['minDuration', goDuration(query.minDurationMs)]);
      if (query.maxDurationMs !== undefined) params.push(['maxDuration', goDuration(query.maxDurationMs)]);
    }
    params.push(['start', String(start)], ['end', String(end)], ['limit', String(limit)]);
    return params;
  }

  async getTrace(traceId: string, signal?: AbortSignal, onSpans?: SpanBatchListener): Promise<FetchedTrace> {
    const id = canonicalTraceId(traceId);
    if (id === undefined) this.http.fail({ kind: 'invalidQuery', detail: `${JSON.stringify(traceId)} is not a trace id (expected 16 or 32 hex characters)` });
    const notFound = { kind: 'traceNotFound', traceId: id } as const;
    const accept = 'application/json';
    // Each attempt decodes into its own collector; only a 2xx body ever reaches one.
    let collector = new OtlpJsonSpanCollector();
    let format: TraceFormat = 'tempo-json';
    const open = (at: string): Promise<{ response: HttpResponse; stream: TraceBodyStream | undefined }> => {
      collector = new OtlpJsonSpanCollector();
      let stream: TraceBodyStream | undefined;
      const onElement = (value: unknown, path: JsonPath, where: string): void => {
        const before = collector.spans.length;
        try {
          format = collector.addDocument(wrapElement(path, value), where);
        } catch (error: unknown) {
          const detail = error instanceof TraceDecodeError ? error.message : String(error);
          this.http.fail({ kind: 'undecodable', detail: `the trace data could not be decoded: ${detail}` });
        }
        if (collector.spans.length > before) onSpans?.(collector.spans.slice(before));
      };
      return this.http.getStream(at, [], (head) => (stream = new TraceBodyStream(this.http, head, tempoTracePaths, onElement)).write, { signal, accept }).then((response) => ({ response, stream }));
    };
    let attempt: { response: HttpResponse; stream: TraceBodyStream | undefined } | undefined;
    if (!this.v2Missing) {
      attempt = await open(`/api/v2/traces/${id}`);
      if (!isOk(attempt.response) && attempt.response.status !== 404) this.http.fail(this.http.failureFor(attempt.response));
    }
    if (attempt === undefined || attempt.response.status === 404) {
      const v1 = await open(`/api/traces/${id}`);
      if (v1.response.status === 404) this.http.fail(notFound);
      if (!isOk(v1.response)) this.http.fail(this.http.failureFor(v1.response));
      // A v2 404 followed by a v1 hit means this Tempo predates /api/v2.
      if (attempt !== undefined) this.v2Missing = true;
      attempt = v1;
    }
    if (attempt.stream === undefined) this.http.fail(this.http.failureFor(attempt.response));
    const streamed = attempt.stream.finish(attempt.response);
    let doc: unknown;
    let decoded: DecodedSpans;
    if (streamed.kind === 'whole') {
      doc = this.http.parseJson(streamed.response);
      if (isObject(doc) && isEmptyTrace(doc)) this.http.fail(notFound);
      decoded = this.decode(doc);
    } else {
      doc = streamed.skeleton;
      decoded = { format, spans: collector.spans, warnings: collector.warnings() };
    }
    const spans = decoded.spans.filter((s) => s.traceId === id);
    if (spans.length === 0) this.http.fail(notFound);
    const warnings = [...decoded.warnings];
    if (isObject(doc) && doc['status'] === 'PARTIAL') {
      const message = typeof doc['message'] === 'string' && doc['message'] !== '' ? `: ${this.http.redact(doc['message'])}` : '';
      warnings.push(`Tempo returned part of this trace${message}.`);
    }
    return { traceId: id, spans, format: decoded.format, warnings };
  }

  /** Scoped attribute names as TraceQL spells them (`resource.service.name`, `span.http.route`, `duration`). */
  async tagNames(signal?: AbortSignal): Promise<string[]> {
    if (!this.v2Missing) {
      const response = await this.http.get('/api/v2/search/tags', [], { signal });
      if (isOk(response)) {
        const doc = this.http.parseJson(response);
        const scopes = isObject(doc) && Array.isArray(doc['scopes']) ? doc['scopes'] : [];
        const names = scopes.flatMap((scope: unknown) => {
          if (!isObject(scope) || typeof scope['name'] !== 'string' || !Array.isArray(scope['tags'])) return [];
          const prefix = scope['name'] === 'intrinsic' ? '' : `${scope['name']}.`;
          return scope['tags'].filter((t: unknown): t is string => typeof t === 'string').map((t) => prefix + t);
        });
        return unique(names);
      }
      if (response.status !== 404) this.http.fail(this.http.failureFor(response));
    }
    const doc = await this.http.getJson('/api/search/tags', [], { signal });
    this.v2Missing = true;
    return unique(isObject(doc) && Array.isArray(doc['tagNames']) ? doc['tagNames'].filter((t: unknown): t is string => typeof t === 'string') : []);
  }

  async tagValues(tag: string, signal?: AbortSignal): Promise<string[]> {
    return this.tagValuesOf(tag, tag.replace(/^(resource|span)\./, ''), [], signal);
  }

  dispose(): Promise<void> {
    return this.onDispose();
  }

  /** Values of one attribute: v2 (scoped name, typed values) first, then v1 (bare name, strings). */
  private async tagValuesOf(v2Name: string, v1Name: string, v2Params: QueryParams, signal: AbortSignal | undefined): Promise<string[]> {
    if (!this.v2Missing) {
      const response = await this.http.get(`/api/v2/search/tag/${encodeURIComponent(v2Name)}/values`, v2Params, { signal });
      if (isOk(response)) {
        const doc = this.http.parseJson(response);
        const values = isObject(doc) && Array.isArray(doc['tagValues']) ? doc['tagValues'] : [];
        return unique(values.flatMap((v: unknown) => (isObject(v) && typeof v['value'] === 'string' ? [v['value']] : typeof v === 'string' ? [v] : [])));
      }
      if (response.status !== 404) this.http.fail(this.http.failureFor(response));
    }
    const doc = await this.http.getJson(`/api/search/tag/${encodeURIComponent(v1Name)}/values`, [], { signal });
    this.v2Missing = true;
    const values = isObject(doc) && Array.isArray(doc['tagValues']) ? doc['tagValues'] : [];
    return unique(values.filter((v: unknown): v is string => typeof v === 'string'));
  }

  private decode(doc: unknown): DecodedSpans {
    try {
      return decodeOtlpJson(doc);
    } catch (error: unknown) {
      const detail = error instanceof TraceDecodeError ? error.message : String(error);
      this.http.fail({ kind: 'undecodable', detail: `the trace data could not be decoded: ${detail}` });
    }
  }
}

/** One search hit (TraceSearchMetadata, tempo.proto). Trace ids come with leading zeros stripped (backends.md §2.2). */
function summaryOf(item: unknown): SearchHit[] {
  if (!isObject(item) || typeof item['traceID'] !== 'string') return [];
  const start = typeof item['startTimeUnixNano'] === 'string' && /^\d+$/.test(item['startTimeUnixNano']) ? BigInt(item['startTimeUnixNano']) : 0n;
  let spanCount: number | undefined;
  let errorCount: number | undefined;
  const stats = item['serviceStats'];
  if (isObject(stats)) {
    spanCount = 0;
    errorCount = 0;
    for (const stat of Object.values(stats)) {
      if (!isObject(stat)) continue;
      // jsonpb omits zero counts.
      spanCount += typeof stat['spanCount'] === 'number' ? stat['spanCount'] : 0;
      errorCount += typeof stat['errorCount'] === 'number' ? stat['errorCount'] : 0;
    }
  }
  return [
    {
      traceId: normalizeTraceId(item['traceID']),
      rootService: typeof item['rootServiceName'] === 'string' ? item['rootServiceName'] : '',
      rootName: typeof item['rootTraceName'] === 'string' ? item['rootTraceName'] : '',
      startTime: nsToEpochMs(start),
      startTimeNs: start.toString(),
      durationMs: typeof item['durationMs'] === 'number' ? item['durationMs'] : 0,
      spanCount,
      errorCount,
    },
  ];
}

/** Tempo's query-frontend default for `max_spans_per_span_set`; a larger `spss` is refused. */
const spansPerSpanSet = 100;

/**
 * The spans of one search hit. A span set lists each span once with the attributes asked for;
 * `spanSets` (Tempo 2.2+) or the deprecated single `spanSet`. Ids are hex, times are
 * nanosecond strings, values are OTLP AnyValues, and `status` arrives as an attribute.
 */
function spansOfSearchHit(item: unknown): { spans: Span[]; unreturned: number } {
  if (!isObject(item) || typeof item['traceID'] !== 'string') return { spans: [], unreturned: 0 };
  const traceId = normalizeTraceId(item['traceID']);
  const sets: unknown[] = Array.isArray(item['spanSets']) ? item['spanSets'] : isObject(item['spanSet']) ? [item['spanSet']] : [];
  const seen = new Map<string, Span>();
  let unreturned = 0;
  for (const set of sets) {
    if (!isObject(set) || !Array.isArray(set['spans'])) continue;
    const listed = set['spans'].length;
    if (typeof set['matched'] === 'number' && set['matched'] > listed) unreturned += set['matched'] - listed;
    for (const raw of set['spans'] as unknown[]) {
      const span = searchSpanOf(traceId, raw);
      // Span sets of one trace may list a span twice (one per matching spanset).
      if (span !== undefined && !seen.has(span.spanId)) seen.set(span.spanId, span);
    }
  }
  return { spans: [...seen.values()], unreturned };
}

function searchSpanOf(traceId: string, raw: unknown): Span | undefined {
  if (!isObject(raw) || typeof raw['spanID'] !== 'string') return undefined;
  const start = typeof raw['startTimeUnixNano'] === 'string' && /^\d+$/.test(raw['startTimeUnixNano']) ? BigInt(raw['startTimeUnixNano']) : undefined;
  if (start === undefined) return undefined;
  const rawDuration = raw['durationNanos'];
  const duration = typeof rawDuration === 'string' && /^\d+$/.test(rawDuration) ? BigInt(rawDuration) : typeof rawDuration === 'number' && rawDuration >= 0 ? BigInt(Math.round(rawDuration)) : 0n;
  const attributes: Record<string, AttributeValue> = {};
  const resource: Record<string, AttributeValue> = {};
  let status: StatusCode = StatusCode.Unset;
  for (const pair of Array.isArray(raw['attributes']) ? (raw['attributes'] as unknown[]) : []) {
    if (!isObject(pair) || typeof pair['key'] !== 'string') continue;
    const value = scalarOf(pair['value']);
    if (value === undefined) continue;
    const key = pair['key'];
    if (key === 'status') status = value === 'error' ? StatusCode.Error : value === 'ok' ? StatusCode.Ok : StatusCode.Unset;
    // Selected resource attributes come back unscoped; service.name is the one asked for.
    else if (key === 'service.name') setAttribute(resource, key, value);
    else setAttribute(attributes, key, value);
  }
  return createSpan({
    traceId,
    spanId: normalizeSpanId(raw['spanID'].padStart(16, '0')),
    name: typeof raw['name'] === 'string' ? raw['name'] : '',
    startNs: start,
    endNs: start + duration,
    statusCode: status,
    attributes,
    resource: createResource(resource),
  });
}

function scalarOf(value: unknown): AttributeValue | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value['stringValue'] === 'string') return value['stringValue'];
  if (typeof value['boolValue'] === 'boolean') return value['boolValue'];
  if (typeof value['doubleValue'] === 'number') return value['doubleValue'];
  const int = value['intValue'];
  if (typeof int === 'number') return int;
  if (typeof int === 'string' && /^-?\d+$/.test(int)) return Number.isSafeInteger(Number(int)) ? Number(int) : BigInt(int);
  return undefined;
}

function isEmptyTrace(doc: Record<string, unknown>): boolean {
  const inner = 'trace' in doc ? doc['trace'] : doc;
  if (inner === undefined || inner === null) return true;
  if (!isObject(inner)) return false;
  const lists = [inner['resourceSpans'], inner['batches']].filter((v) => v !== undefined);
  return lists.length === 0 ? Object.keys(inner).length === 0 : lists.every((v) => Array.isArray(v) && v.length === 0);
}

/** Tempo's `tags` parameter is logfmt: space-separated key=value, values quoted when they must be. */
export function logfmt(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([key, value]) => `${key}=${/^[^\s="\\]+$/.test(value) ? value : JSON.stringify(value)}`).join(' ');
}

/** A TraceQL string literal. */
function isOk(response: HttpResponse): boolean {
  return response.status >= 200 && response.status <= 299;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b));
}
