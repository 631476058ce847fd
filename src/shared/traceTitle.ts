/**
 * The trace view's tab title. Every tab used to read "Trace <service>: <root>", so two
 * traces of one endpoint looked the same: the title now carries what tells them apart, the start
 * time and a short id, after the root span's name.
 */
export interface TraceTitleParts {
  readonly traceId: string;
  readonly rootName: string;
  /** Epoch nanoseconds as a decimal string (TraceSummary.startNs). */
  readonly startNs: string;
}

const maxNameChars = 40;

/**
 * Head and tail of the id. Ids from W3C-random generators differ anywhere, but some differ only
 * at the end (W3C Level 2 puts the random part on the right; X-Ray style ids start with a
 * timestamp), so the tail is kept as well as the head people recognise from backends' UIs.
 */
export function shortTraceId(traceId: string): string {
  return traceId.length <= 12 ? traceId : `${traceId.slice(0, 6)}…${traceId.slice(-4)}`;
}

/** hh:mm:ss of an epoch time, at a UTC offset in minutes (the host passes its local one). */
export function clockTime(epochMs: number, utcOffsetMinutes: number): string {
  if (!Number.isFinite(epochMs)) return '';
  const date = new Date(epochMs + utcOffsetMinutes * 60_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}

export function epochMsOf(startNs: string): number {
  try {
    return Number(BigInt(startNs) / 1_000_000n);
  } catch {
    return Number.NaN;
  }
}

export function traceTabTitle(parts: TraceTitleParts, utcOffsetMinutes: number): string {
  const trimmed = parts.rootName.trim();
  const name = trimmed === '' ? 'Trace' : trimmed.length > maxNameChars ? `${trimmed.slice(0, maxNameChars - 1)}…` : trimmed;
  const time = clockTime(epochMsOf(parts.startNs), utcOffsetMinutes);
  return [name, time, shortTraceId(parts.traceId)].filter((part) => part !== '').join(' · ');
}
