import { TraceDecodeError, type DecodedSpans } from '../formats/traceFormat';
import { decodeZipkinJson } from '../formats/zipkinJson';
import type { Span } from '../model/span';
import type { BackendClock, BackendHttpClient } from './backendHttpClient';
import { canonicalTraceId, groupByTrace, newestFirst, resolveSearch, summarizeSpans } from './searchWindow';
import { getJsonStream } from './traceBodyStream';
import type { BackendProbe, FetchedTrace, SpanSearchResult, TraceBackend, TraceSearchQuery, SearchHit } from './traceBackend';

/** Zipkin's v2 API (openzipkin/zipkin-api zipkin2-api.yaml; ../shared/reference/backends.md §3). */
export class ZipkinBackend implements TraceBackend {
  readonly type = 'zipkin' as const;

  constructor(
    private readonly http: BackendHttpClient,
    private readonly clock: BackendClock,
    private readonly onDispose: () => Promise<void> = () => Promise.resolve(),
  ) {}

  get name(): string {
    return this.http.sourceName;
  }

  async probe(signal?: AbortSignal): Promise<BackendProbe> {
    await this.listServices(signal);
    return { type: 'zipkin', api: 'v2' };
  }

  async listServices(signal?: AbortSignal): Promise<string[]> {
    return this.strings('/api/v2/services', [], signal);
  }

  async listOperations(service: string, signal?: AbortSignal): Promise<string[]> {
    return this.strings('/api/v2/spans', [['serviceName', service]], signal);
  }

  async search(query: TraceSearchQuery, signal?: AbortSignal): Promise<SearchHit[]> {
    const summaries: SearchHit[] = [];
    // Each trace is summed up as it arrives and its spans let go: memory holds one trace at a time.
    const { limit } = await this.searchTraces(query, signal, (trace) => {
      for (const [traceId, spans] of groupByTrace(trace)) {
        const summary = summarizeSpans(traceId, spans);
        if (summary) summaries.push(summary);
      }
    });
    return newestFirst(summaries).slice(0, limit);
  }

  /** The spans of every trace the search finds (Zipkin returns whole traces). */
  async searchSpans(query: TraceSearchQuery, signal?: AbortSignal): Promise<SpanSearchResult> {
    const spans: Span[] = [];
    const { traceCount } = await this.searchTraces(query, signal, (trace) => {
      for (const span of trace) spans.push(span);
    });
    return { spans, traceCount, unreturned: 0 };
  }

  /**
   * Hands each trace found to `onTrace`, decoded as soon as its list has arrived (the answer is
   * `[[span…], …]`, split per trace while it downloads).
   */
  private async searchTraces(query: TraceSearchQuery, signal: AbortSignal | undefined, onTrace: (spans: Span[]) => void): Promise<{ traceCount: number; limit: number }> {
    if (query.query !== undefined && query.query.trim() !== '') {
      this.http.fail({ kind: 'invalidQuery', detail: 'Zipkin has no query language; search by service, span name and tags instead' });
    }
    const resolved = resolveSearch(query, this.clock.now());
    if ('kind' in resolved) this.http.fail(resolved);
    const { window, limit } = resolved;
    const params: [string, string][] = [];
    if (query.service !== undefined) params.push(['serviceName', query.service]);
    if (query.operation !== undefined) params.push(['spanName', query.operation]);
    const terms = Object.entries(query.tags ?? {}).map(([key, value]) => {
      const problem = annotationTermProblem(key, value);
      if (problem !== undefined) this.http.fail({ kind: 'invalidQuery', detail: problem });
      return annotationTerm(key, value);
    });
    if (terms.length > 0) params.push(['annotationQuery', terms.join(' and ')]);
    // Durations are microseconds, endTs and lookback milliseconds (zipkin2-api.yaml).
    if (query.minDurationMs !== undefined) params.push(['minDuration', String(Math.round(query.minDurationMs * 1000))]);
    if (query.maxDurationMs !== undefined) params.push(['maxDuration', String(Math.round(query.maxDurationMs * 1000))]);
    params.push(['endTs', String(Math.round(window.endMs))], ['lookback', String(Math.round(window.endMs - window.startMs))], ['limit', String(limit)]);
    let traceCount = 0;
    const take = (trace: unknown): void => {
      if (!Array.isArray(trace) || trace.length === 0) return;
      traceCount++;
      onTrace(this.decode(trace).spans);
    };
    const streamed = await getJsonStream(this.http, '/api/v2/traces', params, [[]], take, { signal });
    if (streamed.kind === 'whole') {
      const doc = this.http.parseJson(streamed.response);
      if (!Array.isArray(doc)) this.http.fail({ kind: 'undecodable', detail: '/api/v2/traces did not return a list of traces' });
      for (const trace of doc) take(trace);
    }
    return { traceCount, limit };
  }

