import type { AttributeValue } from '../model/attributes';
import type { Span } from '../model/span';

/**
 * How sure a remote span belongs to a function of the open file:
 * `file` — its `code.file.path`/`code.filepath` names this file;
 * `namespace` — no path, but its class or module (`code.namespace`, or the qualifier of a
 *   qualified `code.function.name`) names this file;
 * `name` — only the function or span name matches; the span says nothing about its file.
 */
export type MatchEvidence = 'file' | 'namespace' | 'name';

export type FunctionSpanMatch =
  | { readonly kind: 'match'; readonly function: string; readonly evidence: MatchEvidence; readonly spanFunction: string | undefined }
  /** Named like one of the functions, but its own `code.*` puts it in another file. */
  | { readonly kind: 'elsewhere'; readonly function: string };

export interface MatchOptions {
  /** Zipkin lower-cases span names when it stores them, so a span name is compared without case. */
  readonly caseInsensitiveSpanNames?: boolean;
}

const qualifier = /[.:/\\#$]/;

/**
 * The backends' searches are loose (Tempo's regex, tag search on a short name, span names), so
 * every span they return is checked here against the function names and the file before it
 * counts: a span whose `code.*` attributes name another function or another file is not one of
 * this file's calls, whatever the search matched.
 */
export function matchFunctionSpan(span: Span, functions: readonly string[], relativePath: string, options: MatchOptions = {}): FunctionSpanMatch | undefined {
  const attributes = span.attributes;
  const stable = text(attributes['code.function.name']);
  const old = text(attributes['code.function']);
  const namespace = text(attributes['code.namespace']);
  const file = text(attributes['code.file.path']) ?? text(attributes['code.filepath']);
  const hasFunctionAttributes = stable !== undefined || old !== undefined;
  for (const wanted of functions) {
    const short = shortOf(wanted);
    let spanFunction: string | undefined;
    if (stable !== undefined && (endsWithQualified(stable, wanted) || endsWithQualified(stable, short))) spanFunction = stable;
    else if (old !== undefined && (old === wanted || old === short)) spanFunction = namespace === undefined ? old : `${namespace}.${old}`;
    // A span whose code.* names another function is that function's, however it is named.
    const byName = !hasFunctionAttributes && spanNameMatches(span.name, wanted, short, options);
    if (spanFunction === undefined && !byName) continue;
    if (file !== undefined) return sameFile(file, relativePath) ? { kind: 'match', function: wanted, evidence: 'file', spanFunction } : { kind: 'elsewhere', function: wanted };
    const owner = ownerOf(stable, old, namespace, short);
    if (owner !== undefined) return ownerMatchesFile(owner, relativePath) ? { kind: 'match', function: wanted, evidence: 'namespace', spanFunction } : { kind: 'elsewhere', function: wanted };
    return { kind: 'match', function: wanted, evidence: 'name', spanFunction };
  }
  return undefined;
}

function spanNameMatches(name: string, wanted: string, short: string, options: MatchOptions): boolean {
  if (name === wanted || name === short) return true;
  if (options.caseInsensitiveSpanNames !== true) return false;
  const lower = name.toLowerCase();
  return lower === wanted.toLowerCase() || lower === short.toLowerCase();
}

/** `Checkout.pay` → `pay`: document symbols of some languages carry their container. */
function shortOf(name: string): string {
  const parts = name.split(qualifier);
  return parts[parts.length - 1] || name;
}

/** `com.acme.Checkout.pay` ends with `pay` or `Checkout.pay` at a qualifier boundary. */
function endsWithQualified(candidate: string, wanted: string): boolean {
  if (candidate === wanted) return true;
  if (wanted === '' || !candidate.endsWith(wanted)) return false;
  const before = candidate[candidate.length - wanted.length - 1];
  return before !== undefined && qualifier.test(before);
}

/** The class, module or package a span's function belongs to, as far as its attributes say. */
function ownerOf(stable: string | undefined, old: string | undefined, namespace: string | undefined, short: string): string | undefined {
  if (namespace !== undefined) return namespace;
  const qualified = stable ?? old;
  if (qualified === undefined || qualified.length <= short.length) return undefined;
  const owner = qualified.slice(0, qualified.length - short.length - 1);
  return owner === '' ? undefined : owner;
}

/**
 * A production path names this file when one ends with the other at a `/` (the service runs from
 * `/app/src/checkout.ts`, the workspace has `src/checkout.ts`), or — for compiled output and for
 * Java's bare `Foo.java` — when the file names agree apart from the extension.
 */
export function sameFile(productionPath: string, relativePath: string): boolean {
  const production = normalizePath(productionPath);
  const local = normalizePath(relativePath);
  if (production === local || production.endsWith(`/${local}`) || local.endsWith(`/${production}`)) return true;
  return stemOf(production) === stemOf(local) && stemOf(local) !== '';
}

/**
 * A class or module names this file when its last segment is the file's name (`com.acme.Checkout`
 * ↔ `Checkout.java`, `Checkout$Inner` too) or the module path ends with the file's path
 * (`app.handlers` ↔ `app/handlers.py`), or a Go package is the file's folder.
 */
function ownerMatchesFile(owner: string, relativePath: string): boolean {
  const local = normalizePath(relativePath).toLowerCase();
  const stem = stemOf(local);
  const folder = local.split('/').slice(-2, -1)[0];
  const segments = owner
    .replace(/[()*]/g, '')
    .split(/[.:/\\#]/)
    .map((s) => s.split('$')[0]?.toLowerCase() ?? '')
    .filter((s) => s !== '');
  if (segments.length === 0) return false;
  if (segments.includes(stem)) return true;
  const withoutExtension = local.replace(/\.[^./]+$/, '');
  if (withoutExtension.endsWith(segments.join('/'))) return true;
  return folder !== undefined && segments[segments.length - 1] === folder;
}

function normalizePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^file:\/\//, '')
    .replace(/^\.\//, '');
}

function stemOf(path: string): string {
  const base = path.split('/').pop() ?? '';
  return base.replace(/\.[^.]+$/, '').toLowerCase();
}

function text(value: AttributeValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
