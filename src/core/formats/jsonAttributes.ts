import { noAttributes, setAttribute, type AttributeValue, type Attributes } from '../model/attributes';
import { SpanKind, StatusCode } from '../model/span';
import { at, isObject, Problem, show, type JsonObject } from './jsonProblem';

/**
 * Attributes as the JSON trace and log formats write them, read in one place: OTLP's KeyValue
 * lists of AnyValues (OTLP JSON traces and logs), and the plain JSON values and tag maps of
 * Jaeger and Zipkin, with the OTel tags an OTLP→Jaeger or OTLP→Zipkin conversion adds.
 */

// ---------------------------------------------------------------------------------------------
// OTLP KeyValue lists

const minInt64 = -0x8000_0000_0000_0000n;
const maxInt64 = 0x7fff_ffff_ffff_ffffn;
const minSafe = BigInt(Number.MIN_SAFE_INTEGER);
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
/** How deep OTLP arrays and kvlists may nest. */
const maxValueDepth = 64;

export function isDigits(text: string, from: number): boolean {
  const n = text.length;
  if (n <= from) return false;
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** An int64: a number when it is a safe integer, else an exact bigint. */
function parseInt64(value: unknown): number | bigint | undefined {
  if (typeof value === 'string') {
    const negative = value.charCodeAt(0) === 0x2d; /* - */
    if (!isDigits(value, negative ? 1 : 0)) return undefined;
    if (value.length <= 15) return Number(value);
    const big = BigInt(value);
    if (big < minInt64 || big > maxInt64) return undefined;
    return big >= minSafe && big <= maxSafe ? Number(big) : big;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return Number.isSafeInteger(value) ? value : BigInt(value);
  return undefined;
}

/** proto3 JSON writes NaN and ±Infinity as strings, and may quote any double. */
function parseDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (value === 'NaN') return Number.NaN;
  const n = Number(value);
  return Number.isNaN(n) ? undefined : n;
}

function isBase64(text: string): boolean {
  const n = text.length;
  let end = n;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d /* = */) end--;
  if (n - end > 2) return false;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f;
    if (!ok) return false;
  }
  return true;
}

/** A KeyValue list as a plain object; `__proto__` and friends stay ordinary keys. */
export function parseAttributes(list: unknown): Attributes {
  if (list === undefined || list === null) return noAttributes;
  if (!Array.isArray(list)) throw new Problem('', `is ${show(list)}, not an array of {key, value} pairs`);
  if (list.length === 0) return noAttributes;
  return keyValuesToObject(list, 0);
}

/** `raw.attributes` as attributes; a problem in them is placed under "attributes". */
export function parseAttributesOf(raw: JsonObject): Attributes {
  try {
    return parseAttributes(raw['attributes']);
  } catch (error: unknown) {
    throw at(error, 'attributes');
  }
}

/** The attributes of a ResourceSpans' or ResourceLogs' `resource`; none when it has no resource. */
export function parseResourceAttributes(entry: JsonObject): Attributes {
  const rawResource = entry['resource'];
  if (rawResource === undefined || rawResource === null) return noAttributes;
  if (!isObject(rawResource)) throw new Problem('resource', `is ${show(rawResource)}, not an object`);
  try {
    return parseAttributes(rawResource['attributes']);
  } catch (error: unknown) {
    throw at(error, 'resource.attributes');
  }
}

function keyValuesToObject(list: readonly unknown[], depth: number): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  let index = 0;
  try {
    for (; index < list.length; index++) {
      const pair = list[index];
      if (!isObject(pair)) throw new Problem('', `is ${show(pair)}, not a {key, value} pair`);
      const key = pair['key'];
      if (typeof key !== 'string') throw new Problem('key', `is ${show(key)}, not a string`);
      let value: AttributeValue;
      try {
        value = parseAnyValue(pair['value'], depth);
      } catch (error: unknown) {
        throw at(error, 'value');
      }
      setAttribute(out, key, value);
    }
  } catch (error: unknown) {
    throw at(error, `[${index}]`);
  }
  return out;
}

