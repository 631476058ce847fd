import { normalizeTraceId } from '../model/ids';
import { isErrorSpan, type Span } from '../model/span';
import type { BackendFailure } from './backendError';
import type { TraceSearchQuery, SearchHit } from './traceBackend';

export const defaultLookbackMinutes = 60;
export const defaultSearchLimit = 20;

/** The time range of a search, in epoch ms. */
export interface SearchWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Checks the parts of a query every backend shares and resolves its time window. Returns the
 * failure instead of throwing so each backend can attach its source name.
 */
export function resolveSearch(query: TraceSearchQuery, nowMs: number): { readonly window: SearchWindow; readonly limit: number } | BackendFailure {
  const invalid = (detail: string): BackendFailure => ({ kind: 'invalidQuery', detail });
  const lookback = query.lookbackMinutes ?? defaultLookbackMinutes;
  if (!Number.isFinite(lookback) || lookback <= 0) return invalid('the lookback must be a positive number of minutes');
  const limit = query.limit ?? defaultSearchLimit;
  if (!Number.isSafeInteger(limit) || limit < 1) return invalid('the limit must be a whole number of at least 1');
  for (const [label, value] of [
    ['minimum duration', query.minDurationMs],
    ['maximum duration', query.maxDurationMs],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) return invalid(`the ${label} must be zero or more milliseconds`);
  }
  if (query.minDurationMs !== undefined && query.maxDurationMs !== undefined && query.maxDurationMs < query.minDurationMs) {
    return invalid('the maximum duration is shorter than the minimum duration');
  }
  const endMs = query.endTimeMs ?? nowMs;
  return { window: { startMs: endMs - lookback * 60_000, endMs }, limit };
}

/**
 * A duration in Go's time.ParseDuration syntax, which Jaeger and Tempo both parse: whole
 * milliseconds when exact, else microseconds, so 0.5 ms is "500us" rather than a float.
 */
export function goDuration(ms: number): string {
  if (Number.isInteger(ms)) return `${ms}ms`;
  return `${Math.round(ms * 1000)}us`;
}

/** A trace id from a person (pasted, any case, 16 or 32 hex, or base64) as 32 lower-case hex, or undefined. */
export function canonicalTraceId(raw: string): string | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  const id = normalizeTraceId(trimmed);
  return /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id) ? id : undefined;
}

/**
 * A summary computed from the spans of one trace, for backends whose search returns whole
 * traces (Jaeger v1, api_v3 before trace-summaries, Zipkin). The root is the earliest span
 * without a parent in the trace, as the Jaeger UI picks it.
 */
export function summarizeSpans(traceId: string, spans: readonly Span[]): SearchHit | undefined {
  if (spans.length === 0) return undefined;
  const ids = new Set<string>();
  for (const span of spans) ids.add(span.spanId);
  let root: Span | undefined;
  let orphanOrAny: Span | undefined;
  let start = spans[0]?.startNs ?? 0n;
  let end = spans[0]?.endNs ?? 0n;
  let errors = 0;
  for (const span of spans) {
    if (span.startNs < start) start = span.startNs;
    if (span.endNs > end) end = span.endNs;
    if (isErrorSpan(span)) errors++;
    const isTop = span.parentSpanId === undefined || !ids.has(span.parentSpanId);
    if (span.parentSpanId === undefined && (root === undefined || span.startNs < root.startNs)) root = span;
    if (isTop && (orphanOrAny === undefined || span.startNs < orphanOrAny.startNs)) orphanOrAny = span;
  }
  const top = root ?? orphanOrAny ?? spans[0];
  return {
    traceId,
    rootService: top?.resource.serviceName ?? '',
    rootName: top?.name ?? '',
    startTime: nsToEpochMs(start),
    startTimeNs: start.toString(),
    durationMs: end > start ? Number(end - start) / 1e6 : 0,
    spanCount: spans.length,
    errorCount: errors,
  };
}

export function nsToEpochMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

/** Spans grouped by trace id, in first-seen order. */
export function groupByTrace(spans: readonly Span[]): Map<string, Span[]> {
  const groups = new Map<string, Span[]>();
  for (const span of spans) {
    const group = groups.get(span.traceId);
    if (group) group.push(span);
    else groups.set(span.traceId, [span]);
  }
  return groups;
}

/** Newest first, which is how every backend's UI lists results. */
export function newestFirst(summaries: SearchHit[]): SearchHit[] {
  return summaries.sort((a, b) => b.startTime - a.startTime);
}
