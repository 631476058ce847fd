import type { AggregateStats, SpanRef } from './aggregateStats';
import type { AggregationWindow } from './aggregationWindow';
import { formatCount, formatErrorRate, formatLatency, formatLensTitle, percentileLabel, sparkline } from './formatLensTitle';

/**
 * What a hover shows, as data. Every string may contain span text (service names, versions)
 * and must be escaped by the adapter when it renders markdown; nothing here is markup.
 */
export interface HoverModel {
  readonly heading: string;
  /** The CodeLens line, repeated at the top of the hover. */
  readonly summary: string;
  readonly rows: readonly HoverRow[];
  readonly distribution: HoverDistribution | undefined;
  readonly links: readonly HoverLink[];
  /** Things a person should know before trusting the figures. */
  readonly warnings: readonly string[];
}

export interface HoverRow {
  readonly label: string;
  readonly value: string;
}

export interface HoverDistribution {
  readonly sparkline: string;
  readonly counts: readonly number[];
  readonly lowerLabel: string;
  readonly upperLabel: string;
}

export interface HoverLink {
  readonly kind: 'slowest' | 'latestError';
  readonly label: string;
  readonly traceId: string;
  readonly spanId: string;
}

export interface HoverContext {
  /** The source the figures came from, such as `local` or a backend's name. */
  readonly source?: string;
  /** What the checkout says it is, to warn when production runs something else. */
  readonly checkoutVersion?: string;
  readonly checkoutCommit?: string;
}

const windowLabels: Readonly<Record<AggregationWindow, string>> = {
  '15m': 'last 15 min',
  '1h': 'last hour',
  '24h': 'last 24 h',
  '7d': 'last 7 days',
};

export function windowLabel(window: AggregationWindow): string {
  return windowLabels[window];
}

/** `summary` is the stats' lens title, passed in by a caller that already formatted it. */
export function buildHoverModel(stats: AggregateStats, context: HoverContext = {}, summary: string = formatLensTitle(stats)): HoverModel {
  const { latency } = stats;
  const rows: HoverRow[] = latency.quantiles.map((q) => ({ label: percentileLabel(q.percentile), value: formatLatency(q.valueNs) }));
  rows.push({ label: 'max', value: formatLatency(latency.maxNs) });
  rows.push({ label: 'calls', value: `${formatCount(stats.count)} ${latency.exact ? '(percentiles exact)' : '(percentiles within 1%)'}` });
  rows.push({ label: 'errors', value: `${formatCount(stats.errorCount)} (${formatErrorRate(stats.errorCount, stats.count)})` });
  rows.push({ label: 'sampled', value: describeSampling(stats) });
  if (stats.services.length > 0) rows.push({ label: stats.services.length === 1 ? 'service' : 'services', value: stats.services.join(', ') });
  if (stats.versions.length > 0) rows.push({ label: 'version', value: stats.versions.join(', ') });
  if (stats.commits.length > 0) rows.push({ label: 'commit', value: stats.commits.map((c) => c.slice(0, 12)).join(', ') });

  const links: HoverLink[] = [];
  const slowest = stats.slowest[0];
  if (slowest !== undefined) links.push(link('slowest', `Slowest trace (${formatLatency(slowest.durationMs * 1e6)})`, slowest));
  if (stats.latestError !== undefined) links.push(link('latestError', 'Latest error trace', stats.latestError));

  const counts = latency.histogram.counts;
  const distribution: HoverDistribution | undefined =
    stats.count > 1 ? { sparkline: sparkline(counts), counts, lowerLabel: formatLatency(latency.histogram.lowerNs), upperLabel: formatLatency(latency.histogram.upperNs) } : undefined;

  const heading = `Production latency · ${windowLabel(stats.window)}${context.source === undefined ? '' : ` · ${context.source}`}`;
  return { heading, summary, rows, distribution, links, warnings: warningsFor(stats, context) };
}

function link(kind: HoverLink['kind'], label: string, ref: SpanRef): HoverLink {
  return { kind, label, traceId: ref.traceId, spanId: ref.spanId };
}

function describeSampling(stats: AggregateStats): string {
  const { flag, probability } = stats.sampling;
  const rate = probability !== undefined && probability < 1 ? ` at ${formatProbability(probability)}: counts are a sample of the traffic` : '';
  switch (flag) {
    case 'sampled':
      return `yes${rate}`;
    case 'notSampled':
      return `no (spans recorded without the sampled flag)${rate}`;
    case 'mixed':
      return `partly${rate}`;
    case 'unknown':
      return rate === '' ? 'unknown (the spans do not say)' : `yes${rate}`;
  }
}

function formatProbability(probability: number): string {
  const percent = probability * 100;
  return `${percent >= 1 ? String(Number(percent.toFixed(1))) : String(Number(percent.toPrecision(2)))}%`;
}

function warningsFor(stats: AggregateStats, context: HoverContext): string[] {
  const warnings: string[] = [];
  const { checkoutVersion, checkoutCommit } = context;
  if (checkoutVersion !== undefined && stats.versions.length > 0 && !stats.versions.includes(checkoutVersion)) {
    warnings.push(`These spans came from version ${stats.versions.join(', ')}; the checkout is ${checkoutVersion}.`);
  }
  if (checkoutCommit !== undefined && stats.commits.length > 0 && !stats.commits.some((c) => sameCommit(c, checkoutCommit))) {
    warnings.push(`These spans came from commit ${stats.commits.map((c) => c.slice(0, 12)).join(', ')}; the checkout is at ${checkoutCommit.slice(0, 12)}.`);
  }
  if (stats.possiblyIncomplete) {
    warnings.push('Some data may be missing: to bound memory, SpanLens dropped the least recently seen code locations during this window.');
  }
  return warnings;
}

/** Short and full hashes of one commit agree. */
function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}
