import { isAttributeMap, noAttributes, setAttribute, type AttributeValue, type Attributes } from '../model/attributes';
import { makeSpan, type Resource, type Scope, type Span, type SpanEvent, type SpanLink } from '../model/span';

/**
 * What the store keeps of a batch, and what keeping it costs. The store is bounded in bytes, so
 * it needs each span's size; nothing in V8 says how big an object graph is, so this estimates
 * it from the shape of the model (span.ts): a fixed cost per object and per field, plus the
 * length of every string. The constants were fitted to heap snapshots of receiver-sized batches,
 * rounded up, so the estimate errs towards evicting early.
 *
 * A string longer than the limit is cut to it, with a marker saying how much was cut. A single
 * span can carry a 1 MiB stack trace or a whole gen-AI prompt, and nothing downstream (the log,
 * the tree, a hover) needs more than the first few KiB of it.
 */
export interface BoundedBatch {
  /** The spans to keep: the input array itself when nothing was cut. */
  readonly spans: readonly Span[];
  /** The estimated heap bytes of each span, in step with `spans`. A resource or scope is charged to the first span of the batch that carries it. */
  readonly spanBytes: readonly number[];
  readonly totalBytes: number;
  /** Strings that were cut: attribute values (of spans, events, links, resources, scopes) and span or event names and status messages. */
  readonly truncatedValues: number;
}

/** The object, two bigint times, id strings and the store's per-span bookkeeping. */
const spanOverheadBytes = 200;
const eventOverheadBytes = 96;
const linkOverheadBytes = 160;
const resourceOverheadBytes = 64;
const scopeOverheadBytes = 64;
const attributesOverheadBytes = 32;
/** A property slot plus what the value itself costs beyond its contents; keys are interned, so shared. */
const attributeBytes = 16;
const stringHeaderBytes = 16;
/** Long enough that a scan for characters that take two bytes costs little next to the string. */
const scanLength = 1024;
const twoByteCharacter = /[\u0100-\uffff]/;
/** The marker is at most this long, so a cut string with its marker stays within the limit. */
const markerRoom = 40;
// The log store estimates the same Resource, Scope and attribute objects (logs/boundLogRecords.ts).
// A list, not `export const`: tsc's CommonJS output would read an exported const through `exports.`.
export { attributeBytes, attributesOverheadBytes, resourceOverheadBytes, scopeOverheadBytes };

/** A string's estimated heap bytes: V8 keeps a string of Latin-1 characters at a byte each and any other at two. */
export function stringHeapBytes(value: string): number {
  const length = value.length;
  return stringHeaderBytes + (length > scanLength && twoByteCharacter.test(value) ? 2 * length : length);
}

/** The smallest limit that leaves room for text besides the marker. */
export const minValueLength = 256;

export function boundSpans(spans: readonly Span[], maxValueLength: number): BoundedBatch {
  const bounds = new Bounds(Math.max(minValueLength, maxValueLength));
  let kept: Span[] | undefined;
  const spanBytes = new Array<number>(spans.length);
  let totalBytes = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as Span;
    const { span: bounded, bytes } = bounds.span(span);
    if (bounded !== span && kept === undefined) kept = spans.slice(0, i);
    kept?.push(bounded);
    spanBytes[i] = bytes;
    totalBytes += bytes;
  }
  return { spans: kept ?? spans, spanBytes, totalBytes, truncatedValues: bounds.truncated };
}

