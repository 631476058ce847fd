import type { ServerResponse } from 'node:http';
import { sendJson, sendText, TestServer, type RecordedRequest } from './testServer';
import { traceqlProblem } from './traceqlCheck';

/**
 * Local stand-ins for Jaeger, Tempo and Zipkin that replay recorded responses and refuse what
 * the real servers refuse (../shared/reference/backends.md §1–3): missing time ranges, wrong
 * units, bad durations, a missing tenant, bad credentials. They are stricter than the real
 * servers in one way on purpose: an unknown parameter name is a 400 here (the real servers
 * ignore it silently, which is exactly how a misspelt name goes unnoticed).
 */

const goDurationPattern = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function goDurationNs(text: string): number {
  const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(match[1]) * (unit[match[2] ?? 'ns'] ?? 1);
  return total;
}

function unknownParams(request: RecordedRequest, allowed: readonly string[]): string | undefined {
  for (const key of request.query.keys()) if (!allowed.includes(key)) return key;
  return undefined;
}

/** Shared gate: credentials and tenant, checked before any route. Returns true when it answered. */
function gate(request: RecordedRequest, res: ServerResponse, options: { readonly authorization?: string; readonly tenant?: string }): boolean {
  if (options.authorization !== undefined && request.headers.authorization !== options.authorization) {
    sendText(res, 401, 'Unauthorized', { 'www-authenticate': 'Bearer' });
    return true;
  }
  if (options.tenant !== undefined && request.headers['x-scope-orgid'] === undefined) {
    // Tempo's multitenancy middleware (dskit) answers exactly this.
    sendText(res, 401, 'no org id');
    return true;
  }
  return false;
}

function stripBase(path: string, basePath: string | undefined): string | undefined {
  if (basePath === undefined || basePath === '') return path;
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Jaeger

export interface FakeJaegerOptions {
  /** api_v3: a current Jaeger (v3 and v1). v3-only: main after PR #9260. v3-no-summaries: before v2.19. v1: Jaeger 1.x without api_v3 HTTP. */
  readonly api: 'api_v3' | 'v3-only' | 'v3-no-summaries' | 'v1';
  readonly services: readonly string[];
  readonly operations?: Readonly<Record<string, readonly { name: string; spanKind: string }[]>>;
  /** /api/v3/trace-summaries body. */
  readonly summaries?: unknown;
  /** /api/v3/traces (search) body. */
  readonly findTraces?: unknown;
  /** Trace id (32 hex) → body of /api/v3/traces/{id}. */
  readonly v3Traces?: Readonly<Record<string, unknown>>;
  /** Trace id (32 hex) → body of /api/traces/{id}. */
  readonly v1Traces?: Readonly<Record<string, unknown>>;
  /** /api/traces search body. */
  readonly v1Search?: unknown;
  readonly authorization?: string;
  readonly basePath?: string;
  /** Write trace and search bodies in pieces of this many bytes, a pause after each (streaming tests). */
  readonly chunkBytes?: number;
}

/** A 200 JSON body, whole or in pieces: a string is sent as the recorded bytes it is. */
async function sendBody(res: ServerResponse, body: unknown, chunkBytes: number | undefined): Promise<void> {
  if (chunkBytes === undefined) return sendJson(res, 200, body);
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(200, { 'content-type': 'application/json' });
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    res.write(bytes.subarray(offset, offset + chunkBytes));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  res.end();
}

const v3SearchParams = [
  'query.service_name',
  'query.serviceName',
  'query.operation_name',
  'query.operationName',
  'query.start_time_min',
  'query.startTimeMin',
  'query.start_time_max',
  'query.startTimeMax',
  'query.duration_min',
  'query.durationMin',
  'query.duration_max',
  'query.durationMax',
  'query.num_traces',
  'query.search_depth',
  'query.searchDepth',
  'query.raw_traces',
  'query.rawTraces',
  'query.attributes',
];

const v1SearchParams = ['service', 'operation', 'start', 'end', 'minDuration', 'maxDuration', 'limit', 'tags', 'tag', 'lookback', 'raw', 'prettyPrint', 'traceID'];

function v3Error(res: ServerResponse, status: number, message: string): void {
  // http.Error: text/plain even though the body is JSON (backends.md §1.5).
  sendText(res, status, JSON.stringify({ error: { httpCode: status, message } }));
}

function v1Error(res: ServerResponse, status: number, msg: string): void {
  sendText(res, status, JSON.stringify({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg }] }));
}

