import type { CompareEntry, CompareResult } from '../shared/compareResult';
import { plural } from '../shared/plural';
import { formatDuration } from '../shared/formatDuration';
import { shortTraceId } from '../shared/traceTitle';
import { button, h } from './dom';

const maxShown = 300;
/** Per level of the comparison tree, px; deep trees stop indenting (the path is in the tooltip). */
const indentPx = 12;
const maxIndentLevels = 16;

function signed(ns: number): string {
  return `${ns > 0 ? '+' : ''}${formatDuration(ns)}`;
}

/** The figures of an entry, in their own column so a long name never pushes them onto another line. */
export function deltaText(entry: CompareEntry): string {
  switch (entry.status) {
    case 'added':
      return `new · ${formatDuration(entry.currentDurationNs)}`;
    case 'removed':
      return `gone · was ${formatDuration(entry.baselineDurationNs)}`;
    case 'same':
      return `${formatDuration(entry.baselineDurationNs)} → ${formatDuration(entry.currentDurationNs)}`;
    case 'slower':
    case 'faster':
      return `${signed(entry.deltaNs)} · ${formatDuration(entry.baselineDurationNs)} → ${formatDuration(entry.currentDurationNs)}`;
  }
}

/** Percent of the track, clamped so a bar never leaves it (clock skew can put a span past its trace's end). */
function percent(value: number, total: number): number {
  return Math.min(100, Math.max(0, (value / (total || 1)) * 100));
}

/**
 * The comparison with a baseline trace: counts, then the changes as a tree (matched spans under
 * their parents, siblings numbered), each with the baseline's bar above the current one on one
 * time scale and the figures in a column of their own. An entry of this trace selects its span.
 */
export class ComparePane {
  readonly element: HTMLElement;

  constructor(private readonly onSelectRow: (row: number) => void) {
    this.element = h('section', { className: 'compare', attrs: { 'aria-label': 'Comparison with baseline', role: 'region' } });
    this.element.hidden = true;
  }

  hide(): void {
    this.element.hidden = true;
  }

  show(result: CompareResult, currentTraceId: string | undefined): void {
    const summary = `Compared with ${result.baselineTraceId}: ${result.matched.toLocaleString('en-US')} matched (${result.slower.toLocaleString('en-US')} slower, ${result.faster.toLocaleString('en-US')} faster), ${result.added.toLocaleString('en-US')} added, ${result.removed.toLocaleString('en-US')} removed`;
    const total = Math.max(result.baselineTraceDurationNs, result.currentTraceDurationNs);
    const list = h('ul', { className: 'compare-list' });
    const selectable = result.currentTraceId === currentTraceId;
    for (const entry of result.entries.slice(0, maxShown)) {
      const figures = deltaText(entry);
      const spoken = `${entry.status === 'same' ? 'unchanged' : entry.status}: ${entry.service} ${entry.label}, ${figures}`;
      const name =
        selectable && entry.currentRow >= 0
          ? button('', () => this.onSelectRow(entry.currentRow), { className: 'link-button compare-name', title: entry.path, attrs: { 'aria-label': spoken } })
          : h('span', { className: 'compare-name', title: entry.path, attrs: { 'aria-label': spoken } });
      // A long name is shortened with an ellipsis, but its sibling number never is: it is what
      // tells "GET /reserve #1" from "#2" in a narrow panel.
      const ordinal = entry.label.startsWith(entry.name) ? entry.label.slice(entry.name.length) : '';
      name.append(h('span', { className: 'compare-base', text: ordinal === '' ? entry.label : entry.name }));
      if (ordinal !== '') name.append(h('span', { className: 'compare-ordinal', text: ordinal }));
      const track = h('div', { className: 'compare-track', attrs: { 'aria-hidden': 'true' } });
      if (entry.baselineRow >= 0) track.append(bar('bar-before', entry.baselineOffsetNs, entry.baselineDurationNs, total));
      if (entry.currentRow >= 0) track.append(bar('bar-after', entry.currentOffsetNs, entry.currentDurationNs, total));
      const label = h('span', { className: 'compare-label' }, [name]);
      label.style.paddingLeft = `${Math.min(entry.depth, maxIndentLevels) * indentPx}px`;
      list.append(
        h('li', { className: `compare-entry ${entry.status}`, attrs: { 'data-depth': String(entry.depth) } }, [
          label,
          track,
          h('span', { className: 'compare-delta', text: figures, attrs: { 'aria-hidden': 'true' } }),
        ]),
      );
    }
    const more = result.truncated + Math.max(0, result.entries.length - maxShown);
    const close = button('×', () => this.hide(), { className: 'icon-button', attrs: { 'aria-label': 'Close comparison' } });
    const legend = h('p', { className: 'compare-legend' }, [
      h('span', { className: 'legend-before', attrs: { 'aria-hidden': 'true' } }),
      `baseline ${shortTraceId(result.baselineTraceId)}`,
      h('span', { className: 'legend-after', attrs: { 'aria-hidden': 'true' } }),
      'this trace',
    ]);
    this.element.replaceChildren(h('div', { className: 'compare-header' }, [h('h2', { text: summary }), close]), legend, list);
    if (more > 0) this.element.append(h('p', { text: `${plural(more, 'smaller change')} not listed.` }));
    this.element.hidden = false;
  }
}

function bar(className: string, offsetNs: number, durationNs: number, total: number): HTMLElement {
  const element = h('span', { className });
  const left = percent(offsetNs, total);
  element.style.left = `${left}%`;
  element.style.width = `${Math.min(100 - left, percent(durationNs, total))}%`;
  return element;
}