  async getTrace(traceId: string, signal?: AbortSignal): Promise<FetchedTrace> {
    const id = canonicalTraceId(traceId);
    if (id === undefined) this.http.fail({ kind: 'invalidQuery', detail: `${JSON.stringify(traceId)} is not a trace id (expected 16 or 32 hex characters)` });
    // Zipkin stores a 128-bit id whose high half is zero as 16 characters (Span.normalizeTraceId).
    const wireId = id.startsWith('0000000000000000') ? id.slice(16) : id;
    // Spans are parsed while the list downloads and decoded together at the end: the decoder
    // settles shared (client + server) span ids across the whole trace.
    const parsed: unknown[] = [];
    const streamed = await getJsonStream(this.http, `/api/v2/trace/${wireId}`, [], [[]], (value) => parsed.push(value), {
      signal,
      onStatus: (r) => (r.status === 404 ? { kind: 'traceNotFound', traceId: id } : undefined),
    });
    const doc = streamed.kind === 'whole' ? this.http.parseJson(streamed.response) : parsed;
    if (!Array.isArray(doc) || doc.length === 0) this.http.fail({ kind: 'traceNotFound', traceId: id });
    const decoded = this.decode(doc);
    const spans = decoded.spans.filter((s) => s.traceId === id);
    if (spans.length === 0) this.http.fail({ kind: 'traceNotFound', traceId: id });
    return { traceId: id, spans, format: decoded.format, warnings: decoded.warnings };
  }

  /** Keys the server was configured to autocomplete (`zipkin.storage.autocomplete-keys`). */
  async tagNames(signal?: AbortSignal): Promise<string[]> {
    return this.strings('/api/v2/autocompleteKeys', [], signal);
  }

  async tagValues(tag: string, signal?: AbortSignal): Promise<string[]> {
    return this.strings('/api/v2/autocompleteValues', [['key', tag]], signal);
  }

  dispose(): Promise<void> {
    return this.onDispose();
  }

  private async strings(path: string, params: [string, string][], signal: AbortSignal | undefined): Promise<string[]> {
    const doc = await this.http.getJson(path, params, { signal });
    if (!Array.isArray(doc)) this.http.fail({ kind: 'undecodable', detail: `${path} did not return a list` });
    return [...new Set(doc.filter((v: unknown): v is string => typeof v === 'string'))].sort((a, b) => a.localeCompare(b));
  }

  private decode(doc: unknown): DecodedSpans {
    try {
      return decodeZipkinJson(doc);
    } catch (error: unknown) {
      const detail = error instanceof TraceDecodeError ? error.message : String(error);
      this.http.fail({ kind: 'undecodable', detail: `the trace data could not be decoded: ${detail}` });
    }
  }
}

/**
 * Why a tag cannot be one `annotationQuery` term, or undefined. Zipkin splits the query on
 * " and " and each term at its first "=" (zipkin2 QueryRequest), so such a tag would be searched
 * as other terms and find nothing, or the wrong spans, without a word.
 */
function annotationTermProblem(key: string, value: string): string | undefined {
  if (/ and /i.test(key) || / and /i.test(value)) return `Zipkin cannot search for the tag ${JSON.stringify(`${key}=${value}`)}: its annotationQuery splits terms on " and "`;
  if (key.includes('=')) return `Zipkin cannot search for a tag name containing "=" (${JSON.stringify(key)})`;
  if (/[\r\n]/.test(key) || /[\r\n]/.test(value)) return 'Zipkin cannot search for a tag with a line break';
  return undefined;
}

/**
 * One `annotationQuery` term: `key=value` matches a tag, a bare key matches a tag key or an
 * annotation. Terms are joined by " and ", which the value therefore must not contain.
 */
function annotationTerm(key: string, value: string): string {
  return value === '' ? key : `${key}=${value}`;
}
