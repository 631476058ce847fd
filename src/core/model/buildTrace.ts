import type { Span } from './span';
import { Trace } from './trace';

/**
 * Traces up to this many spans are built in one set of working arrays shared by every build, so
 * a file of ten thousand small traces allocates them once instead of a dozen typed arrays per
 * trace (that allocation and its garbage were most of the cost of indexing small traces).
 * Larger traces get their own, so one huge trace does not pin its working memory afterwards.
 */
const sharedCapacity = 4096;
/** Rows of children up to this long are sorted in place; longer ones go through Array#sort. */
const insertionSortLimit = 24;

const noIndices: readonly number[] = Object.freeze([]);
const noWarnings: readonly string[] = Object.freeze([]);

/** Working arrays, indexed by a span's position in the input unless said otherwise. */
class Workspace {
  /** Input index of the parent, −1 for none. */
  readonly parentOf: Int32Array;
  /** 1 when the span names a parent that is not in the trace (or itself), or closed a cycle. */
  readonly orphan: Uint8Array;
  /** Children in compressed rows: those of span p are childList[rowStart[p], rowStart[p + 1]). */
  readonly rowStart: Uint32Array;
  readonly fill: Uint32Array;
  readonly childList: Uint32Array;
  readonly roots: Uint32Array;
  /** Depth-first position → input index, and back. */
  readonly order: Uint32Array;
  readonly newIndex: Int32Array;
  readonly stack: Uint32Array;
  /** Open addressing from span id to input index + 1 (0: empty), for linkByHash. */
  readonly idTable: Int32Array;
  /** breakCycles: 0 unseen, 1 on the current walk, 2 settled. */
  readonly state: Uint8Array;
  readonly walk: Uint32Array;
  /** By depth-first position. */
  readonly skew: Float64Array;

  constructor(readonly capacity: number) {
    this.parentOf = new Int32Array(capacity);
    this.orphan = new Uint8Array(capacity);
    this.rowStart = new Uint32Array(capacity + 1);
    this.fill = new Uint32Array(capacity);
    this.childList = new Uint32Array(capacity);
    this.roots = new Uint32Array(capacity);
    this.order = new Uint32Array(capacity);
    this.newIndex = new Int32Array(capacity);
    this.stack = new Uint32Array(capacity);
    // Larger traces link through a Map (linkByMap), so their workspace needs no table.
    this.idTable = new Int32Array(capacity <= sharedCapacity ? tableSize(capacity) : 0);
    this.state = new Uint8Array(capacity);
    this.walk = new Uint32Array(capacity);
    this.skew = new Float64Array(capacity);
  }
}

/** A power of two at least twice `n`, so probe runs stay short. */
function tableSize(n: number): number {
  let size = 16;
  while (size < 2 * n) size *= 2;
  return size;
}

let shared: Workspace | undefined;

function workspaceFor(n: number): Workspace {
  if (n > sharedCapacity) return new Workspace(n);
  if (shared === undefined || shared.capacity < n) shared = new Workspace(Math.min(sharedCapacity, Math.max(n, 2 * (shared?.capacity ?? 32))));
  return shared;
}

/**
 * Builds the tree of one trace from its spans in any order. Spans whose parent is missing become
 * top-level orphans; parent links that form a cycle are cut (with a warning) instead of hanging;
 * a repeated span id keeps every span, and children attach to the first.
 */
