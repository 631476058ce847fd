import { stringAttribute, type AttributeValue, type Attributes } from '../model/attributes';
import type { Span } from '../model/span';
import type { CandidateLocation, FileCandidate, LocationProvenance } from './candidateLocation';
import { jvmSourceStem } from './parseJavaStack';
import { innermostApplicationFirst, parseStackTrace, stackLanguageForSdk } from './parseStackTrace';
import type { StackLanguage } from './stackFrame';

const fileKeys = ['code.file.path', 'code.filepath'];
const lineKeys = ['code.line.number', 'code.lineno'];
const columnKeys = ['code.column.number', 'code.column'];
const jvmFile = /\.(?:java|kt|kts|scala|groovy)$/;

/**
 * Every code location a span names, best first: its `code.*` attributes (the span's own
 * function), then the frames of its `exception` events and of `code.stacktrace`, application
 * frames innermost first, then the function as a symbol to search for, then application frames
 * that name only a method (a .NET build without PDBs, a JVM `Unknown Source`), then library frames.
 * Attribute names follow semconv ≥ 1.33 with the deprecated names as fallbacks
 * (../shared/reference/backends.md §5.1).
 */
export function extractSpanLocations(span: Span): CandidateLocation[] {
  const sdkLanguage = stackLanguageForSdk(stringAttribute(span.resource.attributes, 'telemetry.sdk.language'));
  const application: CandidateLocation[] = [];
  const library: CandidateLocation[] = [];
  const symbols: CandidateLocation[] = [];
  const attrs = span.attributes;

  const fn = qualifiedFunction(attrs);
  const file = stringAttribute(attrs, ...fileKeys);
  if (file !== undefined) {
    const keys = presentKeys(attrs, [...fileKeys, ...lineKeys, ...columnKeys]);
    const path = jvmFile.test(file) && !/[\\/]/.test(file) && fn !== undefined ? jvmPathFor(file, fn.qualifiedName) : file;
    application.push({
      kind: 'file',
      path,
      line: positiveInt(attrs, lineKeys),
      column: positiveInt(attrs, columnKeys),
      function: fn?.qualifiedName,
      minimumSuffixSegments: path === file ? 1 : path.split('/').length,
      provenance: { source: 'attributes', keys },
    });
  }

  span.events.forEach((event, eventIndex) => {
    if (!isExceptionEventName(event.name)) return;
    const text = stringAttribute(event.attributes, 'exception.stacktrace');
    if (text === undefined) return;
    addFrames(text, sdkLanguage, 'exception', eventIndex, stringAttribute(event.attributes, 'exception.type'), stringAttribute(event.attributes, 'exception.message'), application, library, symbols);
  });
  const codeStack = stringAttribute(attrs, 'code.stacktrace');
  if (codeStack !== undefined) addFrames(codeStack, sdkLanguage, 'codeStacktrace', undefined, undefined, undefined, application, library, symbols);

  if (fn !== undefined) {
    application.push({ kind: 'symbol', qualifiedName: fn.qualifiedName, namespace: fn.namespace, function: fn.short, provenance: { source: 'attributes', keys: fn.keys } });
  }
  return [...application, ...symbols, ...library];
}

/** Events whose stack traces are read: `exception`, and namespaced ones such as `ai.exception`. */
export function isExceptionEventName(name: string): boolean {
  return name === 'exception' || name.endsWith('.exception');
}

/**
 * The frames of one exception's stack trace as locations, application frames innermost first,
 * then library frames: what extractSpanLocations lists for an exception event, without a span.
 */
export function exceptionStackLocations(text: string, sdkLanguage: string | undefined, eventIndex?: number): FileCandidate[] {
  const application: FileCandidate[] = [];
  const library: FileCandidate[] = [];
  addFrames(text, stackLanguageForSdk(sdkLanguage), 'exception', eventIndex, undefined, undefined, application, library);
  return [...application, ...library];
}

/** Where frames go: a span's candidate list takes file and symbol locations, a stack's only file ones. */
type FrameList = { push(candidate: FileCandidate): number };

