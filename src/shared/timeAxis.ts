import { formatDuration } from './formatDuration';

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
  if (!(span > 0) || !(widthPx > 0)) return [{ offsetNs: viewStartNs, label: formatDuration(viewStartNs) }];
  const step = niceStepNs((span * spacingPx) / widthPx);
  const ticks: Tick[] = [];
  // Bounded by width / spacing whatever the input, so a degenerate range cannot flood the axis.
  const limit = Math.ceil(widthPx / spacingPx) + 2;
  for (let t = Math.ceil(viewStartNs / step) * step; t <= viewEndNs && ticks.length < limit; t += step) {
    ticks.push({ offsetNs: t, label: formatDuration(t, step) });
  }
  return ticks;
}
