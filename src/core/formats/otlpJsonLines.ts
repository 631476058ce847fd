import { OtlpJsonSpanCollector, otlpSignalOf } from './otlpJson';
import { TraceDecodeError, type DecodedSpans } from './traceFormat';

/**
 * The collector file exporter's JSON format: one OTLP request object per line, traces mixed
 * with metrics and logs, the spans of one trace spread over many lines (backends.md §4.3).
 *
 * A file that is still being written ends in a torn line. So a line that is not valid JSON is
 * held back: if another line follows, the file is broken there and decoding fails naming that
 * line; if it was the last line, finish() keeps everything before it and says so.
 */
export class OtlpJsonLinesDecoder {
  private readonly collector = new OtlpJsonSpanCollector();
  private pending: { readonly lineNumber: number; readonly error: TraceDecodeError; readonly length: number } | undefined;
  private traceLines = 0;
  private metricsLines = 0;
  private logsLines = 0;
  private otherSignalLines = 0;

  pushLine(line: string, lineNumber: number): void {
    if (isBlankLine(line)) return;
    if (this.pending !== undefined) throw this.pending.error;
    const text = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    let doc: unknown;
    try {
      doc = JSON.parse(text) as unknown;
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      this.pending = {
        lineNumber,
        length: text.length,
        error: new TraceDecodeError({ kind: 'malformed', format: 'otlp-json-lines', detail: `line ${lineNumber} is not valid JSON (${reason})` }),
      };
      return;
    }
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
      const signal = otlpSignalOf(doc as Readonly<Record<string, unknown>>);
      if (signal === 'metrics') {
        this.metricsLines++;
        return;
      }
      if (signal === 'logs') {
        this.logsLines++;
        return;
      }
      if (signal !== undefined) {
        this.otherSignalLines++;
        return;
      }
    }
    try {
      this.collector.addDocument(doc, `on line ${lineNumber}, `);
    } catch (error: unknown) {
      if (error instanceof TraceDecodeError) {
        // Inside a JSON-lines file a line that is not a trace is a broken file, not another format.
        const detail = 'detail' in error.failure ? error.failure.detail : error.message;
        throw new TraceDecodeError({ kind: 'malformed', format: 'otlp-json-lines', detail });
      }
      throw error;
    }
    this.traceLines++;
  }

  finish(): DecodedSpans {
    const skipped: string[] = [];
    if (this.metricsLines > 0) skipped.push(`${this.metricsLines} metrics ${this.metricsLines === 1 ? 'line' : 'lines'}`);
    if (this.logsLines > 0) skipped.push(`${this.logsLines} logs ${this.logsLines === 1 ? 'line' : 'lines'}`);
    if (this.otherSignalLines > 0) skipped.push(`${this.otherSignalLines} ${this.otherSignalLines === 1 ? 'line' : 'lines'} of other OTLP signals`);
    const pending = this.pending;
    if (this.traceLines === 0) {
      if (skipped.length > 0) throw new TraceDecodeError({ kind: 'notATrace', detail: `it holds ${skipped.join(' and ')} of OTLP data but no traces` });
      throw pending?.error ?? new TraceDecodeError({ kind: 'empty' });
    }
    const warnings: string[] = [];
    if (pending !== undefined) {
      warnings.push(
        `The last line (${pending.lineNumber}) is cut short, probably because the file was still being written; ` +
          `its ${pending.length} characters were skipped and the ${this.traceLines} complete trace ${this.traceLines === 1 ? 'line was' : 'lines were'} read.`,
      );
    }
    if (skipped.length > 0) warnings.push(`Skipped ${skipped.join(' and ')}: only traces are shown.`);
    for (const warning of this.collector.warnings()) warnings.push(warning);
    return { format: 'otlp-json-lines', spans: this.collector.spans, warnings };
  }
}

function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a && c !== 0xfeff) return false;
  }
  return true;
}

/**
 * Detection: the first non-blank line is a whole JSON object on its own and another line
 * starting with `{` follows. A pretty-printed document fails the first test (its first line is
 * `{`), a one-line document the second.
 */
export function looksLikeJsonLines(text: string): boolean {
  let start = 0;
  const n = text.length;
  let firstLine: string | undefined;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    const line = text.slice(start, end);
    start = end + 1;
    if (isBlankLine(line)) continue;
    const trimmed = line.trim();
    if (firstLine === undefined) {
      if (!trimmed.startsWith('{') || end === n) return false;
      firstLine = trimmed;
      try {
        const doc = JSON.parse(firstLine) as unknown;
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
      } catch {
        return false;
      }
      continue;
    }
    return trimmed.startsWith('{');
  }
  return false;
}
