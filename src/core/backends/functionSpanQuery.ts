import type { SourceType } from './sourceConfig';
import type { TraceSearchQuery } from './traceBackend';
import { loneSurrogate, traceqlString } from './traceqlString';

/**
 * The remote half of editor annotations: "ask the configured backend for the spans of the current file's
 * functions". The names come from the editor's document symbols, so they are hostile input like
 * any other text: every backend gets them escaped for its own syntax, never spliced in raw.
 */
export interface FunctionSpansRequest {
  /** Symbol names as the editor shows them (`pay`, `Checkout.pay`, `handle`); duplicates are ignored. */
  readonly functions: readonly string[];
  /** Workspace-relative, `/`-separated (`src/checkout.ts`). Checked against `code.*` on each span. */
  readonly relativePath: string;
  /** Jaeger needs one; Tempo and Zipkin search every service when it is absent. */
  readonly service?: string;
  readonly lookbackMinutes: number;
  /** Epoch ms the window ends at; default now. */
  readonly endTimeMs?: number;
  /** Traces per backend request. */
  readonly traceLimit?: number;
}

/** One backend request and the functions it asks about. */
export interface PlannedQuery {
  readonly query: TraceSearchQuery;
  readonly functions: readonly string[];
  /** What is asked, for the log: `code.function = "pay"`. */
  readonly label: string;
}

export interface QueryPlan {
  readonly queries: readonly PlannedQuery[];
  /** Functions the backend cannot be asked about, with the reason. */
  readonly skipped: readonly { readonly function: string; readonly reason: string }[];
  /** The distinct names planned for, in the order given. */
  readonly functions: readonly string[];
}

export const defaultTraceLimit = 50;
/** Bounds the requests one run makes: Jaeger and Zipkin take three per function. */
export const maxFunctionsPerRun = 40;
/** Functions per TraceQL query: a long alternation costs Tempo more than a second request. */
const functionsPerTraceQl = 15;
/** Longer names are not function names; they would only bloat the URL. */
const maxNameLength = 300;

/**
 * The `code.*` attribute names of both semantic-convention generations (backends.md §5.1):
 * `code.function.name` / `code.file.path` / `code.line.number` since semconv 1.30, and the
 * deprecated `code.function` (+ `code.namespace`) / `code.filepath` / `code.lineno` most real
 * instrumentations still send.
 */
export const codeAttributes = {
  functionName: 'code.function.name',
  function: 'code.function',
  namespace: 'code.namespace',
  filePath: 'code.file.path',
  filepath: 'code.filepath',
  lineNumber: 'code.line.number',
  lineno: 'code.lineno',
} as const;

