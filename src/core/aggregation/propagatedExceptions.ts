import { TwoGenerationMap } from './twoGenerationMap';

/**
 * "Is this exception event the same exception a child span already recorded?" An exception that
 * is thrown in one function and rethrown through its callers is recorded by the OpenTelemetry
 * SDKs on every span it leaves (`span.recordException` in each `catch`), with the same type,
 * message and stack. Counting each record made one declined payment read "2×": one
 * throw is one occurrence. Several throws inside one span (a retry loop) stay several, since
 * only a record on an ANCESTOR of a span that recorded the same exception is folded.
 *
 * Children end, and so are exported, before their parents; a parent that arrives first counts
 * its record, which errs towards the old count rather than towards losing an exception.
 * Bounded: two generations of keys, the older forgotten when the younger fills.
 */
export class PropagatedExceptions {
  private seen: TwoGenerationMap<string, true>;

  /** About `capacity` keys in each of the two generations. */
  constructor(private readonly capacity: number) {
    this.seen = new TwoGenerationMap(2 * capacity);
  }

  /**
   * Notes that span `spanId` of `traceId` recorded the exception `fingerprint` and says whether
   * one of its descendants had already recorded it (so this record is the same exception rethrown).
   */
  record(traceId: string, spanId: string, parentSpanId: string | undefined, fingerprint: string): boolean {
    const rethrown = this.seen.get(`${traceId}/${spanId}/${fingerprint}`) === true;
    if (parentSpanId !== undefined && parentSpanId !== '') this.seen.set(`${traceId}/${parentSpanId}/${fingerprint}`, true);
    return rethrown;
  }

  clear(): void {
    this.seen = new TwoGenerationMap(2 * this.capacity);
  }
}

/**
 * Type, message and stack folded into a short key: a stack can be kilobytes and the set keeps
 * many keys. Two 32-bit hashes make a false match (two different exceptions of one span
 * pair) negligible.
 */
export function exceptionFingerprint(type: string, message: string, stacktrace: string | undefined): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x01000193 | 0;
  const parts = [type, message, stacktrace ?? ''];
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    // A separator, so ("ab", "c") and ("a", "bc") differ.
    h1 = Math.imul(h1 ^ 0x1f, 0x01000193);
    h2 = Math.imul(h2 + 0x1f, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return `${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}`;
}
