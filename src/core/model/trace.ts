import { isErrorSpan, type Span } from './span';
import { durationNs, spanLength, type DurationNs } from './units';

/** A stretch of time during which one span is what the trace waits on. */
export interface CriticalSegment {
  readonly spanIndex: number;
  readonly startOffsetNs: number;
  readonly endOffsetNs: number;
}

/**
 * One trace with its tree. Spans are stored in depth-first order (roots and siblings by start
 * time), so a span's subtree is the contiguous range [i, subtreeEnd[i]) and a waterfall's rows
 * are the span array itself; the tree costs a few typed arrays, not an object per node.
 */
export class Trace {
  private selfTimes: Float64Array | undefined;
  private critical: readonly CriticalSegment[] | undefined;
  /** undefined while no span needed moving, which is most traces: no array for zeros. */
  private skew: Float64Array | undefined;

  constructor(
    readonly traceId: string,
    /** Depth-first order. */
    readonly spans: readonly Span[],
    /** Index of each span's parent, −1 for roots and orphans. */
    readonly parent: Int32Array,
    readonly depth: Uint32Array,
    /** Exclusive end of each span's subtree in `spans`. */
    readonly subtreeEnd: Uint32Array,
    /** See `skewNs`; undefined when every correction is zero. */
    skewNs: Float64Array | undefined,
    /** Indices of top-level spans: true roots and orphans (parent id not in the trace). */
    readonly roots: readonly number[],
    readonly orphans: readonly number[],
    /** Earliest corrected start; every offset is measured from here, so none is negative. */
    readonly startNs: bigint,
    readonly endNs: bigint,
    readonly services: readonly string[],
    readonly errorCount: number,
    readonly warnings: readonly string[],
  ) {
    this.skew = skewNs;
  }

  /**
   * Clock-skew correction per span, in ns, added to its recorded times for display: a span
   * from another service that starts before its parent is moved inside it, with its subtree.
   */
  get skewNs(): Float64Array {
    this.skew ??= new Float64Array(this.spans.length);
    return this.skew;
  }

  get spanCount(): number {
    return this.spans.length;
  }

  get durationNs(): DurationNs {
    return spanLength(this.startNs, this.endNs);
  }

  /** The span a person would call "the request": the earliest true root, else the earliest orphan. */
  get rootSpan(): Span | undefined {
    const index = this.roots.find((i) => !this.orphans.includes(i)) ?? this.roots[0];
    return index === undefined ? undefined : this.spans[index];
  }

  span(index: number): Span {
    const span = this.spans[index];
    if (!span) throw new RangeError(`span index ${index} out of range 0..${this.spans.length - 1}`);
    return span;
  }

  /** Corrected start relative to the trace start, in ns; never negative. */
  offsetNs(index: number): number {
    return Math.max(0, Number(this.span(index).startNs - this.startNs) + (this.skew?.[index] ?? 0));
  }

  spanDurationNs(index: number): DurationNs {
    const span = this.span(index);
    return spanLength(span.startNs, span.endNs);
  }

  *children(index: number): Generator<number> {
    const end = this.subtreeEnd[index] ?? index + 1;
    for (let child = index + 1; child < end; child = this.subtreeEnd[child] ?? end) yield child;
  }

  isError(index: number): boolean {
    return isErrorSpan(this.span(index));
  }

  /** Time the span spent outside all of its children (children clipped to the span). */
  selfTimeNs(index: number): DurationNs {
    this.selfTimes ??= this.computeSelfTimes();
    return durationNs(this.selfTimes[index] ?? 0);
  }

  /** The chain of work that determined the trace's end-to-end latency, in time order. */
  criticalPath(): readonly CriticalSegment[] {
    this.critical ??= computeCriticalPath(this);
    return this.critical;
  }

