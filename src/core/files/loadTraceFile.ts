import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { decodeTraceBytes, decodeTraceJsonDocument, isBlank, isJsonStart, parseJsonOrFail } from '../formats/decodeTraceBytes';
import { JsonArraySplitter, type JsonPath } from '../formats/jsonArraySplitter';
import { OtlpJsonSpanCollector } from '../formats/otlpJson';
import { looksLikeJsonLines, OtlpJsonLinesDecoder } from '../formats/otlpJsonLines';
import { looksLikeOtlpProtobufRecords } from '../formats/looksLikeOtlpProtobuf';
import { decodeOtlpProtobuf } from '../formats/otlpProtobuf';
import { OtlpProtobufStreamDecoder } from '../formats/otlpProtobufStreamDecoder';
import { describeDecodeFailure, formatBytes, TraceDecodeError, type DecodedSpans, type DecodeFailure, type TraceFormat } from '../formats/traceFormat';
import type { Span } from '../model/span';

/** Why a file could not be loaded, as data. */
export type TraceFileFailure = { readonly kind: 'notFound' } | { readonly kind: 'directory' } | { readonly kind: 'unreadable'; readonly detail: string } | DecodeFailure;

export class TraceFileError extends Error {
  constructor(
    readonly path: string,
    readonly failure: TraceFileFailure,
  ) {
    super(`Cannot open ${path}: ${describeTraceFileFailure(failure)}.`);
    this.name = 'TraceFileError';
  }
}

export function describeTraceFileFailure(failure: TraceFileFailure): string {
  switch (failure.kind) {
    case 'notFound':
      return 'the file does not exist';
    case 'directory':
      return 'it is a folder; pick the trace files inside it';
    case 'unreadable':
      return `it cannot be read (${failure.detail})`;
    default:
      return describeDecodeFailure(failure);
  }
}

export interface LoadOptions {
  /** Files above this are refused with a clear message rather than exhausting memory. */
  readonly maxBytes?: number;
  /** Files up to this are read at once; larger ones are streamed and never held as one string. */
  readonly wholeReadBytes?: number;
}

export const defaultMaxTraceFileBytes = 1024 ** 3;
export const defaultWholeReadBytes = 128 * 1024 ** 2;

/** The arrays of spans in OTLP-shaped JSON, wherever each producer puts them. */
const otlpArrayPaths: readonly JsonPath[] = [['resourceSpans'], ['resource_spans'], ['batches'], ['result', 'resourceSpans'], ['trace', 'resourceSpans'], ['trace', 'batches']];

/**
 * Reads and decodes one trace file. Small files are read at once; large ones stream: JSON lines
 * line by line, OTLP JSON one resourceSpans entry at a time, protobuf one record or one
 * resourceSpans message at a time.
 */
