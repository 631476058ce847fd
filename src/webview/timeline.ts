import { placeAxisLabels, placeLabel } from '../shared/labelFit';
import { timeTicks } from '../shared/timeAxis';
import { h } from './dom';
import type { RowView } from './rowPool';

/** The visible stretch of time and the pixels it is drawn across. */
export interface TimeTrack {
  readonly width: number;
  readonly startNs: number;
  readonly endNs: number;
}

/** Rendered widths of duration and tick labels, px: canvas measurement cached per text, no layout. */
export class LabelWidths {
  private readonly widths = new Map<string, number>();
  private context: CanvasRenderingContext2D | null | undefined;

  /** A zoom of the page or a font change alters text widths: measured again on demand. */
  clear(): void {
    this.widths.clear();
    this.context = undefined;
  }

  of(text: string, sample: HTMLElement): number {
    let width = this.widths.get(text);
    if (width !== undefined) return width;
    if (this.context === undefined) {
      this.context = document.createElement('canvas').getContext('2d');
      const style = getComputedStyle(sample);
      if (this.context) this.context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    }
    // Without a canvas, a generous guess: a label dropped for want of room beats a clipped one.
    width = Math.ceil(this.context ? this.context.measureText(text).width : text.length * 9) + 1;
    if (this.widths.size > 4096) this.widths.clear();
    this.widths.set(text, width);
    return width;
  }
}

/**
 * Positions a row's bar, its baseline's ghost and its duration label on the time axis: the only
 * work a zoom or pan does per row.
 */
export function placeBar(view: RowView, offsetNs: number, durationNs: number, baselineDurationNs: number | undefined, track: TimeTrack, labels: LabelWidths): void {
  const width = track.width;
  const scale = width / (track.endNs - track.startNs || 1);
  const x = (offsetNs - track.startNs) * scale;
  const w = Math.max(1, durationNs * scale);
  const barCss = trackCss(x, w, width);
  const gw = baselineDurationNs !== undefined ? Math.max(1, baselineDurationNs * scale) : 0;
  const ghostCss = baselineDurationNs !== undefined ? trackCss(x, gw, width) : 'none';
  // The label keeps clear of the ghost too, so it never sits on the baseline's outline.
  const extentRight = Math.max(x + w, x + gw);
  let text = '';
  let durationCss = 'none';
  const after = x > width;
  const before = extentRight < 0;
  for (const candidate of view.deltaText === '' ? [view.durationText] : [view.deltaText, view.durationText]) {
    const shown = after ? `${candidate} ▸` : before ? `◂ ${candidate}` : candidate;
    const placement = placeLabel(x, extentRight, width, labels.of(shown, view.duration));
    if (placement.kind === 'hidden') continue;
    text = shown;
    durationCss = `${placement.kind === 'inside' ? 'I' : 'T'}${placement.left.toFixed(1)}`;
    break;
  }
  // Only changed values are written: every style write costs style and layout work.
  if (view.barCss !== barCss) {
    view.barCss = barCss;
    applyTrackCss(view.bar, barCss);
  }
  if (view.ghostCss !== ghostCss) {
    view.ghostCss = ghostCss;
    applyTrackCss(view.ghost, ghostCss);
  }
  if (view.durationCss !== durationCss) {
    view.durationCss = durationCss;
    const style = view.duration.style;
    if (durationCss === 'none') style.display = 'none';
    else {
      style.display = '';
      style.transform = `translateX(${durationCss.slice(1)}px)`;
      view.duration.classList.toggle('inside', durationCss.startsWith('I'));
    }
  }
  if (view.duration.textContent !== text) view.duration.textContent = text;
}

/** The time axis's ticks and labels; zooming redraws it every frame, so its elements are reused. */
export function drawAxis(axis: HTMLElement, track: TimeTrack, labels: LabelWidths): void {
  const width = track.width;
  const ticks = timeTicks(track.startNs, track.endNs, width);
  const scale = width / (track.endNs - track.startNs || 1);
  while (axis.childElementCount > ticks.length * 2) axis.lastElementChild?.remove();
  const xs = ticks.map((tick) => (tick.offsetNs - track.startNs) * scale);
  const sample = axis.firstElementChild instanceof HTMLElement ? axis.firstElementChild : axis;
  const placements = placeAxisLabels(
    ticks.map((tick, i) => ({ x: xs[i] ?? 0, width: labels.of(tick.label, sample) })),
    width,
  );
  ticks.forEach((tick, i) => {
    const line = (axis.children[i * 2] as HTMLElement | undefined) ?? axis.appendChild(h('span', { className: 'tick-line' }));
    const label = (axis.children[i * 2 + 1] as HTMLElement | undefined) ?? axis.appendChild(h('span', { className: 'tick' }));
    // The line of a tick on the right edge is drawn just inside it.
    line.style.transform = `translateX(${Math.min(width - 1, Math.max(0, xs[i] ?? 0)).toFixed(1)}px)`;
    const placement = placements[i];
    if (placement === undefined) {
      label.style.display = 'none';
      return;
    }
    label.style.display = '';
    if (label.textContent !== tick.label) label.textContent = tick.label;
    label.style.transform = `translateX(${placement.left.toFixed(1)}px)`;
  });
}

/** A bar's geometry on a track of `width` px as "left width", clamped inside it; `none` when off it. */
function trackCss(x: number, w: number, width: number): string {
  if (x >= width || x + w <= 0) return 'none';
  const left = Math.min(width - 1, Math.max(0, x));
  const right = Math.max(left + 1, Math.min(width, x + w));
  return `${left.toFixed(1)} ${(right - left).toFixed(1)}`;
}

function applyTrackCss(element: HTMLElement, css: string): void {
  const style = element.style;
  if (css === 'none') {
    style.display = 'none';
    return;
  }
  const [left = '0', size = '1'] = css.split(' ');
  style.display = '';
  style.transform = `translateX(${left}px)`;
  style.width = `${size}px`;
}
