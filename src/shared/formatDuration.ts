const scales: readonly (readonly [number, string])[] = [
  [1e3, 'µs'],
  [1e6, 'ms'],
  [1e9, 's'],
];

/**
 * Every duration a person reads, in one form: `850 ns`, `12 µs`, `1.3 ms`, `48 ms`, `2.4 s`,
 * `25 min`, `2 h`: a space before the unit, three significant digits at most, the largest unit
 * that keeps the figure under 1000, and `−` before a negative one. With `resolutionNs` (a tick
 * step) it shows just enough decimals to tell neighbouring ticks apart instead.
 */
export function formatDuration(ns: number, resolutionNs?: number): string {
  if (!Number.isFinite(ns)) return '–';
  if (ns === 0) return '0';
  const value = Math.abs(ns);
  const sign = ns < 0 ? '−' : '';
  const [scale, unit] = unitOf(value);
  const scaled = value / scale;
  if (resolutionNs === undefined) return `${sign}${significant(scaled)} ${unit}`;
  const decimals = Math.max(0, Math.min(3, Math.ceil(-Math.log10(resolutionNs / scale))));
  return `${sign}${scaled.toFixed(decimals)} ${unit}`;
}

function unitOf(value: number): readonly [number, string] {
  if (value < 1e3) return [1, 'ns'];
  for (const [scale, unit] of scales) {
    const scaled = value / scale;
    // 999.7 ms would round to "1000 ms": it is shown in the next unit instead. (What
    // `significant` shows is below 10 there, else Math.round(scaled).)
    if (scaled < 10 || Math.round(scaled) < 1000) return [scale, unit];
  }
  return value < 3600e9 ? [60e9, 'min'] : [3600e9, 'h'];
}

/** 2 significant digits below 10 (1.2), integers above (12, 120). */
export function significant(value: number): string {
  if (value < 10) {
    const text = value.toFixed(1);
    return text.endsWith('.0') ? text.slice(0, -2) : text;
  }
  return Math.round(value).toString();
}
