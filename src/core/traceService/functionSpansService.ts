import type { AggregationWindow } from '../aggregation/aggregationWindow';
import type { CodeLocation } from '../aggregation/codeLocation';
import { formatLensTitle, formatSampleSize } from '../presentation/latencyText';
import { matchFunctionSpan, type MatchEvidence } from '../aggregation/functionSpanMatch';
import { windowLabel } from '../presentation/hoverModel';
import { SpanAggregator } from '../aggregation/spanAggregator';
import { BackendError, isBackendError } from '../backends/backendError';
import { defaultTraceLimit, planFunctionQueries, type FunctionSpansRequest, type PlannedQuery } from '../backends/functionSpanQuery';
import type { SourceType } from '../backends/sourceConfig';
import type { SpanSearchResult, TraceBackend } from '../backends/traceBackend';
import type { Span } from '../model/span';

/** The host's request: the backend query plus where the figures go and how they are summarized. */
export interface RemoteFunctionSpansRequest extends FunctionSpansRequest {
  /** The document's absolute path: the key editor annotations use. */
  readonly fsPath: string;
  readonly window: AggregationWindow;
  readonly percentiles: readonly number[];
}

/** One function's figures from the remote source. */
export interface RemoteFunctionFigures {
  readonly function: string;
  /** `p50 12 ms · p95 48 ms · p99 120 ms · 37 calls · 3% errors`, as a lens says it. */
  readonly title: string;
  /** `37 spans from 20 traces (search limit 20 reached — a sample, not all calls)`. */
  readonly sample: string;
  readonly count: number;
  readonly errorCount: number;
  readonly traceCount: number;
  readonly limitReached: boolean;
  /** The highest percentile asked for, for ordering slowest first. */
  readonly highNs: number;
  /** The weakest evidence any counted span matched by (see MatchEvidence). */
  readonly evidence: MatchEvidence;
  readonly slowest: { readonly traceId: string; readonly spanId: string; readonly durationMs: number; readonly error: boolean } | undefined;
}

export interface RemoteFunctionSpansReport {
  readonly source: string;
  readonly sourceType: SourceType;
  readonly window: AggregationWindow;
  /** `last hour` */
  readonly windowLabel: string;
  /** Slowest first. */
  readonly functions: readonly RemoteFunctionFigures[];
  /** Asked about, nothing found. */
  readonly notFound: readonly string[];
  readonly skipped: readonly { readonly function: string; readonly reason: string }[];
  /** Spans named like a function of this file whose `code.*` put them in another file: left out. */
  readonly elsewhere: number;
  readonly requests: number;
  readonly traceLimit: number;
  /** Set when nothing was found: says what was asked where, and what to check. */
  readonly message: string | undefined;
}

/** A counted span and where the editor annotations may put it. */
export interface MatchedSpan {
  readonly span: Span;
  readonly function: string;
  readonly evidence: MatchEvidence;
  readonly location: CodeLocation;
}

export interface FunctionSpansOutcome {
  readonly report: RemoteFunctionSpansReport;
  readonly matched: readonly MatchedSpan[];
}

const concurrency = 3;
const evidenceRank: Readonly<Record<MatchEvidence, number>> = { file: 2, namespace: 1, name: 0 };

interface Tally {
  readonly spans: Span[];
  readonly traces: Set<string>;
  limitReached: boolean;
  unreturned: number;
  evidence: MatchEvidence;
}

/**
 * Asks one backend for the spans of a file's functions within the annotation window, keeps the
 * spans that really are those functions' (matchFunctionSpan), and summarizes them through the
 * same aggregator as local annotations so the figures mean the same. Each function's sample
 * size comes with its limits: a capped search is reported as a sample.
 */
export async function findFunctionSpans(
  backend: TraceBackend,
  request: RemoteFunctionSpansRequest,
  options: { readonly now: () => number; readonly signal?: AbortSignal | undefined },
): Promise<FunctionSpansOutcome> {
  const source = backend.name;
  const traceLimit = request.traceLimit ?? defaultTraceLimit;
  const nowMs = options.now();
  const plan = planFunctionQueries(backend.type, { ...request, traceLimit, endTimeMs: request.endTimeMs ?? nowMs });
  const label = windowLabel(request.window);
  if (plan.functions.length === 0) {
    const reason = plan.skipped.length > 0 ? plan.skipped.map((s) => `${s.function}: ${s.reason}`).join('; ') : 'the file has no function symbols';
    throw new BackendError(source, { kind: 'invalidQuery', detail: `there is no function to ask about (${reason})` });
  }
  const results = await runAll(plan.queries, (planned, signal) => backend.searchSpans(planned.query, signal), options.signal, source);

  const tallies = new Map<string, Tally>();
  const matched: MatchedSpan[] = [];
  const counted = new Set<string>();
  let elsewhere = 0;
  for (const [index, planned] of plan.queries.entries()) {
    const result = results[index];
    if (result === undefined) continue;
    const caseInsensitiveSpanNames = backend.type === 'zipkin';
    const gotFor = new Set<string>();
    for (const span of result.spans) {
      const match = matchFunctionSpan(span, planned.functions, request.relativePath, { caseInsensitiveSpanNames });
      if (match === undefined) continue;
      if (match.kind === 'elsewhere') {
        elsewhere++;
        continue;
      }
      const key = `${span.traceId}/${span.spanId}`;
      if (counted.has(key)) continue;
      counted.add(key);
      const tally = tallyOf(tallies, match.function);
      tally.spans.push(span);
      tally.traces.add(span.traceId);
      if (evidenceRank[match.evidence] < evidenceRank[tally.evidence]) tally.evidence = match.evidence;
      gotFor.add(match.function);
      // The symbol's own name, so all of a function's remote spans are one group on its lens.
      matched.push({ span, function: match.function, evidence: match.evidence, location: { file: request.fsPath, function: match.function } });
    }
    for (const name of planned.functions) {
      const tally = tallyOf(tallies, name);
      if (result.traceCount >= traceLimit) tally.limitReached = true;
      if (gotFor.has(name)) tally.unreturned += result.unreturned;
    }
  }

  const figures = summarize(tallies, request, traceLimit, label, nowMs);
  const notFound = plan.functions.filter((name) => !figures.some((f) => f.function === name));
  const message =
    figures.length === 0
      ? `No spans found for these functions in the ${label} at "${source}" (${plan.queries.length} ${plan.queries.length === 1 ? 'search' : 'searches'} for ${describeNames(plan.functions)}${elsewhere > 0 ? `; ${elsewhere} same-named ${elsewhere === 1 ? 'span was' : 'spans were'} in other files` : ''}). The spans need code.function / code.function.name attributes or span names equal to the function names.`
      : undefined;
  return {
    report: {
      source,
      sourceType: backend.type,
      window: request.window,
      windowLabel: label,
      functions: figures,
      notFound,
      skipped: plan.skipped,
      elsewhere,
      requests: plan.queries.length,
      traceLimit,
      message,
    },
    matched,
  };
}

