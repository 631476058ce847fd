import { createResource, makeSpan, SpanKind, StatusCode, type Resource, type Scope, type Span, type SpanEvent, type SpanLink } from '../model/span';
import { InterningCursor } from './interningCursor';
import { TraceDecodeError, type TraceFormat } from './traceFormat';
import { wtLen } from './wireCursor';

/**
 * The OTLP trace schema over one buffer at a time (a whole input, one record, one chunk or one
 * reassembled entry), with `base` the input offset of the buffer's first byte so every message
 * names a position in the input as a whole. It collects spans, and the counts that become
 * warnings, across any number of buffers.
 *
 * Field numbers are those of opentelemetry-proto (trace/v1/trace.proto, common/v1/common.proto,
 * resource/v1/resource.proto). The reader keeps no closures and builds no objects besides the
 * model's. Errors say which message and field, at which byte of the input, and what was
 * expected. Data that ends inside a top-level entry is 'truncated'; anything inconsistent inside
 * an entry whose bytes are all there is 'malformed'.
 */

const noEvents: readonly SpanEvent[] = Object.freeze([]);
const noLinks: readonly SpanLink[] = Object.freeze([]);

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

export class ProtoTraceReader extends InterningCursor {
  readonly spans: Span[] = [];
  /** The first top-level field other than resource_spans (0: none), for "not a trace" messages. */
  otherField = 0;

  /** While reading the top-level fields of a request whose end is the end of the data. */
  private topLevelIsInputEnd = false;

  // Results of the last Status read, kept here instead of in a returned object.
  private statusCode: StatusCode = StatusCode.Unset;
  private statusMessage: string | undefined = undefined;

  // What was tolerated, for warnings.
  private skippedSpans = 0;
  private firstSkippedAt = 0;
  private droppedLinks = 0;
  private spansWithoutStart = 0;
  private unknownKinds = 0;
  private unknownStatusCodes = 0;
  private resourcesWithoutService = 0;
  // dropped_*_count totals: what the sender's limits cut before export.
  private droppedAttributes = 0;
  private droppedEvents = 0;
  private droppedSenderLinks = 0;

  constructor(readonly format: TraceFormat) {
    super();
  }

  warnings(): string[] {
    const out: string[] = [];
    const n = this.skippedSpans;
    if (n > 0) {
      out.push(`${n} ${plural(n, 'span has', 'spans have')} an empty or all-zero trace_id or span_id and ${plural(n, 'was', 'were')} skipped (the first at byte ${this.firstSkippedAt}).`);
    }
    const o = this.oddIds;
    if (o > 0) out.push(`${o} ${plural(o, 'id is', 'ids are')} not 16 (trace) or 8 (span) bytes long; ${plural(o, 'it is', 'they are')} shown as hex as found.`);
    const r = this.resourcesWithoutService;
    if (r > 0) {
      out.push(`${r} ${plural(r, 'resource has', 'resources have')} no service.name attribute; ${plural(r, 'its', 'their')} spans are shown under "unknown_service".`);
    }
    const s = this.spansWithoutStart;
    if (s > 0) out.push(`${s} ${plural(s, 'span has', 'spans have')} no start_time_unix_nano and ${plural(s, 'is', 'are')} placed at the Unix epoch (1970-01-01).`);
    const k = this.unknownKinds;
    if (k > 0) out.push(`${k} ${plural(k, 'span has', 'spans have')} an unknown kind number, shown as unspecified.`);
    const c = this.unknownStatusCodes;
    if (c > 0) out.push(`${c} ${plural(c, 'span has', 'spans have')} an unknown status code number, shown as unset.`);
    const l = this.droppedLinks;
    if (l > 0) out.push(`${l} ${plural(l, 'link has', 'links have')} an empty or all-zero trace_id or span_id and ${plural(l, 'was', 'were')} dropped.`);
    const da = this.droppedAttributes;
    const de = this.droppedEvents;
    const dl = this.droppedSenderLinks;
    if (da + de + dl > 0) {
      const parts: string[] = [];
      if (da > 0) parts.push(`${da} ${plural(da, 'attribute', 'attributes')}`);
      if (de > 0) parts.push(`${de} ${plural(de, 'event', 'events')}`);
      if (dl > 0) parts.push(`${dl} ${plural(dl, 'link', 'links')}`);
      out.push(`The sender dropped ${parts.join(', ')} before export (its limits); they are not in the file.`);
    }
    return out;
  }