/** An OTLP AnyValue; the empty one (`{}`, no variant set) is null. */
export function parseAnyValue(raw: unknown, depth: number): AttributeValue {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) throw new Problem('', `is ${show(raw)}, not an AnyValue object such as {"stringValue": "…"}`);
  if (depth > maxValueDepth) throw new Problem('', `nests arrays or kvlists more than ${maxValueDepth} levels deep`);
  for (const key in raw) {
    const value = raw[key];
    if (value === null || value === undefined) continue;
    switch (key) {
      case 'stringValue':
      case 'string_value':
        if (typeof value === 'string') return value;
        throw new Problem(key, `is ${show(value)}, not a string`);
      case 'boolValue':
      case 'bool_value':
        if (typeof value === 'boolean') return value;
        throw new Problem(key, `is ${show(value)}, not true or false`);
      case 'intValue':
      case 'int_value': {
        const n = parseInt64(value);
        if (n !== undefined) return n;
        throw new Problem(key, `is ${show(value)}, not a 64-bit integer`);
      }
      case 'doubleValue':
      case 'double_value': {
        const n = parseDouble(value);
        if (n !== undefined) return n;
        throw new Problem(key, `is ${show(value)}, not a number`);
      }
      case 'bytesValue':
      case 'bytes_value':
        if (typeof value === 'string' && isBase64(value)) return new Uint8Array(Buffer.from(value, 'base64'));
        throw new Problem(key, `is ${show(value)}, not base64 text`);
      case 'arrayValue':
      case 'array_value':
        return arrayValue(value, key, depth);
      case 'kvlistValue':
      case 'kvlist_value':
        return kvlistValue(value, key, depth);
      default:
        // Unknown or future variants (e.g. profiles' string_value_strindex) are skipped.
        continue;
    }
  }
  return null;
}

function valuesOf(value: unknown, key: string): readonly unknown[] {
  if (!isObject(value)) throw new Problem(key, `is ${show(value)}, not an object with "values"`);
  const values = value['values'];
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw new Problem(`${key}.values`, `is ${show(values)}, not an array`);
  return values;
}

function arrayValue(value: unknown, key: string, depth: number): AttributeValue[] {
  const values = valuesOf(value, key);
  const out: AttributeValue[] = new Array<AttributeValue>(values.length);
  let index = 0;
  try {
    for (; index < values.length; index++) out[index] = parseAnyValue(values[index], depth + 1);
  } catch (error: unknown) {
    throw at(error, `${key}.values[${index}]`);
  }
  return out;
}

function kvlistValue(value: unknown, key: string, depth: number): Record<string, AttributeValue> {
  const values = valuesOf(value, key);
  try {
    return keyValuesToObject(values, depth + 1);
  } catch (error: unknown) {
    throw at(error, `${key}.values`);
  }
}

// ---------------------------------------------------------------------------------------------
// Jaeger and Zipkin

/** How deep a plain JSON tag value may nest before the rest is kept as its JSON text. */
const maxJsonValueDepth = 32;

/** Any JSON value as an attribute value; objects keep `__proto__` as an ordinary key. */
export function jsonValue(value: unknown, depth = 0): AttributeValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth > maxJsonValueDepth) return JSON.stringify(value);
  if (Array.isArray(value)) return value.map((item: unknown) => jsonValue(item, depth + 1));
  if (isObject(value)) {
    const out: Record<string, AttributeValue> = {};
    for (const [key, item] of Object.entries(value)) setAttribute(out, key, jsonValue(item, depth + 1));
    return out;
  }
  return null;
}

/** A JSON object's members as attributes. */
export function jsonAttributes(object: JsonObject): Attributes {
  const out: Record<string, AttributeValue> = {};
  let any = false;
  for (const [key, value] of Object.entries(object)) {
    setAttribute(out, key, jsonValue(value));
    any = true;
  }
  return any ? out : noAttributes;
}

/** Tags gathered in a map (where the OTel ones are taken out) as attributes. */
export function tagsToAttributes(tags: ReadonlyMap<string, AttributeValue>): Attributes {
  if (tags.size === 0) return noAttributes;
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of tags) setAttribute(out, key, value);
  return out;
}

/** Removes a string tag and returns it; a tag of another type stays an ordinary attribute. */
export function takeStringTag(tags: Map<string, AttributeValue>, key: string): string | undefined {
  const value = tags.get(key);
  if (typeof value !== 'string') return undefined;
  tags.delete(key);
  return value;
}

/** The `span.kind` tag's values, lower-cased. */
export const spanKindByTag: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['internal', SpanKind.Internal],
  ['server', SpanKind.Server],
  ['client', SpanKind.Client],
  ['producer', SpanKind.Producer],
  ['consumer', SpanKind.Consumer],
]);

const statusCodeByTag: ReadonlyMap<string, StatusCode> = new Map<string, StatusCode>([
  ['UNSET', StatusCode.Unset],
  ['OK', StatusCode.Ok],
  ['ERROR', StatusCode.Error],
]);

/**
 * The status an OTLP conversion wrote as tags: `otel.status_code` (removed when it names a
 * code) and `otel.status_description` (removed when it is text).
 */
export function takeOtelStatus(tags: Map<string, AttributeValue>): { readonly code: StatusCode | undefined; readonly message: string | undefined } {
  let code: StatusCode | undefined;
  const codeTag = tags.get('otel.status_code');
  if (typeof codeTag === 'string') {
    code = statusCodeByTag.get(codeTag.toUpperCase());
    if (code !== undefined) tags.delete('otel.status_code');
  }
  return { code, message: takeStringTag(tags, 'otel.status_description') };
}
