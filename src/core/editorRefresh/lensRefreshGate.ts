/** Timers the gate runs on; tests pass a manual clock. */
export interface GateClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: GateClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LensRefreshGateOptions {
  /** Shortest time between two change events. */
  readonly minIntervalMs: number;
  /** How long an event may go unanswered before the next one is sent anyway. */
  readonly answerTimeoutMs: number;
  readonly fire: () => void;
  readonly clock?: GateClock;
}

/**
 * Decides when to tell VS Code that CodeLens changed. VS Code answers a provider's change event
 * by re-arming a debounce timer (a `RunOnceScheduler`, at least 250 ms and up to the provider's
 * measured latency) and cancelling the request in flight; events arriving faster than that timer
 * mean the request never runs, so under steady traffic the lenses never appeared. So the gate
 * fires only when a visible document's lenses differ from what VS Code last received, never
 * more often than `minIntervalMs`, and not again until VS Code has asked for the documents of
 * the previous event (or `answerTimeoutMs` has passed, in case it never asks).
 */
export class LensRefreshGate {
  /** What each visible document's provider call last answered, as a comparable signature. */
  private readonly answered = new Map<string, string>();
  /** The newest signature each document was reported changed to, when known. */
  private readonly latest = new Map<string, string>();
  /** Documents whose current lenses differ from what was answered. */
  private readonly pending = new Set<string>();
  /** Documents an event was fired for that VS Code has not asked about since. */
  private awaiting = new Set<string>();
  private lastFire = Number.NEGATIVE_INFINITY;
  /** When the oldest unanswered question (an event, or VS Code asking) began. */
  private awaitingSince = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private readonly clock: GateClock;
  private disposed = false;

  constructor(private readonly options: LensRefreshGateOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** A document's lenses are now `signature`; `undefined` when they may have changed in a way not known. */
  changed(key: string, signature: string | undefined): void {
    // Not asked about since it was shown: VS Code asks for a newly shown document by itself,
    // and an event would only re-arm that first request's debounce.
    if (!this.answered.has(key) && !this.awaiting.has(key)) return;
    if (signature === undefined) this.latest.delete(key);
    else this.latest.set(key, signature);
    if (signature !== undefined && this.answered.get(key) === signature) {
      this.pending.delete(key);
      return;
    }
    this.pending.add(key);
    this.arm();
  }

  /**
   * VS Code is asking for a document's lenses: an event now would cancel that request and start
   * another, so none is sent for it until the answer is in.
   */
  asking(key: string): void {
    if (this.awaiting.size === 0) this.awaitingSince = this.clock.now();
    this.awaiting.add(key);
  }

  /** VS Code asked for a document's lenses and got `signature`. */
  answeredWith(key: string, signature: string): void {
    this.answered.set(key, signature);
    // An answer computed before the newest change leaves the document pending.
    const latest = this.latest.get(key);
    if (latest === undefined || latest === signature) this.pending.delete(key);
    const wasAwaited = this.awaiting.delete(key);
    // The timer may be waiting out the answer timeout: with every answer in, it can fire sooner.
    if (wasAwaited && this.awaiting.size === 0) this.rearm();
    else this.arm();
  }

  /** Only these documents are visible: VS Code asks for the others itself when they are shown. */
  retainOnly(visible: ReadonlySet<string>): void {
    for (const set of [this.pending, this.awaiting]) for (const key of set) if (!visible.has(key)) set.delete(key);
    for (const map of [this.answered, this.latest]) for (const key of map.keys()) if (!visible.has(key)) map.delete(key);
    this.rearm();
  }

  get isWaiting(): boolean {
    return this.pending.size > 0;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private rearm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.arm();
  }

  private arm(): void {
    if (this.disposed || this.timer !== undefined || this.pending.size === 0) return;
    const now = this.clock.now();
    const spaced = this.lastFire + this.options.minIntervalMs;
    const unanswered = this.awaiting.size > 0 ? this.awaitingSince + this.options.answerTimeoutMs : now;
    const wait = Math.max(0, spaced - now, unanswered - now);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.pending.size === 0) return;
      const now = this.clock.now();
      if (this.awaiting.size > 0 && now < this.awaitingSince + this.options.answerTimeoutMs) {
        this.arm();
        return;
      }
      this.lastFire = now;
      this.awaitingSince = now;
      this.awaiting = new Set(this.pending);
      this.options.fire();
    }, wait);
  }
}
