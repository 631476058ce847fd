/**
 * The trace view encoding as both sides read it. The types are defined in core, where the
 * encoding is made (core may not import shared); SpanFlag is repeated here because the webview
 * may not import core values, and a unit test keeps the two copies equal.
 */
import type { TraceViewData } from '../core/traceView/traceViewData';

export type { SpanIdColumn, TraceViewData } from '../core/traceView/traceViewData';

/** Bits of `TraceViewData.flags` (same values as core's SpanFlag). */
export const SpanFlag = {
  Error: 1,
  Critical: 2,
  Orphan: 4,
  HasLocation: 8,
  HasException: 16,
  HasLinks: 32,
} as const;
export type SpanFlag = (typeof SpanFlag)[keyof typeof SpanFlag];

const hexDigits = '0123456789abcdef';

export function spanIdAt(data: TraceViewData, row: number): string {
  const column = data.spanIds;
  if (column.kind === 'text') return column.ids[row] ?? '';
  let out = '';
  const base = row * 8;
  for (let b = 0; b < 8; b++) {
    const byte = column.bytes[base + b] ?? 0;
    out += (hexDigits[byte >> 4] ?? '0') + (hexDigits[byte & 15] ?? '0');
  }
  return out;
}

export function hasFlag(data: TraceViewData, row: number, flag: SpanFlag): boolean {
  return ((data.flags[row] ?? 0) & flag) !== 0;
}

export function nameAt(data: TraceViewData, row: number): string {
  return data.names[data.nameIndex[row] ?? 0] ?? '';
}

export function serviceAt(data: TraceViewData, row: number): string {
  return data.services[data.serviceIndex[row] ?? 0] ?? '';
}

export function hasChildren(data: TraceViewData, row: number): boolean {
  return (data.subtreeEnd[row] ?? row + 1) > row + 1;
}

/** Row of a span id, or −1; a linear scan, for the rare lookups (links, restored selection). */
export function rowOfSpanId(data: TraceViewData, spanId: string): number {
  for (let row = 0; row < data.spanCount; row++) if (spanIdAt(data, row) === spanId) return row;
  return -1;
}

/** Size of the encoding's columns, for the bench and for deciding how to send it. */
export function encodedBytes(data: TraceViewData): number {
  const arrays = [data.offsetNs, data.durationsNs, data.depth, data.parent, data.subtreeEnd, data.serviceIndex, data.nameIndex, data.flags];
  let bytes = arrays.reduce((sum, array) => sum + array.byteLength, 0);
  bytes += data.spanIds.kind === 'hex64' ? data.spanIds.bytes.byteLength : data.spanIds.ids.reduce((sum, id) => sum + id.length, 0);
  for (const text of [...data.names, ...data.services]) bytes += text.length;
  return bytes;
}
