/** A trace id found in a line of text: where it is, and the id as 32 lower-case hex. */
export interface TraceIdMatch {
  /** 32 lower-case hex; a 64-bit id is left-padded with zeros, as OpenTelemetry and Jaeger do. */
  readonly traceId: string;
  /** 0-based offset of the first character of the link in the line. */
  readonly start: number;
  /** 0-based offset just past the link's last character. */
  readonly end: number;
  /** `traceparent` links cover the whole header value; the others only the id. */
  readonly kind: 'traceparent' | 'keyed' | 'bare';
}

/**
 * Lines longer than this are scanned only up to here: a minified bundle or a base64 blob in a
 * log can be megabytes on one line, and the editor asks for links on every keystroke.
 */
export const maxScannedLineLength = 4096;

/*
 * One pass, three alternatives, tried left to right at each position:
 *  1. a W3C traceparent, version-traceid-parentid-flags
 *     (https://www.w3.org/TR/trace-context/#traceparent-header); version `ff` is invalid there,
 *     which the code checks below;
 *  2. a key naming a trace id (trace_id, traceId, trace-id, trace) then `:` or `=` and a 16- or
 *     32-hex id: the only place a 16-hex id is accepted, because 16 hex on their own are far
 *     more often span ids, short hashes or addresses;
 *  3. a bare 32-hex id.
 * Every id must stand alone: a letter, digit or underscore on either side means it is part of
 * a longer word (a key may follow an underscore, as in `otel_trace_id`), so a 40-hex git SHA or a 64-hex SHA-256 never yields a link.
 *
 * UUIDs (8-4-4-4-12 with dashes) are deliberately not links: OpenTelemetry, Jaeger, Tempo and
 * Zipkin all print trace ids as plain hex, while dashed UUIDs in logs are nearly always request
 * or entity ids that no trace backend could open.
 */
const pattern =
  /(?:(?<![A-Za-z0-9_])(?<version>[0-9a-f]{2})-(?<parentTrace>[0-9a-f]{32})-(?<parentSpan>[0-9a-f]{16})-[0-9a-f]{2}|(?<![A-Za-z0-9])(?<key>trace[_-]?id|trace)(?<separator>["']?\s*[:=]\s*["']?)(?<keyed>[0-9a-f]{32}|[0-9a-f]{16})|(?<![A-Za-z0-9_])(?<bare>[0-9a-f]{32}))(?![A-Za-z0-9_])/gi;

/**
 * Trace ids and traceparent values in one line of text, in order, without overlaps. Ids of
 * any case are accepted and normalized to lower case; all-zero ids (invalid per W3C) and runs
 * of decimal digits only (long numbers, not ids) are skipped.
 */
export function findTraceIds(line: string): TraceIdMatch[] {
  const text = line.length > maxScannedLineLength ? line.slice(0, maxScannedLineLength) : line;
  const found: TraceIdMatch[] = [];
  for (const match of text.matchAll(pattern)) {
    const groups = match.groups ?? {};
    const at = match.index;
    const parentTrace = groups['parentTrace'];
    if (parentTrace !== undefined) {
      if (groups['version']?.toLowerCase() === 'ff' || isZero(groups['parentSpan'] ?? '')) continue;
      const traceId = accept(parentTrace);
      if (traceId !== undefined) found.push({ traceId, start: at, end: at + match[0].length, kind: 'traceparent' });
      continue;
    }
    const keyed = groups['keyed'];
    if (keyed !== undefined) {
      const start = at + (groups['key']?.length ?? 0) + (groups['separator']?.length ?? 0);
      const traceId = accept(keyed);
      if (traceId !== undefined) found.push({ traceId, start, end: start + keyed.length, kind: 'keyed' });
      continue;
    }
    const bare = groups['bare'];
    if (bare !== undefined) {
      const traceId = accept(bare);
      if (traceId !== undefined) found.push({ traceId, start: at, end: at + bare.length, kind: 'bare' });
    }
  }
  return found;
}

/** The trace id at a 0-based character offset of the line, if a link covers it. */
export function traceIdAt(line: string, offset: number): TraceIdMatch | undefined {
  return findTraceIds(line).find((match) => offset >= match.start && offset < match.end);
}

function isZero(hex: string): boolean {
  return /^0+$/.test(hex);
}

function accept(hex: string): string | undefined {
  if (isZero(hex) || /^[0-9]+$/.test(hex)) return undefined;
  return hex.toLowerCase().padStart(32, '0');
}
