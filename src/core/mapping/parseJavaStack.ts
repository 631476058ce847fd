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
    const frame = current && parseJavaFrame(trimmed);
    if (frame) {
      current?.frames.push(inPackageDirectory(frame));
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

/** One `at pkg.Class.method(File.java:12)` line with the file name as printed, or undefined. */
export function parseJavaFrame(line: string): StackFrame | undefined {
  const trimmed = line.trim();
  const frame = frameLine.exec(trimmed);
  if (!frame) return undefined;
  const location = frame[2] ?? '';
  // Hidden classes print as `Main$$Lambda/0x…` and must not be taken for a module prefix.
  const withoutHidden = (frame[1] ?? '').replace(/\/0x[0-9a-f]+(?=\.)/gi, '');
  const parts = withoutHidden.split('/');
  const method = parts[parts.length - 1] ?? withoutHidden;
  const position = /^(.+?)(?::(\d+))?$/.exec(location);
  const named = position?.[1] !== undefined && !/^(?:Native Method|Unknown Source)$/.test(location);
  const file = named ? position[1] : undefined;
  const lineNumber = named && position[2] !== undefined ? Number(position[2]) : undefined;
  return { function: method, file, line: lineNumber, column: undefined, library: isLibraryFrame('java', file, method), raw: trimmed };
}

/** The bare file name under the class's package directories, for a suffix match to work with. */
function inPackageDirectory(frame: StackFrame): StackFrame {
  if (frame.file === undefined || frame.file.includes('/')) return frame;
  const method = frame.function ?? '';
  const className = method.slice(0, Math.max(0, method.lastIndexOf('.')));
  const packageDot = className.lastIndexOf('.');
  return packageDot > 0 ? { ...frame, file: `${className.slice(0, packageDot).replace(/\./g, '/')}/${frame.file}` } : frame;
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