export function buildTrace(traceId: string, input: readonly Span[], inheritedWarnings: readonly string[] = []): Trace {
  const n = input.length;
  const ws = workspaceFor(n);
  const { parentOf, orphan, rowStart, fill, childList, roots, order, newIndex, stack } = ws;
  const duplicates = n <= sharedCapacity ? linkByHash(input, ws) : linkByMap(input, parentOf, orphan);
  const cycles = breakCycles(n, ws);

  // Children in compressed rows, each row sorted by start time (input order breaks ties).
  // Loops rather than fill(): on a ten-span trace the call costs more than the work.
  for (let i = 0; i <= n; i++) rowStart[i] = 0;
  for (let i = 0; i < n; i++) {
    const p = parentOf[i] as number;
    if (p >= 0) rowStart[p + 1] = (rowStart[p + 1] as number) + 1;
  }
  for (let i = 0; i < n; i++) {
    rowStart[i + 1] = (rowStart[i + 1] as number) + (rowStart[i] as number);
    fill[i] = rowStart[i] as number;
  }
  let rootCount = 0;
  for (let i = 0; i < n; i++) {
    const p = parentOf[i] as number;
    if (p < 0) roots[rootCount++] = i;
    else {
      const slot = fill[p] as number;
      childList[slot] = i;
      fill[p] = slot + 1;
    }
  }
  sortByStart(roots, 0, rootCount, input);
  for (let p = 0; p < n; p++) {
    const from = rowStart[p] as number;
    const to = rowStart[p + 1] as number;
    if (to - from > 1) sortByStart(childList, from, to, input);
  }

  // Depth-first order without recursion: a trace can be a 100k-deep chain. Every span is
  // reached, because breakCycles left each parent chain ending at a top-level span.
  const parent = new Int32Array(n);
  const depth = new Uint32Array(n);
  let top = 0;
  for (let r = rootCount - 1; r >= 0; r--) stack[top++] = roots[r] as number;
  let next = 0;
  while (top > 0) {
    const old = stack[--top] as number;
    const at = next++;
    order[at] = old;
    newIndex[old] = at;
    const p = parentOf[old] as number;
    if (p < 0) parent[at] = -1;
    else {
      const np = newIndex[p] as number;
      parent[at] = np;
      depth[at] = (depth[np] as number) + 1;
    }
    const from = rowStart[old] as number;
    for (let c = (rowStart[old + 1] as number) - 1; c >= from; c--) stack[top++] = childList[c] as number;
  }

  // Subtree sizes bottom-up (children follow their parent in this order), then their ends.
  const subtreeEnd = new Uint32Array(n);
  for (let at = n - 1; at >= 0; at--) {
    const size = (subtreeEnd[at] as number) + 1;
    subtreeEnd[at] = size;
    const p = parent[at] as number;
    if (p >= 0) subtreeEnd[p] = (subtreeEnd[p] as number) + size;
  }
  for (let at = 0; at < n; at++) subtreeEnd[at] = (subtreeEnd[at] as number) + at;

  const spans: Span[] = new Array<Span>(n);
  for (let i = 0; i < n; i++) spans[i] = input[order[i] as number] as Span;
  const skewed = correctClockSkew(spans, parent, ws.skew);

  let startNs = 0n;
  let endNs = 0n;
  let errorCount = 0;
  const services: string[] = [];
  let seenServices: Set<string> | undefined;
  let lastResource: Span['resource'] | undefined;
  for (let i = 0; i < n; i++) {
    const span = spans[i] as Span;
    let s = span.startNs;
    let e = span.endNs > s ? span.endNs : s;
    if (skewed) {
      const k = ws.skew[i] as number;
      if (k !== 0) {
        const shift = BigInt(Math.round(k));
        s += shift;
        e += shift;
      }
    }
    if (i === 0 || s < startNs) startNs = s;
    if (i === 0 || e > endNs) endNs = e;
    if (span.statusCode === 2) errorCount++;
    // Spans of one batch share their resource, so most spans skip the service lookup.
    const resource = span.resource;
    if (resource === lastResource) continue;
    lastResource = resource;
    const service = resource.serviceName;
    if (seenServices !== undefined) {
      if (!seenServices.has(service)) {
        seenServices.add(service);
        services.push(service);
      }
    } else if (!services.includes(service)) {
      services.push(service);
      if (services.length > 8) seenServices = new Set(services);
    }
  }

  // Top-level spans were pushed in sorted order, so their depth-first positions ascend.
  const rootIndices = new Array<number>(rootCount);
  let orphanIndices: number[] | undefined;
  for (let r = 0; r < rootCount; r++) {
    const old = roots[r] as number;
    const at = newIndex[old] as number;
    rootIndices[r] = at;
    if (orphan[old]) (orphanIndices ??= []).push(at);
  }

  let warnings = inheritedWarnings.length === 0 ? noWarnings : [...inheritedWarnings];
  if (duplicates > 0 || cycles > 0) {
    const added = [...warnings];
    if (duplicates > 0) added.push(`${duplicates} span${duplicates === 1 ? '' : 's'} repeat an earlier span id; all are kept.`);
    if (cycles > 0) added.push(`${cycles} parent link${cycles === 1 ? '' : 's'} formed a cycle and ${cycles === 1 ? 'was' : 'were'} cut.`);
    warnings = added;
  }
  return new Trace(traceId, spans, parent, depth, subtreeEnd, skewed ? ws.skew.slice(0, n) : undefined, rootIndices, orphanIndices ?? noIndices, startNs, endNs, services, errorCount, warnings);
}

/**
 * Parent links through a hash table of ids in the shared workspace: a Map per trace, grown
 * entry by entry, cost more than the rest of indexing a ten-span trace. The first span with
 * an id wins. Returns how many spans repeat an earlier id.
 */
