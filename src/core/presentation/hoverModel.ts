import type { AggregateStats, SpanRef } from '../aggregation/aggregateStats';
import type { AggregationWindow } from '../aggregation/aggregationWindow';
import { formatDuration } from '../../shared/formatDuration';
import { formatErrorRate, formatLensTitle, sparkline } from './latencyText';

/**
 * What a hover shows, as data. Every string may contain span text (service names, versions)
 * and must be escaped by the adapter when it renders markdown; nothing here is markup.
 *
 * Each figure says what it is in words a person uses ("percentiles exact" beside
 * "sampled yes" meant nothing): how many calls, over which window, whether the percentiles are
 * computed or estimated, and whether sampling was scaled for (it is not).
 */
export interface HoverModel {
  /** Set when the figures come from another build than the checkout; said before anything else. */
  readonly staleBuild: string | undefined;
  readonly heading: string;
  /** The CodeLens line, repeated at the top of the hover. */
  readonly summary: string;
  /** `Based on 1,234 calls that ended in the last hour; slowest 350 ms. Percentiles …` */
  readonly basis: string;
  /** What sampling means for these counts. */
  readonly sampling: string;
  /** `api 1.4.2 · commit abcdef123456`: which build the spans came from. */
  readonly build: string | undefined;
  readonly distribution: HoverDistribution | undefined;
  readonly links: readonly HoverLink[];
  /** Other things a person should know before trusting the figures. */
  readonly warnings: readonly string[];
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
  const calls = `${stats.count.toLocaleString('en-US')} ${stats.count === 1 ? 'call' : 'calls'}`;
  const errors =
    stats.errorCount === 0 ? 'no errors' : `${stats.errorCount.toLocaleString('en-US')} ${stats.errorCount === 1 ? 'error' : 'errors'} (${formatErrorRate(stats.errorCount, stats.count)})`;
  const percentiles = latency.exact ? 'percentiles computed from every duration' : 'percentiles estimated to within 1%';
  const basis = `Based on ${calls} that ended in the ${windowLabel(stats.window)}, ${errors}; slowest ${formatDuration(latency.maxNs)}; ${percentiles}.`;

  const links: HoverLink[] = [];
  const slowest = stats.slowest[0];
  if (slowest !== undefined) links.push(link('slowest', `Slowest trace (${formatDuration(slowest.durationMs * 1e6)})`, slowest));
  if (stats.latestError !== undefined) links.push(link('latestError', 'Latest error trace', stats.latestError));

  const counts = latency.histogram.counts;
  const distribution: HoverDistribution | undefined =
    stats.count > 1 ? { sparkline: sparkline(counts), counts, lowerLabel: formatDuration(latency.histogram.lowerNs), upperLabel: formatDuration(latency.histogram.upperNs) } : undefined;

  const heading = `Production latency · ${windowLabel(stats.window)}${context.source === undefined ? '' : ` · ${context.source}`}`;
  return {
    staleBuild: staleBuild(stats, context),
    heading,
    summary,
    basis,
    sampling: describeSampling(stats),
    build: describeBuild(stats),
    distribution,
    links,
    warnings: warningsFor(stats),
  };
}

function link(kind: HoverLink['kind'], label: string, ref: SpanRef): HoverLink {
  return { kind, label, traceId: ref.traceId, spanId: ref.spanId };
}

/**
 * SpanLens counts the spans it received and never scales them by a sampling rate, so the
 * sentence says what that means for the counts; the percentiles hold either way when sampling
 * is random.
 */
function describeSampling(stats: AggregateStats): string {
  const { flag, probability } = stats.sampling;
  if (probability !== undefined && probability < 1 && probability > 0) {
    const factor = 1 / probability;
    const scale = factor >= 10 ? String(Math.round(factor)) : String(Number(factor.toFixed(1)));
    return `Traces are sampled at ${formatProbability(probability)}: the counts are of recorded calls only, not scaled up (real traffic about ${scale}× higher).`;
  }
  switch (flag) {
    case 'mixed':
      return 'Some of these spans were sampled and some not, at no stated rate: the counts are of recorded calls only.';
    case 'notSampled':
      return 'These spans were recorded without being sampled for export, at no stated rate: the counts are of recorded calls only.';
    case 'sampled':
    case 'unknown':
      return 'The spans state no sampling rate: the counts are of the calls that were recorded.';
  }
}

function describeBuild(stats: AggregateStats): string | undefined {
  const parts: string[] = [];
  if (stats.services.length > 0) parts.push(stats.services.join(', '));
  if (stats.versions.length > 0) parts.push(`version ${stats.versions.join(', ')}`);
  if (stats.commits.length > 0) parts.push(`commit ${stats.commits.map((c) => c.slice(0, 12)).join(', ')}`);
  return parts.length === 0 ? undefined : parts.join(' · ');
}

function formatProbability(probability: number): string {
  const percent = probability * 100;
  return `${percent >= 1 ? String(Number(percent.toFixed(1))) : String(Number(percent.toPrecision(2)))}%`;
}

/**
 * `Stale build: these figures come from version 1.4.2; the checkout is 1.5.0.` when the spans'
 * `service.version` or commit is not the checkout's (CheckoutIdentityReader reads the nearest
 * package.json version and the git HEAD); undefined when they agree or either side is unknown.
 */
export function staleBuild(stats: Pick<AggregateStats, 'versions' | 'commits'>, context: HoverContext): string | undefined {
  const { checkoutVersion, checkoutCommit } = context;
  const differences: string[] = [];
  if (checkoutVersion !== undefined && stats.versions.length > 0 && !stats.versions.includes(checkoutVersion)) {
    differences.push(`version ${stats.versions.join(', ')}; the checkout is ${checkoutVersion}`);
  }
  if (checkoutCommit !== undefined && stats.commits.length > 0 && !stats.commits.some((c) => sameCommit(c, checkoutCommit))) {
    differences.push(`commit ${stats.commits.map((c) => c.slice(0, 12)).join(', ')}; the checkout is at ${checkoutCommit.slice(0, 12)}`);
  }
  return differences.length === 0 ? undefined : `Stale build: these figures come from ${differences.join(', and from ')}.`;
}

function warningsFor(stats: AggregateStats): string[] {
  const warnings: string[] = [];
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
