import { buildTrace } from './buildTrace';
import type { Span } from './span';
import type { Trace } from './trace';

/**
 * Collects spans from any number of batches, files or lines and groups them by trace id, so a
 * trace spread over many batches (the collector's file exporter, Jaeger search results, a
 * receiver) becomes one trace. Traces keep the order in which they were first seen.
 */
export class TraceSetBuilder {
  private readonly byTrace = new Map<string, Span[]>();
  private count = 0;
  // The spans of a trace mostly arrive together: the last trace's list skips the map lookup.
  private lastTraceId: string | undefined;
  private lastSpans: Span[] = [];

  add(span: Span): void {
    const traceId = span.traceId;
    let spans = this.lastSpans;
    if (traceId !== this.lastTraceId) {
      let found = this.byTrace.get(traceId);
      if (!found) {
        found = [];
        this.byTrace.set(traceId, found);
      }
      spans = found;
      this.lastTraceId = traceId;
      this.lastSpans = found;
    }
    spans.push(span);
    this.count++;
  }

  get spanCount(): number {
    return this.count;
  }

  get traceCount(): number {
    return this.byTrace.size;
  }

  build(): Trace[] {
    return [...this.byTrace].map(([traceId, spans]) => buildTrace(traceId, spans));
  }
}
