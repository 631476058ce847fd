import { isLibraryFrame } from './isLibraryFrame';
import type { StackFrame, StackSection } from './stackFrame';

const goroutineLine = /^goroutine \d+ \[([^\]]*)\]:?\s*$/;
const locationLine = /^\s+(\S.*?\.(?:go|s)):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=\S+ sp=\S+ pc=\S+)?\s*$/;

/**
 * Go panics and `runtime/debug.Stack()` / SIGQUIT dumps: `goroutine N [state]:` then pairs of a
 * function line (`main.(*Server).handle(0xc000010000, …)`, `created by main.main in goroutine 1`)
 * and a tab-indented `path.go:line +0x1d`. The first goroutine (the one that panicked or called
 * Stack) is the main section; others are kept as `goroutine` sections.
 */
export function parseGoStack(text: string): StackSection[] {
  const sections: StackSection[] = [];
  let frames: StackFrame[] | undefined;
  let pendingFunction: string | undefined;
  let message: string | undefined;
  let type: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const panic = /^(panic|fatal error): (.*)$/.exec(rawLine);
    if (panic && sections.length === 0) {
      type = panic[1];
      message = panic[2];
      continue;
    }
    const goroutine = goroutineLine.exec(rawLine.trim());
    if (goroutine) {
      frames = [];
      sections.push({ kind: sections.length === 0 ? 'main' : 'goroutine', type: sections.length === 0 ? type : undefined, message: sections.length === 0 ? message : goroutine[1], frames });
      pendingFunction = undefined;
      continue;
    }
    const frame = parseGoFrame(rawLine, pendingFunction);
    if (frame) {
      // debug.Stack() text pasted without its goroutine header still carries frames.
      if (!frames) {
        frames = [];
        sections.push({ kind: 'main', type, message, frames });
      }
      frames.push(frame);
      pendingFunction = undefined;
      continue;
    }
    const trimmed = rawLine.trim();
    if (trimmed === '') continue;
    const created = /^created by (\S+)/.exec(trimmed);
    if (created) pendingFunction = created[1];
    else if (/^[\w./*()\-[\]{}…,\s]+\(.*\)$/.test(trimmed) || /^[\w./*()-]+\.\w+/.test(trimmed)) pendingFunction = stripArguments(trimmed);
  }
  return sections;
}

/** One tab-indented `path.go:line +0x1d` line, with the function named on the line before it. */
export function parseGoFrame(line: string, fn: string | undefined): StackFrame | undefined {
  const location = locationLine.exec(line);
  if (!location) return undefined;
  const file = location[1];
  return { function: fn, file, line: Number(location[2]), column: undefined, library: isLibraryFrame('go', file, fn), raw: `${fn ?? ''} ${line.trim()}`.trim() };
}

function stripArguments(line: string): string {
  // The argument list is the last parenthesised group; receivers like (*Server) are part of the name.
  const match = /^(.*?)\([^()]*(?:\([^()]*\)[^()]*)*\)$/.exec(line);
  const name = match?.[1] ?? line;
  return name === '' ? line : name;
}
