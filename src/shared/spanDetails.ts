/**
 * The details of one span, sent only when a person looks at it, so they can be as rich as a
 * single span deserves. Every value is text that the webview shows as text, never markup.
 */
import type { StackFrame } from '../core/mapping/stackFrame';

export type { StackFrame };

export type TextPairs = readonly (readonly [key: string, value: string])[];

export interface ExceptionDetails {
  readonly type: string;
  readonly message: string;
  readonly frames: readonly StackFrame[];
  /** The stack trace as recorded, for copying. */
  readonly stacktrace: string;
}

export interface EventDetails {
  readonly name: string;
  /** Relative to the span's start, ns. */
  readonly offsetNs: number;
  readonly attributes: TextPairs;
}

export interface LinkDetails {
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: TextPairs;
}

export interface SpanDetails {
  readonly traceId: string;
  readonly row: number;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly service: string;
  readonly kind: string;
  readonly startNs: string;
  readonly durationNs: number;
  readonly selfTimeNs: number;
  readonly status: 'unset' | 'ok' | 'error';
  readonly statusMessage: string | undefined;
  readonly attributes: TextPairs;
  readonly resource: TextPairs;
  readonly scope: string | undefined;
  readonly events: readonly EventDetails[];
  readonly exceptions: readonly ExceptionDetails[];
  readonly links: readonly LinkDetails[];
  readonly hasLocation: boolean;
}
