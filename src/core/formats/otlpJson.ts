import { noAttributes } from '../model/attributes';
import { isZeroId, normalizeSpanId, normalizeSpanIdPreferBase64, normalizeTraceId, normalizeTraceIdPreferBase64 } from '../model/ids';
import { createResource, createSpan, SpanKind, StatusCode, type Resource, type Scope, type Span, type SpanEvent, type SpanLink } from '../model/span';
import { TraceDecodeError, type DecodedSpans, type TraceFormat } from './traceFormat';
import { isDigits, parseAttributesOf, parseResourceAttributes } from './jsonAttributes';
import { at, isObject, plural, Problem, show, type JsonObject } from './jsonProblem';

/**
 * OTLP trace JSON in every shape real tools write (../shared/reference/backends.md §1.5, §2.1,
 * §4.1–4.3): `ExportTraceServiceRequest`/`TracesData`, Tempo's `batches` and `{trace: …}`
 * wrappers, Jaeger api_v3's `{result: …}`; camelCase or snake_case keys; `scopeSpans` or the
 * pre-0.19 `instrumentationLibrarySpans`; hex or base64 ids; enums as numbers or names; int64 as
 * strings or numbers. The document is already parsed (JSON.parse is native and fast); this walks
 * it once, allocating little more than the spans themselves.
 */

/** A proto3 JSON value read under either its lowerCamelCase or its original snake_case name. */
function get(object: JsonObject, camel: string, snake: string): unknown {
  const value = object[camel];
  return value !== undefined ? value : object[snake];
}

/** Which of the two names the document used, for messages. */
function keyOf(object: JsonObject, camel: string, snake: string): string {
  return object[camel] !== undefined ? camel : snake;
}

// ---------------------------------------------------------------------------------------------
// Scalars

const maxUint64 = 0xffff_ffff_ffff_ffffn;

/**
 * A fixed64 time in epoch ns, exactly: strings go straight to BigInt, never through a float.
 * undefined when the value is not one.
 */
export function parseNanos(value: unknown): bigint | undefined {
  if (typeof value === 'string') {
    if (value.length > 20 || !isDigits(value, 0)) return undefined;
    const ns = BigInt(value);
    return ns <= maxUint64 ? ns : undefined;
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value);
  return undefined;
}

function timeProblem(value: unknown): string {
  if (typeof value === 'string' && value.length > 0 && isDigits(value, 0)) return `is ${show(value)}, beyond the 64-bit range of nanosecond times`;
  if (typeof value === 'number' && Number.isInteger(value)) return `is ${show(value)}, a negative time`;
  return `is ${show(value)}, not an integer`;
}

function isHex(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return text.length > 0;
}

const idCanonical = 0;
const idZero = 1;
const idOther = 2;

/** Whether an id is already canonical (lower-case hex of the full width), the common case. */
function classifyId(raw: string, width: number): number {
  if (raw.length !== width) return idOther;
  let nonZero = false;
  for (let i = 0; i < width; i++) {
    const c = raw.charCodeAt(i);
    if (c === 48) continue;
    if ((c > 48 && c <= 57) || (c >= 97 && c <= 102)) nonZero = true;
    else return idOther;
  }
  return nonZero ? idCanonical : idZero;
}

const spanKindByName: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['SPAN_KIND_UNSPECIFIED', SpanKind.Unspecified],
  ['SPAN_KIND_INTERNAL', SpanKind.Internal],
  ['SPAN_KIND_SERVER', SpanKind.Server],
  ['SPAN_KIND_CLIENT', SpanKind.Client],
  ['SPAN_KIND_PRODUCER', SpanKind.Producer],
  ['SPAN_KIND_CONSUMER', SpanKind.Consumer],
]);

const statusCodeByName: ReadonlyMap<string, StatusCode> = new Map<string, StatusCode>([
  ['STATUS_CODE_UNSET', StatusCode.Unset],
  ['STATUS_CODE_OK', StatusCode.Ok],
  ['STATUS_CODE_ERROR', StatusCode.Error],
]);

const noEvents: readonly SpanEvent[] = Object.freeze([]);
const noLinks: readonly SpanLink[] = Object.freeze([]);

const spanArrayKeys = ['resourceSpans', 'resource_spans', 'batches'] as const;
const scopeSpansKeys = ['scopeSpans', 'scope_spans', 'instrumentationLibrarySpans', 'instrumentation_library_spans'] as const;
const scopeKeys = ['scope', 'instrumentationLibrary', 'instrumentation_library'] as const;

