/**
 * Time units in the type system. Absolute times are epoch nanoseconds as bigint (a float64
 * loses precision past 2^53 ns, about 104 days after 1970). Durations fit in a double exactly
 * up to 104 days, so they are branded numbers.
 */
export type DurationNs = number & { readonly __unit: 'ns' };

export function durationNs(value: number): DurationNs {
  return value as DurationNs;
}

/** end − start, never negative: a span with a missing or earlier end has no length. */
export function spanLength(startNs: bigint, endNs: bigint): DurationNs {
  return durationNs(endNs > startNs ? Number(endNs - startNs) : 0);
}

/** Microseconds (Jaeger, Zipkin) to epoch nanoseconds; accepts a number or a decimal string. */
export function microsToNs(value: number | string): bigint {
  if (typeof value === 'string') return BigInt(value) * 1000n;
  if (Number.isSafeInteger(value)) return BigInt(value) * 1000n;
  return BigInt(Math.round(value * 1000));
}
