import { formatAttributeValue, noAttributes, type AttributeValue, type Attributes } from '../model/attributes';
import { isZeroId } from '../model/ids';
import { createResource, createSpan, SpanKind, StatusCode, type Resource, type Span, type SpanEvent, type SpanLink } from '../model/span';
import { TraceDecodeError, type DecodedSpans } from './traceFormat';
import { durationOf, hexSpanIdOf, hexTraceIdOf, integerText, micros } from './hexIdsAndMicros';
import { jsonValue, spanKindByTag, tagsToAttributes, takeOtelStatus, takeStringTag } from './jsonAttributes';
import { at, isObject, optionalString, plural, Problem, show, type JsonObject } from './jsonProblem';
import { TagScopes } from './tagScopes';

/**
 * Jaeger v1 JSON, the shape of the query service's `/api/traces` responses and of the Jaeger UI's
 * "Download JSON" (../shared/reference/backends.md §1.3–1.4):
 *
 * - the API wrapper `{data: [Trace…], total, limit, offset, errors}`;
 * - a bare `Trace` `{traceID, spans, processes, warnings}`;
 * - spans with an embedded `process` instead of a `processID`, as an array or one object (what
 *   Elasticsearch stores and the anonymizer writes). That form writes every value as a string
 *   and binary values as hex (jaeger `dbmodel.FromDomain`, `KeyValue.AsString`).
 *
 * What an OTLP→Jaeger conversion folded into tags is unfolded again, so that one trace read from
 * OTLP and from Jaeger gives the same model: `span.kind` → kind; `otel.status_code`,
 * `otel.status_description` and `error` → status; `otel.scope.*` (and the older
 * `otel.library.*`) → scope; `w3c.tracestate` → trace state.
 *
 * Jaeger's internal domain model JSON (base64 ids, RFC 3339 times, `vStr`/`vType`) is a different
 * format that no HTTP API returns; it is recognised only to say so.
 */

const format = 'jaeger-json';

// ---------------------------------------------------------------------------------------------
// Shape detection

/** A span of the domain model's gogo JSON: camel-case `spanId`/`traceId`, never `spanID`. */
function isDomainSpan(value: unknown): boolean {
  return (
    isObject(value) && value['spanID'] === undefined && (value['spanId'] !== undefined || value['traceId'] !== undefined) && (value['operationName'] !== undefined || value['startTime'] !== undefined)
  );
}

const domainModelDetail = "it is Jaeger's internal domain model JSON, which no Jaeger HTTP API returns; export the trace from the Jaeger UI (JSON) instead";

/**
 * When `doc` is Jaeger's internal domain model JSON (`jaeger/domain_01.json`), the reason it cannot
 * be read, in words for the user; else undefined. Format detection can use it to explain itself.
 */
export function jaegerDomainModelDetail(doc: unknown): string | undefined {
  let domain = false;
  if (Array.isArray(doc)) domain = isDomainSpan(doc[0]);
  else if (isObject(doc)) {
    const spans = doc['spans'];
    domain = Array.isArray(spans) ? doc['processMap'] !== undefined || isDomainSpan(spans[0]) : isDomainSpan(doc);
  }
  return domain ? domainModelDetail : undefined;
}

function isJaegerSpan(value: unknown): boolean {
  return isObject(value) && typeof value['spanID'] === 'string' && (typeof value['traceID'] === 'string' || value['operationName'] !== undefined);
}

/** Cheap shape check for format detection; decodes nothing. */
export function looksLikeJaegerJson(doc: unknown): boolean {
  if (jaegerDomainModelDetail(doc) !== undefined) return false;
  if (Array.isArray(doc)) return isJaegerSpan(doc[0]);
  if (!isObject(doc)) return false;
  if (doc['data'] !== undefined) {
    const data = doc['data'];
    // An error response ({"data": null, "errors": […]}) or an empty search is still Jaeger's.
    if (data === null) return doc['errors'] !== undefined;
    if (!Array.isArray(data)) return false;
    if (data.length === 0) return doc['errors'] !== undefined || doc['total'] !== undefined;
    const first: unknown = data[0];
    return isObject(first) && Array.isArray(first['spans']);
  }
  const spans = doc['spans'];
  if (Array.isArray(spans)) return doc['processes'] !== undefined || doc['traceID'] !== undefined || isJaegerSpan(spans[0]);
  return isJaegerSpan(doc);
}

