import { isLibraryFrame } from './isLibraryFrame';
import type { StackFrame, StackSection } from './stackFrame';

// " in " and ":line " are localised by the runtime's UI culture, so any single word is accepted
// where they stand (MSDN, Environment.StackTrace remarks).
const frameLine = /^\s*\S+\s+(.+?)\(([^)]*)\)(?:\s+\S+\s+(.+):\S+\s+(\d+))?\s*$/;
const innerEnd = /^\s*---\s*End of inner exception stack trace\s*---/;
const asyncBoundary = /^\s*---\s*End of stack trace from previous location/;

/**
 * `Exception.ToString()`: the outer header, then ` ---> Inner: message` for each inner exception,
 * then the innermost exception's frames, `--- End of inner exception stack trace ---`, the next
 * one out, and so on. The first frame block therefore belongs to the innermost exception.
 */
export function parseDotnetStack(text: string): StackSection[] {
  const headers: string[] = [];
  const blocks: StackFrame[][] = [[]];
  for (const rawLine of text.split(/\r?\n/)) {
    const trimmed = rawLine.trim();
    if (trimmed === '' || asyncBoundary.test(trimmed)) continue;
    if (innerEnd.test(trimmed)) {
      blocks.push([]);
      continue;
    }
    const frame = parseDotnetFrame(trimmed);
    if (frame) {
      blocks[blocks.length - 1]?.push(frame);
      continue;
    }
    if ((blocks[0]?.length ?? 0) === 0) {
      for (const part of trimmed.split(/\s*--->\s*/)) if (part !== '') headers.push(part);
    }
  }
  // headers: outer … innermost; blocks: innermost … outer.
  return blocks.map((frames, i) => {
    const header = headers[headers.length - 1 - i];
    const match = header === undefined ? null : /^([\w.`+<>]+)(?::\s?(.*))?$/.exec(header);
    return {
      kind: i === blocks.length - 1 ? 'main' : 'cause',
      type: match?.[1],
      message: match ? match[2] : header,
      frames,
    };
  });
}

/** One `at Ns.Type.Method(args) in path:line N` line, or undefined. */
export function parseDotnetFrame(line: string): StackFrame | undefined {
  const trimmed = line.trim();
  const frame = /^\p{L}+\s/u.test(trimmed) ? frameLine.exec(trimmed) : null;
  if (!frame) return undefined;
  const fn = frame[1]?.trim();
  const file = frame[3];
  return { function: fn, file, line: frame[4] === undefined ? undefined : Number(frame[4]), column: undefined, library: isLibraryFrame('dotnet', file, fn), raw: trimmed };
}
