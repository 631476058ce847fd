// The details DTO is produced in core (spanDetailsOf) and consumed by the webview; core may not
// import from shared (style.md layers), so the type lives there and shared re-exports it.
export type { EventDetails, ExceptionDetails, LinkDetails, SpanDetails, TextPairs } from '../core/traceView/spanDetails';
export type { StackFrame } from '../core/mapping/stackFrame';