// ---------------------------------------------------------------------------------------------
// Documents

/** The span arrays of a document, wherever its producer put them; undefined when it has none. */
function findResourceSpans(body: JsonObject): { readonly key: string; readonly list: unknown } | undefined {
  for (const key of spanArrayKeys) {
    const list = body[key];
    if (list !== undefined) return { key, list };
  }
  return undefined;
}

/** Which other OTLP signal a document holds, for "not a trace" messages. */
export function otlpSignalOf(doc: Readonly<Record<string, unknown>>): string | undefined {
  if (doc['resourceLogs'] !== undefined || doc['resource_logs'] !== undefined) return 'logs';
  if (doc['resourceMetrics'] !== undefined || doc['resource_metrics'] !== undefined) return 'metrics';
  if (doc['resourceProfiles'] !== undefined || doc['resource_profiles'] !== undefined) return 'profiles';
  return undefined;
}

/** Cheap shape check for format detection; decodes nothing. */
export function looksLikeOtlpJson(doc: unknown): boolean {
  if (!isObject(doc)) return false;
  if (Array.isArray(doc['resourceSpans']) || Array.isArray(doc['resource_spans']) || Array.isArray(doc['batches'])) return true;
  const result = doc['result'];
  if (isObject(result) && (Array.isArray(result['resourceSpans']) || Array.isArray(result['resource_spans']))) return true;
  const trace = doc['trace'];
  return isObject(trace) && (Array.isArray(trace['resourceSpans']) || Array.isArray(trace['batches']));
}

/** Decodes one parsed OTLP-family JSON document. Throws TraceDecodeError when it is not one. */
export function decodeOtlpJson(doc: unknown): DecodedSpans {
  const collector = new OtlpJsonSpanCollector();
  const format = collector.addDocument(doc);
  return { format, spans: collector.spans, warnings: collector.warnings() };
}

function describeNonTrace(doc: unknown): string {
  if (doc === null) return 'the JSON document is null';
  if (Array.isArray(doc)) return `the JSON document is an array, not an object with resourceSpans`;
  if (!isObject(doc)) return `the JSON document is a single ${typeof doc}`;
  const signal = otlpSignalOf(doc);
  if (signal !== undefined) return `it holds OTLP ${signal}, not traces`;
  const keys = Object.keys(doc);
  if (keys.length === 0) return 'the JSON document is an empty object';
  const shown = keys
    .slice(0, 6)
    .map((k) => JSON.stringify(k))
    .join(', ');
  return `the JSON object has the keys ${shown}${keys.length > 6 ? ', …' : ''} but no resourceSpans`;
}

/**
 * Collects the spans of any number of OTLP JSON documents (one file, or the lines of a
 * collector file export) and sums up what it had to tolerate into one set of warnings, so forty
 * lines without a service name give one warning, not forty.
 */
export class OtlpJsonSpanCollector {
  readonly spans: Span[] = [];
  private preferBase64 = false;
  private sawTempoEncoding = false;
  private readonly notes: string[] = [];
  private skippedSpans = 0;
  private firstSkipped = '';
  private droppedLinks = 0;
  private resourcesWithoutService = 0;
  private spansWithoutStart = 0;
  private unknownKinds = 0;
  private unknownStatusCodes = 0;
  // Where the walk is, kept as parts so a path is only built when a span has to be skipped.
  private arrayPath = '';
  private resourceIndex = 0;
  private scopeSpansKey = '';
  private scopeIndex = 0;

