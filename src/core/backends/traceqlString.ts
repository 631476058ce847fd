/** A UTF-16 surrogate without its pair: not valid Unicode, so Go's string handling refuses it. */
export const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A TraceQL string literal. Tempo's lexer reads strings with Go's text/scanner and
 * `strconv.Unquote` (grafana/tempo pkg/traceql/lexer.go), so a raw line break ends the query
 * with "literal not terminated"; control characters go in as \n, \t or \u escapes, and a lone
 * surrogate (which Unquote refuses) becomes U+FFFD.
 */
export function traceqlString(value: string): string {
  let out = '"';
  for (const char of value.replace(loneSurrogate, '\uFFFD')) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}
