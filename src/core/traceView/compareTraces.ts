import type { Span } from '../model/span';
import type { Trace } from '../model/trace';
import type { CompareEntry, CompareResult, CompareStatus } from './compareResult';

export interface CompareOptions {
  /** A change smaller than this fraction of the baseline duration counts as the same. */
  readonly tolerance?: number;
  /** …and so does one smaller than this, however small the baseline. */
  readonly minDeltaNs?: number;
  /** At most this many entries are listed (counts cover all). */
  readonly maxEntries?: number;
}

/**
 * Gives every span the id of its path: the chain of `service, operation` from its root. Paths
 * are interned through the parent's id, so a 100k-deep chain costs one map entry per span,
 * not a 100k-long string per span. Both traces share one table, so equal ids mean equal paths.
 */
class PathTable {
  private readonly ids = new Map<string, number>();
  readonly parentOf: number[] = [];
  readonly labelOf: string[] = [];

  pathIds(trace: Trace): Int32Array {
    const out = new Int32Array(trace.spanCount);
    for (let i = 0; i < trace.spanCount; i++) {
      const span = trace.spans[i] as Span;
      const p = trace.parent[i] ?? -1;
      const parentPath = p >= 0 && p < i ? (out[p] as number) : -1;
      const label = `${span.resource.serviceName}: ${span.name}`;
      const key = `${parentPath}\u0000${label}`;
      let id = this.ids.get(key);
      if (id === undefined) {
        id = this.labelOf.length;
        this.ids.set(key, id);
        this.parentOf.push(parentPath);
        this.labelOf.push(label);
      }
      out[i] = id;
    }
    return out;
  }

  get size(): number {
    return this.labelOf.length;
  }

  /** The path as text; a very deep one keeps its root and its last levels. */
  text(id: number): string {
    const parts: string[] = [];
    let depth = 0;
    for (let at = id; at >= 0; at = this.parentOf[at] ?? -1) {
      depth++;
      if (parts.length < 12) parts.push(this.labelOf[at] ?? '');
    }
    if (depth > 12) parts.push('…');
    return parts.reverse().join(' › ');
  }
}

/** Rows grouped by path id, each group in depth-first (occurrence) order. */
function groupRows(pathIds: Int32Array, pathCount: number): { readonly start: Uint32Array; readonly rows: Uint32Array } {
  const start = new Uint32Array(pathCount + 1);
  for (const id of pathIds) start[id + 1] = (start[id + 1] ?? 0) + 1;
  for (let i = 0; i < pathCount; i++) start[i + 1] = (start[i + 1] ?? 0) + (start[i] ?? 0);
  const fill = start.slice(0, pathCount);
  const rows = new Uint32Array(pathIds.length);
  for (let row = 0; row < pathIds.length; row++) {
    const id = pathIds[row] as number;
    rows[fill[id] as number] = row;
    fill[id] = (fill[id] as number) + 1;
  }
  return { start, rows };
}

/**
 * Aligns `current` with `baseline` by service + operation path: the k-th span on a path in one
 * trace is matched with the k-th on the same path in the other (depth-first order), which
 * follows loops and retries as they were recorded. Unmatched spans were added or removed.
 */
export function compareTraces(baseline: Trace, current: Trace, options: CompareOptions = {}): CompareResult {
  const tolerance = options.tolerance ?? 0.05;
  const minDeltaNs = options.minDeltaNs ?? 100_000;
  const maxEntries = options.maxEntries ?? 2000;
  const table = new PathTable();
  const basePaths = table.pathIds(baseline);
  const currentPaths = table.pathIds(current);
  const base = groupRows(basePaths, table.size);
  const cur = groupRows(currentPaths, table.size);
  // Raw tuples first: the path text is built only for the entries that are listed.
  const raw: { readonly path: number; readonly status: CompareStatus; readonly b: number; readonly c: number; readonly weight: number }[] = [];
  let matched = 0;
  let added = 0;
  let removed = 0;
  let slower = 0;
  let faster = 0;
  const entry = (path: number, status: CompareStatus, baselineRow: number, currentRow: number): CompareEntry => {
    const span = currentRow >= 0 ? current.span(currentRow) : baseline.span(baselineRow);
    const baselineDurationNs = baselineRow >= 0 ? baseline.spanDurationNs(baselineRow) : 0;
    const currentDurationNs = currentRow >= 0 ? current.spanDurationNs(currentRow) : 0;
    return {
      path: table.text(path),
      service: span.resource.serviceName,
      name: span.name,
      status,
      baselineRow,
      currentRow,
      baselineDurationNs,
      currentDurationNs,
      deltaNs: currentDurationNs - baselineDurationNs,
    };
  };
  for (let path = 0; path < table.size; path++) {
    const b0 = base.start[path] as number;
    const bn = (base.start[path + 1] as number) - b0;
    const c0 = cur.start[path] as number;
    const cn = (cur.start[path + 1] as number) - c0;
    const pairs = Math.min(bn, cn);
    for (let k = 0; k < pairs; k++) {
      const b = base.rows[b0 + k] as number;
      const c = cur.rows[c0 + k] as number;
      matched++;
      const before = baseline.spanDurationNs(b);
      const delta = current.spanDurationNs(c) - before;
      const threshold = Math.max(minDeltaNs, tolerance * before);
      if (delta > threshold) {
        slower++;
        raw.push({ path, status: 'slower', b, c, weight: delta });
      } else if (delta < -threshold) {
        faster++;
        raw.push({ path, status: 'faster', b, c, weight: -delta });
      }
    }
    for (let k = pairs; k < bn; k++) {
      removed++;
      const b = base.rows[b0 + k] as number;
      raw.push({ path, status: 'removed', b, c: -1, weight: baseline.spanDurationNs(b) });
    }
    for (let k = pairs; k < cn; k++) {
      added++;
      const c = cur.rows[c0 + k] as number;
      raw.push({ path, status: 'added', b: -1, c, weight: current.spanDurationNs(c) });
    }
  }
  raw.sort((x, y) => y.weight - x.weight || x.path - y.path || x.b - y.b || x.c - y.c);
  const listed = raw.slice(0, maxEntries).map((r) => entry(r.path, r.status, r.b, r.c));
  return {
    baselineTraceId: baseline.traceId,
    currentTraceId: current.traceId,
    matched,
    added,
    removed,
    slower,
    faster,
    entries: listed,
    truncated: raw.length - listed.length,
  };
}
