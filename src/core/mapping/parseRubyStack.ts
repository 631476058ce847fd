import { isLibraryFrame } from './isLibraryFrame';
import type { StackFrame, StackSection } from './stackFrame';

// `in 'Shop#pay'` since Ruby 3.4, `` in `pay' `` before.
const frameText = /^(?:from\s+|\d+:\s+from\s+)?(.+?):(\d+)(?::in [`'](.*?)')?(?::\s(.*))?$/;

/**
 * `Exception#full_message` / `backtrace.join`: `path:line:in 'fn': message (Type)` then
 * `\tfrom path:line:in 'fn'` lines, innermost first. Ruby 2.5–2.7 on a terminal printed the
 * reverse ("Traceback (most recent call last):" with numbered `N: from` lines), which is undone.
 * A new unindented header line starts the cause that full_message prints after the exception.
 */
export function parseRubyStack(text: string): StackSection[] {
  const sections: { frames: StackFrame[]; type: string | undefined; message: string | undefined; reversed: boolean }[] = [];
  let reversed = false;
  for (const rawLine of text.split(/\r?\n/)) {
    const trimmed = rawLine.trim();
    if (trimmed === '') continue;
    if (/^Traceback \(most recent call last\)/.test(trimmed)) {
      reversed = true;
      continue;
    }
    const match = frameText.exec(trimmed);
    const frame = match && frameOf(match, trimmed);
    if (!match || !frame) continue;
    const isContinuation = /^(?:from\s|\d+:\s+from\s)/.test(trimmed) || /^\s/.test(rawLine);
    const detail = match[4] === undefined ? undefined : /^(.*) \(([\w:]+)\)$/.exec(match[4]);
    let current = sections[sections.length - 1];
    const isHeader = !isContinuation && match[4] !== undefined;
    if (isHeader && current?.reversed === true && current.message === undefined) {
      // Old reversed output ends, rather than starts, with the line carrying the message.
      current.type = detail?.[2];
      current.message = detail?.[1] ?? match[4];
    } else if (!current || isHeader) {
      current = { frames: [], type: detail?.[2], message: detail?.[1] ?? match[4], reversed };
      sections.push(current);
    }
    current.frames.push(frame);
  }
  return sections.map((section, i) => ({
    kind: i === 0 ? 'main' : 'cause',
    type: section.type,
    message: section.message,
    frames: section.reversed ? section.frames.reverse() : section.frames,
  }));
}

/** One `path:line:in 'fn'` line (with or without `from`), or undefined. */
export function parseRubyFrame(line: string): StackFrame | undefined {
  const trimmed = line.trim();
  const match = frameText.exec(trimmed);
  return match ? frameOf(match, trimmed) : undefined;
}

function frameOf(match: RegExpExecArray, raw: string): StackFrame | undefined {
  if (!/^\d/.test(match[2] ?? '')) return undefined;
  const file = match[1];
  const fn = match[3];
  return { function: fn, file, line: Number(match[2]), column: undefined, library: isLibraryFrame('ruby', file?.replace(/\\/g, '/'), fn), raw };
}
