import type { TraceViewData } from './traceViewData';

/**
 * Which rows the waterfall shows, in order. Rows are in depth-first order, so a folded span
 * skips straight to its subtreeEnd: the walk costs one step per shown row plus one per folded
 * or filtered-out subtree, never a step per hidden span.
 *
 * `keep`, when given, hides every row whose value is 0 together with its subtree (see
 * keepWithAncestors, which guarantees a kept row's ancestors are kept too).
 */
export function computeVisibleRows(data: TraceViewData, collapsed: Uint8Array, keep?: Uint8Array, scratch?: Uint32Array): Uint32Array {
  const n = data.spanCount;
  const end = data.subtreeEnd;
  const out = scratch && scratch.length >= n ? scratch : new Uint32Array(n);
  let count = 0;
  let i = 0;
  while (i < n) {
    // A subtreeEnd that does not move forward would loop forever on corrupt input.
    const skip = Math.max(i + 1, end[i] ?? i + 1);
    if (keep && keep[i] === 0) {
      i = skip;
      continue;
    }
    out[count++] = i;
    i = collapsed[i] === 1 ? skip : i + 1;
  }
  return out.subarray(0, count);
}

/**
 * Marks each matching row and every ancestor of one, so a filter keeps the tree's shape: a
 * match deep in the tree is shown under the spans that lead to it. Children come after their
 * parent, so one backwards pass settles everything.
 */
export function keepWithAncestors(data: TraceViewData, match: Uint8Array): Uint8Array {
  const keep = new Uint8Array(data.spanCount);
  for (let i = data.spanCount - 1; i >= 0; i--) {
    if (match[i] === 1) keep[i] = 1;
    if (keep[i] === 1) {
      const p = data.parent[i] ?? -1;
      if (p >= 0 && p < i) keep[p] = 1;
    }
  }
  return keep;
}

/** Position of `row` among the visible rows (which ascend), or −1 when it is hidden. */
export function positionOfRow(rows: Uint32Array, row: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = rows[mid] ?? 0;
    if (value === row) return mid;
    if (value < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Folds every span that has children. */
export function collapseAll(data: TraceViewData): Uint8Array {
  const collapsed = new Uint8Array(data.spanCount);
  for (let i = 0; i < data.spanCount; i++) if ((data.subtreeEnd[i] ?? 0) > i + 1) collapsed[i] = 1;
  return collapsed;
}

/** Unfolds every ancestor of `row` so that it is shown; returns whether anything changed. */
export function revealRow(data: TraceViewData, collapsed: Uint8Array, row: number): boolean {
  let changed = false;
  let guard = data.spanCount;
  for (let p = data.parent[row] ?? -1; p >= 0 && guard-- > 0; p = data.parent[p] ?? -1) {
    if (collapsed[p] === 1) {
      collapsed[p] = 0;
      changed = true;
    }
  }
  return changed;
}

/** Everything folded except the paths down to spans with `flag` (e.g. errors). */
export function expandToFlag(data: TraceViewData, flag: number): Uint8Array {
  const collapsed = collapseAll(data);
  for (let i = data.spanCount - 1; i >= 0; i--) {
    if (((data.flags[i] ?? 0) & flag) === 0) continue;
    // Ancestors of a later flagged span may already be open; stop at the first open one.
    for (let p = data.parent[i] ?? -1; p >= 0 && collapsed[p] === 1; p = data.parent[p] ?? -1) collapsed[p] = 0;
  }
  return collapsed;
}

/** Each row's place among its shown siblings, for a tree item's aria-posinset and aria-setsize. */
export interface SiblingPositions {
  /** 1-based position among the siblings that pass `keep`; 0 for a row that does not pass. */
  readonly posInSet: Uint32Array;
  /** Number of children that pass `keep`, indexed by parent row + 1 (index 0: the top level). */
  readonly childCount: Uint32Array;
}

/**
 * One pass over the rows, so a screen reader hears "3 of 12" for any row of a million-span trace
 * without a per-row walk over its siblings. With a filter (`keep`) hidden siblings are not counted.
 */
export function siblingPositions(data: TraceViewData, keep?: Uint8Array): SiblingPositions {
  const n = data.spanCount;
  const posInSet = new Uint32Array(n);
  const childCount = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    if (keep && keep[i] !== 1) continue;
    const p = data.parent[i] ?? -1;
    const slot = p >= 0 && p < i ? p + 1 : 0;
    const count = (childCount[slot] ?? 0) + 1;
    childCount[slot] = count;
    posInSet[i] = count;
  }
  return { posInSet, childCount };
}

export function setSizeOf(data: TraceViewData, positions: SiblingPositions, row: number): number {
  const p = data.parent[row] ?? -1;
  return positions.childCount[p >= 0 && p < row ? p + 1 : 0] ?? 0;
}
