import type { AttributeValue, Attributes } from '../model/attributes';
import type { Span } from '../model/span';

/**
 * Where a span's code lives, as the mapping layer resolves it. The aggregator only groups by it;
 * path resolution (production path → workspace file) is the mapping layer's job.
 */
export interface CodeLocation {
  readonly file: string;
  /** 1-based, as `code.line.number` is. */
  readonly line?: number;
  readonly function?: string;
}

export type LocateSpan = (span: Span) => CodeLocation | undefined;

/** One string per location, so a Map can group by it; a newline cannot occur in any part. */
export function locationKey(location: CodeLocation): string {
  return `${location.file}\n${location.line === undefined ? '' : String(location.line)}\n${location.function ?? ''}`;
}

/**
 * The default `locate`: raw `code.*` attributes, old and new names (backends.md §5.1), no path
 * resolution. Spans without a file (the Java agent sends only class + method) map nowhere here;
 * the mapping layer's `locate` resolves those.
 */
export function locateSpan(span: Span): CodeLocation | undefined {
  return locateAttributes(span.attributes);
}

export function locateAttributes(attributes: Attributes): CodeLocation | undefined {
  const file = text(attributes['code.file.path']) ?? text(attributes['code.filepath']);
  if (file === undefined) return undefined;
  const line = lineNumber(attributes['code.line.number']) ?? lineNumber(attributes['code.lineno']);
  const fn = functionName(attributes);
  if (line === undefined) return fn === undefined ? { file } : { file, function: fn };
  return fn === undefined ? { file, line } : { file, line, function: fn };
}

/**
 * `code.function.name` is fully qualified since semconv 1.31, but schema-translated old data
 * carries the short name there; with `code.namespace` beside it the two are joined
 * (backends.md §5.1, normalizer rule).
 */
function functionName(attributes: Attributes): string | undefined {
  const namespace = text(attributes['code.namespace']);
  const stable = text(attributes['code.function.name']);
  if (stable !== undefined) {
    return namespace !== undefined && !/[.:/\\#$]/.test(stable) ? `${namespace}.${stable}` : stable;
  }
  const old = text(attributes['code.function']);
  if (old === undefined) return undefined;
  return namespace === undefined ? old : `${namespace}.${old}`;
}

function text(value: AttributeValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Jaeger int64 tags, OTLP `intValue` strings and Zipkin strings all carry line numbers. */
function lineNumber(value: AttributeValue | undefined): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
  else return undefined;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
