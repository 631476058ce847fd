import { noAttributes, type AttributeValue, type Attributes } from '../model/attributes';
import { isZeroId } from '../model/ids';
import { createResource, createSpan, SpanKind, StatusCode, type Resource, type Scope, type Span, type SpanEvent } from '../model/span';
import { TraceDecodeError, type DecodedSpans } from './traceFormat';
import { durationOf, hexSpanIdOf, hexTraceIdOf, micros } from './hexIdsAndMicros';
import { jsonAttributes, spanKindByTag, tagsToAttributes, takeOtelStatus, takeStringTag } from './jsonAttributes';
import { at, isObject, optionalString, plural, Problem, show } from './jsonProblem';
import { TagScopes } from './tagScopes';

/**
 * Zipkin v2 JSON (../shared/reference/backends.md §3): an array of spans (`/api/v2/trace/{id}`),
 * a list of traces `[[span…], …]` (`/api/v2/traces`, `/api/v2/traceMany`) or one span object.
 *
 * Mapping:
 * - kind CLIENT/SERVER/PRODUCER/CONSUMER as is. An absent kind is INTERNAL: Zipkin defines it as
 *   "a local span" (in-process work), which is exactly OTel's INTERNAL, and the OTel→Zipkin
 *   mapping writes INTERNAL by leaving kind out (OTel spec `sdk_exporters/zipkin.md`). A
 *   `span.kind` tag, which some converters add for INTERNAL, is honoured when kind is absent.
 * - `localEndpoint` → one shared Resource per distinct endpoint: `service.name` (or
 *   "unknown_service"), `host.ip` (the endpoint's addresses, a string array as semconv defines
 *   it) and `net.host.port`.
 * - `remoteEndpoint` → span attributes `peer.service`, `network.peer.address` (IPv4, else IPv6)
 *   and `network.peer.port`, unless a tag already has that name.
 * - status: an `error` tag of any value means failed; its value is the message unless it is ""
 *   or "true". `otel.status_code`/`otel.status_description` (OTel→Zipkin) are read and removed.
 * - `otel.scope.*` (and the older `otel.library.*`) tags → scope.
 * - annotations → events. OTel→Zipkin exporters encode an event with attributes as
 *   `"name": {json}` (the spec's form) or `name|{json}|droppedCount` (the collector's); both are
 *   unpacked into name and attributes, which is how exception stack traces arrive.
 * - shared spans: see `separateSharedSpans`.
 */

const format = 'zipkin-json';

// ---------------------------------------------------------------------------------------------
// Shape detection

/** A Zipkin span has `traceId` and `id`; OTLP spans say `spanId`, Jaeger spans `spanID`. */
function isZipkinSpan(value: unknown): boolean {
  return isObject(value) && typeof value['traceId'] === 'string' && typeof value['id'] === 'string' && value['spanId'] === undefined && value['spanID'] === undefined;
}

function firstSpan(doc: unknown): unknown {
  if (!Array.isArray(doc)) return doc;
  for (const item of doc.slice(0, 16)) {
    if (!Array.isArray(item)) return item;
    if (item.length > 0) return item[0];
  }
  return undefined;
}

/** Cheap shape check for format detection; decodes nothing. */
export function looksLikeZipkinJson(doc: unknown): boolean {
  return isZipkinSpan(firstSpan(doc));
}

// ---------------------------------------------------------------------------------------------
// Scalars

/** Tag values are strings by the spec; other JSON values some tools write are kept as text. */
function tagText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

const kindByName: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['CLIENT', SpanKind.Client],
  ['SERVER', SpanKind.Server],
  ['PRODUCER', SpanKind.Producer],
  ['CONSUMER', SpanKind.Consumer],
]);

/** `name|{json}|droppedCount`, the collector's zipkin exporter's event encoding. */
const collectorEventPattern = /^([\s\S]*?)\|(\{[\s\S]*\})\|(\d+)$/;

