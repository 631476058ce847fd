import { isLibraryFrame } from './isLibraryFrame';
import type { StackFrame, StackSection, StackSectionKind } from './stackFrame';

// JDK 9+ prefixes frames with class-loader and module names (`app//`, `java.base/`,
// `loader/module@9.0/`): https://docs.oracle.com/javase/9/docs/api/java/lang/StackTraceElement.html
const frameLine = /^\s*at\s+(.+?)\((.*)\)\s*$/;
const headerLine = /^\s*(Caused by|Suppressed):\s*(.*)$/;
const moreLine = /^\s*\.\.\.\s*\d+\s+(?:more|common frames omitted)\s*$/;

/**
 * `Throwable.printStackTrace()` for Java, Kotlin, Scala and Groovy. Frames carry only a bare file
 * name (`Checkout.java`); the class's package is turned into directories (`com/shop/Checkout.java`)
 * because that is how JVM sources are laid out and it makes the suffix match meaningful.
 */
export function parseJavaStack(text: string): StackSection[] {
  const sections: { kind: StackSectionKind; header: string; frames: StackFrame[] }[] = [];
  let current: { kind: StackSectionKind; header: string; frames: StackFrame[] } | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const trimmed = rawLine.trim();
    if (trimmed === '' || moreLine.test(trimmed)) continue;
    const frame = frameLine.exec(trimmed);
    if (frame && current) {
      current.frames.push(parseJavaFrame(frame[1] ?? '', frame[2] ?? '', trimmed));
      continue;
    }
    const header = headerLine.exec(trimmed);
    if (header) {
      current = { kind: header[1] === 'Suppressed' ? 'suppressed' : 'cause', header: header[2] ?? '', frames: [] };
      sections.push(current);
    } else if (!current) {
      current = { kind: 'main', header: trimmed, frames: [] };
      sections.push(current);
    } else if (current.frames.length === 0) {
      current.header += `\n${trimmed}`;
    }
  }
  return sections.map(({ kind, header, frames }) => ({ kind, ...splitThrowable(header), frames }));
}

function parseJavaFrame(qualified: string, location: string, raw: string): StackFrame {
  // Hidden classes print as `Main$$Lambda/0x…` and must not be taken for a module prefix.
  const withoutHidden = qualified.replace(/\/0x[0-9a-f]+(?=\.)/gi, '');
  const parts = withoutHidden.split('/');
  const method = parts[parts.length - 1] ?? withoutHidden;
  const lastDot = method.lastIndexOf('.');
  const className = lastDot > 0 ? method.slice(0, lastDot) : '';
  const position = /^(.+?)(?::(\d+))?$/.exec(location);
  let file: string | undefined;
  let line: number | undefined;
  if (position && !/^(?:Native Method|Unknown Source)$/.test(location) && position[1] !== undefined) {
    const packageDot = className.lastIndexOf('.');
    const packageDir = packageDot > 0 ? `${className.slice(0, packageDot).replace(/\./g, '/')}/` : '';
    file = position[1].includes('/') ? position[1] : packageDir + position[1];
    line = position[2] === undefined ? undefined : Number(position[2]);
  }
  return { function: method, file, line, column: undefined, library: isLibraryFrame('java', file, method), raw };
}

function splitThrowable(header: string): { type: string | undefined; message: string | undefined } {
  // The JVM's default handler prefixes uncaught exceptions with the thread's name:
  // https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/lang/ThreadGroup.html#uncaughtException(java.lang.Thread,java.lang.Throwable)
  const throwable = header.replace(/^Exception in thread ".*?"\s+(?=[\w$.]+(?::|\n|$))/, '');
  const match = /^([\w$.]+)(?::\s?([\s\S]*))?$/.exec(throwable);
  if (match) return { type: match[1], message: match[2] };
  return { type: undefined, message: header };
}

/**
 * A JVM class or fully qualified method name as a source path without extension
 * (`com.shop.Checkout$Inner.pay` → `com/shop/Checkout`); undefined when it does not look like one.
 */
export function jvmSourceStem(qualified: string, isMethod: boolean): string | undefined {
  const parts = qualified.replace(/\$\$Lambda.*$/, '').split('.');
  if (isMethod) parts.pop();
  const cls = parts[parts.length - 1];
  if (parts.length < 2 || cls === undefined || !/^[A-Z]/.test(cls)) return undefined;
  parts[parts.length - 1] = cls.replace(/\$.*$/, '');
  return parts.join('/');
}
