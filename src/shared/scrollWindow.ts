/**
 * Virtual scrolling over more rows than an element may be tall. Chromium caps element height
 * near 2^25 px (about 1.5M rows of 22 px), so past `maxScrollPx` the scrollbar covers the rows
 * proportionally instead of one pixel per pixel.
 */
export const maxScrollPx = 8_000_000;

export interface ScrollWindow {
  /** First visible position. */
  readonly first: number;
  /** How many positions to draw (may include one partly hidden at the bottom). */
  readonly count: number;
  /** How far the first row sits above the viewport's top edge, px. */
  readonly shiftPx: number;
}

export function scrollHeightPx(rowCount: number, rowHeight: number, limit = maxScrollPx): number {
  return Math.min(rowCount * rowHeight, limit);
}

/** Pixel offset into the full (unscaled) list that a scrollTop stands for. */
function contentTop(scrollTop: number, viewportHeight: number, rowCount: number, rowHeight: number, limit: number): number {
  const total = rowCount * rowHeight;
  const scrollable = scrollHeightPx(rowCount, rowHeight, limit) - viewportHeight;
  if (total <= limit || scrollable <= 0) return Math.max(0, scrollTop);
  return (Math.min(Math.max(0, scrollTop), scrollable) / scrollable) * (total - viewportHeight);
}

export function scrollWindow(scrollTop: number, viewportHeight: number, rowCount: number, rowHeight: number, limit = maxScrollPx): ScrollWindow {
  if (rowCount === 0 || rowHeight <= 0) return { first: 0, count: 0, shiftPx: 0 };
  const top = contentTop(scrollTop, viewportHeight, rowCount, rowHeight, limit);
  const first = Math.min(rowCount - 1, Math.floor(top / rowHeight));
  const shiftPx = top - first * rowHeight;
  const count = Math.min(rowCount - first, Math.ceil((viewportHeight + shiftPx) / rowHeight));
  return { first, count: Math.max(0, count), shiftPx };
}

/** The scrollTop that shows position `position` at the top of the viewport. */
export function scrollTopForPosition(position: number, viewportHeight: number, rowCount: number, rowHeight: number, limit = maxScrollPx): number {
  const total = rowCount * rowHeight;
  const scrollable = scrollHeightPx(rowCount, rowHeight, limit) - viewportHeight;
  if (scrollable <= 0) return 0;
  const want = Math.min(position * rowHeight, total - viewportHeight);
  if (total <= limit) return Math.max(0, want);
  return Math.max(0, (want / (total - viewportHeight)) * scrollable);
}
