/** `key=value key2="two words"` → tags; `{ … }` → TraceQL (Tempo only). undefined when malformed. */
export function parseSearchFilter(text: string, allowTraceQl: boolean): { tags?: Record<string, string>; query?: string } | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if (trimmed.startsWith('{')) return allowTraceQl ? { query: trimmed } : undefined;
  const tags: Record<string, string> = {};
  const pair = /([^\s=]+)=("([^"]*)"|\S*)/y;
  let index = 0;
  while (index < trimmed.length) {
    while (trimmed[index] === ' ') index++;
    if (index >= trimmed.length) break;
    pair.lastIndex = index;
    const match = pair.exec(trimmed);
    if (!match?.[1]) return undefined;
    tags[match[1]] = match[3] ?? match[2] ?? '';
    index = pair.lastIndex;
  }
  return { tags };
}
