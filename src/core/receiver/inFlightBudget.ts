/** What the receiver holds at this moment; both are 0 whenever no request is in progress. */
export interface InFlightLoad {
  readonly requests: number;
  /** Request bytes received and not yet released (counted against maxInFlightBytes). */
  readonly bytes: number;
}

interface Held {
  requests: number;
  bytes: number;
}

/**
 * The bytes one admitted request holds. They grow as its body arrives and all go back in one
 * `release()`, whatever way the request ends; bytes that arrive after the release are not
 * counted, so no path (a refused oversized body the client keeps sending, a reset stream) can
 * leave bytes behind and starve every later request.
 */
export class InFlightLease {
  private bytes: number;
  private released = false;

  constructor(
    private readonly held: Held,
    private readonly maxBytes: number,
    reservedBytes: number,
  ) {
    this.bytes = reservedBytes;
  }

  /**
   * Makes the lease cover the first `total` bytes of the body. False when that would take the
   * receiver past its byte budget while other requests hold bytes: a request alone is bounded
   * by the body limit instead, so a single large batch is never refused for the budget.
   */
  cover(total: number): boolean {
    const more = total - this.bytes;
    if (more <= 0 || this.released) return true;
    if (this.held.bytes + more > this.maxBytes && this.held.bytes > this.bytes) return false;
    this.held.bytes += more;
    this.bytes = total;
    return true;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.held.requests--;
    this.held.bytes -= this.bytes;
  }
}

/** The receiver's bound on requests and request bytes in progress at once. */
export class InFlightBudget {
  private readonly held: Held = { requests: 0, bytes: 0 };

  constructor(
    private readonly maxRequests: number,
    private readonly maxBytes: number,
  ) {}

  get load(): InFlightLoad {
    return { requests: this.held.requests, bytes: this.held.bytes };
  }

  /**
   * A lease holding `declaredBytes` (a Content-Length; 0 when the size is not known until the
   * body has arrived), or undefined when the request should be turned away to retry later.
   */
  admit(declaredBytes: number): InFlightLease | undefined {
    const held = this.held;
    if (held.requests >= this.maxRequests) return undefined;
    if (held.requests > 0 && (held.bytes >= this.maxBytes || held.bytes + declaredBytes > this.maxBytes)) return undefined;
    held.requests++;
    held.bytes += declaredBytes;
    return new InFlightLease(held, this.maxBytes, declaredBytes);
  }
}