function tallyOf(tallies: Map<string, Tally>, name: string): Tally {
  let tally = tallies.get(name);
  if (tally === undefined) tallies.set(name, (tally = { spans: [], traces: new Set(), limitReached: false, unreturned: 0, evidence: 'file' }));
  return tally;
}

/** Figures per function through a private aggregator, which buckets by end time within the window. */
function summarize(tallies: ReadonlyMap<string, Tally>, request: RemoteFunctionSpansRequest, traceLimit: number, label: string, nowMs: number): RemoteFunctionFigures[] {
  const keyOf = new Map<Span, CodeLocation>();
  const names = [...tallies.keys()];
  // Synthetic names, so `pay` and `Checkout.pay` never merge by suffix inside this aggregator.
  names.forEach((name, i) => {
    for (const span of tallies.get(name)?.spans ?? []) keyOf.set(span, { file: request.fsPath, function: `#${i}#` });
  });
  const aggregator = new SpanAggregator({ window: request.window, percentiles: request.percentiles, now: () => nowMs, locate: (span) => keyOf.get(span), schedule: () => undefined });
  aggregator.add([...keyOf.keys()], { time: 'spanEnd' });
  const out: RemoteFunctionFigures[] = [];
  names.forEach((name, i) => {
    const tally = tallies.get(name);
    const stats = aggregator.statsForFunction(request.fsPath, `#${i}#`);
    if (tally === undefined || stats === undefined || stats.count === 0) return;
    const slowest = stats.slowest[0];
    out.push({
      function: name,
      title: formatLensTitle(stats),
      sample: formatSampleSize({ spans: stats.count, traces: tally.traces.size, traceLimit, limitReached: tally.limitReached, unreturned: tally.unreturned, windowLabel: label }),
      count: stats.count,
      errorCount: stats.errorCount,
      traceCount: tally.traces.size,
      limitReached: tally.limitReached,
      highNs: stats.latency.quantiles[stats.latency.quantiles.length - 1]?.valueNs ?? 0,
      evidence: tally.evidence,
      slowest: slowest === undefined ? undefined : { traceId: slowest.traceId, spanId: slowest.spanId, durationMs: slowest.durationMs, error: slowest.error },
    });
  });
  return out.sort((a, b) => b.highNs - a.highNs);
}

function describeNames(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((n) => JSON.stringify(n));
  return names.length > 5 ? `${shown.join(', ')} and ${names.length - 5} more` : shown.join(', ');
}

/**
 * Runs the requests a few at a time. The first failure stops the rest (they would fail alike or
 * add load for nothing) and is what the caller sees; a cancel is reported as one.
 */
async function runAll(
  queries: readonly PlannedQuery[],
  run: (query: PlannedQuery, signal: AbortSignal) => Promise<SpanSearchResult>,
  outer: AbortSignal | undefined,
  source: string,
): Promise<(SpanSearchResult | undefined)[]> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (outer?.aborted) throw new BackendError(source, { kind: 'cancelled' });
  outer?.addEventListener('abort', onAbort, { once: true });
  const results: (SpanSearchResult | undefined)[] = new Array<SpanSearchResult | undefined>(queries.length).fill(undefined);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < queries.length) {
      const index = next++;
      const planned = queries[index];
      if (planned === undefined) continue;
      try {
        results[index] = await run(planned, controller.signal);
      } catch (error: unknown) {
        failure ??= error;
        controller.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, queries.length) }, () => worker()));
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
  if (outer?.aborted) throw new BackendError(source, { kind: 'cancelled' });
  if (failure !== undefined) throw explain(failure, source);
  return results;
}

/** A refused function query says what was refused, so "HTTP 400" is not all a person reads. */
function explain(error: unknown, source: string): unknown {
  if (!isBackendError(error, 'badRequest') || error.failure.kind !== 'badRequest') return error;
  return new BackendError(source, {
    kind: 'unsupported',
    detail: `the backend refused the search for this file's functions (HTTP ${error.failure.status}${error.failure.message === '' ? '' : `: ${error.failure.message}`}). Tempo needs 2.2 or later for TraceQL select(); Jaeger v1 needs a service`,
  });
}
