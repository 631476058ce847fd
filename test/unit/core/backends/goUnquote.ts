import * as assert from 'node:assert/strict';

/** Go's strconv.Unquote for the escapes traceqlString writes, as Tempo's lexer reads them. */
export function goUnquote(literal: string): string {
  assert.ok(literal.startsWith('"') && literal.endsWith('"'), `not a quoted literal: ${literal}`);
  const body = literal.slice(1, -1);
  assert.ok(!/[\n\r]/.test(body), 'a raw line break would end the literal');
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c === '"') assert.fail(`unescaped quote at ${i} in ${literal}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[++i];
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"' };
    if (next !== undefined && next in simple) out += simple[next] ?? '';
    else if (next === 'u') {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else assert.fail(`escape \\${next ?? ''} is not one Go reads`);
  }
  return out;
}
