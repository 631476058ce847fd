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

  add(span: Span): void {
    let spans = this.byTrace.get(span.traceId);
    if (!spans) {
      spans = [];
      this.byTrace.set(span.traceId, spans);
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