  /** The failure for a request that held no resource_spans at all. */
  noResourceSpans(subject: string): TraceDecodeError {
    const other = this.otherField;
    return new TraceDecodeError({
      kind: 'notATrace',
      detail: `${subject} no resource_spans (field 1 of ExportTraceServiceRequest)${other === 0 ? '' : `, only field ${other}`}`,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Errors

  malformed(detail: string): TraceDecodeError {
    return new TraceDecodeError({ kind: 'malformed', format: this.format, detail });
  }

  protected truncated(detail: string): TraceDecodeError {
    return new TraceDecodeError({ kind: 'truncated', detail });
  }

  protected atInputEnd(): boolean {
    return this.topLevelIsInputEnd;
  }

  /** Cut short when this is the top level of a whole input, else the lengths disagree (malformed). */
  protected overrun(what: string, start: number, needed: number, end: number, message: string): TraceDecodeError {
    const cut = this.topLevelIsInputEnd;
    const detail = `${what} needs ${needed} bytes from byte ${this.base + start}, but ${cut ? 'the data' : `its enclosing ${message}`} ends after ${end - start} (at byte ${this.base + end})`;
    return cut ? this.truncated(detail) : this.malformed(detail);
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  /**
   * The top-level fields of an ExportTraceServiceRequest in [start, end): each resource_spans
   * entry is decoded, anything else skipped. `endIsInputEnd` says that running past `end` means
   * the data was cut short. Returns how many resource_spans entries there were; the number of
   * the first other top-level field goes to `otherField`.
   */
  decodeRequest(start: number, end: number, endIsInputEnd: boolean): number {
    const message = 'ExportTraceServiceRequest';
    this.pos = start;
    let entries = 0;
    while (this.pos < end) {
      this.topLevelIsInputEnd = endIsInputEnd;
      const field = this.tag(end, message);
      if (field === 1) {
        const entryEnd = this.length(end, message, 'resource_spans');
        this.topLevelIsInputEnd = false;
        this.decodeResourceSpans(this.pos, entryEnd);
        entries++;
      } else {
        if (this.otherField === 0) this.otherField = field;
        this.skipField(end, message, 0);
      }
    }
    this.topLevelIsInputEnd = false;
    return entries;
  }

  /** One ResourceSpans in [start, end) of the current buffer. */
  decodeResourceSpans(start: number, end: number): void {
    const message = 'ResourceSpans';
    // The resource may follow the spans on the wire, and spans need it: find it first.
    const kvBase = this.kvCount;
    this.pos = start;
    while (this.pos < end) {
      const field = this.tag(end, message);
      if (field === 1) this.decodeResource(this.length(end, message, 'resource'));
      else if (field === 2 || field === 1000 || field === 3) this.pos = this.length(end, message, field === 2 ? 'scope_spans' : field === 3 ? 'schema_url' : 'instrumentation_library_spans');
      else this.skipField(end, message, 0);
    }
    const attributes = this.takeAttributes(kvBase);
    const resource: Resource = createResource(attributes);
    const before = this.spans.length;
    // Second pass: the scope_spans (and the deprecated instrumentation_library_spans, which
    // has the same layout). Wire types and lengths were checked by the first pass, so the tags
    // are read by hand.
    this.pos = start;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.varint(end, message);
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === wtLen) {
        const length = this.varint(end, message);
        const fieldEnd = this.pos + length;
        if (field === 2 || field === 1000) this.decodeScopeSpans(fieldEnd, resource);
        this.pos = fieldEnd;
      } else {
        this.skip(wireType, field, end, message, tagPos, 0);
      }
    }
    const serviceName = attributes['service.name'];
    if (this.spans.length > before && (typeof serviceName !== 'string' || serviceName === '')) this.resourcesWithoutService++;
  }

  /** A Resource's attributes go onto the attribute stack; a repeated resource field merges. */
  private decodeResource(end: number): void {
    const message = 'Resource';
    while (this.pos < end) {
      const field = this.tag(end, message);
      if (field === 1) this.pushKeyValue(this.length(end, message, 'attributes'), 0);
      else if (field === 2) this.droppedAttributes += this.uint(end, message, 'dropped_attributes_count');
      else this.skipField(end, message, 0);
    }
  }

  private decodeScopeSpans(end: number, resource: Resource): void {
    const message = 'ScopeSpans';
    const start = this.pos;
    // First pass: the scope, which may follow the spans on the wire.
    const kvBase = this.kvCount;
    while (this.pos < end) {
      const field = this.tag(end, message);
      if (field === 1) this.readScope(this.length(end, message, 'scope'));
      else if (field === 2 || field === 3) this.pos = this.length(end, message, field === 2 ? 'spans' : 'schema_url');
      else this.skipField(end, message, 0);
    }
    const scope = this.takeScope(kvBase);
    // Second pass: the spans, their tags read by hand as in decodeResourceSpans.
    this.pos = start;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.varint(end, message);
      const wireType = tag & 7;
      if (wireType === wtLen) {
        const length = this.varint(end, message);
        const fieldEnd = this.pos + length;
        if (tag === 0x12) this.decodeSpan(fieldEnd, resource, scope, tagPos);
        this.pos = fieldEnd;
      } else {
        this.skip(wireType, tag >>> 3, end, message, tagPos, 0);
      }
    }
  }

  private decodeSpan(end: number, resource: Resource, scope: Scope | undefined, spanTagPos: number): void {
    const message = 'Span';
    let traceId = '';
    let spanId = '';
    let traceState = '';
    let parentSpanId = '';
    let flags: number | undefined;
    let name = '';
    let kind = 0;
    let startNs = 0n;
    let startMissing = true;
    let endNs: bigint | undefined;
    const kvBase = this.kvCount;
    let events: SpanEvent[] | undefined;
    let links: SpanLink[] | undefined;
    this.statusCode = StatusCode.Unset;
    this.statusMessage = undefined;
    let hasStatus = false;
    while (this.pos < end) {
      switch (this.tag(end, message)) {
        case 1:
          traceId = this.traceIdField(end, message, 'trace_id');
          break;
        case 2:
          spanId = this.spanIdField(end, message, 'span_id');
          break;
        case 3:
          traceState = this.stringField(end, message, 'trace_state');
          break;
        case 4:
          parentSpanId = this.spanIdField(end, message, 'parent_span_id');
          break;
        case 5:
          name = this.stringField(end, message, 'name');
          break;
        case 6:
          kind = this.uint(end, message, 'kind');
          break;
        case 7: {
          const at = this.pos;
          startNs = this.fixed64(end, message, 'start_time_unix_nano');
          // Decided on the bytes: a bigint comparison is a call, once per span.
          startMissing = (this.view.getInt32(at, true) | this.view.getInt32(at + 4, true)) === 0;
          break;
        }
        case 8:
          endNs = this.fixed64(end, message, 'end_time_unix_nano');
          break;
        case 9:
          this.pushKeyValue(this.length(end, message, 'attributes'), 0);
          break;
        case 10:
          this.droppedAttributes += this.uint(end, message, 'dropped_attributes_count');
          break;
        case 11: {
          const event = this.decodeEvent(this.length(end, message, 'events'));
          if (events === undefined) events = [event];
          else events.push(event);
          break;
        }
        case 12:
          this.droppedEvents += this.uint(end, message, 'dropped_events_count');
          break;
        case 13: {
          const link = this.decodeLink(this.length(end, message, 'links'));
          if (link !== undefined) {
            if (links === undefined) links = [link];
            else links.push(link);
          }
          break;
        }
        case 14:
          this.droppedSenderLinks += this.uint(end, message, 'dropped_links_count');
          break;
        case 15:
          this.decodeStatus(this.length(end, message, 'status'));
          hasStatus = true;
          break;
        case 16:
          flags = this.fixed32(end, message, 'flags');
          break;
        default:
          this.skipField(end, message, 0);
      }
    }
    if (traceId === '' || spanId === '') {
      this.kvCount = kvBase;
      if (this.skippedSpans++ === 0) this.firstSkippedAt = this.base + spanTagPos;
      return;
    }
    const attributes = this.takeAttributes(kvBase);
    if (kind > 5) {
      this.unknownKinds++;
      kind = SpanKind.Unspecified;
    }
    if (startMissing) this.spansWithoutStart++;
    let statusCode = StatusCode.Unset as StatusCode;
    let statusMessage: string | undefined;
    if (hasStatus) {
      statusCode = this.statusCode;
      statusMessage = this.statusMessage;
    }
    this.spans.push(
      makeSpan(
        traceId,
        spanId,
        parentSpanId === '' ? undefined : parentSpanId,
        name,
        kind as SpanKind,
        startNs,
        endNs ?? startNs,
        statusCode,
        statusMessage,
        attributes,
        events ?? noEvents,
        links ?? noLinks,
        resource,
        scope,
        traceState === '' ? undefined : traceState,
        flags,
      ),
    );
  }

  private decodeStatus(end: number): void {
    const message = 'Status';
    while (this.pos < end) {
      const field = this.tag(end, message);
      if (field === 2) {
        const text = this.stringField(end, message, 'message');
        this.statusMessage = text === '' ? undefined : text;
      } else if (field === 3) {
        const code = this.uint(end, message, 'code');
        if (code <= 2) this.statusCode = code as StatusCode;
        else {
          this.unknownStatusCodes++;
          this.statusCode = StatusCode.Unset;
        }
      } else {
        this.skipField(end, message, 0);
      }
    }
  }

  private decodeEvent(end: number): SpanEvent {
    const message = 'Span.Event';
    let timeNs = 0n;
    let name = '';
    const kvBase = this.kvCount;
    while (this.pos < end) {
      const field = this.tag(end, message);
      if (field === 1) timeNs = this.fixed64(end, message, 'time_unix_nano');
      else if (field === 2) name = this.stringField(end, message, 'name');
      else if (field === 3) this.pushKeyValue(this.length(end, message, 'attributes'), 0);
      else if (field === 4) this.droppedAttributes += this.uint(end, message, 'dropped_attributes_count');
      else this.skipField(end, message, 0);
    }
    return { timeNs, name, attributes: this.takeAttributes(kvBase) };
  }

  /** A link, or undefined when it has no ids to point at (counted, as in OTLP JSON). */
  private decodeLink(end: number): SpanLink | undefined {
    const message = 'Span.Link';
    let traceId = '';
    let spanId = '';
    let traceState = '';
    const kvBase = this.kvCount;
    while (this.pos < end) {
      switch (this.tag(end, message)) {
        case 1:
          traceId = this.traceIdField(end, message, 'trace_id');
          break;
        case 2:
          spanId = this.spanIdField(end, message, 'span_id');
          break;
        case 3:
          traceState = this.stringField(end, message, 'trace_state');
          break;
        case 4:
          this.pushKeyValue(this.length(end, message, 'attributes'), 0);
          break;
        case 5:
          this.droppedAttributes += this.uint(end, message, 'dropped_attributes_count');
          break;
        case 6:
          // flags: read to check it, but the model has no place for a link's flags.
          this.fixed32(end, message, 'flags');
          break;
        default:
          this.skipField(end, message, 0);
      }
    }
    const attributes = this.takeAttributes(kvBase);
    if (traceId === '' || spanId === '') {
      this.droppedLinks++;
      return undefined;
    }
    return { traceId, spanId, traceState: traceState === '' ? undefined : traceState, attributes };
  }
}
