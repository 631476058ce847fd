import { buildTrace } from '../model/buildTrace';
import type { Span } from '../model/span';
import type { Trace } from '../model/trace';

export interface PartialTraceOptions {
  /** Milliseconds, for the throttle; a test seam. */
  readonly now?: () => number;
  /** Least time between two builds after the first. */
  readonly minIntervalMs?: number;
  /**
   * Largest share of the worker's time that rebuilding may take: each build is a full
   * `buildTrace` of everything so far, so the wait grows with its cost and the decoding of the
   * rest of the body (which decides "fully indexed") keeps most of the thread.
   */
  readonly maxBuildShare?: number;
}

/**
 * The spans of one remote trace gathered while its body streams, built into a Trace
 * now and then so that the tree can page through what has arrived. The first batch is built at
 * once: that is the moment a person sees rows. A span whose parent has not arrived yet is an
 * orphan (a top-level row) in that build, and moves under its parent in a later one.
 */
export class PartialTrace {
  private readonly spans: Span[] = [];
  private built = 0;
  private lastBuildAt = Number.NEGATIVE_INFINITY;
  private lastBuildMs = 0;
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private readonly maxBuildShare: number;

  constructor(
    readonly traceId: string,
    options: PartialTraceOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.maxBuildShare = options.maxBuildShare ?? 0.25;
  }

  /** Spans of other traces are left out: a backend answers one trace, the one asked for wins. */
  add(batch: readonly Span[]): void {
    for (const span of batch) if (span.traceId === this.traceId) this.spans.push(span);
  }

  get spanCount(): number {
    return this.spans.length;
  }

  /** Whether a build now would show something new without rebuilding too often. */
  get due(): boolean {
    if (this.spans.length === this.built) return false;
    if (this.built === 0) return true;
    const wait = Math.max(this.minIntervalMs, this.lastBuildMs / this.maxBuildShare);
    return this.now() - this.lastBuildAt >= wait;
  }

  /** Everything gathered so far, as a trace (undefined before the first span of this trace). */
  build(): Trace | undefined {
    if (this.spans.length === 0) return undefined;
    const started = this.now();
    // buildTrace orders its own array, so the list can keep growing after this build.
    const trace = buildTrace(this.traceId, this.spans);
    this.lastBuildAt = this.now();
    this.lastBuildMs = this.lastBuildAt - started;
    this.built = this.spans.length;
    return trace;
  }
}
