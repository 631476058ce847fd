import type { TraceFormat } from '../formats/traceFormat';
import type { Span } from '../model/span';
import type { SourceType } from './sourceConfig';

/**
 * A search as the `spanlens.searchTraces` command takes it (../shared/reference/contract.md);
 * each backend translates it to its own parameter names and units.
 */
export interface TraceSearchQuery {
  readonly service?: string;
  readonly operation?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** TraceQL for Tempo; other backends refuse it. */
  readonly query?: string;
  readonly minDurationMs?: number;
  readonly maxDurationMs?: number;
  /** How far back from `endTimeMs`; default 60. */
  readonly lookbackMinutes?: number;
  /** Default 20. */
  readonly limit?: number;
  /** Epoch ms the window ends at; default now. */
  readonly endTimeMs?: number;
}

/** One search hit, the shape the contract's `searchTraces` resolves to. */
export interface SearchHit {
  /** Canonical: 32 lower-case hex characters. */
  readonly traceId: string;
  readonly rootService: string;
  readonly rootName: string;
  /** Epoch milliseconds (may have a fraction). */
  readonly startTime: number;
  /** Epoch nanoseconds as a decimal string, for callers that need the exact value. */
  readonly startTimeNs: string;
  readonly durationMs: number;
  /** undefined when the backend's search does not say (Tempo without serviceStats). */
  readonly spanCount: number | undefined;
  readonly errorCount: number | undefined;
}

export interface FetchedTrace {
  readonly traceId: string;
  readonly spans: Span[];
  readonly format: TraceFormat;
  readonly warnings: string[];
}

/** Receives each batch of newly decoded spans, unfiltered (another trace's spans may be among them). */
export type SpanBatchListener = (spans: readonly Span[]) => void;

/** The spans a search found, for figures over them (production latency of a file's functions). */
export interface SpanSearchResult {
  /** Jaeger and Zipkin: every span of each trace found; Tempo: the matching spans only, with the attributes the query selected. */
  readonly spans: Span[];
  /** Traces the backend returned; as many as the limit means there may be more. */
  readonly traceCount: number;
  /** Matching spans the backend counted but did not send (Tempo's spans-per-spanset cap). */
  readonly unreturned: number;
}

/** What `probe` found out about a source, for a "test connection" command and the tree's tooltip. */
export interface BackendProbe {
  readonly type: SourceType;
  /** e.g. "api_v3" or "v1" for Jaeger. */
  readonly api: string;
}

/**
 * One remote trace backend. Every method takes an optional AbortSignal and throws
 * BackendError (never anything else) on failure.
 */
export interface TraceBackend {
  readonly name: string;
  readonly type: SourceType;
  probe(signal?: AbortSignal): Promise<BackendProbe>;
  listServices(signal?: AbortSignal): Promise<string[]>;
  listOperations(service: string, signal?: AbortSignal): Promise<string[]>;
  search(query: TraceSearchQuery, signal?: AbortSignal): Promise<SearchHit[]>;
  /**
   * `onSpans` is handed the spans decoded so far, batch by batch, while the body still streams
   * (the tree shows a large trace before its last byte); backends that can only decode
   * the whole body never call it. The resolved trace is authoritative either way.
   */
  getTrace(traceId: string, signal?: AbortSignal, onSpans?: SpanBatchListener): Promise<FetchedTrace>;
  /** Like `search`, bounded by the same limit, but resolves to the spans themselves. */
  searchSpans(query: TraceSearchQuery, signal?: AbortSignal): Promise<SpanSearchResult>;
  /** Attribute names for completion (Tempo: scoped TraceQL names; Zipkin: autocomplete keys). */
  tagNames?(signal?: AbortSignal): Promise<string[]>;
  tagValues?(tag: string, signal?: AbortSignal): Promise<string[]>;
  /** Closes connections the backend opened itself (a dispatcher it built from TLS settings). */
  dispose(): Promise<void>;
}
