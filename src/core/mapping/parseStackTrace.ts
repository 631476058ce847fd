import { parseDotnetFrame, parseDotnetStack } from './parseDotnetStack';
import { parseGoFrame, parseGoStack } from './parseGoStack';
import { parseJavaFrame, parseJavaStack } from './parseJavaStack';
import { parsePythonFrame, parsePythonStack } from './parsePythonStack';
import { parseRubyFrame, parseRubyStack } from './parseRubyStack';
import { parseV8Frame, parseV8Stack } from './parseV8Stack';
import { emptyStackTrace, type ParsedStackTrace, type StackFrame, type StackLanguage, type StackSection } from './stackFrame';

const parsers: Record<StackLanguage, (text: string) => StackSection[]> = {
  v8: parseV8Stack,
  python: parsePythonStack,
  java: parseJavaStack,
  dotnet: parseDotnetStack,
  go: parseGoStack,
  ruby: parseRubyStack,
};

// One signature per language, tested line by line; the language with most matching lines wins.
// The shapes overlap only on `at …`, and there the location syntax tells them apart.
const lineSignatures: readonly (readonly [StackLanguage, RegExp])[] = [
  ['python', /^\s*File "[^"]+", line \d+/],
  ['go', /^\t\S.*\.go:\d+(?: \+0x[0-9a-f]+)?$|^goroutine \d+ \[/],
  ['java', /^\s*at [\w$./@]+\((?:[^():]+\.(?:java|kt|kts|scala|groovy|clj)(?::\d+)?|Native Method|Unknown Source)\)\s*$/],
  ['v8', /^\s*at .*:\d+:\d+\)?\s*$|^\s*at .*\((?:native|<anonymous>|index \d+)\)\s*$/],
  ['dotnet', /^\s*\p{L}+ [^(\s]+\([^)]*\)(?: \S+ .+:\S+ \d+)?\s*$/u],
  ['ruby', /^\s*(?:from\s+|\d+:\s+from\s+)?[^\s:][^:]*:\d+:in [`']/],
];
const strongSignatures: readonly (readonly [StackLanguage, RegExp])[] = [
  ['python', /^Traceback \(most recent call last\):\s*\n\s*File "/m],
  ['go', /^goroutine \d+ \[[^\]]*\]:\s*$/m],
];

/** Which runtime printed `text`, or undefined when it does not look like a stack trace. */
export function detectStackLanguage(text: string): StackLanguage | undefined {
  for (const [language, pattern] of strongSignatures) if (pattern.test(text)) return language;
  const scores = new Map<StackLanguage, number>();
  // Bounded: a huge blob that is not a stack trace must not cost a full scan with six regexes.
  const lines = text.split(/\r?\n/, 400);
  for (const line of lines) {
    const language = lineLanguage(line);
    if (language !== undefined) scores.set(language, (scores.get(language) ?? 0) + 1);
  }
  let best: StackLanguage | undefined;
  let bestScore = 0;
  for (const [language, score] of scores) {
    if (score > bestScore) {
      best = language;
      bestScore = score;
    }
  }
  return best;
}

function lineLanguage(line: string): StackLanguage | undefined {
  if (line.length > 2000) return undefined;
  return lineSignatures.find(([, pattern]) => pattern.test(line))?.[0];
}

const frameParsers: Record<StackLanguage, (line: string) => StackFrame | undefined> = {
  v8: (line) => parseV8Frame(line.trim()),
  python: parsePythonFrame,
  java: parseJavaFrame,
  dotnet: parseDotnetFrame,
  go: (line) => parseGoFrame(line, undefined),
  ruby: parseRubyFrame,
};

/**
 * One printed line as a frame of whichever runtime's shape it has, or undefined for any other
 * text. Unlike parseStackTrace it needs no context, so a frame reads the same in any company;
 * what only the surrounding lines tell (a Go function name, a Java package directory) is left out.
 */
export function parseStackFrame(line: string): StackFrame | undefined {
  const language = lineLanguage(line);
  return language === undefined ? undefined : frameParsers[language](line);
}

/**
 * Parses a stack trace in any supported language. `language` may be given when known (from
 * `telemetry.sdk.language`); otherwise it is detected. Never throws: text that is not a stack
 * trace gives no sections.
 */
export function parseStackTrace(text: string, language?: StackLanguage): ParsedStackTrace {
  const detected = language ?? detectStackLanguage(text);
  if (detected === undefined) return emptyStackTrace;
  try {
    return { language: detected, sections: parsers[detected](text) };
  } catch {
    return emptyStackTrace;
  }
}

/** Maps OTel's `telemetry.sdk.language` values onto parsers. */
export function stackLanguageForSdk(sdkLanguage: string | undefined): StackLanguage | undefined {
  switch (sdkLanguage) {
    case 'nodejs':
    case 'webjs':
      return 'v8';
    case 'python':
      return 'python';
    case 'java':
      return 'java';
    case 'dotnet':
      return 'dotnet';
    case 'go':
      return 'go';
    case 'ruby':
      return 'ruby';
    default:
      return undefined;
  }
}

export interface OrderedFrame {
  readonly frame: StackFrame;
  readonly sectionIndex: number;
  readonly frameIndex: number;
}

/**
 * Frames in the order to try them when looking for "the line that threw": application frames
 * before library frames, and within each group the root cause's frames first (Java's last
 * `Caused by:`, Python's first block, .NET's innermost exception — the throw site of the real
 * failure), then the other sections, each innermost first. Goroutines other than the first come
 * last, since they were merely running at the time.
 */
export function innermostApplicationFirst(trace: ParsedStackTrace): OrderedFrame[] {
  const order = sectionOrder(trace);
  const application: OrderedFrame[] = [];
  const library: OrderedFrame[] = [];
  for (const sectionIndex of order) {
    const section = trace.sections[sectionIndex];
    if (!section) continue;
    section.frames.forEach((frame, frameIndex) => (frame.library ? library : application).push({ frame, sectionIndex, frameIndex }));
  }
  return [...application, ...library];
}

function sectionOrder(trace: ParsedStackTrace): number[] {
  const indices = trace.sections.map((_, i) => i);
  const rank = (i: number): number => {
    const section = trace.sections[i];
    if (!section) return 9;
    switch (trace.language) {
      case 'java':
        // The deepest `Caused by:` is the root cause; it is printed last.
        return section.kind === 'cause' ? 0 : section.kind === 'main' ? 1 : 2;
      case 'python':
      case 'dotnet':
        // Both already list the root cause first (see their parsers).
        return section.kind === 'main' ? 1 : 0;
      default:
        return section.kind === 'goroutine' ? 3 : section.kind === 'suppressed' ? 2 : section.kind === 'callSite' ? 1 : 0;
    }
  };
  return indices.sort((a, b) => rank(a) - rank(b) || (trace.language === 'java' && rank(a) === 0 ? b - a : a - b));
}
