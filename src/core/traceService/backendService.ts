import { BackendError } from '../backends/backendError';
import { createTraceBackend, type CreateBackendOptions } from '../backends/createTraceBackend';
import type { SourceConfig, SourceCredentials } from '../backends/sourceConfig';
import { findFunctionSpans, type FunctionSpansOutcome, type RemoteFunctionSpansRequest } from './functionSpansService';
import type { FetchedTrace, SpanBatchListener, TraceBackend, TraceSearchQuery, SearchHit } from '../backends/traceBackend';

/** VS Code's `http.proxy`, `http.noProxy` and `http.proxyStrictSSL`, as the adapter read them. */
export interface ProxySettings {
  readonly proxyUrl?: string | undefined;
  readonly noProxy?: readonly string[] | undefined;
  /** `false` skips certificate checks on connections through a proxy (see createDispatcher). */
  readonly strictSSL?: boolean | undefined;
}

export interface RemoteSourceEntry {
  readonly config: SourceConfig;
  /** From SecretStorage; crosses to the worker in memory only and is never logged. */
  readonly credentials?: SourceCredentials | undefined;
}

/** Everything the worker needs to reach the configured backends; sent whole on every change. */
export interface RemoteSourcesSettings {
  readonly sources: readonly RemoteSourceEntry[];
  readonly proxy: ProxySettings;
}

interface LiveBackend {
  /** Identity of what the backend was built from, so an unchanged source keeps its connections. */
  readonly key: string;
  readonly backend: Promise<TraceBackend>;
}

/**
 * The remote backends, living in the trace-service worker so that requests, JSON parsing and
 * decoding of a large trace never run on the extension host thread. Clients are built lazily
 * on first use and rebuilt only when their source's settings or credentials change.
 */
export class BackendService {
  private settings: RemoteSourcesSettings = { sources: [], proxy: {} };
  private readonly live = new Map<string, LiveBackend>();

  /** Test seam: extra options for every client (a fake clock, short timeouts). */
  constructor(private readonly options: CreateBackendOptions = {}) {}

  async configure(settings: RemoteSourcesSettings): Promise<void> {
    this.settings = settings;
    const stale: Promise<TraceBackend>[] = [];
    for (const [name, live] of this.live) {
      const entry = settings.sources.find((source) => source.config.name === name);
      if (entry === undefined || keyOf(entry, settings.proxy) !== live.key) {
        this.live.delete(name);
        stale.push(live.backend);
      }
    }
    await Promise.all(stale.map((backend) => disposeQuietly(backend)));
  }

  sourceNames(): string[] {
    return this.settings.sources.map((source) => source.config.name);
  }

  async listServices(source: string, signal?: AbortSignal): Promise<string[]> {
    return (await this.backend(source)).listServices(signal);
  }

  async listOperations(source: string, service: string, signal?: AbortSignal): Promise<string[]> {
    return (await this.backend(source)).listOperations(service, signal);
  }

  async search(source: string, query: TraceSearchQuery, signal?: AbortSignal): Promise<SearchHit[]> {
    return (await this.backend(source)).search(query, signal);
  }

  async getTrace(source: string, traceId: string, signal?: AbortSignal, onSpans?: SpanBatchListener): Promise<FetchedTrace> {
    return (await this.backend(source)).getTrace(traceId, signal, onSpans);
  }

  /** The spans of a file's functions, from one source (see functionSpansService.ts). */
  async functionSpans(source: string, request: RemoteFunctionSpansRequest, now: () => number, signal?: AbortSignal): Promise<FunctionSpansOutcome> {
    return findFunctionSpans(await this.backend(source), request, { now, signal });
  }

  async tagNames(source: string, signal?: AbortSignal): Promise<string[]> {
    const backend = await this.backend(source);
    // Backends without completion (Jaeger) simply offer none.
    return backend.tagNames ? backend.tagNames(signal) : [];
  }

  async tagValues(source: string, tag: string, signal?: AbortSignal): Promise<string[]> {
    const backend = await this.backend(source);
    return backend.tagValues ? backend.tagValues(tag, signal) : [];
  }

  async dispose(): Promise<void> {
    const all = [...this.live.values()].map((live) => live.backend);
    this.live.clear();
    await Promise.all(all.map((backend) => disposeQuietly(backend)));
  }

  private backend(source: string): Promise<TraceBackend> {
    const entry = this.settings.sources.find((candidate) => candidate.config.name === source);
    if (entry === undefined) {
      const known = this.sourceNames();
      const detail = known.length === 0 ? 'no source is configured in spanlens.sources' : `the configured sources are ${known.map((name) => `"${name}"`).join(', ')}`;
      return Promise.reject(new BackendError(source, { kind: 'invalidConfig', detail: `there is no source with this name (${detail})` }));
    }
    const key = keyOf(entry, this.settings.proxy);
    const existing = this.live.get(source);
    if (existing?.key === key) return existing.backend;
    const proxy = this.settings.proxy;
    const backend = createTraceBackend(entry.config, entry.credentials, { ...this.options, proxyUrl: proxy.proxyUrl, noProxy: proxy.noProxy, proxyStrictSSL: proxy.strictSSL });
    // A failed build (missing credentials, unreadable CA file) is not cached: the next call retries with whatever changed.
    backend.catch(() => {
      if (this.live.get(source)?.backend === backend) this.live.delete(source);
    });
    this.live.set(source, { key, backend });
    return backend;
  }
}

function keyOf(entry: RemoteSourceEntry, proxy: ProxySettings): string {
  return JSON.stringify([entry.config, entry.credentials ?? null, proxy]);
}

async function disposeQuietly(backend: Promise<TraceBackend>): Promise<void> {
  try {
    await (await backend).dispose();
  } catch {
    // A backend that never came up has nothing to close.
  }
}
