import { canonicalTraceId } from './searchWindow';

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags (https://www.w3.org/TR/trace-context/#traceparent-header). */
const traceparent = /^(?:traceparent\s*[:=]\s*)?[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/i;
const hexId = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i;

/**
 * A trace id found in text a person copied: a 16- or 32-hex id or a whole `traceparent`, with
 * surrounding quotes or spaces. Anything else (a URL, a sentence, base64) gives undefined, so
 * the clipboard is only used to prefill when it clearly holds an id.
 */
export function traceIdFromText(text: string): string | undefined {
  const trimmed = text
    .trim()
    .replace(/^["'`]|["'`]$/g, '')
    .trim();
  const parent = traceparent.exec(trimmed);
  if (parent?.[1] !== undefined) return canonicalTraceId(parent[1]);
  return hexId.test(trimmed) ? canonicalTraceId(trimmed) : undefined;
}
