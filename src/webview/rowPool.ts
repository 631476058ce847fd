import { h } from './dom';

/** The DOM of one pooled row; pooled rows are reused as the list scrolls. */
export interface RowView {
  readonly root: HTMLElement;
  readonly label: HTMLElement;
  readonly twisty: HTMLElement;
  readonly swatch: HTMLElement;
  readonly name: HTMLElement;
  readonly service: HTMLElement;
  readonly bar: HTMLElement;
  /** The baseline's duration, outlined behind the bar, while a comparison is shown. */
  readonly ghost: HTMLElement;
  readonly duration: HTMLElement;
  row: number;
  version: number;
  geometry: number;
  /** Last values written, so an unchanged value is never written again (writes cost style work). */
  barCss: string;
  ghostCss: string;
  durationCss: string;
  durationText: string;
  /** The duration with the comparison's delta, tried first when there is room. */
  deltaText: string;
}

/**
 * The row elements of the viewport: scrolling a million-span trace touches only these (~40).
 * Rows that leave one end of the viewport move to the other end, in the DOM too so reading order
 * stays the visual order, and the rows still in view keep their content: a scroll of d rows
 * fills d rows, not the whole viewport.
 */
export class RowPool {
  private readonly views: RowView[] = [];
  /** The list position the first view showed at the last call. */
  private first = 0;

  constructor(private readonly layer: HTMLElement) {}

  /** At least `count` views, the first of them for list position `first`. */
  viewsFrom(first: number, count: number): readonly RowView[] {
    while (this.views.length < count) this.views.push(this.createRow());
    this.rotate(first);
    return this.views;
  }

  private rotate(first: number): void {
    const delta = first - this.first;
    this.first = first;
    const size = this.views.length;
    if (delta === 0 || Math.abs(delta) >= size) return;
    if (delta > 0) {
      const moved = this.views.splice(0, delta);
      this.views.push(...moved);
      this.layer.append(...moved.map((view) => view.root));
    } else {
      const moved = this.views.splice(size + delta, -delta);
      this.views.unshift(...moved);
      this.layer.prepend(...moved.map((view) => view.root));
    }
  }

  private createRow(): RowView {
    const twisty = h('span', { className: 'twisty', attrs: { 'aria-hidden': 'true' } });
    const swatch = h('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
    const name = h('span', { className: 'name' });
    const service = h('span', { className: 'service' });
    const label = h('div', { className: 'label' }, [twisty, swatch, name, service]);
    const ghost = h('div', { className: 'ghost', attrs: { 'aria-hidden': 'true' } });
    const bar = h('div', { className: 'bar' });
    const duration = h('span', { className: 'duration' });
    const timeline = h('div', { className: 'timeline' }, [ghost, bar, duration]);
    const root = h('div', { className: 'row', attrs: { role: 'treeitem' } }, [label, timeline]);
    this.layer.append(root);
    return { root, label, twisty, swatch, name, service, bar, ghost, duration, row: -1, version: 0, geometry: 0, barCss: '', ghostCss: '', durationCss: '', durationText: '', deltaText: '' };
  }
}
