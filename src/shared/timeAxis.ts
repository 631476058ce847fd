/** Tick marks of the waterfall's time axis: round values, about `spacingPx` apart. */
export interface Tick {
  readonly offsetNs: number;
  readonly label: string;
}

const steps = [1, 2, 5];

/** The smallest 1, 2 or 5 × 10^k nanoseconds that is at least `minimum`. */
export function niceStepNs(minimum: number): number {
  if (!(minimum > 0) || !Number.isFinite(minimum)) return 1;
  let magnitude = 10 ** Math.floor(Math.log10(minimum));
  for (;;) {
    for (const step of steps) if (step * magnitude >= minimum) return Math.max(1, step * magnitude);
    magnitude *= 10;
  }
}

export function timeTicks(viewStartNs: number, viewEndNs: number, widthPx: number, requestedSpacingPx = 90): Tick[] {
  const spacingPx = Math.max(20, requestedSpacingPx);
  const span = viewEndNs - viewStartNs;
  if (!(span > 0) || !(widthPx > 0)) return [{ offsetNs: viewStartNs, label: formatDurationNs(viewStartNs) }];
  const step = niceStepNs((span * spacingPx) / widthPx);
  const ticks: Tick[] = [];
  // Bounded by width / spacing whatever the input, so a degenerate range cannot flood the axis.
  const limit = Math.ceil(widthPx / spacingPx) + 2;
  for (let t = Math.ceil(viewStartNs / step) * step; t <= viewEndNs && ticks.length < limit; t += step) {
    ticks.push({ offsetNs: t, label: formatDurationNs(t, step) });
  }
  return ticks;
}

/**
 * A human duration in the unit that suits it: 850ns, 12.3µs, 48.1ms, 2.35s, 3m5s. With
 * `resolutionNs` (a tick step) it shows just enough decimals to tell neighbouring ticks apart.
 */
export function formatDurationNs(valueNs: number, resolutionNs?: number): string {
  const value = Math.abs(valueNs);
  const sign = valueNs < 0 ? '−' : '';
  if (value === 0) return '0';
  const units: [number, string][] = [
    [1, 'ns'],
    [1e3, 'µs'],
    [1e6, 'ms'],
    [1e9, 's'],
  ];
  if (value >= 60e9) {
    const minutes = Math.floor(value / 60e9);
    const seconds = (value - minutes * 60e9) / 1e9;
    return `${sign}${minutes}m${seconds >= 0.5 ? `${Math.round(seconds)}s` : ''}`;
  }
  let unit: [number, string] = [1, 'ns'];
  for (const candidate of units) if (value >= candidate[0]) unit = candidate;
  const scaled = value / unit[0];
  let decimals: number;
  if (resolutionNs !== undefined) {
    decimals = Math.max(0, Math.min(3, Math.ceil(-Math.log10(resolutionNs / unit[0]))));
  } else {
    decimals = scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2;
  }
  const text = scaled.toFixed(decimals);
  return `${sign}${resolutionNs === undefined && decimals > 0 ? text.replace(/\.?0+$/, '') : text}${unit[1]}`;
}
