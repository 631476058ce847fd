import type { SpanDetails } from './spanDetails';
import { formatDuration } from './formatDuration';
import { hasFlag, serviceAt, SpanFlag, spanIdAt, type TraceViewData } from './traceViewData';

export type Fact = readonly [key: string, value: string];

/**
 * The facts table of the details pane. The encoding knows some facts at once and the details
 * reply adds more, some of them again (Status was shown twice): one list, each key
 * once, the reply's value winning over the early guess in the early position.
 */
export function spanFacts(data: TraceViewData, row: number, details?: SpanDetails): Fact[] {
  const facts = new Map<string, string>();
  facts.set('Service', serviceAt(data, row));
  if (details) facts.set('Kind', details.kind);
  facts.set('Duration', formatDuration(data.durationsNs[row] ?? 0));
  if (details) facts.set('Self time', formatDuration(details.selfTimeNs));
  facts.set('Start', `+${formatDuration(data.offsetNs[row] ?? 0)}`);
  if (details) facts.set('Status', details.status + (details.statusMessage ? `: ${details.statusMessage}` : ''));
  else if (hasFlag(data, row, SpanFlag.Error)) facts.set('Status', 'error');
  facts.set('Span ID', spanIdAt(data, row));
  if (details?.parentSpanId !== undefined) facts.set('Parent ID', details.parentSpanId);
  facts.set('Trace ID', data.traceId);
  if (details?.scope !== undefined) facts.set('Scope', details.scope);
  if (hasFlag(data, row, SpanFlag.Critical)) facts.set('Critical path', 'yes');
  if (hasFlag(data, row, SpanFlag.Orphan)) facts.set('Parent', 'not in this trace');
  return [...facts];
}
