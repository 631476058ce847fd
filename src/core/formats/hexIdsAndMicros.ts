import { normalizeSpanId, normalizeTraceId } from '../model/ids';
import { microsToNs } from '../model/units';
import { Problem, show, type JsonObject } from './jsonProblem';

/*
 * Scalars the Jaeger and Zipkin JSON formats share: hex ids and microsecond times.
 */

const hexDigits = /^[0-9a-fA-F]+$/;
export const integerText = /^-?\d{1,20}$/;

/**
 * Jaeger and Zipkin ids are hex: canonical form per ids.ts. Anything else (test data such as
 * "span-1") is kept verbatim rather than guessed at as base64, which neither format uses.
 */
export function hexTraceIdOf(raw: string): string {
  return raw.length <= 32 && hexDigits.test(raw) ? normalizeTraceId(raw) : raw;
}

export function hexSpanIdOf(raw: string): string {
  return raw.length <= 16 && hexDigits.test(raw) ? normalizeSpanId(raw) : raw;
}

/** µs since the epoch (or a duration in µs) as epoch ns; undefined when the value is not one. */
export function micros(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? microsToNs(value) : undefined;
  if (typeof value === 'string' && integerText.test(value)) return microsToNs(value);
  return undefined;
}

/** A span's `duration` in µs, as ns; 0 when absent. */
export function durationOf(raw: JsonObject): bigint {
  const value = raw['duration'];
  if (value === undefined || value === null) return 0n;
  const ns = micros(value);
  if (ns === undefined) throw new Problem('duration', `is ${show(value)}, not microseconds (a number)`);
  return ns;
}
