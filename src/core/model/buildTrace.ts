import type { Span } from './span';
import { Trace } from './trace';

/**
 * Builds the tree of one trace from its spans in any order. Spans whose parent is missing become
 * top-level orphans; parent links that form a cycle are cut (with a warning) instead of hanging;
 * a repeated span id keeps every span, and children attach to the first.
 */
export function buildTrace(traceId: string, input: readonly Span[], inheritedWarnings: readonly string[] = []): Trace {
  const n = input.length;
  const warnings = [...inheritedWarnings];
  const byId = new Map<string, number>();
  let duplicates = 0;
  for (let i = 0; i < n; i++) {
    const id = (input[i] as Span).spanId;
    if (byId.has(id)) duplicates++;
    else byId.set(id, i);
  }
  if (duplicates > 0) warnings.push(`${duplicates} span${duplicates === 1 ? '' : 's'} repeat an earlier span id; all are kept.`);

  const parentOf = new Int32Array(n).fill(-1);
  const orphan = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const parentId = (input[i] as Span).parentSpanId;
    if (parentId === undefined) continue;
    const p = byId.get(parentId);
    if (p === undefined || p === i) orphan[i] = 1;
    else parentOf[i] = p;
  }
  const cycles = breakCycles(parentOf, orphan);
  if (cycles > 0) warnings.push(`${cycles} parent link${cycles === 1 ? '' : 's'} formed a cycle and ${cycles === 1 ? 'was' : 'were'} cut.`);

  // Children in compressed rows, each row sorted by start time (input order breaks ties).
  const childCount = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const p = parentOf[i] as number;
    if (p >= 0) childCount[p + 1] = (childCount[p + 1] as number) + 1;
  }
  for (let i = 0; i < n; i++) childCount[i + 1] = (childCount[i + 1] as number) + (childCount[i] as number);
  const rowStart = childCount;
  const fill = rowStart.slice(0, n);
  const childList = new Uint32Array(n);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parentOf[i] as number;
    if (p < 0) roots.push(i);
    else {
      const slot = fill[p] as number;
      childList[slot] = i;
      fill[p] = slot + 1;
    }
  }
  const byStart = (a: number, b: number): number => {
    const sa = (input[a] as Span).startNs;
    const sb = (input[b] as Span).startNs;
    return sa < sb ? -1 : sa > sb ? 1 : a - b;
  };
  roots.sort(byStart);
  for (let p = 0; p < n; p++) {
    const from = rowStart[p] as number;
    const to = rowStart[p + 1] as number;
    if (to - from > 1) childList.subarray(from, to).sort(byStart);
  }

  // Depth-first order without recursion: a trace can be a 100k-deep chain.
  const order = new Uint32Array(n);
  const newIndex = new Int32Array(n);
  const depth = new Uint32Array(n);
  const subtreeEnd = new Uint32Array(n);
  const parent = new Int32Array(n);
  const stack: number[] = [];
  let next = 0;
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r] as number);
  const depthOf = new Uint32Array(n);
  const exit: number[] = [];
  while (stack.length > 0) {
    const old = stack.pop() as number;
    if (old < 0) {
      const done = exit.pop() as number;
      subtreeEnd[done] = next;
      continue;
    }
    const at = next++;
    order[at] = old;
    newIndex[old] = at;
    depth[at] = depthOf[old] as number;
    const p = parentOf[old] as number;
    parent[at] = p < 0 ? -1 : (newIndex[p] as number);
    exit.push(at);
    stack.push(-1);
    const from = rowStart[old] as number;
    for (let c = (rowStart[old + 1] as number) - 1; c >= from; c--) {
      const child = childList[c] as number;
      depthOf[child] = (depthOf[old] as number) + 1;
      stack.push(child);
    }
  }

  const spans: Span[] = new Array<Span>(n);
  for (let i = 0; i < n; i++) spans[i] = input[order[i] as number] as Span;
  const skewNs = correctClockSkew(spans, parent);

  let startNs: bigint | undefined;
  let endNs: bigint | undefined;
  let errorCount = 0;
  const services: string[] = [];
  const seenServices = new Set<string>();
  for (let i = 0; i < n; i++) {
    const span = spans[i] as Span;
    const skew = BigInt(Math.round(skewNs[i] as number));
    const s = span.startNs + skew;
    const e = (span.endNs > span.startNs ? span.endNs : span.startNs) + skew;
    if (startNs === undefined || s < startNs) startNs = s;
    if (endNs === undefined || e > endNs) endNs = e;
    if (span.statusCode === 2) errorCount++;
    const service = span.resource.serviceName;
    if (!seenServices.has(service)) {
      seenServices.add(service);
      services.push(service);
    }
  }
  const rootIndices: number[] = [];
  const orphanIndices: number[] = [];
  for (let i = 0; i < n; i++) {
    if (parent[i] !== -1) continue;
    rootIndices.push(i);
    if (orphan[order[i] as number]) orphanIndices.push(i);
  }
  return new Trace(
    traceId,
    spans,
    parent,
    depth,
    subtreeEnd,
    skewNs,
    rootIndices,
    orphanIndices,
    startNs ?? 0n,
    endNs ?? 0n,
    services,
    errorCount,
    warnings,
  );
}

/** Cuts each cycle at the link that closes it; returns how many links were cut. */
function breakCycles(parentOf: Int32Array, orphan: Uint8Array): number {
  const state = new Uint8Array(parentOf.length); // 0 new, 1 on the current walk, 2 settled
  let cut = 0;
  const walk: number[] = [];
  for (let start = 0; start < parentOf.length; start++) {
    let node = start;
    while (node >= 0 && state[node] === 0) {
      state[node] = 1;
      walk.push(node);
      const p = parentOf[node] as number;
      if (p >= 0 && state[p] === 1) {
        parentOf[node] = -1;
        orphan[node] = 1;
        cut++;
        break;
      }
      node = p;
    }
    for (const settled of walk) state[settled] = 2;
    walk.length = 0;
  }
  return cut;
}

/**
 * A span from another service that starts before its parent cannot be right: the two hosts'
 * clocks disagree. Move it (and, through inheritance, its subtree) inside the parent: centred
 * when it fits, aligned to the parent's start when it is longer. Spans that merely end after
 * their parent are left alone: async work (messaging, FOLLOWS_FROM) legitimately does that.
 */
function correctClockSkew(spans: readonly Span[], parent: Int32Array): Float64Array {
  const skew = new Float64Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const p = parent[i] as number;
    if (p < 0) continue;
    const span = spans[i] as Span;
    const parentSpan = spans[p] as Span;
    const inherited = skew[p] as number;
    skew[i] = inherited;
    if (span.resource.serviceName === parentSpan.resource.serviceName) continue;
    const lead = Number(parentSpan.startNs - span.startNs); // > 0: child starts before parent
    if (lead <= 0) continue;
    const parentLength = Number(parentSpan.endNs - parentSpan.startNs);
    const childLength = Number(span.endNs - span.startNs);
    const centre = childLength <= parentLength ? (parentLength - childLength) / 2 : 0;
    skew[i] = inherited + lead + centre;
  }
  return skew;
}
