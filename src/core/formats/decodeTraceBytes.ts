import { decodeJaegerJson, jaegerDomainModelDetail, looksLikeJaegerJson } from './jaegerJson';
import { decodeOtlpJson, looksLikeOtlpJson } from './otlpJson';
import { looksLikeJsonLines, OtlpJsonLinesDecoder } from './otlpJsonLines';
import { looksLikeOtlpProtobuf, looksLikeOtlpProtobufRecords } from './looksLikeOtlpProtobuf';
import { decodeOtlpProtobuf, decodeOtlpProtobufRecords } from './otlpProtobuf';
import { TraceDecodeError, type DecodedSpans } from './traceFormat';
import { decodeZipkinJson, looksLikeZipkinJson } from './zipkinJson';

/** Picks the decoder for a parsed JSON document by its shape. */
export function decodeTraceJsonDocument(doc: unknown): DecodedSpans {
  if (looksLikeOtlpJson(doc)) return decodeOtlpJson(doc);
  if (looksLikeJaegerJson(doc)) return decodeJaegerJson(doc);
  if (looksLikeZipkinJson(doc)) return decodeZipkinJson(doc);
  throw new TraceDecodeError({ kind: 'notATrace', detail: describeJsonShape(doc) });
}

/** Says what a JSON document is, for a message about why it is not a trace. */
export function describeJsonShape(doc: unknown): string {
  if (doc === null) return 'the JSON document is null';
  if (Array.isArray(doc)) {
    const jaegerDomainList = jaegerDomainModelDetail(doc);
    if (jaegerDomainList !== undefined) return jaegerDomainList;
    if (doc.length === 0) return 'the JSON document is an empty array';
    return `the JSON document is an array of ${doc.length} ${jsonType(doc[0])}${doc.length === 1 ? '' : 's'}, not of spans`;
  }
  if (typeof doc !== 'object') return `the JSON document is a single ${jsonType(doc)}`;
  const jaegerDomain = jaegerDomainModelDetail(doc);
  if (jaegerDomain !== undefined) return jaegerDomain;
  const keys = Object.keys(doc);
  const has = (key: string): boolean => keys.includes(key);
  if (has('resourceLogs') || has('resource_logs')) return 'it holds OTLP logs, not traces';
  if (has('resourceMetrics') || has('resource_metrics')) return 'it holds OTLP metrics, not traces';
  if (has('resourceProfiles')) return 'it holds OTLP profiles, not traces';
  if (keys.length === 0) return 'the JSON document is an empty object';
  const shown = keys
    .slice(0, 6)
    .map((k) => JSON.stringify(k))
    .join(', ');
  return `the JSON object has the keys ${shown}${keys.length > 6 ? ', …' : ''}, none of which hold spans (expected resourceSpans, data, spans, or a Zipkin span array)`;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** Turns JSON.parse's complaint into a failure that says whether the data was cut short. */
export function parseJsonOrFail(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    // V8 words a document cut short in several ways; an error at the very end is one of them.
    const atEnd = position !== undefined && Number(position) >= text.trimEnd().length;
    if (atEnd || /end of (JSON )?input|Unterminated string/i.test(message)) {
      throw new TraceDecodeError({ kind: 'truncated', detail: `the JSON ends after ${text.length} characters in the middle of a value` });
    }
    const at = position === undefined ? '' : ` (${describePosition(text, Number(position))})`;
    throw new TraceDecodeError({ kind: 'invalidJson', detail: `${message.replace(/^JSON\.parse: /, '')}${at}` });
  }
}

function describePosition(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${position - lineStart + 1}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

function firstSignificantByte(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    // Skip ASCII white space and a UTF-8 byte-order mark.
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    if (b === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) {
      i += 2;
      continue;
    }
    return b;
  }
  return undefined;
}

export function isJsonStart(bytes: Uint8Array): boolean {
  const first = firstSignificantByte(bytes);
  return first === 0x7b || first === 0x5b;
}

export function isBlank(bytes: Uint8Array): boolean {
  return firstSignificantByte(bytes) === undefined;
}

/**
 * Decodes a whole payload held in memory (a file small enough to read at once, an HTTP body),
 * detecting the format from the bytes themselves: JSON, JSON lines, protobuf or protobuf records.
 */
export function decodeTraceBytes(bytes: Uint8Array): DecodedSpans {
  if (isBlank(bytes)) throw new TraceDecodeError({ kind: 'empty' });
  if (isJsonStart(bytes)) {
    const text = utf8.decode(bytes);
    if (looksLikeJsonLines(text)) {
      const decoder = new OtlpJsonLinesDecoder();
      let lineNumber = 0;
      for (const line of text.split('\n')) decoder.pushLine(line, ++lineNumber);
      return decoder.finish();
    }
    return decodeTraceJsonDocument(parseJsonOrFail(text));
  }
  if (looksLikeOtlpProtobufRecords(bytes)) return decodeOtlpProtobufRecords(bytes);
  if (looksLikeOtlpProtobuf(bytes)) return decodeOtlpProtobuf(bytes);
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new TraceDecodeError({
    kind: 'notATrace',
    detail: `it is neither JSON nor OTLP protobuf (it starts with the bytes ${head})`,
  });
}
