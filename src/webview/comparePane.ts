import type { CompareResult } from '../shared/compareResult';
import { formatDurationNs } from '../shared/timeAxis';
import { button, h } from './dom';

const maxShown = 300;

/** The comparison with a baseline trace: counts, then the biggest changes, each one a button that selects the span. */
export class ComparePane {
  readonly element: HTMLElement;

  constructor(private readonly onSelectRow: (row: number) => void) {
    this.element = h('section', { className: 'compare', attrs: { 'aria-label': 'Comparison with baseline', role: 'region' } });
    this.element.hidden = true;
  }

  show(result: CompareResult, currentTraceId: string | undefined): void {
    const summary = `Compared with ${result.baselineTraceId}: ${result.matched} matched (${result.slower} slower, ${result.faster} faster), ${result.added} added, ${result.removed} removed`;
    const list = h('ol', { className: 'compare-list' });
    for (const entry of result.entries.slice(0, maxShown)) {
      const delta = entry.status === 'added' ? `new, ${formatDurationNs(entry.currentDurationNs)}` : entry.status === 'removed' ? `gone, was ${formatDurationNs(entry.baselineDurationNs)}` : `${entry.deltaNs > 0 ? '+' : ''}${formatDurationNs(entry.deltaNs)} (${formatDurationNs(entry.baselineDurationNs)} → ${formatDurationNs(entry.currentDurationNs)})`;
      const label = `${entry.status}: ${entry.path} — ${delta}`;
      const selectable = entry.currentRow >= 0 && result.currentTraceId === currentTraceId;
      list.append(
        h('li', { className: `compare-entry ${entry.status}` }, [
          selectable ? button(label, () => this.onSelectRow(entry.currentRow), { className: 'link-button' }) : h('span', { text: label }),
        ]),
      );
    }
    const more = result.truncated + Math.max(0, result.entries.length - maxShown);
    const close = button('×', () => (this.element.hidden = true), { className: 'icon-button', attrs: { 'aria-label': 'Close comparison' } });
    this.element.replaceChildren(h('div', { className: 'compare-header' }, [h('h2', { text: summary }), close]), list);
    if (more > 0) this.element.append(h('p', { text: `${more} smaller changes not listed.` }));
    this.element.hidden = false;
  }
}
