/**
 * Where a span's duration label goes beside its bar. A label is shown whole or not at all: the
 * track clips what overflows it, and a clipped "307 ms" reads as "7 ms", a wrong value,
 * not a shortened one. So every placement returned lies entirely inside [0, trackWidth].
 */
export type LabelPlacement =
  /** After the bar's right end. */
  | { readonly kind: 'after'; readonly left: number }
  /** Before the bar's left end. */
  | { readonly kind: 'before'; readonly left: number }
  /** On the bar, at its right end (the bar is wider than the label). */
  | { readonly kind: 'inside'; readonly left: number }
  /** The bar is outside the view; the label sits at the edge the bar is beyond, with an arrow. */
  | { readonly kind: 'edge'; readonly left: number; readonly side: 'left' | 'right' }
  | { readonly kind: 'hidden' };

/** Space between a bar and its label, px. */
export const labelGap = 4;

/**
 * `barLeft`/`barRight` are the bar's ends on the track in px, unclipped (they may lie outside it).
 * `labelWidth` is the rendered width of the text to place.
 */
export function placeLabel(barLeft: number, barRight: number, trackWidth: number, labelWidth: number, gap = labelGap): LabelPlacement {
  if (!(trackWidth > 0) || !(labelWidth >= 0) || !Number.isFinite(labelWidth) || labelWidth + 2 > trackWidth) return { kind: 'hidden' };
  if (!Number.isFinite(barLeft) || !Number.isFinite(barRight)) return { kind: 'hidden' };
  if (barLeft > trackWidth) return { kind: 'edge', side: 'right', left: trackWidth - 2 - labelWidth };
  if (barRight < 0) return { kind: 'edge', side: 'left', left: 2 };
  const right = Math.max(0, barRight);
  if (right + gap + labelWidth <= trackWidth) return { kind: 'after', left: right + gap };
  const left = Math.min(trackWidth, barLeft);
  if (left - gap - labelWidth >= 0) return { kind: 'before', left: left - gap - labelWidth };
  const shownLeft = Math.max(0, barLeft);
  const shownRight = Math.min(trackWidth, barRight);
  if (shownRight - shownLeft >= labelWidth + 2 * gap) return { kind: 'inside', left: shownRight - gap - labelWidth };
  return { kind: 'hidden' };
}

export interface AxisLabel {
  /** Where the tick line is, px. */
  readonly x: number;
  readonly width: number;
}

export type AxisLabelPlacement = { readonly left: number; readonly align: 'start' | 'end' } | undefined;

/**
 * Tick labels normally start just right of their tick line; one that would run past the right
 * edge (the last tick often sits on it) ends just left of its line instead, and one that would
 * overlap its neighbour or still not fit is left out (undefined) rather than cut.
 */
export function placeAxisLabels(labels: readonly AxisLabel[], axisWidth: number, pad = 3, gap = 6): AxisLabelPlacement[] {
  const placed: AxisLabelPlacement[] = [];
  let previousRight = -Infinity;
  for (const { x, width } of labels) {
    let placement: AxisLabelPlacement;
    if (x + pad + width <= axisWidth && x + pad >= 0) placement = { left: x + pad, align: 'start' };
    else if (x - pad - width >= 0 && x - pad <= axisWidth) placement = { left: x - pad - width, align: 'end' };
    if (placement && placement.left < previousRight + gap) placement = undefined;
    if (placement) previousRight = placement.left + width;
    placed.push(placement);
  }
  return placed;
}
