import { formatAttributeValue, type Attributes, type AttributeValue } from '../model/attributes';
import { spanKindName, StatusCode } from '../model/span';
import type { Trace } from '../model/trace';
import type { ExceptionDetails, SpanDetails, TextPairs } from './spanDetails';
import { hasCodeLocation } from './encodeTraceView';
import { parseStackFrames } from './parseStackFrames';

const maxValueText = 4000;

function clip(text: string): string {
  return text.length > maxValueText ? `${text.slice(0, maxValueText - 1)}…` : text;
}

function pairs(attributes: Attributes): TextPairs {
  return Object.keys(attributes)
    .sort()
    .map((key) => [key, clip(formatAttributeValue(attributes[key] as AttributeValue))] as const);
}

function text(value: AttributeValue | undefined): string {
  return value === undefined ? '' : formatAttributeValue(value);
}

/** Everything the details pane shows about one span, as text. */
export function spanDetailsOf(trace: Trace, row: number): SpanDetails | undefined {
  if (row < 0 || row >= trace.spanCount) return undefined;
  const span = trace.span(row);
  const exceptions: ExceptionDetails[] = [];
  for (const event of span.events) {
    if (event.name !== 'exception') continue;
    const stacktrace = text(event.attributes['exception.stacktrace']);
    exceptions.push({
      type: text(event.attributes['exception.type']),
      message: text(event.attributes['exception.message']),
      frames: parseStackFrames(stacktrace),
      stacktrace: clip(stacktrace),
    });
  }
  const scope = span.scope ? `${span.scope.name}${span.scope.version ? ` ${span.scope.version}` : ''}` : undefined;
  return {
    traceId: trace.traceId,
    row,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    service: span.resource.serviceName,
    kind: spanKindName(span.kind),
    startNs: span.startNs.toString(),
    durationNs: trace.spanDurationNs(row),
    selfTimeNs: trace.selfTimeOfOne(row),
    status: span.statusCode === StatusCode.Error ? 'error' : span.statusCode === StatusCode.Ok ? 'ok' : 'unset',
    statusMessage: span.statusMessage,
    attributes: pairs(span.attributes),
    resource: pairs(span.resource.attributes),
    scope,
    events: span.events.map((event) => ({ name: event.name, offsetNs: Number(event.timeNs - span.startNs), attributes: pairs(event.attributes) })),
    exceptions,
    links: span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId, attributes: pairs(link.attributes) })),
    hasLocation: hasCodeLocation(span),
  };
}