function addFrames(
  text: string,
  hint: StackLanguage | undefined,
  source: 'exception' | 'codeStacktrace',
  eventIndex: number | undefined,
  exceptionType: string | undefined,
  exceptionMessage: string | undefined,
  application: FrameList,
  library: FrameList,
  symbols?: { push(candidate: CandidateLocation): number },
): void {
  let trace = parseStackTrace(text, hint);
  if (hint !== undefined && trace.sections.every((s) => s.frames.length === 0)) trace = parseStackTrace(text);
  for (const { frame, sectionIndex, frameIndex } of innermostApplicationFirst(trace)) {
    const section = trace.sections[sectionIndex];
    if (frame.file === undefined) {
      if (symbols && !frame.library && frame.function !== undefined && (trace.language === 'java' || trace.language === 'dotnet')) {
        const split = splitQualified(frame.function);
        const provenance: LocationProvenance = {
          source,
          eventIndex,
          sectionIndex,
          frameIndex,
          library: false,
          exceptionType: section?.type ?? exceptionType,
          exceptionMessage: section?.message ?? exceptionMessage,
        };
        symbols.push({ kind: 'symbol', qualifiedName: frame.function, namespace: split.namespace, function: split.short, provenance });
      }
      continue;
    }
    const provenance: LocationProvenance = {
      source,
      eventIndex,
      sectionIndex,
      frameIndex,
      library: frame.library,
      exceptionType: section?.type ?? exceptionType,
      exceptionMessage: section?.message ?? exceptionMessage,
    };
    const jvm = trace.language === 'java' && !frame.file.startsWith('/');
    (frame.library ? library : application).push({
      kind: 'file',
      path: frame.file,
      line: frame.line,
      column: frame.column,
      function: frame.function,
      minimumSuffixSegments: jvm ? frame.file.split('/').length : 1,
      provenance,
    });
  }
}

interface QualifiedFunction {
  readonly qualifiedName: string;
  readonly namespace: string | undefined;
  readonly short: string;
  readonly keys: readonly string[];
}

/**
 * `code.function.name` is fully qualified since semconv 1.31, but schema-translated old data puts
 * the short `code.function` there; joined with `code.namespace` when it has no separator.
 */
function qualifiedFunction(attrs: Attributes): QualifiedFunction | undefined {
  const namespace = stringAttribute(attrs, 'code.namespace');
  const name = stringAttribute(attrs, 'code.function.name');
  const old = stringAttribute(attrs, 'code.function');
  const short = name ?? old;
  if (short === undefined) return undefined;
  const keys = presentKeys(attrs, ['code.function.name', 'code.function', 'code.namespace']);
  if (name !== undefined && /[.:/\\#]/.test(name)) {
    const split = splitQualified(name);
    return { qualifiedName: name, namespace: split.namespace, short: split.short, keys };
  }
  if (namespace !== undefined) return { qualifiedName: `${namespace}.${short}`, namespace, short, keys };
  return { qualifiedName: short, namespace: undefined, short, keys };
}

function splitQualified(name: string): { namespace: string | undefined; short: string } {
  const match = /^(.*?)(?:::|[.#]|\\)([^.:#\\/]+)$/.exec(name);
  if (!match?.[1] || match[2] === undefined) return { namespace: undefined, short: name };
  return { namespace: match[1], short: match[2] };
}

function jvmPathFor(file: string, qualifiedFunctionName: string): string {
  const stem = jvmSourceStem(qualifiedFunctionName, true);
  if (stem === undefined) return file;
  const directory = stem.split('/').slice(0, -1);
  return [...directory, file].join('/');
}

function positiveInt(attrs: Attributes, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = toInt(attrs[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Jaeger int64 tags, OTLP `intValue` strings and Zipkin strings all carry integers. */
function toInt(value: AttributeValue | undefined): number | undefined {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function presentKeys(attrs: Attributes, keys: readonly string[]): string[] {
  return keys.filter((key) => attrs[key] !== undefined);
}