function linkByHash(input: readonly Span[], ws: Workspace): number {
  const { parentOf, orphan, idTable } = ws;
  const n = input.length;
  const mask = tableSize(n) - 1;
  for (let k = 0; k <= mask; k++) idTable[k] = 0;
  let duplicates = 0;
  for (let i = 0; i < n; i++) {
    const id = (input[i] as Span).spanId;
    let slot = hashId(id) & mask;
    for (;;) {
      const entry = idTable[slot] as number;
      if (entry === 0) {
        idTable[slot] = i + 1;
        break;
      }
      if ((input[entry - 1] as Span).spanId === id) {
        duplicates++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  for (let i = 0; i < n; i++) {
    parentOf[i] = -1;
    orphan[i] = 0;
    const parentId = (input[i] as Span).parentSpanId;
    if (parentId === undefined) continue;
    let p = -1;
    for (let slot = hashId(parentId) & mask; ; slot = (slot + 1) & mask) {
      const entry = idTable[slot] as number;
      if (entry === 0) break;
      if ((input[entry - 1] as Span).spanId === parentId) {
        p = entry - 1;
        break;
      }
    }
    if (p < 0 || p === i) orphan[i] = 1;
    else parentOf[i] = p;
  }
  return duplicates;
}

/** FNV-style hash of every character; ids are short, and hex ids differ anywhere. */
function hashId(id: string): number {
  let h = 0x811c9dc5 ^ id.length;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Parent links through a map of ids (the first span with an id wins); returns the repeats. */
function linkByMap(input: readonly Span[], parentOf: Int32Array, orphan: Uint8Array): number {
  const n = input.length;
  const byId = new Map<string, number>();
  let duplicates = 0;
  for (let i = 0; i < n; i++) {
    const id = (input[i] as Span).spanId;
    if (byId.has(id)) duplicates++;
    else byId.set(id, i);
  }
  for (let i = 0; i < n; i++) {
    parentOf[i] = -1;
    orphan[i] = 0;
    const parentId = (input[i] as Span).parentSpanId;
    if (parentId === undefined) continue;
    const p = byId.get(parentId);
    if (p === undefined || p === i) orphan[i] = 1;
    else parentOf[i] = p;
  }
  return duplicates;
}

/** Sorts input indices in list[from, to) by start time; equal starts keep their (input) order. */
function sortByStart(list: Uint32Array, from: number, to: number, input: readonly Span[]): void {
  if (to - from <= insertionSortLimit) {
    for (let i = from + 1; i < to; i++) {
      const item = list[i] as number;
      const start = (input[item] as Span).startNs;
      let j = i - 1;
      while (j >= from && (input[list[j] as number] as Span).startNs > start) {
        list[j + 1] = list[j] as number;
        j--;
      }
      list[j + 1] = item;
    }
    return;
  }
  // Array#sort is stable, and the row holds ascending input indices, so ties keep input order.
  const row = Array.from(list.subarray(from, to));
  row.sort((a, b) => {
    const sa = (input[a] as Span).startNs;
    const sb = (input[b] as Span).startNs;
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
  list.set(row, from);
}

/** Cuts each cycle at the link that closes it; returns how many links were cut. */
function breakCycles(n: number, ws: Workspace): number {
  const { parentOf, orphan, state, walk } = ws;
  for (let i = 0; i < n; i++) state[i] = 0;
  let cut = 0;
  for (let start = 0; start < n; start++) {
    let length = 0;
    let node = start;
    while (node >= 0 && state[node] === 0) {
      state[node] = 1;
      walk[length++] = node;
      const p = parentOf[node] as number;
      if (p >= 0 && state[p] === 1) {
        parentOf[node] = -1;
        orphan[node] = 1;
        cut++;
        break;
      }
      node = p;
    }
    for (let k = 0; k < length; k++) state[walk[k] as number] = 2;
  }
  return cut;
}

/**
 * A span from another service that starts before its parent cannot be right: the two hosts'
 * clocks disagree. Move it (and, through inheritance, its subtree) inside the parent: centred
 * when it fits, aligned to the parent's start when it is longer. Spans that merely end after
 * their parent are left alone: async work (messaging, FOLLOWS_FROM) legitimately does that.
 * Fills `skew` (by depth-first position) and says whether any span moved.
 */
function correctClockSkew(spans: readonly Span[], parent: Int32Array, skew: Float64Array): boolean {
  let moved = false;
  for (let i = 0; i < spans.length; i++) {
    const p = parent[i] as number;
    if (p < 0) {
      skew[i] = 0;
      continue;
    }
    const span = spans[i] as Span;
    const parentSpan = spans[p] as Span;
    const inherited = skew[p] as number;
    skew[i] = inherited;
    // Compared as bigints first: the common case (no lead) then allocates nothing.
    if (span.startNs >= parentSpan.startNs || span.resource.serviceName === parentSpan.resource.serviceName) continue;
    const lead = Number(parentSpan.startNs - span.startNs);
    const parentLength = Number(parentSpan.endNs - parentSpan.startNs);
    const childLength = Number(span.endNs - span.startNs);
    const centre = childLength <= parentLength ? (parentLength - childLength) / 2 : 0;
    skew[i] = inherited + lead + centre;
    moved = true;
  }
  return moved;
}
