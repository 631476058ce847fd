import { decodeJaegerJson, JaegerSpanStream } from '../formats/jaegerJson';
import type { JsonPath } from '../formats/jsonArraySplitter';
import { decodeOtlpJson, OtlpJsonSpanCollector } from '../formats/otlpJson';
import { TraceDecodeError, type DecodedSpans, type TraceFormat } from '../formats/traceFormat';
import type { Span } from '../model/span';
import { BackendError } from './backendError';
import type { BackendHttpClient } from './backendHttpClient';
import type { JaegerApi } from './jaegerBackend';
import type { ElementHandler, SplitOptions, StreamedBody } from './traceBodyStream';
import { wrapElement } from './traceBodyStream';
import type { SpanBatchListener } from './traceBackend';

const v3Paths: readonly JsonPath[] = [['result', 'resourceSpans']];
/** Span by span, so that one trace of 50 MB is not one element. */
const v1Paths: readonly JsonPath[] = [['data', '*', 'spans']];
const v1ObjectPaths: readonly JsonPath[] = [['data', '*', 'processes']];

/**
 * Decodes a Jaeger trace or search body while it downloads: api_v3 one `result.resourceSpans`
 * entry at a time, v1 one span and one process at a time (JaegerSpanStream). The spans of each
 * chunk go to `onSpans` as one batch. A body without those arrays (an empty trace, an error
 * page) is read whole, as it always was.
 */
export class JaegerStreamDecoder {
  readonly paths: readonly JsonPath[];
  readonly split: SplitOptions;
  private readonly collector = new OtlpJsonSpanCollector();
  private readonly v1 = new JaegerSpanStream();
  private format: TraceFormat;
  private batch: Span[] = [];

  constructor(
    private readonly http: BackendHttpClient,
    private readonly api: JaegerApi,
    private readonly onSpans?: SpanBatchListener,
  ) {
    this.paths = api === 'api_v3' ? v3Paths : v1Paths;
    this.split = api === 'api_v3' ? { afterChunk: this.afterChunk } : { objectPaths: v1ObjectPaths, afterChunk: this.afterChunk };
    this.format = api === 'api_v3' ? 'jaeger-api-v3' : 'jaeger-json';
  }

  readonly onElement: ElementHandler = (value, path, where, element) => {
    if (this.api === 'api_v3') {
      // The OTLP collector names the entry itself.
      this.step(() => {
        const before = this.collector.spans.length;
        this.format = this.collector.addDocument(wrapElement(path, value), where);
        if (this.onSpans !== undefined) for (let i = before; i < this.collector.spans.length; i++) this.batch.push(this.collector.spans[i] as Span);
      });
      return;
    }
    // at is ['data', trace index, 'spans' | 'processes']; the v1 stream names the place itself.
    const trace = element.at[1] as number;
    this.step(() => {
      if (element.at[2] === 'processes') {
        this.v1.process(trace, element.key ?? '', value);
        return;
      }
      const span = this.v1.span(trace, value);
      if (span !== undefined && this.onSpans !== undefined) this.batch.push(span);
    });
  };

  /** The decode of the whole body once it is in. */
  result(streamed: StreamedBody): DecodedSpans {
    if (streamed.kind === 'whole') {
      const doc = this.http.parseJson(streamed.response);
      let decoded: DecodedSpans | undefined;
      this.step(() => (decoded = this.api === 'api_v3' ? decodeOtlpJson(doc) : decodeJaegerJson(doc)));
      return decoded as DecodedSpans;
    }
    if (this.api === 'api_v3') return { format: this.format, spans: this.collector.spans, warnings: this.collector.warnings() };
    let decoded: DecodedSpans | undefined;
    this.step(() => (decoded = this.v1.finish(streamed.skeleton)));
    return decoded as DecodedSpans;
  }

  // Outside `step`: a listener's failure is not the backend's data being undecodable.
  private readonly afterChunk = (): void => {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.onSpans?.(batch);
  };

  private step(run: () => void): void {
    try {
      run();
    } catch (error: unknown) {
      if (error instanceof BackendError) throw error;
      const detail = error instanceof TraceDecodeError ? error.message : String(error);
      this.http.fail({ kind: 'undecodable', detail: `the trace data could not be decoded: ${detail}` });
    }
  }
}
