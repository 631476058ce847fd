import type { Span } from '../model/span';
import { isErrorSpan } from '../model/span';
import type { Trace } from '../model/trace';
import { SpanFlag, type SpanIdColumn, type TraceViewData } from '../../shared/traceViewData';

/** Attributes that give "Go to Code" something to map (old and new semantic conventions). */
const locationKeys = ['code.file.path', 'code.filepath', 'code.function.name', 'code.function', 'code.stacktrace'];

export function hasCodeLocation(span: Span): boolean {
  for (const key of locationKeys) if (span.attributes[key] !== undefined) return true;
  return false;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Packs canonical 16-hex-digit span ids into 8 bytes each; any other id keeps the column as text. */
function encodeSpanIds(spans: readonly Span[]): SpanIdColumn {
  const bytes = new Uint8Array(spans.length * 8);
  for (let i = 0; i < spans.length; i++) {
    const id = (spans[i] as Span).spanId;
    if (id.length !== 16) return { kind: 'text', ids: spans.map((span) => span.spanId) };
    for (let b = 0; b < 8; b++) {
      const hi = hexValue(id.charCodeAt(b * 2));
      const lo = hexValue(id.charCodeAt(b * 2 + 1));
      if (hi < 0 || lo < 0) return { kind: 'text', ids: spans.map((span) => span.spanId) };
      bytes[i * 8 + b] = (hi << 4) | lo;
    }
  }
  return { kind: 'hex64', bytes };
}

/**
 * The trace as the webview draws it: columns indexed by the Trace's depth-first row, strings
 * interned into two tables. Runs where the trace lives (the trace service worker), so the
 * extension host only relays the buffers.
 */
export function encodeTraceView(trace: Trace): TraceViewData {
  const n = trace.spanCount;
  const spans = trace.spans;
  const offsetNs = new Float64Array(n);
  const durationsNs = new Float64Array(n);
  const nameIndex = new Uint32Array(n);
  const flags = new Uint8Array(n);
  const names: string[] = [];
  const nameIds = new Map<string, number>();
  const services: string[] = [];
  const serviceIds = new Map<string, number>();
  const serviceOf = new Uint32Array(n);
  let maxDepth = 0;
  for (let i = 0; i < n; i++) {
    const span = spans[i] as Span;
    offsetNs[i] = trace.offsetNs(i);
    durationsNs[i] = span.endNs > span.startNs ? Number(span.endNs - span.startNs) : 0;
    let name = nameIds.get(span.name);
    if (name === undefined) {
      name = names.length;
      names.push(span.name);
      nameIds.set(span.name, name);
    }
    nameIndex[i] = name;
    const serviceName = span.resource.serviceName;
    let service = serviceIds.get(serviceName);
    if (service === undefined) {
      service = services.length;
      services.push(serviceName);
      serviceIds.set(serviceName, service);
    }
    serviceOf[i] = service;
    let f = 0;
    if (isErrorSpan(span)) f |= SpanFlag.Error;
    if (hasCodeLocation(span)) f |= SpanFlag.HasLocation;
    if (span.links.length > 0) f |= SpanFlag.HasLinks;
    for (const event of span.events) {
      if (event.name === 'exception') {
        f |= SpanFlag.HasException;
        break;
      }
    }
    flags[i] = f;
    const d = trace.depth[i] ?? 0;
    if (d > maxDepth) maxDepth = d;
  }
  for (const orphan of trace.orphans) flags[orphan] = (flags[orphan] ?? 0) | SpanFlag.Orphan;

  // A flag per span rather than the segments: the waterfall marks whole spans, and segments
  // would cost ~48 bytes a span on a sequential trace.
  for (const segment of trace.criticalPath()) flags[segment.spanIndex] = (flags[segment.spanIndex] ?? 0) | SpanFlag.Critical;

  // Narrow columns when the values fit: most traces have few services and shallow trees.
  const serviceIndex = services.length <= 0xffff ? Uint16Array.from(serviceOf) : serviceOf;
  const depth = maxDepth <= 0xffff ? Uint16Array.from(trace.depth) : Uint32Array.from(trace.depth);

  return {
    traceId: trace.traceId,
    startNs: trace.startNs.toString(),
    durationNs: trace.durationNs,
    spanCount: n,
    offsetNs,
    durationsNs,
    depth,
    parent: Int32Array.from(trace.parent),
    subtreeEnd: Uint32Array.from(trace.subtreeEnd),
    serviceIndex,
    nameIndex,
    flags,
    services,
    names,
    spanIds: encodeSpanIds(spans),
    warnings: trace.warnings,
  };
}

/** The ArrayBuffers of an encoding, for postMessage's transfer list (worker → host). */
export function transferablesOf(data: TraceViewData): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [data.offsetNs, data.durationsNs, data.depth, data.parent, data.subtreeEnd, data.serviceIndex, data.nameIndex, data.flags];
  if (data.spanIds.kind === 'hex64') arrays.push(data.spanIds.bytes);
  const buffers = new Set<ArrayBuffer>();
  for (const array of arrays) if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  return [...buffers];
}