  /**
   * Self time of one span, computed on its own without filling the cache: a single details
   * request on a million-span trace must not pay for every span's.
   */
  selfTimeOfOne(index: number): number {
    const start = this.offsetNs(index);
    const end = start + this.spanDurationNs(index);
    const intervals: [number, number][] = [];
    for (const child of this.children(index)) {
      const cs = Math.max(start, this.offsetNs(child));
      const ce = Math.min(end, this.offsetNs(child) + this.spanDurationNs(child));
      if (ce > cs) intervals.push([cs, ce]);
    }
    intervals.sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let reach = start;
    for (const [cs, ce] of intervals) {
      if (ce <= reach) continue;
      covered += ce - Math.max(cs, reach);
      reach = ce;
    }
    return end - start - covered;
  }

  private computeSelfTimes(): Float64Array {
    const result = new Float64Array(this.spans.length);
    for (let i = 0; i < this.spans.length; i++) result[i] = this.selfTimeOfOne(i);
    return result;
  }
}

/**
 * Walks back from the end of each top-level span: the last child to finish before the cursor
 * is what the parent waited on; the parent's own time fills the gaps. Children that overlap the
 * chosen one ran in parallel and are off the path. Iterative, so a 100k-deep chain is fine.
 */
function computeCriticalPath(trace: Trace): CriticalSegment[] {
  const segments: CriticalSegment[] = [];
  // Offsets once per span: each offsetNs is bigint arithmetic, and the sorts below would repeat
  // it O(n log n) times (1–3 s at a million spans).
  const n = trace.spanCount;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = trace.offsetNs(i);
    ends[i] = (starts[i] ?? 0) + trace.spanDurationNs(i);
  }
  const startOf = (i: number): number => starts[i] ?? 0;
  const endOf = (i: number): number => ends[i] ?? 0;
  interface Frame {
    readonly span: number;
    readonly start: number;
    cursor: number;
    readonly kids: number[];
    next: number;
  }
  const open = (span: number, limit: number): Frame => {
    // Direct subtree walk rather than the children() generator: one generator per span is a
    // measurable share of the time on a million-span trace.
    const kids: number[] = [];
    const end = trace.subtreeEnd[span] ?? span + 1;
    for (let child = span + 1; child < end; child = trace.subtreeEnd[child] ?? end) kids.push(child);
    if (kids.length > 1) kids.sort((a, b) => endOf(b) - endOf(a));
    return { span, start: startOf(span), cursor: Math.min(endOf(span), limit), kids, next: 0 };
  };
  const topLevel = [...trace.roots].sort((a, b) => endOf(b) - endOf(a));
  const first = topLevel[0];
  if (first === undefined) return segments;
  const stack: Frame[] = [open(first, Number.POSITIVE_INFINITY)];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (!frame) break;
    let descended = false;
    while (frame.next < frame.kids.length && frame.cursor > frame.start) {
      const kid = frame.kids[frame.next++];
      if (kid === undefined) break;
      const kidEnd = Math.min(endOf(kid), endOf(frame.span));
      if (kidEnd > frame.cursor || startOf(kid) >= frame.cursor) continue;
      if (kidEnd < frame.cursor) segments.push({ spanIndex: frame.span, startOffsetNs: kidEnd, endOffsetNs: frame.cursor });
      frame.cursor = Math.max(frame.start, startOf(kid));
      stack.push(open(kid, kidEnd));
      descended = true;
      break;
    }
    if (descended) continue;
    if (frame.cursor > frame.start) segments.push({ spanIndex: frame.span, startOffsetNs: frame.start, endOffsetNs: frame.cursor });
    stack.pop();
  }
  // The walk goes back in time, so reversed the segments are almost always in order already;
  // sorting two million of them would cost more than the walk.
  segments.reverse();
  for (let i = 1; i < segments.length; i++) {
    const a = segments[i - 1] as CriticalSegment;
    const b = segments[i] as CriticalSegment;
    if (a.startOffsetNs > b.startOffsetNs || (a.startOffsetNs === b.startOffsetNs && a.endOffsetNs > b.endOffsetNs)) {
      return segments.sort((x, y) => x.startOffsetNs - y.startOffsetNs || x.endOffsetNs - y.endOffsetNs);
    }
  }
  return segments;
}