/** The first present of a canonical name and its legacy alias. */
function either(query: URLSearchParams, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = query.get(name);
    if (value !== null) return value;
  }
  return undefined;
}

function checkV3Search(request: RecordedRequest, res: ServerResponse, services: readonly string[]): boolean {
  const unknown = unknownParams(request, v3SearchParams);
  if (unknown !== undefined) {
    v3Error(res, 400, `unknown parameter ${unknown}`);
    return false;
  }
  const q = request.query;
  const min = either(q, 'query.startTimeMin', 'query.start_time_min');
  const max = either(q, 'query.startTimeMax', 'query.start_time_max');
  if (min === undefined || max === undefined) {
    v3Error(res, 400, 'query.startTimeMin and query.startTimeMax are required');
    return false;
  }
  for (const [name, value] of [
    ['query.start_time_min', min],
    ['query.start_time_max', max],
  ] as const) {
    if (!rfc3339.test(value)) {
      v3Error(res, 400, `malformed parameter ${name}: parsing time "${value}" as RFC3339Nano`);
      return false;
    }
  }
  if (Date.parse(min) >= Date.parse(max)) {
    v3Error(res, 400, 'query.startTimeMin must be before query.startTimeMax');
    return false;
  }
  for (const names of [
    ['query.durationMin', 'query.duration_min'],
    ['query.durationMax', 'query.duration_max'],
  ]) {
    const value = either(q, ...names);
    if (value !== undefined && !goDurationPattern.test(value)) {
      v3Error(res, 400, `malformed parameter ${names[1] ?? ''}: time: invalid duration "${value}"`);
      return false;
    }
  }
  const depth = either(q, 'query.searchDepth', 'query.search_depth', 'query.num_traces');
  if (depth !== undefined && !/^\d+$/.test(depth)) {
    v3Error(res, 400, `malformed parameter query.num_traces: ${depth}`);
    return false;
  }
  const attributes = q.get('query.attributes');
  if (attributes !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(attributes);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      v3Error(res, 400, 'malformed parameter query.attributes: expected a JSON object of strings');
      return false;
    }
  }
  const service = either(q, 'query.serviceName', 'query.service_name');
  if (service !== undefined && !services.includes(service)) {
    v3Error(res, 404, 'No traces found');
    return false;
  }
  return true;
}

function checkV1Search(request: RecordedRequest, res: ServerResponse, nowUs: number): boolean {
  const unknown = unknownParams(request, v1SearchParams);
  if (unknown !== undefined) {
    v1Error(res, 400, `unknown parameter ${unknown}`);
    return false;
  }
  const q = request.query;
  if (!q.get('service')) {
    v1Error(res, 400, "parameter 'service' is required");
    return false;
  }
  for (const name of ['start', 'end']) {
    const value = q.get(name);
    if (value === null) continue;
    if (!/^\d+$/.test(value)) {
      v1Error(res, 400, `unable to parse param '${name}': strconv.ParseInt: parsing "${value}": invalid syntax`);
      return false;
    }
    // Unix microseconds: within ten years of now. A value in ms is ~1000× too small.
    if (Math.abs(Number(value) - nowUs) > 10 * 365 * 86400e6) {
      v1Error(res, 400, `param '${name}' is not in unix microseconds: ${value}`);
      return false;
    }
  }
  for (const name of ['minDuration', 'maxDuration']) {
    const value = q.get(name);
    if (value !== null && !goDurationPattern.test(value)) {
      v1Error(res, 400, `unable to parse param '${name}': time: invalid duration "${value}"`);
      return false;
    }
  }
  const min = q.get('minDuration');
  const max = q.get('maxDuration');
  if (min !== null && max !== null && goDurationNs(max) < goDurationNs(min)) {
    v1Error(res, 400, "'maxDuration' should be greater than 'minDuration'");
    return false;
  }
  const tags = q.get('tags');
  if (tags !== null) {
    try {
      JSON.parse(tags);
    } catch {
      v1Error(res, 400, `malformed 'tags' parameter: ${tags}`);
      return false;
    }
  }
  const limit = q.get('limit');
  if (limit !== null && !/^\d+$/.test(limit)) {
    v1Error(res, 400, `unable to parse param 'limit': ${limit}`);
    return false;
  }
  return true;
}

