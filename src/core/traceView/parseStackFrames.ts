import type { StackFrame } from './spanDetails';

/**
 * Frames of a recorded `exception.stacktrace`, in the shapes runtimes print. Lines that match
 * no shape are kept as text-only frames, so nothing recorded is hidden. Parsing is bounded per
 * line (no backtracking patterns), because the text is untrusted.
 */
const patterns: readonly ((line: string) => StackFrame | undefined)[] = [
  // V8 / Node: "at fn (file:line:col)" or "at file:line:col"
  (line) => {
    if (!line.startsWith('at ')) return undefined;
    const rest = line.slice(3);
    const open = rest.endsWith(')') ? rest.lastIndexOf(' (') : -1;
    const location = open >= 0 ? rest.slice(open + 2, -1) : rest;
    const m = /:(\d+):(\d+)$/.exec(location);
    if (!m) return undefined;
    return frame(line, open >= 0 ? rest.slice(0, open) : undefined, location.slice(0, m.index), m[1], m[2]);
  },
  // Python: File "x.py", line 12, in fn
  (line) => {
    const m = /^File "([^"]+)", line (\d+)(?:, in (.+))?$/.exec(line);
    return m ? frame(line, m[3], m[1], m[2], undefined) : undefined;
  },
  // Java / Kotlin / Scala: at pkg.Class.method(File.java:12)
  (line) => {
    const m = /^at ([\w$.<>/]+)\(([^():]+):(\d+)\)$/.exec(line);
    return m ? frame(line, m[1], m[2], m[3], undefined) : undefined;
  },
  // .NET: at Ns.Type.Method() in /path/File.cs:line 12
  (line) => {
    const m = /^at (.+?) in (.+):line (\d+)$/.exec(line);
    return m ? frame(line, m[1], m[2], m[3], undefined) : undefined;
  },
  // Go: /path/file.go:12 +0x1d
  (line) => {
    const m = /^(\/[^\s:]+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/.exec(line);
    return m ? frame(line, undefined, m[1], m[2], undefined) : undefined;
  },
  // Ruby: /path/file.rb:12:in `method'
  (line) => {
    const m = /^([^\s:]+\.rb):(\d+):in [`'](.+)'$/.exec(line);
    return m ? frame(line, m[3], m[1], m[2], undefined) : undefined;
  },
];

function frame(text: string, fn: string | undefined, file: string | undefined, line: string | undefined, column: string | undefined): StackFrame {
  const parsedLine = line === undefined ? undefined : Number(line);
  const parsedColumn = column === undefined ? undefined : Number(column);
  return {
    text,
    ...(fn ? { functionName: fn } : {}),
    ...(file ? { file } : {}),
    ...(parsedLine !== undefined && Number.isSafeInteger(parsedLine) && parsedLine > 0 ? { line: parsedLine } : {}),
    ...(parsedColumn !== undefined && Number.isSafeInteger(parsedColumn) && parsedColumn > 0 ? { column: parsedColumn } : {}),
  };
}

const maxFrames = 200;
const maxLine = 1000;

export function parseStackFrames(stacktrace: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const raw of stacktrace.split(/\r?\n/)) {
    if (frames.length >= maxFrames) break;
    const line = raw.trim().slice(0, maxLine);
    if (line === '') continue;
    let parsed: StackFrame | undefined;
    for (const pattern of patterns) {
      parsed = pattern(line);
      if (parsed) break;
    }
    frames.push(parsed ?? { text: line });
  }
  return frames;
}
