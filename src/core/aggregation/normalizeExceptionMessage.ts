/**
 * Messages differ per occurrence by the data in them ("user 4711 not found", "timeout after
 * 30012 ms"), which would split one bug into thousands of groups. These placeholders fold the
 * variable parts; order matters, since a URL or an e-mail contains numbers and a UUID is hex.
 */
const rules: readonly (readonly [RegExp, string])[] = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi, '<url>'],
  [/\b[\w.%+-]+@[\w-]+(?:\.[\w-]+)+\b/g, '<email>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\\n]|\\.)*`/g, '<str>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // Ids such as trace ids, object ids, hashes: long hex runs that contain a digit.
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\b\d+(?:[.,]\d+)*(?:e[-+]?\d+)?/gi, '<num>'],
];

/** Long messages (SQL, payload dumps) are cut before grouping so one outlier cannot cost much. */
export const maxExceptionMessageLength = 500;

export function normalizeExceptionMessage(message: string): string {
  let text = message.length > maxExceptionMessageLength ? message.slice(0, maxExceptionMessageLength) : message;
  for (const [pattern, placeholder] of rules) text = text.replace(pattern, placeholder);
  return text.replace(/\s+/g, ' ').trim();
}
