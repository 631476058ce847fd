/**
 * Attribute values as every supported format can carry them (OTLP AnyValue is the superset).
 * Integers beyond ±(2^53−1) stay exact as bigint; bytes stay bytes.
 */
export type AttributeValue =
  | string
  | boolean
  | number
  | bigint
  | Uint8Array
  | null
  | readonly AttributeValue[]
  | AttributeMap;

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
  return `{${Object.entries(value).map(([k, v]) => `${k}: ${formatAttributeValue(v)}`).join(', ')}}`;
}

/** Reads a string attribute, accepting the first of several names (old and new conventions). */
export function stringAttribute(attributes: Attributes, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}
