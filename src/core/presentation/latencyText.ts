import type { LensFigures } from '../aggregation/aggregateStats';
import type { QuantileValue } from '../aggregation/summarizeLatency';
import { formatDuration, significant } from '../../shared/formatDuration';

/*
 * The text of latency annotations: CodeLens titles and the sample size of a remote search. Pure,
 * so the trace service and the editor word the same figures the same way.
 */

// A module constant: a CodeLens pass formats a thousand figures, and literals in the functions were rebuilt per call.
const countUnits: readonly (readonly [number, string])[] = [
  [1e3, 'k'],
  [1e6, 'M'],
  [1e9, 'B'],
];

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
  for (const q of quantiles) text += `${text === '' ? '' : ' · '}${percentileLabel(q.percentile)} ${formatDuration(q.valueNs)}`;
  return text;
}

/**
 * `p50 12 ms · p95 48 ms · p99 120 ms · 1.2k calls · 0.4% errors`. Built by
 * concatenation: a CodeLens refresh formats one per function, and the arrays of parts joined
 * and filtered per title were an eighth of what a refresh allocated.
 */
export function formatLensTitle(stats: LensFigures): string {
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
export function sameFigures(a: LensFigures, b: LensFigures): boolean {
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

/** What a remote search returned for one function, before any figure is shown. */
export interface SampleSize {
  readonly spans: number;
  readonly traces: number;
  /** The traces-per-request limit the searches ran with. */
  readonly traceLimit: number;
  /** Some request for this function came back with exactly `traceLimit` traces: there may be more. */
  readonly limitReached: boolean;
  /** Tempo: spans that matched but were not returned (more per trace than it sends). */
  readonly unreturned: number;
  /** `last hour`, as the annotation window is labelled. */
  readonly windowLabel: string;
}

function plural(count: number, word: string): string {
  return `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * `37 spans from 20 traces (search limit 20 reached — a sample, not all calls)`. A search capped
 * by its limit says so, because figures over a capped sample are not the function's traffic;
 * one that was not capped says the spans are all the backend found in the window.
 */
export function formatSampleSize(sample: SampleSize): string {
  const head = `${plural(sample.spans, 'span')} from ${plural(sample.traces, 'trace')}`;
  const notes: string[] = [];
  if (sample.limitReached) notes.push(`search limit ${formatCount(sample.traceLimit)} reached — a sample, not all calls`);
  if (sample.unreturned > 0) notes.push(`${plural(sample.unreturned, 'more matching span')} not returned by the backend`);
  if (notes.length === 0) notes.push(`all the search found in the ${sample.windowLabel}`);
  return `${head} (${notes.join('; ')})`;
}