export function startFakeJaeger(options: FakeJaegerOptions, nowMs = Date.now()): Promise<TestServer> {
  const hasV3 = options.api !== 'v1';
  const hasV1Search = options.api !== 'v3-only';
  return TestServer.start((request, res) => {
    if (gate(request, res, options)) return;
    const path = stripBase(request.path, options.basePath);
    if (path === undefined) return sendText(res, 404, '404 page not found');
    if (path.startsWith('/api/v3/')) {
      // Jaeger 1.x without api_v3 HTTP serves the UI's index.html for unknown paths.
      if (!hasV3) return sendText(res, 200, '<!doctype html><html><head><title>Jaeger UI</title></head></html>', { 'content-type': 'text/html' });
      if (path === '/api/v3/services') return sendJson(res, 200, { services: options.services });
      if (path === '/api/v3/operations') {
        const service = either(request.query, 'service');
        if (service === undefined) return v3Error(res, 400, 'malformed parameter service: required');
        return sendJson(res, 200, { operations: options.operations?.[service] ?? [] });
      }
      if (path === '/api/v3/trace-summaries') {
        if (options.api === 'v3-no-summaries') return sendText(res, 404, '404 page not found');
        if (!checkV3Search(request, res, options.services)) return;
        return sendJson(res, 200, options.summaries ?? { summaries: [] });
      }
      if (path === '/api/v3/traces') {
        if (!checkV3Search(request, res, options.services)) return;
        return options.findTraces === undefined ? v3Error(res, 404, 'No traces found') : sendBody(res, options.findTraces, options.chunkBytes);
      }
      const byId = /^\/api\/v3\/traces\/([^/]+)$/.exec(path);
      if (byId?.[1] !== undefined) {
        const id = byId[1];
        if (!/^[0-9a-f]{1,32}$/.test(id)) return v3Error(res, 400, `malformed parameter trace_id: ${id}`);
        const doc = options.v3Traces?.[id.padStart(32, '0')];
        return doc === undefined ? v3Error(res, 404, 'trace not found') : sendJson(res, 200, doc);
      }
      return sendText(res, 404, '404 page not found');
    }
    if (path === '/api/services' && hasV1Search) return sendJson(res, 200, { data: options.services, total: options.services.length, limit: 0, offset: 0, errors: null });
    const ops = /^\/api\/services\/([^/]+)\/operations$/.exec(path);
    if (ops?.[1] !== undefined && hasV1Search) {
      const names = (options.operations?.[decodeURIComponent(ops[1])] ?? []).map((o) => o.name);
      return sendJson(res, 200, { data: names, total: names.length, limit: 0, offset: 0, errors: null });
    }
    if (path === '/api/traces' && hasV1Search) {
      if (!checkV1Search(request, res, nowMs * 1000)) return;
      return sendBody(res, options.v1Search ?? { data: [], total: 0, limit: 0, offset: 0, errors: null }, options.chunkBytes);
    }
    const v1ById = /^\/api\/traces\/([^/]+)$/.exec(path);
    if (v1ById?.[1] !== undefined) {
      const id = v1ById[1];
      if (!/^[0-9a-f]{1,32}$/.test(id)) return v1Error(res, 400, `malformed parameter traceID: ${id}`);
      const doc = options.v1Traces?.[id.padStart(32, '0')];
      return doc === undefined ? v1Error(res, 404, 'trace not found') : sendBody(res, doc, options.chunkBytes);
    }
    return sendText(res, 404, '404 page not found');
  });
}

