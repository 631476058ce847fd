import { formatCount } from './formatLensTitle';

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
