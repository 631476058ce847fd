import type { AggregateStats } from './aggregateStats';
import type { QuantileValue } from './summarizeLatency';

/*
 * Pure, node-free text for annotations; nothing here depends on the core's runtime, so it can
 * move to src/shared if the webview ever shows the same figures.
 */

// Module constants: a CodeLens pass formats a thousand figures, and literals in the functions were rebuilt per call.
const latencyUnits: readonly (readonly [number, string])[] = [
  [1e3, 'µs'],
  [1e6, 'ms'],
  [1e9, 's'],
];
const countUnits: readonly (readonly [number, string])[] = [
  [1e3, 'k'],
  [1e6, 'M'],
  [1e9, 'B'],
];

/** 850 ns, 12.3 µs, 48 ms, 120 ms, 2.4 s, 3.5 min: three significant digits at most, shortest unit. */
export function formatLatency(ns: number): string {
  if (!Number.isFinite(ns) || ns < 0) return '–';
  if (ns < 1_000) return `${Math.round(ns)} ns`;
  for (const [scale, unit] of latencyUnits) {
    const value = ns / scale;
    // 999.7 ms rounds to "1000 ms": show it in the next unit instead. (What `significant`
    // shows is below 10 there, else Math.round(value).)
    if (value < 10 || Math.round(value) < 1000) return `${significant(value)} ${unit}`;
  }
  const seconds = ns / 1e9;
  if (seconds < 3600) return `${significant(seconds / 60)} min`;
  return `${significant(seconds / 3600)} h`;
}

/** 2 significant digits below 10 (1.2), integers above (12, 120). */
function significant(value: number): string {
  if (value < 10) {
    const text = value.toFixed(1);
    return text.endsWith('.0') ? text.slice(0, -2) : text;
  }
  return Math.round(value).toString();
}

/** 999, 1.2k, 12k, 3.4M, 1.2B. */
export function formatCount(count: number): string {
  if (!Number.isFinite(count) || count < 0) return '–';
  if (count < 1000) return String(Math.round(count));
  for (const [scale, unit] of countUnits) {
    const text = significant(count / scale);
    if (Number(text) < 1000 || unit === 'B') return `${text}${unit}`;
  }
  return String(count);
}

/**
 * An error share that never lies by rounding: any error shows as more than 0 % and a single
 * success as less than 100 %.
 */
export function formatErrorRate(errors: number, count: number): string {
  if (count <= 0 || errors <= 0) return '0%';
  if (errors >= count) return '100%';
  const percent = (errors / count) * 100;
  if (percent < 0.1) return '<0.1%';
  if (percent >= 99.9) return '>99.9%';
  if (percent >= 10) return `${Math.round(percent)}%`;
  const text = percent.toFixed(1);
  return `${text.endsWith('.0') ? text.slice(0, -2) : text}%`;
}

const percentileLabels = new Map<number, string>();

/** p50, p95, p99.9; kept, since a CodeLens pass labels the same few percentiles hundreds of times. */
export function percentileLabel(percentile: number): string {
  let label = percentileLabels.get(percentile);
  if (label === undefined) {
    label = `p${String(Number(percentile.toFixed(3)))}`;
    // Settings allow any number; a handful are ever in use.
    if (percentileLabels.size < 64) percentileLabels.set(percentile, label);
  }
  return label;
}

export function formatQuantiles(quantiles: readonly QuantileValue[]): string {
  let text = '';
  for (const q of quantiles) text += `${text === '' ? '' : ' · '}${percentileLabel(q.percentile)} ${formatLatency(q.valueNs)}`;
  return text;
}

/**
 * `p50 12 ms · p95 48 ms · p99 120 ms · 1.2k calls · 0.4% errors` (issue 7). Built by
 * concatenation: a CodeLens refresh formats one per function, and the arrays of parts joined
 * and filtered per title were an eighth of what a refresh allocated.
 */
export function formatLensTitle(stats: AggregateStats): string {
  const quantiles = formatQuantiles(stats.latency.quantiles);
  const rest = `${formatCount(stats.count)} ${stats.count === 1 ? 'call' : 'calls'} · ${formatErrorRate(stats.errorCount, stats.count)} errors`;
  return quantiles === '' ? rest : `${quantiles} · ${rest}`;
}

/**
 * Whether the lens title and line text of `a` and `b` read the same, decided without formatting
 * them: the merger hands back the same quantiles object while the percentiles did not move, and
 * counts past a thousand round ("1.2k"), so most functions of a refresh over fresh data keep
 * their text and nothing is formatted for them.
 */
export function sameFigures(a: AggregateStats, b: AggregateStats): boolean {
  if (a.latency.quantiles !== b.latency.quantiles) return false;
  if (a.count === b.count && a.errorCount === b.errorCount) return true;
  return (a.count === 1) === (b.count === 1) && formatCount(a.count) === formatCount(b.count) && formatErrorRate(a.errorCount, a.count) === formatErrorRate(b.errorCount, b.count);
}

const sparkBlocks = '▁▂▃▄▅▆▇█';

/** The histogram as block characters, tallest bin full height; empty bins are the lowest block. */
export function sparkline(counts: readonly number[]): string {
  const peak = Math.max(0, ...counts);
  if (peak === 0) return '';
  return counts.map((c) => sparkBlocks[c <= 0 ? 0 : Math.min(7, Math.max(1, Math.round((c / peak) * 7)))] ?? '').join('');
}
