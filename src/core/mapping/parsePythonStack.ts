import { isLibraryFrame } from './isLibraryFrame';
import type { StackFrame, StackSection, StackSectionKind } from './stackFrame';

const fileLine = /^\s*File "([^"]+)", line (\d+)(?:, in (.+))?\s*$/;
const causeSeparator = /^The above exception was the direct cause of the following exception:/;
const contextSeparator = /^During handling of the above exception, another exception occurred:/;

/**
 * `traceback.format_exc()`: "Traceback (most recent call last):", `File "…", line N, in f` frames
 * followed by the source line (and 3.11+ caret lines), then `pkg.Type: message`. Chained
 * exceptions are printed cause first, each block followed by a separator sentence. Frames are
 * printed outermost first; they are reversed here. Exception groups (3.11) prefix lines with `|`,
 * which is stripped so their tracebacks parse like any other.
 */
export function parsePythonStack(text: string): StackSection[] {
  const blocks: { frames: StackFrame[]; header: string | undefined; link: StackSectionKind }[] = [];
  let current: { frames: StackFrame[]; header: string | undefined; link: StackSectionKind } | undefined;
  let nextLink: StackSectionKind = 'main';
  let expectSource = false;
  for (const rawLine of text.split(/\r?\n/)) {
    // Exception groups (3.11+) draw boxes with `|` and `+---- n ----` around nested tracebacks.
    const line = rawLine.replace(/^(?:\s*[|+]\s?)+/, '');
    const trimmed = line.trim();
    if (/^[-+]+(?: \d+ -+| \.\.\. .*)?$/.test(trimmed)) continue;
    if (/^(?:Exception Group )?Traceback \(most recent call last\)/.test(trimmed)) {
      current = { frames: [], header: undefined, link: nextLink };
      blocks.push(current);
      expectSource = false;
      continue;
    }
    if (causeSeparator.test(trimmed) || contextSeparator.test(trimmed)) {
      nextLink = causeSeparator.test(trimmed) ? 'cause' : 'context';
      current = undefined;
      continue;
    }
    const frame = current && parsePythonFrame(line);
    if (frame) {
      current?.frames.push(frame);
      expectSource = true;
      continue;
    }
    if (!current || trimmed === '') continue;
    if (expectSource && /^\s{4,}/.test(line)) continue;
    if (/^[\^~\s]+$/.test(trimmed)) continue;
    expectSource = false;
    current.header ??= trimmed;
  }
  // Printed order is oldest cause first; the last block is the exception that escaped.
  return blocks.map((block, i) => {
    const { type, message } = splitExceptionLine(block.header);
    const kind: StackSectionKind = i === blocks.length - 1 ? 'main' : (blocks[i + 1]?.link ?? 'cause');
    return { kind, type, message, frames: block.frames.reverse() };
  });
}

/** One `File "path", line N, in fn` line, or undefined. */
export function parsePythonFrame(line: string): StackFrame | undefined {
  const frame = fileLine.exec(line);
  if (!frame) return undefined;
  const file = frame[1];
  const fn = frame[3]?.trim();
  return { function: fn, file, line: Number(frame[2]), column: undefined, library: isLibraryFrame('python', file?.replace(/\\/g, '/'), fn), raw: line.trim() };
}

function splitExceptionLine(line: string | undefined): { type: string | undefined; message: string | undefined } {
  if (line === undefined) return { type: undefined, message: undefined };
  const match = /^([\w.]+)(?::\s?(.*))?$/.exec(line);
  if (match) return { type: match[1], message: match[2] };
  return { type: undefined, message: line };
}