// ---------------------------------------------------------------------------------------------
// Scalars

const evenHex = /^(?:[0-9a-fA-F]{2})*$/;
const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** int64 as Jaeger writes it: a number, or a string when beyond ±(2^53−1). */
function int64Of(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** float64 written as text by the Elasticsearch form (Go's strconv: "NaN", "+Inf", "-Inf"). */
function float64Of(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  const n = text.trim() === '' ? Number.NaN : Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * A tag's value by its declared type. Values that do not fit their type are kept as they are
 * rather than failing the whole trace: a tag is worth less than the trace around it.
 */
function typedValue(type: unknown, value: unknown, binaryAsHex: boolean): AttributeValue {
  const kind = typeof type === 'string' ? type.toLowerCase() : '';
  switch (kind) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      break;
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      break;
    case 'int64':
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && integerText.test(value)) return int64Of(value);
      break;
    case 'float64':
      if (typeof value === 'number') return value;
      if (typeof value === 'string') return float64Of(value) ?? value;
      break;
    case 'binary':
      if (typeof value === 'string') {
        if (binaryAsHex && evenHex.test(value)) return Uint8Array.from(Buffer.from(value, 'hex'));
        if (base64Text.test(value)) return Uint8Array.from(Buffer.from(value, 'base64'));
      }
      break;
  }
  return jsonValue(value);
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Decodes one parsed Jaeger v1 JSON document. Throws TraceDecodeError when it is not one. */
export function decodeJaegerJson(doc: unknown): DecodedSpans {
  const domain = jaegerDomainModelDetail(doc);
  if (domain !== undefined) throw new TraceDecodeError({ kind: 'notATrace', detail: domain });
  const decoder = new JaegerDecoder();
  try {
    decoder.document(doc);
  } catch (error: unknown) {
    throw decodeError(error);
  }
  return { format, spans: decoder.spans, warnings: decoder.warnings() };
}

function decodeError(error: unknown): TraceDecodeError {
  if (error instanceof TraceDecodeError) return error;
  if (error instanceof Problem) {
    return new TraceDecodeError({ kind: 'malformed', format, detail: `${error.where === '' ? 'the span' : error.where} ${error.what}` });
  }
  // Nothing above should throw anything else; if it does, the caller still gets a decode error.
  const message = error instanceof Error ? error.message : String(error);
  return new TraceDecodeError({ kind: 'malformed', format, detail: `it could not be read (${message})` });
}

/**
 * The service shown for a span whose process has not arrived yet: Jaeger writes a trace's
 * `processes` after its `spans` (uimodel.Trace field order), so while a large trace streams
 * its spans are known long before their services.
 */
export const serviceNotKnownYet = 'service not known yet';

/** A span decoded before its trace's `processes` was complete; settled at the end. */
interface Unsettled {
  readonly slot: number;
  readonly processId: string;
  readonly raw: JsonObject;
  readonly embedded: boolean;
}

/** A span that names no trace of its own, decoded once its trace's `traceID` is known. */
interface Deferred {
  readonly slot: number;
  readonly raw: unknown;
}

/** One trace of `data` while it streams; `log` keeps its notes and open ends in document order. */
interface StreamTrace {
  readonly byProcessId: Map<string, Resource>;
  readonly spans: (Span | undefined)[];
  readonly log: (string | Unsettled | Deferred)[];
  readonly processKeys: Set<string>;
}

/**
 * Decodes a Jaeger v1 `{"data": [Trace…]}` body one span and one process at a time, as
 * `data.*.spans` and `data.*.processes` elements arrive, and at the end gives exactly
 * what `decodeJaegerJson` gives for the whole body: same spans, order, resources and warnings.
 *
 * A span whose process is not listed yet is handed out at once with the resource
 * `serviceNotKnownYet` (a partial build shows it so) and gets its real one in `finish`.
 */
export class JaegerSpanStream {
  private readonly decoder = new JaegerDecoder();
  private readonly traces: StreamTrace[] = [];
  private readonly placeholder = createResource(noAttributes, serviceNotKnownYet);

  /** One member of `data[trace].processes`. Throws TraceDecodeError. */
  process(trace: number, id: string, raw: unknown): void {
    const state = this.trace(trace);
    state.processKeys.add(id);
    try {
      state.byProcessId.set(id, this.decoder.process(id, raw));
    } catch (error: unknown) {
      throw decodeError(at(error, `data[${trace}]`));
    }
  }

  /**
   * One element of `data[trace].spans`, decoded now; undefined when it is skipped (no startTime)
   * or waits for its trace's id. Throws TraceDecodeError.
   */
  span(trace: number, raw: unknown): Span | undefined {
    const state = this.trace(trace);
    const slot = state.spans.length;
    state.spans.push(undefined);
    if (isObject(raw) && (raw['traceID'] === undefined || raw['traceID'] === null)) {
      state.log.push({ slot, raw });
      return undefined;
    }
    const context: TraceContext = {
      traceId: undefined,
      byProcessId: state.byProcessId,
      notYetListed: (processId, rawSpan, embedded) => {
        state.log.push({ slot, processId, raw: rawSpan, embedded });
        return this.placeholder;
      },
    };
    this.decoder.noteSink = (note) => state.log.push(note);
    try {
      const span = this.decoder.span(raw, context);
      state.spans[slot] = span;
      return span;
    } catch (error: unknown) {
      throw decodeError(at(at(error, `spans[${slot}]`), `data[${trace}]`));
    } finally {
      this.decoder.noteSink = undefined;
    }
  }

  /**
   * After the last byte, with `skeleton` the rest of the document (each element cut out
   * replaced by 0): checks what lay around the elements as `decodeJaegerJson` does, settles
   * every span's resource and returns the whole decode. Throws TraceDecodeError.
   */
  finish(skeleton: unknown): DecodedSpans {
    const decoder = this.decoder;
    try {
      if (!isObject(skeleton) || !Array.isArray(skeleton['data'])) throw new Problem('data', 'is not an array of traces');
      const messages = decoder.responseErrors(skeleton);
      const out: Span[] = [];
      skeleton['data'].forEach((trace: unknown, index: number) => {
        try {
          if (!isObject(trace)) throw new Problem('', `is ${show(trace)}, not a trace object`);
          this.settle(trace, this.traces[index], out);
        } catch (error: unknown) {
          throw at(error, `data[${index}]`);
        }
      });
      if (out.length === 0 && messages.length > 0) {
        throw new TraceDecodeError({ kind: 'malformed', format, detail: `it holds no trace, only errors: ${messages.join('; ')}` });
      }
      return { format, spans: out, warnings: decoder.warnings() };
    } catch (error: unknown) {
      throw decodeError(error);
    }
  }

  private settle(frameDoc: JsonObject, state: StreamTrace | undefined, out: Span[]): void {
    const decoder = this.decoder;
    const frame = decoder.traceFrame(frameDoc);
    if (frame === undefined) return;
    const spans = state?.spans ?? [];
    // Each span element was cut out as one 0; anything else in the list is not a span.
    const stray = frame.spans.findIndex((entry: unknown) => entry !== 0);
    if (stray >= 0) throw at(new Problem('', `is ${show(frame.spans[stray])}, not a span object`), `spans[${stray}]`);
    if (frame.spans.length !== spans.length) throw new Problem('spans', 'holds values that are not span objects');
    if (frame.processes !== undefined) {
      for (const [id, value] of Object.entries(frame.processes)) if (!state?.processKeys.has(id)) decoder.process(id, value);
    }
    if (state === undefined) return;
    const complete: TraceContext = { traceId: frame.traceId, byProcessId: state.byProcessId };
    for (const entry of state.log) {
      if (typeof entry === 'string') {
        decoder.notes.add(entry);
        continue;
      }
      try {
        if ('processId' in entry) {
          const span = spans[entry.slot];
          const resource = state.byProcessId.get(entry.processId) ?? decoder.unlistedResource(entry.raw, entry.embedded);
          if (span !== undefined) spans[entry.slot] = createSpan({ ...span, resource });
        } else {
          spans[entry.slot] = decoder.span(entry.raw, complete);
        }
      } catch (error: unknown) {
        throw at(error, `spans[${entry.slot}]`);
      }
    }
    for (const span of spans) if (span !== undefined) out.push(span);
  }

  private trace(index: number): StreamTrace {
    let state = this.traces[index];
    if (state === undefined) {
      state = { byProcessId: new Map(), spans: [], log: [], processKeys: new Set() };
      this.traces[index] = state;
    }
    return state;
  }
}

interface TraceContext {
  readonly traceId: string | undefined;
  /** The trace's `processes`, each already a Resource, so every span of a process shares one. */
  readonly byProcessId: Map<string, Resource>;
  /**
   * While a body streams, a process may still be on its way: the span gets the resource this
   * returns for now, and its real one is settled at the end. Absent: `processes` is complete.
   */
  readonly notYetListed?: (processId: string, raw: JsonObject, embedded: boolean) => Resource;
}

interface Reference {
  readonly type: string;
  readonly traceId: string;
  readonly spanId: string;
}

class JaegerDecoder {
  readonly spans: Span[] = [];
  readonly notes = new Set<string>();
  /** Resources by content, shared across the traces of a document and by embedded processes. */
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new TagScopes();
  private unknownResource: Resource | undefined;
  private spansWithoutStart = 0;
  private spansWithoutProcess = 0;
  /** Where span notes go instead of `notes` while a stream keeps them in document order. */
  noteSink: ((note: string) => void) | undefined;

  warnings(): string[] {
    const out = [...this.notes];
    const s = this.spansWithoutStart;
    if (s > 0) out.push(`${s} ${plural(s, 'span has', 'spans have')} no startTime and ${plural(s, 'was', 'were')} skipped, as the Jaeger UI does.`);
    const p = this.spansWithoutProcess;
    if (p > 0) out.push(`${p} ${plural(p, 'span has', 'spans have')} no process; ${plural(p, 'it is', 'they are')} shown under "unknown_service".`);
    return out;
  }

  document(doc: unknown): void {
    if (Array.isArray(doc)) {
      this.spanList(doc, undefined);
      return;
    }
    if (!isObject(doc)) {
      throw new TraceDecodeError({ kind: 'notATrace', detail: `the JSON document is ${show(doc)}, not a Jaeger trace` });
    }
    if (doc['data'] !== undefined) this.response(doc);
    else if (doc['spans'] !== undefined) this.trace(doc);
    else if (doc['spanID'] !== undefined || doc['traceID'] !== undefined) {
      const span = this.span(doc, undefined);
      if (span !== undefined) this.spans.push(span);
    } else {
      const keys = Object.keys(doc);
      const shown =
        keys.length === 0
          ? 'the JSON document is an empty object'
          : `the JSON object has the keys ${keys
              .slice(0, 6)
              .map((k) => JSON.stringify(k))
              .join(', ')}`;
      throw new TraceDecodeError({
        kind: 'notATrace',
        detail: `${shown}, not a Jaeger trace (expected {"data": [trace…]}, {"traceID", "spans", "processes"} or a span with "traceID" and "spanID")`,
      });
    }
  }

  /** The `errors` of a `structuredResponse`, noted; returned for a response without data. */
  responseErrors(doc: JsonObject): string[] {
    const errors = doc['errors'];
    const messages: string[] = [];
    if (Array.isArray(errors)) {
      for (const error of errors) {
        if (!isObject(error)) continue;
        const msg = typeof error['msg'] === 'string' ? error['msg'] : 'no message';
        const code = typeof error['code'] === 'number' ? ` (code ${error['code']})` : '';
        const trace = typeof error['traceID'] === 'string' ? ` for trace ${error['traceID']}` : '';
        messages.push(`${msg}${code}${trace}`);
      }
    }
    for (const message of messages) this.notes.add(`Jaeger reported an error: ${message}`);
    return messages;
  }

  /** The query API's `structuredResponse`. */
  private response(doc: JsonObject): void {
    const messages = this.responseErrors(doc);
    const data = doc['data'];
    if (data === null) {
      if (messages.length > 0) throw new TraceDecodeError({ kind: 'malformed', format, detail: `it holds no trace, only errors: ${messages.join('; ')}` });
      return;
    }
    if (!Array.isArray(data)) throw new Problem('data', `is ${show(data)}, not an array of traces`);
    const before = this.spans.length;
    data.forEach((trace: unknown, index: number) => {
      try {
        if (!isObject(trace)) throw new Problem('', `is ${show(trace)}, not a trace object`);
        this.trace(trace);
      } catch (error: unknown) {
        throw at(error, `data[${index}]`);
      }
    });
    if (this.spans.length === before && messages.length > 0) {
      throw new TraceDecodeError({ kind: 'malformed', format, detail: `it holds no trace, only errors: ${messages.join('; ')}` });
    }
  }

  /**
   * The fields of a `Trace` around its spans and processes, checked and noted: its id (for spans
   * without their own), or undefined when its spans are null and it holds nothing.
   */
  traceFrame(trace: JsonObject): { traceId: string | undefined; spans: unknown[]; processes: JsonObject | undefined } | undefined {
    const traceId = trace['traceID'];
    if (traceId !== undefined && traceId !== null && typeof traceId !== 'string') throw new Problem('traceID', `is ${show(traceId)}, not a string`);
    const processes = trace['processes'];
    if (processes !== undefined && processes !== null && !isObject(processes)) {
      throw new Problem('processes', `is ${show(processes)}, not an object of processes by id`);
    }
    const warnings = trace['warnings'];
    if (Array.isArray(warnings)) {
      for (const warning of warnings) if (typeof warning === 'string') this.notes.add(`trace ${traceId ?? ''}: ${warning}`);
    }
    const spans = trace['spans'];
    if (spans === null) return undefined;
    if (!Array.isArray(spans)) throw new Problem('spans', `is ${show(spans)}, not an array`);
    return { traceId: typeof traceId === 'string' && traceId !== '' ? traceId : undefined, spans, processes: isObject(processes) ? processes : undefined };
  }

  /** One entry of a trace's `processes`. */
  process(id: string, process: unknown): Resource {
    const where = `processes[${JSON.stringify(id)}]`;
    if (!isObject(process)) throw new Problem(where, `is ${show(process)}, not a process object`);
    try {
      return this.processResource(process, false);
    } catch (error: unknown) {
      throw at(error, where);
    }
  }

  /** One `Trace`: spans that refer to `processes` by id. */
  private trace(trace: JsonObject): void {
    const frame = this.traceFrame(trace);
    if (frame === undefined) return;
    const byProcessId = new Map<string, Resource>();
    if (frame.processes !== undefined) for (const [id, process] of Object.entries(frame.processes)) byProcessId.set(id, this.process(id, process));
    const spans = frame.spans;
    const context: TraceContext = { traceId: frame.traceId, byProcessId };
    try {
      this.spanList(spans, context);
    } catch (error: unknown) {
      throw at(error, 'spans');
    }
  }

  private spanList(list: readonly unknown[], context: TraceContext | undefined): void {
    let index = 0;
    try {
      for (; index < list.length; index++) {
        const span = this.span(list[index], context);
        if (span !== undefined) this.spans.push(span);
      }
    } catch (error: unknown) {
      throw at(error, `[${index}]`);
    }
  }

  /** One span; undefined for one that is skipped (no startTime), as the Jaeger UI does. */
  span(raw: unknown, context: TraceContext | undefined): Span | undefined {
    if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not a span object`);
    const rawTraceId = optionalString(raw, 'traceID') ?? context?.traceId;
    if (rawTraceId === undefined || rawTraceId === '') throw new Problem('traceID', 'is missing');
    const rawSpanId = optionalString(raw, 'spanID');
    if (rawSpanId === undefined || rawSpanId === '') throw new Problem('spanID', 'is missing');
    const traceId = hexTraceIdOf(rawTraceId);
    const spanId = hexSpanIdOf(rawSpanId);
    const name = optionalString(raw, 'operationName') ?? '';

    const rawStart = raw['startTime'];
    if (rawStart === undefined || rawStart === null) {
      this.spansWithoutStart++;
      return undefined;
    }
    const startNs = micros(rawStart);
    if (startNs === undefined) throw new Problem('startTime', `is ${show(rawStart)}, not microseconds since the epoch (a number)`);
    const durationNs = durationOf(raw);

    // The embedded-process form is what Elasticsearch stores: values as text, binary as hex.
    const embedded = raw['processID'] === undefined && isObject(raw['process']);
    const resource = this.resourceOf(raw, context, embedded);
    const tags = keyValues(raw['tags'], 'tags', embedded);
    fieldTags(raw['tag'], tags);

    const kindTag = tags.get('span.kind');
    let kind: SpanKind = SpanKind.Unspecified;
    if (typeof kindTag === 'string') {
      const mapped = spanKindByTag.get(kindTag.toLowerCase());
      if (mapped !== undefined) {
        kind = mapped;
        tags.delete('span.kind');
      }
    }
    const { statusCode, statusMessage } = takeStatus(tags);
    const scope = this.scopes.take(tags);
    const traceState = takeStringTag(tags, 'w3c.tracestate');

    const { parentSpanId, links } = relations(raw, traceId);
    const events = logsToEvents(raw['logs'], startNs, embedded);

    const warnings = raw['warnings'];
    if (Array.isArray(warnings)) {
      for (const warning of warnings) if (typeof warning === 'string') this.note(`span ${rawSpanId}: ${warning}`);
    }

    // Jaeger's flags: 1 sampled, 2 debug, 8 firehose. Only "sampled" means the same as a W3C flag.
    const rawFlags = raw['flags'];
    const flags = typeof rawFlags === 'number' && Number.isInteger(rawFlags) ? rawFlags & 1 : undefined;

    return createSpan({
      traceId,
      spanId,
      parentSpanId,
      name,
      kind,
      startNs,
      endNs: startNs + durationNs,
      statusCode,
      statusMessage,
      attributes: tagsToAttributes(tags),
      events,
      links,
      resource,
      scope,
      traceState,
      flags,
    });
  }

  private resourceOf(raw: JsonObject, context: TraceContext | undefined, embedded: boolean): Resource {
    const processId = raw['processID'];
    if (typeof processId === 'string' && context !== undefined) {
      const known = context.byProcessId.get(processId);
      if (known !== undefined) return known;
      if (context.notYetListed !== undefined) return context.notYetListed(processId, raw, embedded);
    }
    return this.unlistedResource(raw, embedded);
  }

  /** The resource of a span whose `processID` names no listed process: its embedded one, else none. */
  unlistedResource(raw: JsonObject, embedded: boolean): Resource {
    const processId = raw['processID'];
    const process = raw['process'];
    if (isObject(process)) {
      try {
        return this.processResource(process, embedded);
      } catch (error: unknown) {
        throw at(error, 'process');
      }
    }
    if (process !== undefined && process !== null) throw new Problem('process', `is ${show(process)}, not a process object`);
    if (typeof processId === 'string') this.note(`Spans refer to process "${processId}", which their trace does not list.`);
    this.spansWithoutProcess++;
    this.unknownResource ??= createResource(noAttributes);
    return this.unknownResource;
  }

  private note(text: string): void {
    if (this.noteSink !== undefined) this.noteSink(text);
    else this.notes.add(text);
  }

  /** One Resource per distinct process: `service.name` from serviceName, the rest from its tags. */
  private processResource(process: JsonObject, binaryAsHex: boolean): Resource {
    const key = JSON.stringify([process['serviceName'], process['tags'], process['tag'], binaryAsHex]);
    const known = this.resources.get(key);
    if (known !== undefined) return known;
    const serviceName = optionalString(process, 'serviceName');
    const attributes = keyValues(process['tags'], 'tags', binaryAsHex);
    fieldTags(process['tag'], attributes);
    if (serviceName !== undefined && serviceName !== '') attributes.set('service.name', serviceName);
    const resource = createResource(tagsToAttributes(attributes));
    this.resources.set(key, resource);
    return resource;
  }
}

/** A `KeyValue[]` list as an ordered map (later duplicates win, as in an OTLP attribute map). */
function keyValues(list: unknown, field: string, binaryAsHex: boolean): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw new Problem(field, `is ${show(list)}, not an array of {key, type, value}`);
  list.forEach((kv: unknown, index: number) => {
    if (!isObject(kv)) throw new Problem(`${field}[${index}]`, `is ${show(kv)}, not a {key, type, value} object`);
    const key = kv['key'];
    if (typeof key !== 'string') throw new Problem(`${field}[${index}].key`, `is ${show(key)}, not a string`);
    out.set(key, typedValue(kv['type'], kv['value'], binaryAsHex));
  });
  return out;
}

/**
 * Elasticsearch's "tags as fields" (`--es.tags-as-fields.all`): an object whose keys have their
 * dots replaced, by "@" unless configured otherwise.
 */
function fieldTags(object: unknown, into: Map<string, AttributeValue>): void {
  if (!isObject(object)) return;
  for (const [key, value] of Object.entries(object)) into.set(key.replace(/@/g, '.'), jsonValue(value));
}

/**
 * Status from the tags an OTLP→Jaeger conversion writes (`otel.status_code`, `otel.status_description`
 * and `error=true`, backends.md §1.4), and from OpenTracing's `error` tag. A boolean `error` is
 * removed either way; a text `error` (Zipkin data stored in Jaeger) means failed and is the message.
 */
function takeStatus(tags: Map<string, AttributeValue>): { statusCode: StatusCode; statusMessage: string | undefined } {
  const otel = takeOtelStatus(tags);
  const explicit = otel.code;
  let statusMessage = otel.message;
  let failed = false;
  const error = tags.get('error');
  if (error === true || error === false) {
    failed = error;
    tags.delete('error');
  } else if (typeof error === 'string') {
    const lower = error.toLowerCase();
    failed = lower !== 'false';
    if (lower !== 'true' && lower !== 'false' && error !== '') statusMessage ??= error;
    tags.delete('error');
  }
  return { statusCode: explicit ?? (failed ? StatusCode.Error : StatusCode.Unset), statusMessage };
}

/**
 * The parent and the links of a span. The parent is the first CHILD_OF reference into the span's
 * own trace, else the deprecated `parentSpanID`, else the first FOLLOWS_FROM reference into the
 * trace. That is what Jaeger shows: the query service's ParentReference adjuster moves the first
 * same-trace CHILD_OF (else the first other same-trace reference) to the front
 * (jaegertracing/jaeger-ui#966), and jaeger-ui takes `references[0]` as the parent whatever its
 * type (`selectors/trace.tsx`, `getTraceSpanIdsAsTree`).
 *
 * Every other reference becomes a link. A CHILD_OF link (a second parent, or one into another
 * trace) carries `opentracing.ref_type: child_of`; FOLLOWS_FROM links carry nothing, being what an
 * OTLP link becomes in Jaeger. A FOLLOWS_FROM that was taken as the parent is kept as a link too,
 * so the model still says the relation was not CHILD_OF.
 */
function relations(raw: JsonObject, traceId: string): { parentSpanId: string | undefined; links: SpanLink[] } {
  const refs = references(raw['references'], traceId);
  const deprecatedParent = optionalString(raw, 'parentSpanID');
  const sameTrace = (ref: Reference): boolean => ref.traceId === traceId && !isZeroId(ref.spanId);
  let parentRef = refs.find((ref) => ref.type === 'CHILD_OF' && sameTrace(ref));
  let parentSpanId = parentRef?.spanId;
  if (parentSpanId === undefined && deprecatedParent !== undefined && deprecatedParent !== '') {
    const id = hexSpanIdOf(deprecatedParent);
    if (!isZeroId(id)) parentSpanId = id;
  }
  if (parentSpanId === undefined) {
    const follows = refs.find((ref) => ref.type === 'FOLLOWS_FROM' && sameTrace(ref));
    parentSpanId = follows?.spanId;
    parentRef = undefined;
  }
  const links: SpanLink[] = [];
  for (const ref of refs) {
    if (ref === parentRef || isZeroId(ref.spanId)) continue;
    const attributes: Attributes = ref.type === 'FOLLOWS_FROM' ? noAttributes : { 'opentracing.ref_type': ref.type.toLowerCase() };
    links.push({ traceId: ref.traceId, spanId: ref.spanId, traceState: undefined, attributes });
  }
  return { parentSpanId, links };
}

function references(list: unknown, traceId: string): Reference[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Problem('references', `is ${show(list)}, not an array`);
  return list.map((ref: unknown, index: number): Reference => {
    const where = `references[${index}]`;
    if (!isObject(ref)) throw new Problem(where, `is ${show(ref)}, not a reference object`);
    const type = ref['refType'];
    if (type !== undefined && type !== null && typeof type !== 'string') throw new Problem(`${where}.refType`, `is ${show(type)}, not a string`);
    const spanId = ref['spanID'];
    if (typeof spanId !== 'string' || spanId === '') throw new Problem(`${where}.spanID`, spanId === undefined ? 'is missing' : `is ${show(spanId)}, not a span id`);
    const refTraceId = ref['traceID'];
    if (refTraceId !== undefined && refTraceId !== null && typeof refTraceId !== 'string') {
      throw new Problem(`${where}.traceID`, `is ${show(refTraceId)}, not a string`);
    }
    return {
      // CHILD_OF is the proto enum's zero value, so an absent refType means it.
      type: typeof type === 'string' && type !== '' ? type.toUpperCase() : 'CHILD_OF',
      traceId: typeof refTraceId === 'string' && refTraceId !== '' ? hexTraceIdOf(refTraceId) : traceId,
      spanId: hexSpanIdOf(spanId),
    };
  });
}

/** Logs → events: the `event` field is the name (as the OTLP→Jaeger mapping writes it), else "log". */
function logsToEvents(list: unknown, spanStartNs: bigint, binaryAsHex: boolean): SpanEvent[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Problem('logs', `is ${show(list)}, not an array`);
  return list.map((log: unknown, index: number): SpanEvent => {
    const where = `logs[${index}]`;
    if (!isObject(log)) throw new Problem(where, `is ${show(log)}, not a log object`);
    const rawTime = log['timestamp'];
    let timeNs = spanStartNs;
    if (rawTime !== undefined && rawTime !== null) {
      const parsed = micros(rawTime);
      if (parsed === undefined) throw new Problem(`${where}.timestamp`, `is ${show(rawTime)}, not microseconds since the epoch (a number)`);
      timeNs = parsed;
    }
    let fields: Map<string, AttributeValue>;
    try {
      fields = keyValues(log['fields'], 'fields', binaryAsHex);
    } catch (error: unknown) {
      throw at(error, where);
    }
    const event = fields.get('event');
    let name = 'log';
    if (event !== undefined) {
      fields.delete('event');
      name = typeof event === 'string' ? event : formatAttributeValue(event);
    }
    return { timeNs, name, attributes: tagsToAttributes(fields) };
  });
}