/** Cuts `value` to at most `maxLength` characters, the marker included; a shorter value is returned as it is. */
export function truncateText(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  let keep = Math.max(0, maxLength - markerRoom);
  // Never split a surrogate pair.
  const last = value.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep--;
  const cutBytes = Buffer.byteLength(value, 'utf8') - Buffer.byteLength(value.slice(0, keep), 'utf8');
  // A slice of a string keeps the whole string alive in V8; the copy lets the original go. The
  // marker is ASCII: one character beyond Latin-1 would make V8 store the whole string at two
  // bytes a character.
  return Buffer.from(`${value.slice(0, keep)}...[truncated ${formatSize(cutBytes)}]`, 'utf8').toString('utf8');
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** One batch's bounding: resources and scopes are shared by many spans, so each is bounded and charged once. */
class Bounds {
  truncated = 0;
  /** Set by measuring when a string is over the limit; the span is then bounded and measured again. */
  private oversize = false;
  private readonly resources = new Map<Resource, Resource>();
  private readonly scopes = new Map<Scope, Scope>();
  private lastResource: Resource | undefined;
  private lastScope: Scope | undefined;

  constructor(private readonly max: number) {}

  span(span: Span): { span: Span; bytes: number } {
    let bytes = 0;
    let resource = span.resource;
    if (resource !== this.lastResource) {
      const known = this.resources.get(resource);
      if (known === undefined) {
        const bounded = this.resource(resource);
        bytes += resourceOverheadBytes + this.stringBytes(bounded.serviceName) + this.attributesBytes(bounded.attributes);
        this.resources.set(resource, bounded);
        resource = bounded;
      } else resource = known;
      if (resource === span.resource) this.lastResource = resource;
    }
    let scope = span.scope;
    if (scope !== undefined && scope !== this.lastScope) {
      const known = this.scopes.get(scope);
      if (known === undefined) {
        const bounded = this.scope(scope);
        bytes += scopeOverheadBytes + this.stringBytes(bounded.name) + (bounded.version === undefined ? 0 : this.stringBytes(bounded.version)) + this.attributesBytes(bounded.attributes);
        this.scopes.set(scope, bounded);
        scope = bounded;
      } else scope = known;
      if (scope === span.scope) this.lastScope = scope;
    }
    this.clearOversize();
    const own = this.ownBytes(span);
    if (!this.oversize && resource === span.resource && scope === span.scope) return { span, bytes: bytes + own };
    const bounded = this.oversize ? this.boundOwn(span, resource, scope) : withShared(span, resource, scope);
    return { span: bounded, bytes: bytes + (this.oversize ? this.ownBytes(bounded) : own) };
  }

  /** A method rather than an assignment, so the compiler does not take `oversize` to stay false across the calls that set it. */
  private clearOversize(): void {
    this.oversize = false;
  }

  /** The span's own fields, without its resource and scope. */
  private ownBytes(span: Span): number {
    let bytes = spanOverheadBytes + this.stringBytes(span.name) + this.attributesBytes(span.attributes);
    if (span.statusMessage !== undefined) bytes += this.stringBytes(span.statusMessage);
    if (span.traceState !== undefined) bytes += this.stringBytes(span.traceState);
    for (const event of span.events) bytes += eventOverheadBytes + this.stringBytes(event.name) + this.attributesBytes(event.attributes);
    for (const link of span.links) bytes += linkOverheadBytes + (link.traceState === undefined ? 0 : this.stringBytes(link.traceState)) + this.attributesBytes(link.attributes);
    return bytes;
  }

  private stringBytes(value: string): number {
    const length = value.length;
    if (length > this.max) {
      // It is cut and measured again, so a scan of it would be wasted.
      this.oversize = true;
      return 0;
    }
    return stringHeapBytes(value);
  }

  /** Empty maps cost nothing: decoders share one, and replay must estimate what ingest did. */
  private attributesBytes(attributes: Attributes): number {
    if (attributes === noAttributes) return 0;
    let bytes = 0;
    for (const key in attributes) bytes += attributeBytes + this.valueBytes(attributes[key] as AttributeValue);
    return bytes === 0 ? 0 : bytes + attributesOverheadBytes;
  }

  private valueBytes(value: AttributeValue): number {
    switch (typeof value) {
      case 'string':
        return this.stringBytes(value);
      case 'number':
      case 'bigint':
        return 16;
      case 'boolean':
        return 0;
    }
    if (value === null) return 0;
    if (value instanceof Uint8Array) return 128 + value.byteLength;
    if (Array.isArray(value)) {
      let bytes = 16 + 8 * value.length;
      for (const item of value as readonly AttributeValue[]) bytes += this.valueBytes(item);
      return bytes;
    }
    return this.attributesBytes(value as Attributes);
  }

  private text(value: string): string {
    if (value.length <= this.max) return value;
    this.truncated++;
    return truncateText(value, this.max);
  }

  private boundOwn(span: Span, resource: Resource, scope: Scope | undefined): Span {
    const events = span.events.map((e): SpanEvent => {
      const name = this.text(e.name);
      const attributes = this.attributes(e.attributes);
      return name === e.name && attributes === e.attributes ? e : { timeNs: e.timeNs, name, attributes };
    });
    const links = span.links.map((l): SpanLink => {
      const traceState = l.traceState === undefined ? undefined : this.text(l.traceState);
      const attributes = this.attributes(l.attributes);
      return traceState === l.traceState && attributes === l.attributes ? l : { traceId: l.traceId, spanId: l.spanId, traceState, attributes };
    });
    return makeSpan(
      span.traceId,
      span.spanId,
      span.parentSpanId,
      this.text(span.name),
      span.kind,
      span.startNs,
      span.endNs,
      span.statusCode,
      span.statusMessage === undefined ? undefined : this.text(span.statusMessage),
      this.attributes(span.attributes),
      events.length === 0 ? span.events : events,
      links.length === 0 ? span.links : links,
      resource,
      scope,
      span.traceState === undefined ? undefined : this.text(span.traceState),
      span.flags,
    );
  }

  private resource(resource: Resource): Resource {
    this.clearOversize();
    this.stringBytes(resource.serviceName);
    this.attributesBytes(resource.attributes);
    if (!this.oversize) return resource;
    return { serviceName: this.text(resource.serviceName), attributes: this.attributes(resource.attributes) };
  }

  private scope(scope: Scope): Scope {
    this.clearOversize();
    this.stringBytes(scope.name);
    if (scope.version !== undefined) this.stringBytes(scope.version);
    this.attributesBytes(scope.attributes);
    if (!this.oversize) return scope;
    return { name: this.text(scope.name), version: scope.version === undefined ? undefined : this.text(scope.version), attributes: this.attributes(scope.attributes) };
  }

  /** `attributes` with every string over the limit cut; the same object when none is. */
  private attributes(attributes: Attributes): Attributes {
    const out: Record<string, AttributeValue> = {};
    let changed = false;
    for (const key in attributes) {
      const value = attributes[key] as AttributeValue;
      const bounded = this.value(value);
      if (bounded !== value) changed = true;
      setAttribute(out, key, bounded);
    }
    return changed ? out : attributes;
  }

  private value(value: AttributeValue): AttributeValue {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
    if (Array.isArray(value)) {
      const items = value as readonly AttributeValue[];
      const bounded = items.map((item) => this.value(item));
      return bounded.some((item, i) => item !== items[i]) ? bounded : items;
    }
    return isAttributeMap(value) ? this.attributes(value) : value;
  }
}

function withShared(span: Span, resource: Resource, scope: Scope | undefined): Span {
  return makeSpan(
    span.traceId,
    span.spanId,
    span.parentSpanId,
    span.name,
    span.kind,
    span.startNs,
    span.endNs,
    span.statusCode,
    span.statusMessage,
    span.attributes,
    span.events,
    span.links,
    resource,
    scope,
    span.traceState,
    span.flags,
  );
}
