import { formatAttributeValue, type Attributes, type AttributeValue } from '../model/attributes';
import { spanKindName, StatusCode } from '../model/span';
import type { Trace } from '../model/trace';
import type { ExceptionDetails, SpanDetails, TextPairs } from '../../shared/spanDetails';
import { parseStackFrame } from '../mapping/parseStackTrace';
import type { StackFrame } from '../mapping/stackFrame';
import { hasCodeLocation } from './encodeTraceView';

const maxValueText = 4000;
const maxFrames = 200;
const maxFrameText = 1000;

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

/**
 * Every line of a recorded `exception.stacktrace`, as a frame where it has a runtime's frame shape
 * and as text otherwise, so nothing recorded is hidden. Bounded, because the text is untrusted.
 */
export function framesForDisplay(stacktrace: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const printed of stacktrace.split(/\r?\n/)) {
    if (frames.length >= maxFrames) break;
    const indent = printed.length - printed.trimStart().length;
    const line = printed.slice(0, indent + maxFrameText).trimEnd();
    if (line === '') continue;
    const raw = line.trim();
    frames.push(parseStackFrame(line) ?? { function: undefined, file: undefined, line: undefined, column: undefined, library: false, raw });
  }
  return frames;
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
      frames: framesForDisplay(stacktrace),
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
