import { formatDuration } from '../shared/formatDuration';
import type { TraceSummary } from '../core/traceService/traceServiceProtocol';
import type { TraceGroupView } from '../core/traceTree/liveTraceTree';
import { plural } from '../shared/plural';
import { clockTime, shortTraceId } from '../shared/traceTitle';

/**
 * The words of the Traces view's rows. The side bar is narrow (about 300 px by default) and
 * VS Code cuts a row's end, so what a person compares at a glance comes first: the duration
 * leads a trace row, the endpoint is said once on its group row. Ids are shortened as the trace
 * view's tabs shorten them, so a row and its tab read the same. Nothing here needs VS Code.
 */

export function endpointLabel(service: string, operation: string): string {
  // No service: a partial trace whose root has not arrived says so in its name alone.
  return service === '' ? operation : `${service}: ${operation}`;
}

/** Wall-clock time of day the trace started, to the second, in the editor's time zone. */
export function startClock(startNs: string): string {
  const date = startDate(startNs);
  return clockTime(date.getTime(), -date.getTimezoneOffset());
}

export function startDate(startNs: string): Date {
  return new Date(Number(BigInt(startNs) / 1_000_000n));
}

export interface TraceRowMarks {
  readonly latest: boolean;
  readonly slowest: boolean;
}

export interface TraceRowText {
  readonly label: string;
  readonly description: string;
  /** What a screen reader says for the row. */
  readonly accessibleLabel: string;
}

/**
 * A trace row. Under an endpoint group (`grouped`) the label is the duration alone; elsewhere
 * (files, remote sources) the endpoint follows it.
 */
export function traceRowText(summary: TraceSummary, grouped: boolean, marks: TraceRowMarks = { latest: false, slowest: false }): TraceRowText {
  const duration = formatDuration(summary.durationNs);
  const endpoint = endpointLabel(summary.rootService, summary.rootName);
  const label = grouped ? duration : `${duration} · ${endpoint}`;
  const parts: string[] = [];
  if (marks.latest) parts.push('latest');
  if (marks.slowest) parts.push('slowest');
  parts.push(shortTraceId(summary.traceId), startClock(summary.startNs), plural(summary.spanCount, 'span'));
  if (summary.errorCount > 0) parts.push(plural(summary.errorCount, 'error'));
  const spoken = [`${endpoint} trace ${shortTraceId(summary.traceId)}`, duration, plural(summary.spanCount, 'span')];
  if (summary.errorCount > 0) spoken.push(plural(summary.errorCount, 'error'));
  if (marks.latest) spoken.push('latest');
  if (marks.slowest) spoken.push('slowest');
  spoken.push(`started ${startClock(summary.startNs)}`);
  return { label, description: parts.join(' · '), accessibleLabel: spoken.join(', ') };
}

/**
 * A trace's tooltip, one paragraph per line. Plain text: span data is whatever a service sent,
 * so the adapter must append these as text (escaped), never as Markdown or HTML.
 */
export function traceTooltipLines(summary: TraceSummary, sourceLabel: string): string[] {
  const lines = [
    endpointLabel(summary.rootService, summary.rootName),
    `Trace ID: ${summary.traceId}`,
    `Started: ${startDate(summary.startNs).toISOString()}`,
    `Duration: ${formatDuration(summary.durationNs)}`,
    `Spans: ${summary.spanCount.toLocaleString('en-US')}`,
    `Errors: ${summary.errorCount === 0 ? 'none' : summary.errorCount.toLocaleString('en-US')}`,
    `Services: ${summary.services.length === 0 ? '(none named)' : summary.services.join(', ')}`,
    `From: ${sourceLabel}`,
  ];
  for (const warning of summary.warnings.slice(0, 5)) lines.push(`⚠ ${warning}`);
  return lines;
}

export interface GroupRowText {
  readonly label: string;
  readonly description: string;
  readonly tooltipLines: readonly string[];
}

/**
 * An endpoint group: the count first, then errors and the slowest. What waits to be shown is in
 * the tooltip, read when hovered: the row itself is redrawn only when the list is applied.
 */
export function groupRowText(group: TraceGroupView, slowest: TraceSummary | undefined, latest: TraceSummary | undefined): GroupRowText {
  const label = endpointLabel(group.service, group.operation);
  const parts = [String(group.traceIds.length)];
  if (group.errorTraces > 0) parts.push(`${group.errorTraces} failed`);
  if (slowest) parts.push(`max ${formatDuration(slowest.durationNs)}`);
  const tooltipLines = [label, `${plural(group.traceIds.length, 'trace')} shown${group.pending > 0 ? `, ${group.pending} newer not shown yet (Show New Traces)` : ''}`];
  tooltipLines.push(group.errorTraces > 0 ? `${plural(group.errorTraces, 'trace')} with errors` : 'No trace with errors');
  if (slowest) tooltipLines.push(`Slowest: ${formatDuration(slowest.durationNs)} (trace ${shortTraceId(slowest.traceId)})`);
  if (latest) tooltipLines.push(`Latest: started ${startClock(latest.startNs)} (trace ${shortTraceId(latest.traceId)})`);
  return { label, description: parts.join(' · '), tooltipLines };
}

/** What the view's title says of the traces waiting to be shown, and of a pause. */
export function pendingText(pending: number, live: boolean): string | undefined {
  if (pending === 0) return live ? undefined : 'paused';
  return `${pending} new${live ? '' : ' · paused'}`;
}