/** An annotation as an event: plain text is the name; the OTel encodings are unpacked. */
function annotationToEvent(timeNs: bigint, value: string): SpanEvent {
  const trimmed = value.trim();
  if (trimmed.startsWith('"') && trimmed.endsWith('}')) {
    // `"name": {…}` is one member of a JSON object without its braces.
    const parsed = parseJson(`{${trimmed}}`);
    if (isObject(parsed)) {
      const entries = Object.entries(parsed);
      const only = entries[0];
      if (entries.length === 1 && only !== undefined && isObject(only[1])) return { timeNs, name: only[0], attributes: jsonAttributes(only[1]) };
    }
  }
  const collector = collectorEventPattern.exec(value);
  if (collector !== null) {
    const parsed = parseJson(collector[2] ?? '');
    if (isObject(parsed)) return { timeNs, name: collector[1] ?? '', attributes: jsonAttributes(parsed) };
  }
  return { timeNs, name: value, attributes: noAttributes };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Decodes one parsed Zipkin v2 JSON document. Throws TraceDecodeError when it is not one. */
export function decodeZipkinJson(doc: unknown): DecodedSpans {
  const decoder = new ZipkinDecoder();
  try {
    decoder.document(doc);
  } catch (error: unknown) {
    if (error instanceof TraceDecodeError) throw error;
    if (error instanceof Problem) {
      throw new TraceDecodeError({ kind: 'malformed', format, detail: `${error.where === '' ? 'the span' : error.where} ${error.what}` });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new TraceDecodeError({ kind: 'malformed', format, detail: `it could not be read (${message})` });
  }
  return { format, spans: decoder.finish(), warnings: decoder.warnings() };
}

/** A span before shared-span ids are settled. */
interface Draft {
  readonly traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: SpanKind;
  readonly shared: boolean;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly statusCode: StatusCode;
  readonly statusMessage: string | undefined;
  readonly attributes: Attributes;
  readonly events: readonly SpanEvent[];
  readonly resource: Resource;
  readonly scope: Scope | undefined;
}

class ZipkinDecoder {
  private readonly drafts: Draft[] = [];
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new TagScopes();
  private readonly notes: string[] = [];
  private spansWithoutTime = 0;
  private unknownKinds = 0;
  private sharedSpansRenamed = 0;

  document(doc: unknown): void {
    if (Array.isArray(doc)) {
      doc.forEach((item: unknown, index: number) => {
        try {
          if (Array.isArray(item)) item.forEach((span: unknown, inner: number) => this.at(span, `[${inner}]`));
          else this.span(item);
        } catch (error: unknown) {
          throw at(error, `[${index}]`);
        }
      });
      return;
    }
    if (!isObject(doc)) throw new TraceDecodeError({ kind: 'notATrace', detail: `the JSON document is ${show(doc)}, not Zipkin spans` });
    if (doc['traceId'] === undefined && doc['id'] === undefined) {
      const keys = Object.keys(doc);
      const shown =
        keys.length === 0
          ? 'the JSON document is an empty object'
          : `the JSON object has the keys ${keys
              .slice(0, 6)
              .map((k) => JSON.stringify(k))
              .join(', ')}`;
      throw new TraceDecodeError({ kind: 'notATrace', detail: `${shown}, not a Zipkin span (expected "traceId" and "id")` });
    }
    this.span(doc);
  }

  warnings(): string[] {
    const out = [...this.notes];
    const t = this.spansWithoutTime;
    if (t > 0) out.push(`${t} ${plural(t, 'span has', 'spans have')} no timestamp and no annotations and ${plural(t, 'was', 'were')} skipped.`);
    const k = this.unknownKinds;
    if (k > 0) out.push(`${k} ${plural(k, 'span has', 'spans have')} an unknown kind, shown as unspecified.`);
    const s = this.sharedSpansRenamed;
    if (s > 0) {
      out.push(
        s === 1
          ? "1 shared server span reuses its client's span id; it was given a derived id and placed under the client."
          : `${s} shared server spans reuse their clients' span ids; they were given derived ids and placed under their clients.`,
      );
    }
    return out;
  }

  finish(): Span[] {
    separateSharedSpans(this.drafts, () => this.sharedSpansRenamed++);
    return this.drafts.map((d) =>
      createSpan({
        traceId: d.traceId,
        spanId: d.spanId,
        parentSpanId: d.parentSpanId,
        name: d.name,
        kind: d.kind,
        startNs: d.startNs,
        endNs: d.endNs,
        statusCode: d.statusCode,
        statusMessage: d.statusMessage,
        attributes: d.attributes,
        events: d.events,
        resource: d.resource,
        scope: d.scope,
      }),
    );
  }

  private at(raw: unknown, segment: string): void {
    try {
      this.span(raw);
    } catch (error: unknown) {
      throw at(error, segment);
    }
  }

  private span(raw: unknown): void {
    if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not a span object`);
    const rawTraceId = raw['traceId'];
    if (typeof rawTraceId !== 'string' || rawTraceId === '') {
      throw new Problem('traceId', rawTraceId === undefined ? 'is missing' : `is ${show(rawTraceId)}, not a hex id`);
    }
    const rawId = raw['id'];
    if (typeof rawId !== 'string' || rawId === '') throw new Problem('id', rawId === undefined ? 'is missing' : `is ${show(rawId)}, not a hex id`);
    const rawParent = optionalString(raw, 'parentId');
    const parent = rawParent === undefined || rawParent === '' ? undefined : hexSpanIdOf(rawParent);
    const name = optionalString(raw, 'name') ?? '';

    const events = annotations(raw['annotations']);
    let startNs: bigint;
    const rawTimestamp = raw['timestamp'];
    if (rawTimestamp === undefined || rawTimestamp === null) {
      // Zipkin allows an incomplete span without one; its annotations still place it in time.
      const first = events.reduce<bigint | undefined>((min, e) => (min === undefined || e.timeNs < min ? e.timeNs : min), undefined);
      if (first === undefined) {
        this.spansWithoutTime++;
        return;
      }
      startNs = first;
    } else {
      const parsed = micros(rawTimestamp);
      if (parsed === undefined) throw new Problem('timestamp', `is ${show(rawTimestamp)}, not microseconds since the epoch (a number)`);
      startNs = parsed;
    }
    const durationNs = durationOf(raw);
    const rawShared = raw['shared'];
    if (rawShared !== undefined && rawShared !== null && typeof rawShared !== 'boolean') throw new Problem('shared', `is ${show(rawShared)}, not true or false`);

    const tags = tagMap(raw['tags']);
    const kind = this.kind(raw['kind'], tags);
    const { statusCode, statusMessage } = takeStatus(tags);
    const scope = this.scopes.take(tags);
    remoteEndpointAttributes(raw['remoteEndpoint'], tags);

    this.drafts.push({
      traceId: hexTraceIdOf(rawTraceId),
      spanId: hexSpanIdOf(rawId),
      parentSpanId: parent === undefined || isZeroId(parent) ? undefined : parent,
      name,
      kind,
      shared: rawShared === true,
      startNs,
      endNs: startNs + durationNs,
      statusCode,
      statusMessage,
      attributes: tagsToAttributes(tags),
      events,
      resource: this.resourceOf(raw['localEndpoint']),
      scope,
    });
  }

  private kind(raw: unknown, tags: Map<string, AttributeValue>): SpanKind {
    if (raw === undefined || raw === null) {
      const tag = tags.get('span.kind');
      const fromTag = typeof tag === 'string' ? spanKindByTag.get(tag.toLowerCase()) : undefined;
      if (fromTag === undefined) return SpanKind.Internal;
      tags.delete('span.kind');
      return fromTag;
    }
    if (typeof raw !== 'string') throw new Problem('kind', `is ${show(raw)}, not a string such as "SERVER"`);
    const kind = kindByName.get(raw.toUpperCase());
    if (kind !== undefined) return kind;
    this.unknownKinds++;
    return SpanKind.Unspecified;
  }

  /** One Resource per distinct local endpoint. */
  private resourceOf(raw: unknown): Resource {
    let endpoint: Endpoint;
    try {
      endpoint = endpointOf(raw);
    } catch (error: unknown) {
      throw at(error, 'localEndpoint');
    }
    const key = JSON.stringify([endpoint.serviceName, endpoint.ipv4, endpoint.ipv6, endpoint.port]);
    let resource = this.resources.get(key);
    if (resource === undefined) {
      const attributes: Record<string, AttributeValue> = {};
      if (endpoint.serviceName !== undefined) attributes['service.name'] = endpoint.serviceName;
      const ips = [endpoint.ipv4, endpoint.ipv6].filter((ip): ip is string => ip !== undefined);
      if (ips.length > 0) attributes['host.ip'] = ips;
      if (endpoint.port !== undefined) attributes['net.host.port'] = endpoint.port;
      resource = createResource(Object.keys(attributes).length === 0 ? noAttributes : attributes);
      this.resources.set(key, resource);
    }
    return resource;
  }
}

function tagMap(raw: unknown): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  if (raw === undefined || raw === null) return out;
  if (!isObject(raw)) throw new Problem('tags', `is ${show(raw)}, not an object of string values`);
  for (const [key, value] of Object.entries(raw)) out.set(key, tagText(value));
  return out;
}

function takeStatus(tags: Map<string, AttributeValue>): { statusCode: StatusCode; statusMessage: string | undefined } {
  const otel = takeOtelStatus(tags);
  const explicit = otel.code;
  let statusMessage = otel.message;
  const error = takeStringTag(tags, 'error');
  if (error !== undefined) {
    if (error !== '' && error.toLowerCase() !== 'true') statusMessage ??= error;
    // Zipkin: the presence of `error` means the span failed, whatever else it says.
    return { statusCode: StatusCode.Error, statusMessage };
  }
  return { statusCode: explicit ?? StatusCode.Unset, statusMessage };
}

interface Endpoint {
  readonly serviceName: string | undefined;
  readonly ipv4: string | undefined;
  readonly ipv6: string | undefined;
  readonly port: number | undefined;
}

function endpointOf(raw: unknown): Endpoint {
  if (raw === undefined || raw === null) return { serviceName: undefined, ipv4: undefined, ipv6: undefined, port: undefined };
  if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not an endpoint object`);
  const serviceName = optionalString(raw, 'serviceName');
  const ipv4 = optionalString(raw, 'ipv4');
  const ipv6 = optionalString(raw, 'ipv6');
  const port = raw['port'];
  if (port !== undefined && port !== null && (typeof port !== 'number' || !Number.isInteger(port))) throw new Problem('port', `is ${show(port)}, not a port number`);
  return {
    serviceName: serviceName === '' ? undefined : serviceName,
    ipv4: ipv4 === '' ? undefined : ipv4,
    ipv6: ipv6 === '' ? undefined : ipv6,
    port: typeof port === 'number' && port > 0 ? port : undefined,
  };
}

/** The other side of an RPC or message, as span attributes; a tag of the same name wins. */
function remoteEndpointAttributes(raw: unknown, into: Map<string, AttributeValue>): void {
  let endpoint: Endpoint;
  try {
    endpoint = endpointOf(raw);
  } catch (error: unknown) {
    throw at(error, 'remoteEndpoint');
  }
  const set = (key: string, value: AttributeValue | undefined): void => {
    if (value !== undefined && !into.has(key)) into.set(key, value);
  };
  set('peer.service', endpoint.serviceName);
  set('network.peer.address', endpoint.ipv4 ?? endpoint.ipv6);
  set('network.peer.port', endpoint.port);
}

function annotations(raw: unknown): SpanEvent[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Problem('annotations', `is ${show(raw)}, not an array`);
  return raw.map((annotation: unknown, index: number): SpanEvent => {
    const where = `annotations[${index}]`;
    if (!isObject(annotation)) throw new Problem(where, `is ${show(annotation)}, not an annotation object`);
    const rawTime = annotation['timestamp'];
    const timeNs = micros(rawTime);
    if (timeNs === undefined) throw new Problem(`${where}.timestamp`, `is ${show(rawTime)}, not microseconds since the epoch (a number)`);
    const value = annotation['value'];
    if (typeof value !== 'string') throw new Problem(`${where}.value`, `is ${show(value)}, not a string`);
    return annotationToEvent(timeNs, value);
  });
}

/**
 * Zipkin's shared spans: the server half of an RPC may report under its client's span id, with
 * `shared: true` (backends.md §3; `zipkin/skew.json`). The model needs unique ids, so:
 *
 * - a shared SERVER span whose id is also used by a span that is not shared in the same trace
 *   gets a derived id: FNV-1a 64 of "zipkin-shared/{traceId}/{spanId}/{serviceName}/{attempt}"
 *   in hex, with the attempt counted up past zero and past any id already in the trace, so the
 *   same input always gives the same id;
 * - its parent becomes the client (the span that kept the id);
 * - spans of the same trace whose parentId is that id and whose local service is the server
 *   half's service are re-pointed to the derived id: they ran in the server. Other children stay
 *   under the client. (Zipkin's own tree builder makes the same choice, keyed by endpoint.)
 *
 * A shared span with no client in the data (an edge proxy's, say) keeps its id.
 */
function separateSharedSpans(drafts: Draft[], renamed: () => void): void {
  if (!drafts.some((d) => d.shared)) return;
  const byTrace = new Map<string, Draft[]>();
  for (const draft of drafts) {
    let group = byTrace.get(draft.traceId);
    if (group === undefined) byTrace.set(draft.traceId, (group = []));
    group.push(draft);
  }
  for (const group of byTrace.values()) {
    if (!group.some((d) => d.shared)) continue;
    const ids = new Set(group.map((d) => d.spanId));
    const unsharedIds = new Set(group.filter((d) => !d.shared).map((d) => d.spanId));
    const redirect = new Map<string, string>();
    const moved = new Set<Draft>();
    for (const draft of group) {
      if (!draft.shared || draft.kind !== SpanKind.Server || !unsharedIds.has(draft.spanId)) continue;
      const original = draft.spanId;
      const service = draft.resource.serviceName;
      let derived = '';
      for (let attempt = 0; derived === '' || ids.has(derived) || isZeroId(derived); attempt++) {
        derived = fnv1a64Hex(`zipkin-shared/${draft.traceId}/${original}/${service}/${attempt}`);
      }
      ids.add(derived);
      draft.spanId = derived;
      draft.parentSpanId = original;
      moved.add(draft);
      renamed();
      const key = `${original}\u0000${service}`;
      if (!redirect.has(key)) redirect.set(key, derived);
    }
    if (redirect.size === 0) continue;
    for (const draft of group) {
      if (moved.has(draft) || draft.parentSpanId === undefined) continue;
      const target = redirect.get(`${draft.parentSpanId}\u0000${draft.resource.serviceName}`);
      if (target !== undefined) draft.parentSpanId = target;
    }
  }
}

const fnvOffset = 0xcbf29ce484222325n;
const fnvPrime = 0x100000001b3n;
const mask64 = 0xffffffffffffffffn;

function fnv1a64Hex(text: string): string {
  let hash = fnvOffset;
  for (const byte of Buffer.from(text, 'utf8')) hash = ((hash ^ BigInt(byte)) * fnvPrime) & mask64;
  return hash.toString(16).padStart(16, '0');
}
