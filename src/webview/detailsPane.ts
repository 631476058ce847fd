import type { WebviewMessage } from '../shared/protocol';
import type { SpanDetails, TextPairs } from '../shared/spanDetails';
import { spanFacts } from '../shared/spanFacts';
import { formatDuration } from '../shared/formatDuration';
import { hasFlag, nameAt, SpanFlag, spanIdAt, type TraceViewData } from '../shared/traceViewData';
import { button, h } from './dom';

/**
 * The span details pane. What the encoding already has (name, ids, timing) shows at once; the
 * rest (attributes, events, exceptions, links) arrives in a `spanDetails` reply. Frames and
 * links are buttons that post messages: span data never becomes a URL.
 */
export class DetailsPane {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private row = -1;
  private data: TraceViewData | undefined;
  private facts: HTMLElement | undefined;

  constructor(
    private readonly post: (message: WebviewMessage) => void,
    private readonly onClose: () => void,
  ) {
    this.body = h('div', { className: 'details-body' });
    this.element = h('section', { className: 'details', attrs: { 'aria-label': 'Span details', role: 'region', tabindex: '-1' } }, [this.body]);
    this.element.hidden = true;
  }

  get shownRow(): number {
    return this.element.hidden ? -1 : this.row;
  }

  /** Shows what the encoding knows about `row`; details fill in when they arrive. */
  showBasics(data: TraceViewData, row: number): void {
    this.row = row;
    this.data = data;
    this.element.hidden = false;
    const spanId = spanIdAt(data, row);
    const traceId = data.traceId;
    const header = h('div', { className: 'details-header' }, [
      h('h2', { className: 'details-title', text: nameAt(data, row) }),
      button('×', () => this.onClose(), { className: 'icon-button', title: 'Close details (Escape)', attrs: { 'aria-label': 'Close details' } }),
    ]);
    const actions = h('div', { className: 'details-actions' }, [
      button('Go to Code', () => this.post({ type: 'goToSpanCode', traceId, spanId, row }), {
        className: 'go-to-code',
        title: hasFlag(data, row, SpanFlag.HasLocation) ? 'Open the code that recorded this span (g)' : 'Try to find the code for this span (g)',
      }),
      button('Copy Span ID', () => this.post({ type: 'copy', text: spanId }), { className: 'secondary' }),
      button('Copy Trace ID', () => this.post({ type: 'copy', text: traceId }), { className: 'secondary' }),
    ]);
    this.facts = table(spanFacts(data, row));
    this.body.replaceChildren(header, actions, this.facts, h('p', { className: 'details-loading', text: 'Loading attributes…' }));
  }

  showDetails(details: SpanDetails): void {
    if (details.row !== this.row) return;
    this.body.querySelector('.details-loading')?.remove();
    const sections: HTMLElement[] = [];
    // One facts table: the reply's facts merge into the early ones instead of adding a second table.
    if (this.data && this.facts) {
      const merged = table(spanFacts(this.data, details.row, details));
      this.facts.replaceWith(merged);
      this.facts = merged;
    }
    for (const exception of details.exceptions) {
      const frames = h('ol', { className: 'frames', attrs: { 'aria-label': 'Stack frames' } });
      for (const frame of exception.frames) {
        const item = h('li');
        if (frame.file !== undefined && frame.line !== undefined) {
          item.append(
            button(frame.raw, () => this.post({ type: 'goToFrame', traceId: details.traceId, spanId: details.spanId, frame }), {
              className: 'link-button frame',
              title: `Open ${frame.file}:${frame.line}`,
            }),
          );
        } else {
          item.append(h('span', { className: 'frame-text', text: frame.raw }));
        }
        frames.append(item);
      }
      sections.push(section(`Exception: ${exception.type}`, [h('p', { className: 'exception-message', text: exception.message }), frames]));
    }
    if (details.attributes.length > 0) sections.push(section('Attributes', [table(details.attributes)]));
    if (details.events.length > 0) {
      sections.push(
        section(
          'Events',
          details.events.map((event) => h('div', { className: 'event' }, [h('div', { className: 'event-name', text: `+${formatDuration(event.offsetNs)} ${event.name}` }), table(event.attributes)])),
        ),
      );
    }
    if (details.links.length > 0) {
      sections.push(
        section(
          'Links',
          details.links.map((link) =>
            h('div', { className: 'span-link' }, [
              button(`${link.traceId} / ${link.spanId}`, () => this.post({ type: 'openTrace', traceId: link.traceId, spanId: link.spanId }), {
                className: 'link-button',
                title: 'Open the linked trace',
              }),
              table(link.attributes),
            ]),
          ),
        ),
      );
    }
    if (details.resource.length > 0) sections.push(section('Resource', [table(details.resource)]));
    this.body.append(...sections);
  }

  hide(): void {
    this.element.hidden = true;
  }
}

function section(title: string, children: readonly Node[]): HTMLElement {
  return h('details', { className: 'details-section', attrs: { open: '' } }, [h('summary', { text: title }), ...children]);
}

function table(rows: TextPairs): HTMLElement {
  const body = h('tbody');
  for (const [key, value] of rows) body.append(h('tr', {}, [h('th', { text: key, attrs: { scope: 'row' } }), h('td', { text: value })]));
  return h('table', { className: 'kv' }, [body]);
}
