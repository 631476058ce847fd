import { SpanFlag, type TraceViewData } from '../shared/traceViewData';
import { h } from './dom';
import { resolvedColor } from './serviceColors';

/**
 * The strip above the waterfall: how busy the whole trace is over time, where its errors are,
 * and which part the waterfall shows. Dragging selects a time range; a click centres the view.
 * Drawing it costs one pass over the spans per resize, never per frame.
 */
export class Overview {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly viewBox: HTMLElement;
  private readonly selectionBox: HTMLElement;
  private data: TraceViewData | undefined;
  private viewStart = 0;
  private viewEnd = 1;
  private dragFrom: number | undefined;
  private drawnWidth = 0;

  constructor(private readonly onSelect: (startNs: number, endNs: number) => void) {
    this.canvas = h('canvas', { className: 'overview-canvas', attrs: { 'aria-hidden': 'true' } });
    this.viewBox = h('div', { className: 'overview-view' });
    this.selectionBox = h('div', { className: 'overview-selection' });
    this.element = h(
      'div',
      { className: 'overview', title: 'Drag to select a time range; click to centre the view; double-click for the whole trace', attrs: { role: 'group', 'aria-label': 'Trace overview' } },
      [this.canvas, this.viewBox, this.selectionBox],
    );
    this.canvas.addEventListener('pointerdown', (event) => {
      this.dragFrom = event.offsetX;
      this.canvas.setPointerCapture(event.pointerId);
    });
    this.canvas.addEventListener('pointermove', (event) => {
      if (this.dragFrom === undefined) return;
      const [a, b] = [Math.min(this.dragFrom, event.offsetX), Math.max(this.dragFrom, event.offsetX)];
      this.selectionBox.style.display = 'block';
      this.selectionBox.style.left = `${a}px`;
      this.selectionBox.style.width = `${b - a}px`;
    });
    this.canvas.addEventListener('pointerup', (event) => {
      const from = this.dragFrom;
      this.dragFrom = undefined;
      this.selectionBox.style.display = 'none';
      if (from === undefined || !this.data) return;
      const width = this.canvas.clientWidth || 1;
      const total = this.data.durationNs || 1;
      if (Math.abs(event.offsetX - from) > 3) {
        const a = (Math.min(from, event.offsetX) / width) * total;
        const b = (Math.max(from, event.offsetX) / width) * total;
        this.onSelect(Math.max(0, a), Math.min(total, b));
      } else {
        const centre = (event.offsetX / width) * total;
        const half = (this.viewEnd - this.viewStart) / 2;
        const start = Math.min(Math.max(0, centre - half), Math.max(0, total - 2 * half));
        this.onSelect(start, start + 2 * half);
      }
    });
    this.canvas.addEventListener('dblclick', () => {
      if (this.data) this.onSelect(0, this.data.durationNs);
    });
  }

  setData(data: TraceViewData): void {
    this.data = data;
    this.drawnWidth = 0;
    this.draw();
  }

  setView(startNs: number, endNs: number): void {
    this.viewStart = startNs;
    this.viewEnd = endNs;
    const total = this.data?.durationNs ?? 1;
    const left = (startNs / (total || 1)) * 100;
    const width = ((endNs - startNs) / (total || 1)) * 100;
    this.viewBox.style.left = `${left}%`;
    this.viewBox.style.width = `${Math.max(0.2, width)}%`;
  }

  /** Redraws when the width changed (or data arrived). */
  draw(): void {
    const data = this.data;
    const cssWidth = this.canvas.clientWidth;
    const cssHeight = this.canvas.clientHeight || 36;
    if (!data || cssWidth === 0 || cssWidth === this.drawnWidth) return;
    this.drawnWidth = cssWidth;
    const ratio = window.devicePixelRatio || 1;
    const columns = Math.max(1, Math.floor(cssWidth * ratio));
    const height = Math.max(1, Math.floor(cssHeight * ratio));
    this.canvas.width = columns;
    this.canvas.height = height;
    const density = new Float64Array(columns + 1);
    const errors = new Uint8Array(columns);
    const scale = columns / (data.durationNs || 1);
    for (let i = 0; i < data.spanCount; i++) {
      const start = data.offsetNs[i] ?? 0;
      const x0 = Math.min(columns - 1, Math.max(0, Math.floor(start * scale)));
      const x1 = Math.min(columns - 1, Math.max(x0, Math.floor((start + (data.durationsNs[i] ?? 0)) * scale)));
      density[x0] = (density[x0] ?? 0) + 1;
      density[x1 + 1] = (density[x1 + 1] ?? 0) - 1;
      if (((data.flags[i] ?? 0) & SpanFlag.Error) !== 0) errors[x0] = 1;
    }
    let running = 0;
    let max = 1;
    for (let x = 0; x < columns; x++) {
      running += density[x] ?? 0;
      density[x] = running;
      if (running > max) max = running;
    }
    const context = this.canvas.getContext('2d');
    if (!context) return;
    context.clearRect(0, 0, columns, height);
    context.fillStyle = resolvedColor('--vscode-charts-blue');
    const logMax = Math.log1p(max);
    for (let x = 0; x < columns; x++) {
      const value = density[x] ?? 0;
      if (value <= 0) continue;
      const barHeight = Math.max(1, (Math.log1p(value) / logMax) * (height - 4 * ratio));
      context.fillRect(x, height - barHeight, 1, barHeight);
    }
    context.fillStyle = resolvedColor('--vscode-errorForeground');
    for (let x = 0; x < columns; x++) if (errors[x] === 1) context.fillRect(x, 0, Math.max(1, ratio), 4 * ratio);
  }

  /** The theme changed: colors must be resolved again. */
  invalidate(): void {
    this.drawnWidth = 0;
    this.draw();
  }
}
