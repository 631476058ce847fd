import { SpanFlag, spanIdAt, type TraceViewData } from './traceViewData';

/** What narrows the waterfall. Text search highlights; the rest hide non-matching subtrees. */
export interface SpanFilter {
  /** Service names to keep; empty keeps all. */
  readonly services: readonly string[];
  readonly errorsOnly: boolean;
  readonly minDurationNs: number;
  /** Rows whose attributes matched, as the trace service answered; undefined when not filtering by attribute. */
  readonly attributeRows: Uint32Array | undefined;
}

export const noFilter: SpanFilter = { services: [], errorsOnly: false, minDurationNs: 0, attributeRows: undefined };

export function isFiltering(filter: SpanFilter): boolean {
  return filter.services.length > 0 || filter.errorsOnly || filter.minDurationNs > 0 || filter.attributeRows !== undefined;
}

/** 1 for each row that passes every filter. */
export function filterRows(data: TraceViewData, filter: SpanFilter): Uint8Array {
  const n = data.spanCount;
  const pass = new Uint8Array(n);
  const wantedServices = new Uint8Array(data.services.length);
  const anyService = filter.services.length === 0;
  for (const name of filter.services) {
    const index = data.services.indexOf(name);
    if (index >= 0) wantedServices[index] = 1;
  }
  let attribute: Uint8Array | undefined;
  if (filter.attributeRows) {
    attribute = new Uint8Array(n);
    for (const row of filter.attributeRows) if (row < n) attribute[row] = 1;
  }
  for (let i = 0; i < n; i++) {
    if (!anyService && wantedServices[data.serviceIndex[i] ?? 0] !== 1) continue;
    if (filter.errorsOnly && ((data.flags[i] ?? 0) & SpanFlag.Error) === 0) continue;
    if ((data.durationsNs[i] ?? 0) < filter.minDurationNs) continue;
    if (attribute && attribute[i] !== 1) continue;
    pass[i] = 1;
  }
  return pass;
}

/**
 * Rows whose name or service contains `query` (case-insensitive), or whose span id is it. The
 * string tables are matched once; each span then costs two array reads, so a million spans
 * are searched in a few milliseconds.
 */
export function searchRows(data: TraceViewData, query: string): Uint32Array {
  const needle = query.trim().toLowerCase();
  if (needle === '') return new Uint32Array(0);
  const nameHit = data.names.map((name) => name.toLowerCase().includes(needle));
  const serviceHit = data.services.map((service) => service.toLowerCase().includes(needle));
  const idLike = /^[0-9a-f]{1,32}$/.test(needle);
  const hits: number[] = [];
  for (let i = 0; i < data.spanCount; i++) {
    if (nameHit[data.nameIndex[i] ?? 0] === true || serviceHit[data.serviceIndex[i] ?? 0] === true || (idLike && needle.length === 16 && spanIdAt(data, i) === needle)) hits.push(i);
  }
  return Uint32Array.from(hits);
}

/** The match after (or before) `row` in trace order, wrapping around; −1 when there are none. */
export function nextMatch(matches: Uint32Array, row: number, direction: 1 | -1): number {
  if (matches.length === 0) return -1;
  // First index whose value is > row.
  let lo = 0;
  let hi = matches.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((matches[mid] ?? 0) <= row) lo = mid + 1;
    else hi = mid;
  }
  if (direction === 1) return matches[lo < matches.length ? lo : 0] ?? -1;
  const at = lo > 0 && matches[lo - 1] === row ? lo - 2 : lo - 1;
  return matches[at >= 0 ? at : matches.length - 1] ?? -1;
}

/** 1-based position of `row` among the matches, or 0 when it is not one. */
export function matchOrdinal(matches: Uint32Array, row: number): number {
  let lo = 0;
  let hi = matches.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = matches[mid] ?? 0;
    if (value === row) return mid + 1;
    if (value < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}
