import { formatAttributeValue, type Attributes, type AttributeValue } from '../model/attributes';
import type { Trace } from '../model/trace';

/**
 * Rows whose attribute `key` (or, with an empty key, any attribute) contains `value`
 * case-insensitively; resource attributes count too, so `host.name=…` works.
 */
export function attributeMatches(trace: Trace, key: string, value: string): Uint32Array {
  const needle = value.toLowerCase();
  const hits: number[] = [];
  const test = (attributes: Attributes): boolean => {
    if (key !== '') {
      const found = attributes[key];
      return found !== undefined && formatAttributeValue(found).toLowerCase().includes(needle);
    }
    for (const name of Object.keys(attributes))
      if (
        formatAttributeValue(attributes[name] as AttributeValue)
          .toLowerCase()
          .includes(needle)
      )
        return true;
    return false;
  };
  for (let row = 0; row < trace.spanCount; row++) {
    const span = trace.span(row);
    if (test(span.attributes) || test(span.resource.attributes)) hits.push(row);
  }
  return Uint32Array.from(hits);
}
