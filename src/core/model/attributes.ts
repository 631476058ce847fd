/**
 * Attribute values as every supported format can carry them (OTLP AnyValue is the superset).
 * Integers beyond ±(2^53−1) stay exact as bigint; bytes stay bytes.
 */
export type AttributeValue = string | boolean | number | bigint | Uint8Array | null | readonly AttributeValue[] | AttributeMap;

/** An OTLP kvlist value. */
export interface AttributeMap {
  readonly [key: string]: AttributeValue;
}

export type Attributes = AttributeMap;

export const noAttributes: Attributes = Object.freeze({});

/**
 * Sets `key` on a plain object without letting hostile keys such as `__proto__` reach the
 * prototype setter (span data is untrusted input).
 */
export function setAttribute(target: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * One constructor per attribute count, each with Object.prototype as its prototype: the objects
 * are plain objects to every reader (deepStrictEqual, spread, JSON), but V8 sizes each
 * constructor's instances from the properties they receive (in-object slack tracking), so an
 * object of k attributes holds them all in place. A `{}` literal holds four and puts the rest
 * in a separate array that grows in steps of three: 30–40 bytes more per span, plus garbage.
 * V8 reserves ten in-object slots for an empty constructor, so larger objects use a literal.
 */
const sizedConstructors: (new () => Record<string, AttributeValue>)[] = [];
for (let k = 0; k <= 10; k++) {
  const Sized = function (this: Record<string, AttributeValue>) {} as unknown as new () => Record<string, AttributeValue>;
  Sized.prototype = Object.prototype;
  sizedConstructors.push(Sized);
}

/**
 * The attribute object of keys[from, to) and values[from, to) (parallel lists, as a decoder
 * gathers them); a later repeat of a key wins, as with assignment.
 */
export function attributesOf(keys: readonly string[], values: readonly AttributeValue[], from: number, to: number): Attributes {
  const count = to - from;
  if (count <= 0) return noAttributes;
  const Sized = sizedConstructors[count];
  const target: Record<string, AttributeValue> = Sized === undefined ? {} : new Sized();
  for (let i = from; i < to; i++) setAttribute(target, keys[i] as string, values[i] as AttributeValue);
  return target;
}

export function isAttributeMap(value: AttributeValue): value is AttributeMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A one-line text form for tooltips and search; never markup. */
export function formatAttributeValue(value: AttributeValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return `[${(value as readonly AttributeValue[]).map(formatAttributeValue).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}: ${formatAttributeValue(v)}`)
    .join(', ')}}`;
}

/** Reads a string attribute, accepting the first of several names (old and new conventions). */
export function stringAttribute(attributes: Attributes, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}