  /**
   * Adds the spans of one parsed document and returns its format. `where` prefixes every place
   * named in an error (for example "line 12: ").
   */
  addDocument(doc: unknown, where = ''): TraceFormat {
    if (!isObject(doc)) throw new TraceDecodeError({ kind: 'notATrace', detail: `${where}${describeNonTrace(doc)}` });
    let format: TraceFormat = 'otlp-json';
    let body: JsonObject = doc;
    let prefix = '';
    let tempoV2 = false;
    const result = doc['result'];
    const trace = doc['trace'];
    if (result !== undefined && result !== null) {
      // Jaeger api_v3: an OTLP TracesData under "result" (backends.md §1.5).
      if (!isObject(result)) throw this.malformed('jaeger-api-v3', where, 'result', `is ${show(result)}, not an object`);
      body = result;
      prefix = 'result.';
      format = 'jaeger-api-v3';
    } else if (trace !== undefined && trace !== null && findResourceSpans(doc) === undefined) {
      // Tempo /api/v2/traces: {trace, status?, message?} (backends.md §2.1).
      if (!isObject(trace)) throw this.malformed('tempo-json', where, 'trace', `is ${show(trace)}, not an object`);
      body = trace;
      prefix = 'trace.';
      format = 'tempo-json';
      tempoV2 = true;
      this.noteTempoStatus(doc['status'], doc['message']);
    } else {
      const error = doc['error'];
      if (isObject(error) && findResourceSpans(doc) === undefined) {
        const code = typeof error['httpCode'] === 'number' ? `${error['httpCode']}: ` : '';
        const message = typeof error['message'] === 'string' ? error['message'] : 'no message';
        throw new TraceDecodeError({ kind: 'notATrace', detail: `${where}it is an error response from the server (${code}${message})` });
      }
    }
    const found = findResourceSpans(body);
    if (found === undefined) {
      if (tempoV2) return format;
      throw new TraceDecodeError({ kind: 'notATrace', detail: `${where}${describeNonTrace(prefix === '' ? doc : body)}` });
    }
    if (found.key === 'batches') format = format === 'otlp-json' ? 'tempo-json' : format;
    const list = found.list;
    const arrayPath = `${prefix}${found.key}`;
    if (list === null) return format;
    if (!Array.isArray(list)) throw this.malformed(format, where, arrayPath, `is ${show(list)}, not an array`);

    // Tempo writes ids in base64 and enums by name; an id made only of hex digits is then read
    // as base64 first (ids.ts), so the document's dialect must be known before its first id.
    this.preferBase64 = format === 'tempo-json' || usesEnumNames(list);
    this.sawTempoEncoding = false;
    this.arrayPath = arrayPath;
    let index = 0;
    try {
      for (; index < list.length; index++) {
        this.resourceIndex = index;
        this.addResourceSpans(list[index]);
      }
    } catch (error: unknown) {
      if (error instanceof Problem) {
        at(error, `${arrayPath}[${index}]`);
        throw this.malformed(this.formatOf(format), where, error.where, error.what);
      }
      throw error;
    }
    return this.formatOf(format);
  }

  /** Everything the decoder tolerated, in words a user can act on. */
  warnings(): string[] {
    const out = [...this.notes];
    const n = this.skippedSpans;
    if (n > 0) {
      out.push(`${n} ${plural(n, 'span has', 'spans have')} no traceId or spanId and ${plural(n, 'was', 'were')} skipped (the first at ${this.firstSkipped}).`);
    }
    const r = this.resourcesWithoutService;
    if (r > 0) {
      out.push(`${r} ${plural(r, 'resource has', 'resources have')} no service.name attribute; ${plural(r, 'its', 'their')} spans are shown under "unknown_service".`);
    }
    const s = this.spansWithoutStart;
    if (s > 0) {
      out.push(`${s} ${plural(s, 'span has', 'spans have')} no startTimeUnixNano and ${plural(s, 'is', 'are')} placed at the Unix epoch (1970-01-01).`);
    }
    const k = this.unknownKinds;
    if (k > 0) out.push(`${k} ${plural(k, 'span has', 'spans have')} an unknown kind number, shown as unspecified.`);
    const c = this.unknownStatusCodes;
    if (c > 0) out.push(`${c} ${plural(c, 'span has', 'spans have')} an unknown status code number, shown as unset.`);
    const l = this.droppedLinks;
    if (l > 0) out.push(`${l} ${plural(l, 'link has', 'links have')} no traceId or spanId and ${plural(l, 'was', 'were')} dropped.`);
    return out;
  }

  private formatOf(format: TraceFormat): TraceFormat {
    return format === 'otlp-json' && this.sawTempoEncoding ? 'tempo-json' : format;
  }

  private malformed(format: TraceFormat, where: string, path: string, problem: string): TraceDecodeError {
    return new TraceDecodeError({ kind: 'malformed', format, detail: `${where}${path} ${problem}` });
  }

