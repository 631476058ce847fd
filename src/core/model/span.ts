import { noAttributes, stringAttribute, type Attributes } from './attributes';

/** OTLP numbering, which every other format maps onto. */
export const SpanKind = { Unspecified: 0, Internal: 1, Server: 2, Client: 3, Producer: 4, Consumer: 5 } as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export const StatusCode = { Unset: 0, Ok: 1, Error: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

const spanKindNames = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

export function spanKindName(kind: SpanKind): string {
  return spanKindNames[kind];
}

/** Where spans came from; shared by every span of one batch, so it costs one object per batch. */
export interface Resource {
  readonly serviceName: string;
  readonly attributes: Attributes;
}

export interface Scope {
  readonly name: string;
  readonly version: string | undefined;
  readonly attributes: Attributes;
}

export interface SpanEvent {
  readonly timeNs: bigint;
  readonly name: string;
  readonly attributes: Attributes;
}

export interface SpanLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState: string | undefined;
  readonly attributes: Attributes;
}

/** One span, normalized from whatever format carried it. Ids are canonical (see ids.ts). */
export interface Span {
  readonly traceId: string;
  readonly spanId: string;
  /** undefined for a root; a parent that is not in the trace makes the span an orphan. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly statusCode: StatusCode;
  readonly statusMessage: string | undefined;
  readonly attributes: Attributes;
  readonly events: readonly SpanEvent[];
  readonly links: readonly SpanLink[];
  readonly resource: Resource;
  readonly scope: Scope | undefined;
  readonly traceState: string | undefined;
  /** W3C trace flags and the OTLP is-remote bits, when the format has them. */
  readonly flags: number | undefined;
}

export type SpanInit = Pick<Span, 'traceId' | 'spanId' | 'name' | 'startNs' | 'endNs' | 'resource'> & Partial<Span>;

export const noEvents: readonly SpanEvent[] = Object.freeze([]);
export const noLinks: readonly SpanLink[] = Object.freeze([]);

/**
 * The one place spans are made: every field set in the same order, so V8 gives all spans one
 * hidden class and the model stays compact and monomorphic however many formats feed it.
 */
export function createSpan(init: SpanInit): Span {
  return makeSpan(
    init.traceId,
    init.spanId,
    init.parentSpanId === '' ? undefined : init.parentSpanId,
    init.name,
    init.kind ?? SpanKind.Unspecified,
    init.startNs,
    init.endNs,
    init.statusCode ?? StatusCode.Unset,
    init.statusMessage === '' ? undefined : init.statusMessage,
    init.attributes ?? noAttributes,
    init.events && init.events.length > 0 ? init.events : noEvents,
    init.links && init.links.length > 0 ? init.links : noLinks,
    init.resource,
    init.scope,
    init.traceState === '' ? undefined : init.traceState,
    init.flags,
  );
}

/**
 * createSpan for a decoder's inner loop, whose fields are already normalized (undefined, not '',
 * for a missing parent, message or state; shared empty lists): no init object per span, which
 * at a million spans is 150 MB of garbage for the collector to sweep.
 */
export function makeSpan(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  name: string,
  kind: SpanKind,
  startNs: bigint,
  endNs: bigint,
  statusCode: StatusCode,
  statusMessage: string | undefined,
  attributes: Attributes,
  events: readonly SpanEvent[],
  links: readonly SpanLink[],
  resource: Resource,
  scope: Scope | undefined,
  traceState: string | undefined,
  flags: number | undefined,
): Span {
  return { traceId, spanId, parentSpanId, name, kind, startNs, endNs, statusCode, statusMessage, attributes, events, links, resource, scope, traceState, flags };
}

/** Resources are shared; this builds one with its service name read once. */
export function createResource(attributes: Attributes, fallbackServiceName = 'unknown_service'): Resource {
  return { serviceName: stringAttribute(attributes, 'service.name') ?? fallbackServiceName, attributes };
}

export function isErrorSpan(span: Span): boolean {
  return span.statusCode === StatusCode.Error;
}