/** Text as a literal inside an RE2 pattern (TraceQL's `=~` is Go regexp). */
export function re2Literal(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`);
}

/**
 * `^(?:a|b)$`. Tempo anchors `=~` patterns itself since 2.7 and did not before; explicit anchors
 * mean the same on both (a doubled `^` is harmless in RE2).
 */
function anchoredAlternation(names: readonly string[]): string {
  return `^(?:${names.map(re2Literal).join('|')})$`;
}

/** Where qualified names separate the function from its class, module or package. */
const qualifierClass = '[.:/#$\\\\]';

/**
 * One TraceQL query for up to 15 functions. `code.function.name` is fully qualified since
 * semconv 1.31 (`com.acme.Checkout.pay`), so it is matched on its last segment; the old
 * `code.function` holds the short name; the span name catches code that names spans after
 * functions. `select` asks Tempo to return the status and the location attributes the client
 * checks, which search results otherwise leave out.
 */
export function traceqlForFunctions(names: readonly string[], service?: string): string {
  const exact = anchoredAlternation(names);
  const qualified = `^(?:.*${qualifierClass})?(?:${names.map(re2Literal).join('|')})$`;
  const conditions = [`span.${codeAttributes.functionName} =~ ${traceqlString(qualified)}`, `span.${codeAttributes.function} =~ ${traceqlString(exact)}`, `name =~ ${traceqlString(exact)}`];
  const selected = [
    'status',
    `span.${codeAttributes.namespace}`,
    `span.${codeAttributes.filePath}`,
    `span.${codeAttributes.filepath}`,
    `span.${codeAttributes.lineNumber}`,
    `span.${codeAttributes.lineno}`,
    'resource.service.name',
  ];
  const match = conditions.join(' || ');
  // TraceQL filters by service itself; Tempo refuses q together with the tag parameters.
  const filter = service === undefined || service === '' ? match : `resource.service.name = ${traceqlString(service)} && (${match})`;
  return `{ ${filter} } | select(${selected.join(', ')})`;
}

/**
 * The requests that find the spans of `functions` in a backend of `type`. Jaeger and Zipkin match
 * tags exactly and AND them, so each function takes one request per attribute name and one by
 * span name; Tempo takes one TraceQL query per 15 functions.
 */
export function planFunctionQueries(type: SourceType, request: FunctionSpansRequest): QueryPlan {
  const skipped: { function: string; reason: string }[] = [];
  const names: string[] = [];
  for (const raw of request.functions) {
    const name = raw.trim();
    if (name === '' || names.includes(name)) continue;
    if (name.length > maxNameLength) {
      skipped.push({ function: `${name.slice(0, 40)}…`, reason: `the name is longer than ${maxNameLength} characters` });
      continue;
    }
    if (names.length >= maxFunctionsPerRun) {
      skipped.push({ function: name, reason: `only the first ${maxFunctionsPerRun} functions of a file are asked about in one run` });
      continue;
    }
    names.push(name);
  }
  const base: TraceSearchQuery = {
    lookbackMinutes: request.lookbackMinutes,
    limit: request.traceLimit ?? defaultTraceLimit,
    ...(request.endTimeMs === undefined ? {} : { endTimeMs: request.endTimeMs }),
  };
  const queries: PlannedQuery[] = [];
  const accepted: string[] = [];
  if (type === 'tempo') {
    const usable = names.filter((name) => {
      // Go's regexp refuses invalid UTF-8; a name that is not text cannot be asked about.
      if (!new RegExp(loneSurrogate.source).test(name)) return true;
      skipped.push({ function: name, reason: 'the name is not valid Unicode text' });
      return false;
    });
    for (let i = 0; i < usable.length; i += functionsPerTraceQl) {
      const group = usable.slice(i, i + functionsPerTraceQl);
      const query = traceqlForFunctions(group, request.service);
      queries.push({ query: { ...base, query }, functions: group, label: query });
      accepted.push(...group);
    }
    return { queries, skipped, functions: accepted };
  }
  const service = request.service === undefined || request.service === '' ? {} : { service: request.service };
  for (const name of names) {
    if (type === 'zipkin' && / and /i.test(name)) {
      // annotationQuery splits terms on " and " (zipkin2-api.yaml); the name cannot be one term.
      skipped.push({ function: name, reason: 'Zipkin\'s annotationQuery cannot hold a value containing " and "' });
      continue;
    }
    if (type === 'zipkin' && /[\r\n]/.test(name)) {
      skipped.push({ function: name, reason: 'Zipkin cannot search for a value with a line break' });
      continue;
    }
    queries.push({ query: { ...base, ...service, tags: { [codeAttributes.functionName]: name } }, functions: [name], label: `${codeAttributes.functionName} = ${JSON.stringify(name)}` });
    queries.push({ query: { ...base, ...service, tags: { [codeAttributes.function]: name } }, functions: [name], label: `${codeAttributes.function} = ${JSON.stringify(name)}` });
    // Zipkin lower-cases span names when it stores them (zipkin2/Span.java), and so must a query.
    const spanName = type === 'zipkin' ? name.toLowerCase() : name;
    // Jaeger v1 asks for the operation under a service; without one only the tag searches run.
    if (type === 'zipkin' || 'service' in service) queries.push({ query: { ...base, ...service, operation: spanName }, functions: [name], label: `span name = ${JSON.stringify(spanName)}` });
    accepted.push(name);
  }
  return { queries, skipped, functions: accepted };
}
