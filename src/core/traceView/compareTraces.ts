import type { Span } from '../model/span';
import type { Trace } from '../model/trace';
import type { CompareEntry, CompareResult, CompareStatus } from '../../shared/compareResult';

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

/** Per-node status codes (a byte per node, not a string); statusNames turns them back. */
const Status = { Same: 0, Slower: 1, Faster: 2, Added: 3, Removed: 4 } as const;
const statusNames: readonly CompareStatus[] = ['same', 'slower', 'faster', 'added', 'removed'];

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
 *
 * The listed entries form one tree of both traces: a matched or added span sits under its
 * current parent, a removed one under its baseline parent (matched, or removed too).
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
  const nb = baseline.spanCount;
  const nc = current.spanCount;
  // Tree nodes: node c (< nc) is current row c, with its matched baseline row or −1; node
  // nc + k is the k-th removed baseline row.
  const baseOfCurrent = new Int32Array(nc).fill(-1);
  const nodeOfBase = new Int32Array(nb).fill(-1);
  const removedRows: number[] = [];
  const status = new Uint8Array(nc + nb);
  const weight = new Float64Array(nc + nb);
  const changed: number[] = [];
  let matched = 0;
  let added = 0;
  let slower = 0;
  let faster = 0;
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
      baseOfCurrent[c] = b;
      nodeOfBase[b] = c;
      const before = baseline.spanDurationNs(b);
      const delta = current.spanDurationNs(c) - before;
      const threshold = Math.max(minDeltaNs, tolerance * before);
      if (delta > threshold) {
        slower++;
        status[c] = Status.Slower;
        weight[c] = delta;
        changed.push(c);
      } else if (delta < -threshold) {
        faster++;
        status[c] = Status.Faster;
        weight[c] = -delta;
        changed.push(c);
      }
    }
    for (let k = pairs; k < bn; k++) removedRows.push(base.rows[b0 + k] as number);
    for (let k = pairs; k < cn; k++) {
      added++;
      const c = cur.rows[c0 + k] as number;
      status[c] = Status.Added;
      weight[c] = current.spanDurationNs(c);
      changed.push(c);
    }
  }
  // Removed nodes in baseline order, so their numbering below follows the baseline's.
  removedRows.sort((x, y) => x - y);
  for (let k = 0; k < removedRows.length; k++) {
    const node = nc + k;
    const b = removedRows[k] as number;
    nodeOfBase[b] = node;
    status[node] = Status.Removed;
    weight[node] = baseline.spanDurationNs(b);
    changed.push(node);
  }
  const nodeCount = nc + removedRows.length;
  const baseRowOf = (node: number): number => (node < nc ? (baseOfCurrent[node] as number) : (removedRows[node - nc] as number));
  const parentNode = new Int32Array(nodeCount);
  for (let c = 0; c < nc; c++) {
    const p = current.parent[c] ?? -1;
    parentNode[c] = p >= 0 && p < c ? p : -1;
  }
  for (let k = 0; k < removedRows.length; k++) {
    const p = baseline.parent[removedRows[k] as number] ?? -1;
    parentNode[nc + k] = p >= 0 ? (nodeOfBase[p] as number) : -1;
  }
  // Children lists (first child / next sibling) in node order: current order, then removed.
  const firstChild = new Int32Array(nodeCount + 1).fill(-1);
  const lastChild = new Int32Array(nodeCount + 1).fill(-1);
  const nextSibling = new Int32Array(nodeCount).fill(-1);
  for (let node = 0; node < nodeCount; node++) {
    const slot = (parentNode[node] as number) + 1;
    const last = lastChild[slot] as number;
    if (last < 0) firstChild[slot] = node;
    else nextSibling[last] = node;
    lastChild[slot] = node;
  }

  // The largest changes are listed, with every ancestor that leads to them.
  changed.sort((x, y) => (weight[y] as number) - (weight[x] as number) || x - y);
  const listedChanges = changed.slice(0, maxEntries);
  const listed = new Uint8Array(nodeCount);
  for (const node of listedChanges) {
    for (let at = node, guard = nodeCount; at >= 0 && listed[at] !== 1 && guard-- > 0; at = parentNode[at] as number) listed[at] = 1;
  }

  const keyOf = (node: number): string => {
    const span = node < nc ? current.span(node) : baseline.span(baseRowOf(node));
    return `${span.resource.serviceName}\u0000${span.name}`;
  };
  const entries: CompareEntry[] = [];
  const emit = (node: number, depth: number, ordinal: number): void => {
    const b = baseRowOf(node);
    const c = node < nc ? node : -1;
    const span = c >= 0 ? current.span(c) : baseline.span(b);
    const baselineDurationNs = b >= 0 ? baseline.spanDurationNs(b) : 0;
    const currentDurationNs = c >= 0 ? current.spanDurationNs(c) : 0;
    entries.push({
      path: table.text(c >= 0 ? (currentPaths[c] as number) : (basePaths[b] as number)),
      service: span.resource.serviceName,
      name: span.name,
      label: ordinal > 0 ? `${span.name} #${ordinal}` : span.name,
      depth,
      status: statusNames[status[node] as number] ?? 'same',
      baselineRow: b,
      currentRow: c,
      baselineDurationNs,
      currentDurationNs,
      baselineOffsetNs: b >= 0 ? baseline.offsetNs(b) : 0,
      currentOffsetNs: c >= 0 ? current.offsetNs(c) : 0,
      deltaNs: currentDurationNs - baselineDurationNs,
    });
  };
  // Depth-first over listed nodes only (iterative: a 100k-deep chain must not overflow the stack).
  const stack: { readonly parent: number; readonly depth: number; next: number; readonly ordinals: Map<number, number> }[] = [];
  const open = (parent: number, depth: number): void => {
    stack.push({ parent, depth, next: firstChild[parent + 1] as number, ordinals: siblingOrdinals(parent) });
  };
  // Sibling numbering covers all children of a listed parent, listed or not, so "#2" is the
  // second of its name under that parent whichever of them changed.
  function siblingOrdinals(parent: number): Map<number, number> {
    const counts = new Map<string, number>();
    const ordinals = new Map<number, number>();
    for (let child = firstChild[parent + 1] as number; child >= 0; child = nextSibling[child] as number) {
      const key = keyOf(child);
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      if (listed[child] === 1) ordinals.set(child, count);
    }
    // A name that occurs once under its parent needs no number.
    for (const child of ordinals.keys()) if (counts.get(keyOf(child)) === 1) ordinals.set(child, 0);
    return ordinals;
  }
  open(-1, 0);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as (typeof stack)[number];
    let node = frame.next;
    while (node >= 0 && listed[node] !== 1) node = nextSibling[node] as number;
    if (node < 0) {
      stack.pop();
      continue;
    }
    frame.next = nextSibling[node] as number;
    emit(node, frame.depth, frame.ordinals.get(node) ?? 0);
    if (firstChild[node + 1] !== -1) open(node, frame.depth + 1);
  }
  return {
    baselineTraceId: baseline.traceId,
    currentTraceId: current.traceId,
    matched,
    added,
    removed: removedRows.length,
    slower,
    faster,
    baselineTraceDurationNs: baseline.durationNs,
    currentTraceDurationNs: current.durationNs,
    entries,
    truncated: changed.length - listedChanges.length,
  };
}
