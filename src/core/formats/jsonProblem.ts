/**
 * What the JSON decoders share to say exactly where a document is wrong without slowing the
 * happy path: a Problem is thrown with its place relative to the value that found it, and each
 * enclosing level prefixes its own segment as the error unwinds, so paths are only built when
 * something is wrong.
 */

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class Problem extends Error {
  constructor(
    public where: string,
    readonly what: string,
  ) {
    super(what);
    this.name = 'Problem';
  }
}

/** Prefixes `segment` (a key, or `[i]`) to the place of a Problem passing through; other errors pass unchanged. */
export function at(error: unknown, segment: string): unknown {
  if (error instanceof Problem) {
    const where = error.where;
    error.where = where === '' ? segment : where.startsWith('[') ? segment + where : `${segment}.${where}`;
  }
  return error;
}

/** A value as a message shows it: short, never the whole of a large object. */
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

export function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/** A string member; undefined when absent or null. */
export function optionalString(raw: JsonObject, key: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Problem(key, `is ${show(value)}, not a string`);
  return value;
}
