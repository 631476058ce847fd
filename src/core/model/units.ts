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

export function nsToMs(value: DurationNs): number {
  return value / 1e6;
}

/** Microseconds (Jaeger, Zipkin) to epoch nanoseconds; accepts a number or a decimal string. */
export function microsToNs(value: number | string): bigint {
  if (typeof value === 'string') return BigInt(value) * 1000n;
  if (Number.isSafeInteger(value)) return BigInt(value) * 1000n;
  return BigInt(Math.round(value * 1000));
}

/** A human duration: 850 ns, 12.3 µs, 48.1 ms, 2.35 s, 3 min 5 s. */
export function formatDuration(value: DurationNs): string {
  if (value < 1e3) return `${value} ns`;
  if (value < 1e6) return `${trim(value / 1e3)} µs`;
  if (value < 1e9) return `${trim(value / 1e6)} ms`;
  if (value < 60e9) return `${trim(value / 1e9)} s`;
  const minutes = Math.floor(value / 60e9);
  return `${minutes} min ${Math.round((value - minutes * 60e9) / 1e9)} s`;
}

function trim(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}