// ---------------------------------------------------------------------------------------------
// Tempo

export interface FakeTempoOptions {
  /** false: a Tempo before /api/v2 (404 on every v2 path). */
  readonly v2: boolean;
  /** Trace id (32 hex) → body of /api/traces/{id} (v1, `batches`). */
  readonly traces?: Readonly<Record<string, unknown>>;
  /** Trace id → body of /api/v2/traces/{id}; defaults to `{trace: <v1 body with resourceSpans>}`. */
  readonly v2Traces?: Readonly<Record<string, unknown>>;
  readonly search?: unknown;
  /** Tag (v1 bare name or v2 scoped name) → values. */
  readonly tagValues?: Readonly<Record<string, readonly string[]>>;
  readonly scopes?: readonly { name: string; tags: string[] }[];
  readonly tenant?: string;
  readonly authorization?: string;
  readonly basePath?: string;
}

/** Go's strconv.ParseInt(text, 10, bits) as Tempo's handlers call it: the value, or the error text. */
function goParseInt(text: string, bits: 32 | 64): { value: bigint } | { error: string } {
  const fn = 'strconv.ParseInt';
  if (!/^[+-]?\d+$/.test(text)) return { error: `${fn}: parsing ${JSON.stringify(text)}: invalid syntax` };
  const value = BigInt(text);
  const max = 2n ** BigInt(bits - 1);
  if (value >= max || value < -max) return { error: `${fn}: parsing ${JSON.stringify(text)}: value out of range` };
  return { value };
}

/** Go's strconv.Atoi, for limit and spss. */
function goAtoi(text: string): { value: number } | { error: string } {
  if (!/^[+-]?\d+$/.test(text)) return { error: `strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax` };
  return { value: Number(text) };
}

