/*
 * Pure text scanning for the latency hover (no `vscode` import, so plain mocha tests it).
 * Positions are the editor's own (0-based line and character): the caller passes VS Code
 * positions straight through, so nothing here converts between conventions.
 */

export interface TextPoint {
  readonly line: number;
  readonly character: number;
}

/** A signature longer than this is not looked for: the hover then answers on the name's line only. */
const maxSignatureLines = 30;

/**
 * Where a function's signature ends: just after the token that opens its body, found after the
 * name at bracket depth 0 — `{` (C-like languages), `=>` (arrow functions) or a `:` that ends a
 * line (Python). Parameter lists spanning lines and callback types such as `(cb: () => void)`
 * stay inside the signature because they sit within parentheses. Undefined when no body opener
 * appears by `lastLine` or within 30 lines (Ruby's `def f(x)` has none), and the caller falls
 * back to the name's line. Braces inside string defaults are not special-cased: rare in a
 * signature, and the cost is only a hover range that ends early.
 */
export function signatureEnd(lineText: (line: number) => string, name: TextPoint, lastLine: number): TextPoint | undefined {
  let depth = 0;
  const last = Math.min(lastLine, name.line + maxSignatureLines);
  for (let line = name.line; line <= last; line++) {
    const text = lineText(line);
    const end = text.trimEnd().length;
    for (let at = line === name.line ? name.character : 0; at < text.length; at++) {
      const c = text[at];
      if (c === '(' || c === '[') depth++;
      else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
      else if (depth > 0) continue;
      else if (c === '{') return { line, character: at + 1 };
      else if (c === '=' && text[at + 1] === '>') return { line, character: at + 2 };
      else if (c === ':' && at === end - 1) return { line, character: at + 1 };
    }
  }
  return undefined;
}
