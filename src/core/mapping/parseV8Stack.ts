import { isLibraryFrame } from './isLibraryFrame';
import type { StackFrame, StackSection } from './stackFrame';

/**
 * V8 `error.stack` (Node, Deno, Chromium). Frame shapes, from ../shared/reference/backends.md §5.4:
 * `at fn (loc)`, `at loc`, `at async fn (loc)`, `at new Foo (loc)`, `at A.b [as c] (loc)`,
 * `at eval (eval at fn (loc), <anonymous>:1:1)`, `at async Promise.all (index 0)`; loc is
 * `path:line:col`, a `file://` URL, `node:internal/…`, `native` or `<anonymous>`. gRPC-js appends
 * a second section after a line "for call at" whose frames are the call site.
 */
export function parseV8Stack(text: string): StackSection[] {
  const sections: StackSection[] = [];
  let frames: StackFrame[] = [];
  let header: string[] = [];
  let kind: StackSection['kind'] = 'main';
  const flush = (): void => {
    if (frames.length === 0 && header.length === 0) return;
    const { type, message } = splitHeader(header.join('\n'));
    sections.push({ kind, type, message, frames });
    frames = [];
    header = [];
  };
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.startsWith('at ')) {
      frames.push(parseV8Frame(line));
    } else if (/^for call at$/i.test(line)) {
      flush();
      kind = 'callSite';
    } else if (line !== '' && frames.length === 0) {
      header.push(line);
    } else if (line !== '' && sections.length === 0 && kind === 'main') {
      // Text after frames (a `[cause]: …` dump, util.inspect props) ends the frames of this error.
      flush();
      kind = 'cause';
      header.push(line);
    }
  }
  flush();
  return sections;
}

function splitHeader(header: string): { type: string | undefined; message: string | undefined } {
  if (header === '') return { type: undefined, message: undefined };
  const match = /^([\w$.]*(?:Error|Exception|Warning|Rejection)\b[\w$.]*|[A-Z][\w$.]*)(?:\s*\[[^\]]*\])?: ([\s\S]*)$/.exec(header);
  if (match) return { type: match[1], message: match[2] };
  return { type: undefined, message: header };
}

export function parseV8Frame(line: string): StackFrame {
  let body = line.replace(/^at\s+/, '');
  let fn: string | undefined;
  let location = body;
  if (body.endsWith(')')) {
    const open = matchingOpenParen(body);
    if (open > 0) {
      fn = body.slice(0, open).trim();
      location = body.slice(open + 1, -1);
    }
  }
  if (fn !== undefined) fn = fn.replace(/^async\s+/, '').replace(/^new\s+/, 'new ');
  body = location;
  // An eval frame's own position is inside generated code; the eval call site is what maps.
  const evalOrigin = /^eval at .*?\((.+?:\d+:\d+)\)/.exec(body) ?? /^eval at [^,(]*?,? ?(\S+:\d+:\d+)/.exec(body);
  if (evalOrigin?.[1] !== undefined) body = evalOrigin[1];
  const position = /^(.*?):(\d+)(?::(\d+))?$/.exec(body);
  let file: string | undefined;
  let lineNumber: number | undefined;
  let column: number | undefined;
  if (position && position[1] !== undefined && position[1] !== '') {
    file = decodeFileUrl(position[1]);
    lineNumber = Number(position[2]);
    column = position[3] === undefined ? undefined : Number(position[3]);
  } else if (body !== '' && !/^(?:native|<anonymous>|index \d+)$/.test(body)) {
    file = decodeFileUrl(body);
  }
  if (fn === '') fn = undefined;
  return { function: fn, file, line: lineNumber, column, library: isLibraryFrame('v8', file, fn), raw: line };
}

/** Index of the `(` that opens the trailing parenthesised group (eval frames nest them). */
function matchingOpenParen(text: string): number {
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const ch = text[i];
    if (ch === ')') depth++;
    else if (ch === '(') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function decodeFileUrl(location: string): string {
  if (!/^file:\/\//i.test(location)) return location;
  let rest = location.replace(/^file:\/\//i, '');
  if (/^\/[A-Za-z]:/.test(rest)) rest = rest.slice(1);
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}