const goDuration = /^[+-]?(0|(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/;

/**
 * `start`/`end` as Tempo reads them (pkg/api/http.go): unix seconds parsed as 32-bit ints on
 * search (so milliseconds are "value out of range") and 64-bit on trace by id; both absent
 * (or 0) means no window; otherwise end must be after start (on trace by id only when both are set).
 */
function tempoWindowProblem(query: URLSearchParams, bits: 32 | 64): string | undefined {
  const values: Record<'start' | 'end', bigint> = { start: 0n, end: 0n };
  for (const name of ['start', 'end'] as const) {
    const text = query.get(name);
    if (text === null || text === '') continue;
    const parsed = goParseInt(text, bits);
    if ('error' in parsed) return `invalid ${name}: ${parsed.error}`;
    values[name] = parsed.value;
  }
  const { start, end } = values;
  if (start === 0n && end === 0n) return undefined;
  if (bits === 64 && (start === 0n || end === 0n)) return undefined;
  if (end <= start) return `http parameter start must be before end. received start=${start} end=${end}`;
  return undefined;
}

/** What Tempo's ParseSearchRequest refuses, in its own words; undefined when the search is acceptable. */
export function tempoSearchProblem(query: URLSearchParams): string | undefined {
  // Stricter than Tempo on purpose: it silently ignores a misspelt parameter.
  for (const key of query.keys()) if (!['q', 'tags', 'minDuration', 'maxDuration', 'limit', 'start', 'end', 'spss'].includes(key)) return `unknown parameter ${key}`;
  const window = tempoWindowProblem(query, 32);
  if (window?.startsWith('invalid ') === true) return window;
  const q = query.get('q') ?? '';
  if (q !== '' && q !== '{}') {
    const problem = traceqlProblem(q);
    if (problem !== undefined) return `invalid TraceQL query: ${problem}`;
  }
  if ((query.get('tags') ?? '') !== '' && q !== '') return "invalid request: can't specify tags and q in the same query";
  let minNs: number | undefined;
  for (const name of ['minDuration', 'maxDuration'] as const) {
    const value = query.get(name) ?? '';
    if (value === '') continue;
    if (!goDuration.test(value)) return `invalid ${name}: time: invalid duration ${JSON.stringify(value)}`;
    const ns = goDurationNs(value);
    if (name === 'minDuration') minNs = ns;
    else if (minNs !== undefined && minNs !== 0 && minNs > ns) return 'invalid maxDuration: must be greater than minDuration';
  }
  for (const name of ['limit', 'spss'] as const) {
    const value = query.get(name) ?? '';
    if (value === '') continue;
    const parsed = goAtoi(value);
    if ('error' in parsed) return `invalid ${name}: ${parsed.error}`;
    if (parsed.value <= 0) return `invalid ${name}: must be a positive number`;
    // The query frontend's default max_spans_per_span_set is 100.
    if (name === 'spss' && parsed.value > 100) return `invalid spss: ${value}, must be at most 100`;
  }
  return window;
}

/** What Tempo refuses on /api/traces/{id} and /api/v2/traces/{id}. */
export function tempoTraceByIdProblem(id: string, query: URLSearchParams): string | undefined {
  if (!/^[0-9a-fA-F]{1,32}$/.test(id)) return `invalid trace id: ${id}`;
  return tempoWindowProblem(query, 64);
}

export function startFakeTempo(options: FakeTempoOptions): Promise<TestServer> {
  return TestServer.start((request, res) => {
    if (gate(request, res, options)) return;
    const path = stripBase(request.path, options.basePath);
    if (path === undefined) return sendText(res, 404, '404 page not found');
    const tenantOk = options.tenant === undefined || request.headers['x-scope-orgid'] === options.tenant;
    if (path === '/api/echo') return sendText(res, 200, 'echo');
    if (path === '/api/search') {
      const problem = tempoSearchProblem(request.query);
      if (problem !== undefined) return sendText(res, 400, problem);
      return sendJson(res, 200, tenantOk ? (options.search ?? { traces: [] }) : { traces: [], metrics: {} });
    }
    if (path.startsWith('/api/v2/') && !options.v2) return sendText(res, 404, '404 page not found');
    const byId = /^\/api\/(v2\/)?traces\/([^/]+)$/.exec(path);
    if (byId?.[2] !== undefined) {
      const id = byId[2];
      const problem = tempoTraceByIdProblem(id, request.query);
      if (problem !== undefined) return sendText(res, 400, problem);
      const key = id.toLowerCase().padStart(32, '0');
      const v1 = tenantOk ? options.traces?.[key] : undefined;
      if (byId[1] !== undefined) {
        const v2 = tenantOk ? (options.v2Traces?.[key] ?? (v1 === undefined ? undefined : { trace: renameBatches(v1) })) : undefined;
        return v2 === undefined ? sendText(res, 404, 'trace not found') : sendJson(res, 200, v2);
      }
      return v1 === undefined ? sendText(res, 404, 'trace not found') : sendJson(res, 200, v1);
    }
    if (path === '/api/v2/search/tags') return sendJson(res, 200, { scopes: options.scopes ?? [], metrics: {} });
    if (path === '/api/search/tags') return sendJson(res, 200, { tagNames: (options.scopes ?? []).flatMap((s) => (s.name === 'intrinsic' ? [] : s.tags)), metrics: {} });
    const values = /^\/api\/(v2\/)?search\/tag\/([^/]+)\/values$/.exec(path);
    if (values?.[2] !== undefined) {
      const tag = decodeURIComponent(values[2]);
      const list = options.tagValues?.[tag] ?? [];
      if (values[1] !== undefined) {
        const q = request.query.get('q');
        if (q !== null && !/^\{.*\}$/s.test(q.trim())) return sendText(res, 400, `invalid TraceQL query: ${q}`);
        return sendJson(res, 200, { tagValues: list.map((value) => ({ type: 'string', value })), metrics: {} });
      }
      return sendJson(res, 200, { tagValues: list, metrics: {} });
    }
    return sendText(res, 404, '404 page not found');
  });
}

function renameBatches(doc: unknown): unknown {
  if (typeof doc !== 'object' || doc === null || !('batches' in doc)) return doc;
  const { batches, ...rest } = doc as Record<string, unknown>;
  return { ...rest, resourceSpans: batches };
}

// ---------------------------------------------------------------------------------------------
// Zipkin

export interface FakeZipkinOptions {
  readonly services: readonly string[];
  readonly spanNames?: Readonly<Record<string, readonly string[]>>;
  /** Zipkin span arrays, one per trace. */
  readonly traces: readonly (readonly Record<string, unknown>[])[];
  readonly autocomplete?: Readonly<Record<string, readonly string[]>>;
  readonly authorization?: string;
}

function zipkinTraceId(spans: readonly Record<string, unknown>[]): string {
  const id = spans[0]?.['traceId'];
  return typeof id === 'string' ? id : '';
}

/** Span.normalizeTraceId: a 32-char id with a zero high half becomes 16 chars. */
function zipkinNormalize(id: string): string {
  return id.length === 32 && id.startsWith('0000000000000000') ? id.slice(16) : id.padStart(16, '0');
}

export function startFakeZipkin(options: FakeZipkinOptions, nowMs = Date.now()): Promise<TestServer> {
  return TestServer.start((request, res) => {
    if (gate(request, res, options)) return;
    const q = request.query;
    switch (request.path) {
      case '/api/v2/services':
        return sendJson(res, 200, options.services);
      case '/api/v2/spans': {
        const service = q.get('serviceName');
        if (service === null || service === '') return sendText(res, 400, 'serviceName is required');
        return sendJson(res, 200, options.spanNames?.[service.toLowerCase()] ?? []);
      }
      case '/api/v2/traces': {
        const unknown = unknownParams(request, ['serviceName', 'remoteServiceName', 'spanName', 'annotationQuery', 'minDuration', 'maxDuration', 'endTs', 'lookback', 'limit']);
        if (unknown !== undefined) return sendText(res, 400, `unknown parameter ${unknown}`);
        for (const name of ['minDuration', 'maxDuration', 'endTs', 'lookback', 'limit']) {
          const value = q.get(name);
          if (value !== null && !/^\d+$/.test(value)) return sendText(res, 400, `${name} must be a whole number: ${value}`);
        }
        const endTs = q.get('endTs');
        // Epoch milliseconds: within ten years of now.
        if (endTs !== null && Math.abs(Number(endTs) - nowMs) > 10 * 365 * 86400e3) return sendText(res, 400, `endTs is not in epoch milliseconds: ${endTs}`);
        const lookback = q.get('lookback');
        if (lookback !== null && Number(lookback) > 10 * 365 * 86400e3) return sendText(res, 400, `lookback is not in milliseconds: ${lookback}`);
        const min = q.get('minDuration');
        const max = q.get('maxDuration');
        if (min !== null && max !== null && Number(max) < Number(min)) return sendText(res, 400, 'maxDuration should be >= minDuration');
        const limit = Number(q.get('limit') ?? '10');
        return sendJson(res, 200, options.traces.slice(0, limit));
      }
      case '/api/v2/autocompleteKeys':
        return sendJson(res, 200, Object.keys(options.autocomplete ?? {}));
      case '/api/v2/autocompleteValues': {
        const key = q.get('key');
        if (key === null) return sendText(res, 400, 'key is required');
        return sendJson(res, 200, options.autocomplete?.[key] ?? []);
      }
      default: {
        const byId = /^\/api\/v2\/trace\/([^/]+)$/.exec(request.path);
        if (byId?.[1] !== undefined) {
          const id = byId[1];
          if (!/^[0-9a-f]{16}$|^[0-9a-f]{32}$/.test(id)) return sendText(res, 400, `${id} should be a 1 to 32 character lower-hex string with no prefix`);
          const trace = options.traces.find((spans) => zipkinNormalize(zipkinTraceId(spans)) === zipkinNormalize(id));
          return trace === undefined ? sendText(res, 404, `${id} not found`) : sendJson(res, 200, trace);
        }
        return sendText(res, 404, '404 page not found');
      }
    }
  });
}