  private noteTempoStatus(status: unknown, message: unknown): void {
    const text = typeof message === 'string' && message !== '' ? message : undefined;
    if (status === 'PARTIAL' || status === 1) {
      this.notes.push(`Tempo returned only part of this trace (status PARTIAL)${text === undefined ? '' : `: ${text}`}.`);
    } else if (text !== undefined) {
      this.notes.push(`Tempo says: ${text}`);
    }
  }

  private addResourceSpans(entry: unknown): void {
    if (!isObject(entry)) throw new Problem('', `is ${show(entry)}, not an object`);
    const attributes = parseResourceAttributes(entry);
    const resource = createResource(attributes);

    let key: string = scopeSpansKeys[0];
    let list: unknown = undefined;
    for (const candidate of scopeSpansKeys) {
      list = entry[candidate];
      if (list !== undefined) {
        key = candidate;
        break;
      }
    }
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) throw new Problem(key, `is ${show(list)}, not an array`);
    this.scopeSpansKey = key;
    const before = this.spans.length;
    let index = 0;
    try {
      for (; index < list.length; index++) {
        this.scopeIndex = index;
        this.addScopeSpans(list[index], resource);
      }
    } catch (error: unknown) {
      throw at(error, `${key}[${index}]`);
    }
    const serviceName = attributes['service.name'];
    if (this.spans.length > before && (typeof serviceName !== 'string' || serviceName === '')) this.resourcesWithoutService++;
  }

  private addScopeSpans(entry: unknown, resource: Resource): void {
    if (!isObject(entry)) throw new Problem('', `is ${show(entry)}, not an object`);
    const scope = parseScopeOf(entry);
    const list = entry['spans'];
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) throw new Problem('spans', `is ${show(list)}, not an array`);
    const spans = this.spans;
    let index = 0;
    try {
      for (; index < list.length; index++) {
        const span = this.span(list[index], resource, scope);
        if (span !== undefined) spans.push(span);
        else if (this.skippedSpans++ === 0) {
          this.firstSkipped = `${this.arrayPath}[${this.resourceIndex}].${this.scopeSpansKey}[${this.scopeIndex}].spans[${index}]`;
        }
      }
    } catch (error: unknown) {
      throw at(error, `spans[${index}]`);
    }
  }

  /** One span, or undefined when it has no ids to be placed by (counted, not fatal). */
  private span(raw: unknown, resource: Resource, scope: Scope | undefined): Span | undefined {
    if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not an object`);
    const traceId = this.id(get(raw, 'traceId', 'trace_id'), true);
    if (traceId === undefined) throw this.idProblem(raw, 'traceId', 'trace_id');
    const spanId = this.id(get(raw, 'spanId', 'span_id'), false);
    if (spanId === undefined) throw this.idProblem(raw, 'spanId', 'span_id');
    if (traceId === '' || spanId === '') return undefined;
    const parentSpanId = this.id(get(raw, 'parentSpanId', 'parent_span_id'), false);
    if (parentSpanId === undefined) throw this.idProblem(raw, 'parentSpanId', 'parent_span_id');

    const name = nameOf(raw);
    const kind = this.kind(raw['kind']);

    const rawStart = get(raw, 'startTimeUnixNano', 'start_time_unix_nano');
    let startNs = 0n;
    if (rawStart === undefined || rawStart === null) this.spansWithoutStart++;
    else {
      const parsed = parseNanos(rawStart);
      if (parsed === undefined) throw new Problem(keyOf(raw, 'startTimeUnixNano', 'start_time_unix_nano'), timeProblem(rawStart));
      startNs = parsed;
    }
    const rawEnd = get(raw, 'endTimeUnixNano', 'end_time_unix_nano');
    let endNs = startNs;
    if (rawEnd !== undefined && rawEnd !== null) {
      const parsed = parseNanos(rawEnd);
      if (parsed === undefined) throw new Problem(keyOf(raw, 'endTimeUnixNano', 'end_time_unix_nano'), timeProblem(rawEnd));
      endNs = parsed;
    }

    const attributes = parseAttributesOf(raw);
    const rawEvents = raw['events'];
    const events = rawEvents === undefined || rawEvents === null ? noEvents : this.events(rawEvents);
    const rawLinks = raw['links'];
    const links = rawLinks === undefined || rawLinks === null ? noLinks : this.links(rawLinks);

    let statusCode: StatusCode = StatusCode.Unset;
    let statusMessage: string | undefined;
    const status = raw['status'];
    if (status !== undefined && status !== null) {
      if (!isObject(status)) throw new Problem('status', `is ${show(status)}, not an object`);
      statusCode = this.statusCode(status['code']);
      const message = status['message'];
      if (typeof message === 'string') statusMessage = message;
      else if (message !== undefined && message !== null) throw new Problem('status.message', `is ${show(message)}, not a string`);
    }

    const rawTraceState = get(raw, 'traceState', 'trace_state');
    let traceState: string | undefined;
    if (typeof rawTraceState === 'string') traceState = rawTraceState;
    else if (rawTraceState !== undefined && rawTraceState !== null) {
      throw new Problem(keyOf(raw, 'traceState', 'trace_state'), `is ${show(rawTraceState)}, not a string`);
    }

    const rawFlags = raw['flags'];
    const flags = rawFlags === undefined || rawFlags === null ? undefined : parseFlags(rawFlags);

    return createSpan({
      traceId,
      spanId,
      parentSpanId: parentSpanId === '' ? undefined : parentSpanId,
      name,
      kind,
      startNs,
      endNs,
      statusCode,
      statusMessage,
      attributes,
      events,
      links,
      resource,
      scope,
      traceState,
      flags,
    });
  }

  private idProblem(raw: JsonObject, camel: string, snake: string): Problem {
    const key = keyOf(raw, camel, snake);
    return new Problem(key, `is ${show(raw[key])}, not a hex or base64 id string`);
  }

  /** A canonical id; '' when absent, empty or all zeros (OTLP's "no id"); undefined when not a string. */
  private id(raw: unknown, trace: boolean): string | undefined {
    if (raw === undefined || raw === null || raw === '') return '';
    if (typeof raw !== 'string') return undefined;
    const kind = classifyId(raw, trace ? 32 : 16);
    if (kind === idCanonical) return raw;
    if (kind === idZero) return '';
    let id: string;
    if (this.preferBase64) id = trace ? normalizeTraceIdPreferBase64(raw) : normalizeSpanIdPreferBase64(raw);
    else id = trace ? normalizeTraceId(raw) : normalizeSpanId(raw);
    if (id !== raw && !isHex(raw)) this.sawTempoEncoding = true;
    return isZeroId(id) ? '' : id;
  }

  private kind(raw: unknown): SpanKind {
    if (raw === undefined || raw === null) return SpanKind.Unspecified;
    if (typeof raw === 'number' && Number.isInteger(raw)) {
      if (raw >= 0 && raw <= 5) return raw as SpanKind;
      this.unknownKinds++;
      return SpanKind.Unspecified;
    }
    if (typeof raw === 'string') {
      const kind = spanKindByName.get(raw);
      if (kind !== undefined) {
        this.sawTempoEncoding = true;
        return kind;
      }
    }
    throw new Problem('kind', `is ${show(raw)}, not a span kind (0–5 or a name such as "SPAN_KIND_SERVER")`);
  }

  private statusCode(raw: unknown): StatusCode {
    if (raw === undefined || raw === null) return StatusCode.Unset;
    if (typeof raw === 'number' && Number.isInteger(raw)) {
      if (raw >= 0 && raw <= 2) return raw as StatusCode;
      this.unknownStatusCodes++;
      return StatusCode.Unset;
    }
    if (typeof raw === 'string') {
      const code = statusCodeByName.get(raw);
      if (code !== undefined) {
        this.sawTempoEncoding = true;
        return code;
      }
    }
    throw new Problem('status.code', `is ${show(raw)}, not a status code (0–2 or a name such as "STATUS_CODE_ERROR")`);
  }

  private events(list: unknown): readonly SpanEvent[] {
    if (!Array.isArray(list)) throw new Problem('events', `is ${show(list)}, not an array`);
    if (list.length === 0) return noEvents;
    const events: SpanEvent[] = new Array<SpanEvent>(list.length);
    let index = 0;
    try {
      for (; index < list.length; index++) {
        const raw: unknown = list[index];
        if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not an object`);
        const rawTime = get(raw, 'timeUnixNano', 'time_unix_nano');
        let timeNs = 0n;
        if (rawTime !== undefined && rawTime !== null) {
          const parsed = parseNanos(rawTime);
          if (parsed === undefined) throw new Problem(keyOf(raw, 'timeUnixNano', 'time_unix_nano'), timeProblem(rawTime));
          timeNs = parsed;
        }
        const name = nameOf(raw);
        const attributes = parseAttributesOf(raw);
        events[index] = { timeNs, name, attributes };
      }
    } catch (error: unknown) {
      throw at(error, `events[${index}]`);
    }
    return events;
  }

  private links(list: unknown): readonly SpanLink[] {
    if (!Array.isArray(list)) throw new Problem('links', `is ${show(list)}, not an array`);
    if (list.length === 0) return noLinks;
    const links: SpanLink[] = [];
    let index = 0;
    try {
      for (; index < list.length; index++) {
        const raw: unknown = list[index];
        if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not an object`);
        const traceId = this.id(get(raw, 'traceId', 'trace_id'), true);
        if (traceId === undefined) throw this.idProblem(raw, 'traceId', 'trace_id');
        const spanId = this.id(get(raw, 'spanId', 'span_id'), false);
        if (spanId === undefined) throw this.idProblem(raw, 'spanId', 'span_id');
        const rawTraceState = get(raw, 'traceState', 'trace_state');
        let traceState: string | undefined;
        if (typeof rawTraceState === 'string') traceState = rawTraceState === '' ? undefined : rawTraceState;
        else if (rawTraceState !== undefined && rawTraceState !== null) {
          throw new Problem(keyOf(raw, 'traceState', 'trace_state'), `is ${show(rawTraceState)}, not a string`);
        }
        const attributes = parseAttributesOf(raw);
        if (traceId === '' || spanId === '') {
          this.droppedLinks++;
          continue;
        }
        links.push({ traceId, spanId, traceState, attributes });
      }
    } catch (error: unknown) {
      throw at(error, `links[${index}]`);
    }
    return links;
  }
}

/** The scope of a ScopeSpans or ScopeLogs, under its name or its pre-1.0 one (instrumentationLibrary). */
export function parseScopeOf(entry: JsonObject): Scope | undefined {
  for (const key of scopeKeys) {
    const raw = entry[key];
    if (raw === undefined) continue;
    try {
      return parseScope(raw);
    } catch (error: unknown) {
      throw at(error, key);
    }
  }
  return undefined;
}

function parseScope(raw: unknown): Scope | undefined {
  if (raw === null) return undefined;
  if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not an object`);
  const name = raw['name'];
  const version = raw['version'];
  if (name !== undefined && name !== null && typeof name !== 'string') throw new Problem('name', `is ${show(name)}, not a string`);
  if (version !== undefined && version !== null && typeof version !== 'string') throw new Problem('version', `is ${show(version)}, not a string`);
  const attributes = parseAttributesOf(raw);
  const hasName = typeof name === 'string' && name !== '';
  const hasVersion = typeof version === 'string' && version !== '';
  // `"scope": {}` (common: proto3 omits empty fields) is no scope at all.
  if (!hasName && !hasVersion && attributes === noAttributes) return undefined;
  return { name: hasName ? name : '', version: hasVersion ? version : undefined, attributes };
}

/** A fixed32 `flags`, as a number or a digit string. */
export function parseFlags(raw: unknown): number {
  const value = typeof raw === 'string' && isDigits(raw, 0) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new Problem('flags', `is ${show(raw)}, not a 32-bit unsigned integer`);
  }
  return value;
}

function nameOf(raw: JsonObject): string {
  const name = raw['name'];
  if (typeof name === 'string') return name;
  if (name === undefined || name === null) return '';
  throw new Problem('name', `is ${show(name)}, not a string`);
}

/** Whether the first span that states a kind or status code names it (Tempo's proto3 JSON). */
function usesEnumNames(resourceSpans: readonly unknown[]): boolean {
  let looked = 0;
  for (const entry of resourceSpans) {
    if (!isObject(entry)) return false;
    for (const key of scopeSpansKeys) {
      const scopes = entry[key];
      if (!Array.isArray(scopes)) continue;
      for (const scope of scopes) {
        const spans = isObject(scope) ? scope['spans'] : undefined;
        if (!Array.isArray(spans)) continue;
        for (const span of spans) {
          if (!isObject(span)) return false;
          const kind = span['kind'];
          const status = span['status'];
          const code = isObject(status) ? status['code'] : undefined;
          if (typeof kind === 'string' || typeof code === 'string') return true;
          if (kind !== undefined || code !== undefined || ++looked > 100) return false;
        }
      }
    }
  }
  return false;
}
