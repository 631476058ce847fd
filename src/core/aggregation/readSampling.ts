import type { AttributeValue } from '../model/attributes';
import type { Span } from '../model/span';

/**
 * What a span says about sampling. `sampled` comes from the W3C trace-flags bit when the format
 * carries flags (OTLP does; Jaeger and Zipkin JSON do not) or from `sampling.priority`;
 * `probability` from the places a head sampler records its rate. Either stays undefined when
 * nothing says: the hover must then say "unknown", never "not sampled".
 */
export interface SpanSampling {
  readonly sampled: boolean | undefined;
  readonly probability: number | undefined;
}

// Shared answers for the common cases: the hot path allocates nothing per span.
const unknownSampling: SpanSampling = Object.freeze({ sampled: undefined, probability: undefined });
const sampledOnly: SpanSampling = Object.freeze({ sampled: true, probability: undefined });
const notSampledOnly: SpanSampling = Object.freeze({ sampled: false, probability: undefined });

export function readSampling(span: Span): SpanSampling {
  const attributes = span.attributes;
  let sampled: boolean | undefined = span.flags === undefined ? undefined : (span.flags & 0x01) === 0x01;
  const priority = numeric(attributes['sampling.priority']);
  if (priority !== undefined) sampled = priority > 0;
  let probability = thresholdProbability(span.traceState);
  if (probability === undefined && attributes['sampler.type'] === 'probabilistic') {
    // Jaeger clients tag the root span with their sampler (jaeger-client `sampler.param`).
    const param = numeric(attributes['sampler.param']);
    if (param !== undefined && param > 0 && param <= 1) probability = param;
  }
  if (probability === undefined) {
    // Honeycomb's convention: one span stands for SampleRate spans.
    const rate = numeric(attributes['SampleRate'] ?? attributes['sampleRate']);
    if (rate !== undefined && rate >= 1) probability = 1 / rate;
  }
  if (probability === undefined) return sampled === undefined ? unknownSampling : sampled ? sampledOnly : notSampledOnly;
  return { sampled, probability };
}

/**
 * OpenTelemetry probability sampling writes a rejection threshold `th` (1–14 hex digits, right
 * padded to 56 bits) into the `ot` tracestate entry: probability = 1 − th / 2^56
 * (https://opentelemetry.io/docs/specs/otel/trace/tracestate-probability-sampling/).
 */
function thresholdProbability(traceState: string | undefined): number | undefined {
  if (traceState === undefined || !traceState.includes('ot=')) return undefined;
  const match = /(?:^|,)\s*ot=(?:[^,]*;)?th:([0-9a-f]{1,14})(?=;|,|\s*$)/.exec(traceState);
  const digits = match?.[1];
  if (digits === undefined) return undefined;
  const threshold = parseInt(digits.padEnd(14, '0'), 16);
  return 1 - threshold / 2 ** 56;
}

function numeric(value: AttributeValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