export async function loadTraceFile(path: string, options: LoadOptions = {}): Promise<DecodedSpans & { readonly bytes: number }> {
  const maxBytes = options.maxBytes ?? defaultMaxTraceFileBytes;
  const wholeReadBytes = options.wholeReadBytes ?? defaultWholeReadBytes;
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new TraceFileError(path, { kind: 'directory' });
    size = info.size;
  } catch (error: unknown) {
    if (error instanceof TraceFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TraceFileError(path, { kind: 'notFound' });
    throw new TraceFileError(path, { kind: 'unreadable', detail: code ?? String(error) });
  }
  if (size === 0) throw new TraceFileError(path, { kind: 'empty' });
  if (size > maxBytes) throw new TraceFileError(path, { kind: 'tooLarge', bytes: size, limit: maxBytes });

  try {
    if (size <= wholeReadBytes) {
      const bytes = await readFile(path);
      return { ...decodeTraceBytes(bytes), bytes: size };
    }
    const head = await readHead(path, 64 * 1024);
    if (isBlank(head)) throw new TraceDecodeError({ kind: 'empty' });
    const decoded = isJsonStart(head) ? await streamJson(path, head, size, wholeReadBytes) : looksLikeOtlpProtobufRecords(head) ? await streamProtobufRecords(path) : await streamProtobuf(path);
    return { ...decoded, bytes: size };
  } catch (error: unknown) {
    if (error instanceof TraceDecodeError) throw new TraceFileError(path, error.failure);
    if (error instanceof TraceFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new TraceFileError(path, { kind: 'unreadable', detail: code });
    throw error;
  }
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function streamJson(path: string, head: Buffer, size: number, wholeReadBytes: number): Promise<DecodedSpans> {
  if (looksLikeJsonLines(head.toString('utf8'))) {
    const decoder = new OtlpJsonLinesDecoder();
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const line of lines) decoder.pushLine(line, ++lineNumber);
    return decoder.finish();
  }
  // One collector for the whole file, so its warnings are summed, not repeated per entry.
  const collector = new OtlpJsonSpanCollector();
  let format: TraceFormat = 'otlp-json';
  let entry = 0;
  const splitter = new JsonArraySplitter(otlpArrayPaths, (element) => {
    entry++;
    const where = `${element.path.join('.')} entry ${entry} (at byte ${element.offset}): `;
    let value: unknown;
    try {
      value = parseJsonOrFail(element.bytes.toString('utf8'));
    } catch (error: unknown) {
      if (error instanceof TraceDecodeError && error.failure.kind === 'invalidJson') {
        throw new TraceDecodeError({ kind: 'invalidJson', detail: `${where}${error.failure.detail}` });
      }
      throw error;
    }
    const key = element.path[element.path.length - 1] ?? 'resourceSpans';
    const outer = element.path[0];
    const doc = outer === 'result' || outer === 'trace' ? { [outer]: { [key]: [value] } } : { [key]: [value] };
    format = collector.addDocument(doc, where);
  });
  const warnings: string[] = [];
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) splitter.push(chunk as Buffer);
    if (splitter.incomplete && splitter.documents > 0) {
      // Several documents (JSON lines whose lines are too long to sniff) and a torn last one.
      warnings.push(`The last of ${splitter.documents + 1} JSON documents is cut short and was skipped.`);
    } else {
      splitter.finish();
    }
  } catch (error: unknown) {
    if (error instanceof TraceDecodeError) throw error;
    throw new TraceDecodeError({ kind: splitter.found ? 'truncated' : 'invalidJson', detail: error instanceof Error ? error.message : String(error) });
  }
  if (splitter.found) {
    return { format: splitter.documents > 1 ? 'otlp-json-lines' : format, spans: collector.spans, warnings: [...collector.warnings(), ...warnings] };
  }
  // Not OTLP: other formats are read whole, which only works while the text fits in a string.
  if (size > wholeReadBytes * 2) {
    throw new TraceDecodeError({
      kind: 'tooLarge',
      bytes: size,
      limit: wholeReadBytes * 2,
    });
  }
  return decodeTraceJsonDocument(parseJsonOrFail((await readFile(path)).toString('utf8')));
}

/** The collector file exporter's records: a 4-byte big-endian length, then one request. */
async function streamProtobufRecords(path: string): Promise<DecodedSpans> {
  const spans: Span[] = [];
  const warnings: string[] = [];
  // Chunks are kept as a list and joined once a whole record is there, so a record spanning
  // many chunks costs one copy, not one per chunk.
  let parts: Buffer[] = [];
  let buffered = 0;
  let records = 0;
  const take = (): Buffer => {
    const joined = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, buffered);
    parts = [joined];
    return joined;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    parts.push(chunk as Buffer);
    buffered += (chunk as Buffer).length;
    while (buffered >= 4) {
      const head = parts[0] && parts[0].length >= 4 ? parts[0] : take();
      const length = head.readUInt32BE(0);
      if (buffered < 4 + length) break;
      const all = take();
      const decoded = decodeOtlpProtobuf(all.subarray(4, 4 + length));
      records++;
      for (const span of decoded.spans) spans.push(span);
      for (const warning of decoded.warnings) warnings.push(warning);
      const rest = all.subarray(4 + length);
      parts = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
    }
  }
  if (buffered > 0) warnings.push(`The last record (after ${records} complete ones) is cut short and was skipped: ${buffered} bytes.`);
  return { format: 'otlp-protobuf-records', spans, warnings };
}

async function streamProtobuf(path: string): Promise<DecodedSpans> {
  const decoder = new OtlpProtobufStreamDecoder();
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) decoder.push(chunk as Buffer);
  return decoder.finish();
}

export { formatBytes };
