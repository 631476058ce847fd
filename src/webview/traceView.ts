import type { CompareEntry, CompareResult } from '../shared/compareResult';
import { plural } from '../shared/plural';
import type { TraceViewState, WebviewMessage } from '../shared/protocol';
import { scrollHeightPx, scrollTopForPosition, scrollWindow } from '../shared/scrollWindow';
import type { SpanDetails } from '../shared/spanDetails';
import { filterRows, isFiltering, matchOrdinal, nextMatch, noFilter, searchRows, type SpanFilter } from '../shared/spanMatcher';
import { formatDuration } from '../shared/formatDuration';
import { hasChildren, nameAt, rowOfSpanId, serviceAt, SpanFlag, spanIdAt, type TraceViewData } from '../shared/traceViewData';
import { collapseAll, computeVisibleRows, expandToFlag, keepWithAncestors, positionOfRow, revealRow, setSizeOf, siblingPositions, type SiblingPositions } from '../shared/visibleRows';
import { ComparePane } from './comparePane';
import { DetailsPane } from './detailsPane';
import { button, h, setHighlightedText, setSafeAttribute } from './dom';
import { Overview } from './overview';
import { RowPool, type RowView } from './rowPool';
import { serviceColorVar } from './serviceColors';
import { drawAxis, LabelWidths, placeBar, type TimeTrack } from './timeline';
import { treeCommandOf } from './treeKeys';

function setIfChanged(element: Element, name: string, value: string | undefined): void {
  if (value === undefined) {
    if (element.hasAttribute(name)) element.removeAttribute(name);
  } else if (element.getAttribute(name) !== value) {
    setSafeAttribute(element, name, value);
  }
}

/** Must match `.row { height }` in media/traceView.css. */
export const rowHeight = 22;
/** Beyond this depth rows stop indenting further (a 100k-deep chain must still be readable). */
const maxIndentLevels = 40;
/** The collapsed set is saved only while it is this small; setState serializes it to JSON. */
const maxSavedCollapsed = 50_000;

export interface HostBridge {
  post(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: TraceViewState): void;
}

/** Which part of the view had focus, so it gets it back when the panel is shown again. */
type FocusTarget = NonNullable<TraceViewState['focus']>;

/**
 * The waterfall. Every frame draws only the rows in the viewport from a pool of row elements:
 * scrolling a million-span trace touches ~40 elements. Tree shape, filters and search are
 * typed-array passes (src/shared) that run only when they change, never per frame.
 */
export class TraceView {
  private data: TraceViewData | undefined;
  private origin: string | undefined;
  private collapsed: Uint8Array = new Uint8Array(0);
  private keep: Uint8Array | undefined;
  private pass: Uint8Array | undefined;
  private rows: Uint32Array = new Uint32Array(0);
  private scratch: Uint32Array | undefined;
  private selected = -1;
  private viewStart = 0;
  private viewEnd = 1;
  private critical = false;
  private query = '';
  private needle = '';
  private matches: Uint32Array = new Uint32Array(0);
  private matchMask: Uint8Array | undefined;
  private filter: SpanFilter = noFilter;
  private positions: SiblingPositions | undefined;
  /** The shown comparison's entries by current row, when it is of this trace. */
  private compareByRow: Map<number, CompareEntry> | undefined;
  private focusTarget: FocusTarget | undefined;
  /** Set between a press on the tree and its release. */
  private pointerFocus = false;
  private readonly labelWidths = new LabelWidths();
  /** Bumped when what rows show changes (selection, folding, search, filters, theme). */
  private version = 1;
  /** Bumped when where bars sit changes (zoom, pan, resize). */
  private geometry = 1;
  private frameRequested = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private nextRequestId = 1;
  private detailsRequest = 0;
  private attributeRequest = 0;
  private timelineWidth = 0;
  private axisLeft = 0;
  private viewportHeight = 0;
  private axisVersion = -1;

  private readonly root: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly rowPool: RowPool;
  private readonly axis: HTMLElement;
  private readonly header: HTMLElement;
  private readonly searchInput: HTMLInputElement;
  private readonly matchCount: HTMLElement;
  private readonly serviceSelect: HTMLSelectElement;
  private readonly attributeInput: HTMLInputElement;
  private readonly errorsOnly: HTMLInputElement;
  private readonly minDuration: HTMLInputElement;
  private readonly criticalButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  /** Says what a keyboard action did, for screen readers (aria-live). */
  private readonly announcer: HTMLElement;
  /** Says why there are no rows (loading, or the trace could not be shown): never a blank panel. */
  private readonly emptyMessage: HTMLElement;
  private readonly overview: Overview;
  private readonly details: DetailsPane;
  private readonly compare: ComparePane;

  constructor(
    container: HTMLElement,
    private readonly host: HostBridge,
  ) {
    this.overview = new Overview((start, end) => this.setView(start, end));
    this.details = new DetailsPane(
      (message) => host.post(message),
      () => this.closeDetails(),
    );
    this.compare = new ComparePane((row) => this.selectRow(row, { reveal: true, details: true }));

    this.searchInput = h('input', { className: 'search', attrs: { type: 'search', placeholder: 'Search name, service or span id', 'aria-label': 'Search spans' } });
    this.matchCount = h('span', { className: 'match-count', attrs: { 'aria-live': 'polite' } });
    this.serviceSelect = h('select', { attrs: { 'aria-label': 'Service filter' } });
    this.attributeInput = h('input', { className: 'attribute', attrs: { type: 'text', placeholder: 'attribute key=value', 'aria-label': 'Attribute filter (key=value, Enter to apply)' } });
    this.errorsOnly = h('input', { attrs: { type: 'checkbox', 'aria-label': 'Errors only' } });
    this.minDuration = h('input', { className: 'min-duration', attrs: { type: 'number', min: '0', step: 'any', placeholder: 'min ms', 'aria-label': 'Minimum duration in milliseconds' } });
    this.criticalButton = button('Critical path', () => this.setCritical(!this.critical), { className: 'toggle', attrs: { 'aria-pressed': 'false' }, title: 'Highlight the critical path (c)' });
    this.status = h('span', { className: 'status', attrs: { role: 'status' } });
    this.announcer = h('div', { className: 'visually-hidden', attrs: { 'aria-live': 'polite', 'aria-atomic': 'true' } });

    const toolbar = h('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Trace view' } }, [
      this.searchInput,
      button('↑', () => this.gotoMatch(-1), { className: 'icon-button', title: 'Previous match (Shift+Enter)', attrs: { 'aria-label': 'Previous match' } }),
      button('↓', () => this.gotoMatch(1), { className: 'icon-button', title: 'Next match (Enter)', attrs: { 'aria-label': 'Next match' } }),
      this.matchCount,
      this.serviceSelect,
      this.attributeInput,
      h('label', { className: 'check' }, [this.errorsOnly, 'Errors only']),
      this.minDuration,
      this.criticalButton,
      button('Collapse all', () => this.setCollapsed(this.data ? collapseAll(this.data) : this.collapsed)),
      button('Expand all', () => this.setCollapsed(new Uint8Array(this.data?.spanCount ?? 0))),
      button('Expand to errors', () => this.setCollapsed(this.data ? expandToFlag(this.data, SpanFlag.Error) : this.collapsed)),
      button('Reset zoom', () => this.setView(0, this.data?.durationNs ?? 1), { title: 'Show the whole trace (0)' }),
      this.status,
    ]);

    this.axis = h('div', { className: 'axis', attrs: { 'aria-hidden': 'true' } });
    this.header = h('div', { className: 'columns-header' }, [h('div', { className: 'label-header', text: 'Span' }), this.axis]);
    this.spacer = h('div', { className: 'spacer' });
    this.layer = h('div', { className: 'rows' });
    this.rowPool = new RowPool(this.layer);
    this.scroller = h('div', { className: 'scroller', attrs: { role: 'tree', tabindex: '0', 'aria-label': 'Spans', 'aria-multiselectable': 'false' } }, [this.layer, this.spacer]);
    this.emptyMessage = h('div', { className: 'empty-message', text: 'Loading trace…', attrs: { role: 'status' } });
    const waterfall = h('div', { className: 'waterfall' }, [this.header, this.emptyMessage, this.scroller]);
    const main = h('div', { className: 'main' }, [waterfall, this.details.element]);
    this.root = h('div', { className: 'trace-view' }, [toolbar, this.overview.element, this.compare.element, main, this.announcer]);
    container.replaceChildren(this.root);
    this.wireEvents();
  }

  // ───────────────────────────── data in ─────────────────────────────

  load(data: TraceViewData, origin?: string, revealSpanId?: string): void {
    this.data = data;
    this.origin = origin;
    this.emptyMessage.hidden = true;
    this.collapsed = new Uint8Array(data.spanCount);
    this.scratch = new Uint32Array(data.spanCount);
    this.filter = noFilter;
    this.keep = undefined;
    this.pass = undefined;
    this.selected = -1;
    this.positions = siblingPositions(data);
    this.compareByRow = undefined;
    this.compare.hide();
    this.viewStart = 0;
    this.viewEnd = data.durationNs > 0 ? data.durationNs : 1;
    this.details.hide();
    this.serviceSelect.replaceChildren(h('option', { text: 'All services', attrs: { value: '' } }), ...data.services.map((service) => h('option', { text: service, attrs: { value: service } })));
    this.errorsOnly.checked = false;
    this.minDuration.value = '';
    this.attributeInput.value = '';

    const saved = this.host.getState() as Partial<TraceViewState> | undefined;
    let scrollRow = 0;
    if (saved && saved.traceId === data.traceId) {
      for (const row of saved.collapsed ?? []) if (row >= 0 && row < data.spanCount) this.collapsed[row] = 1;
      if (typeof saved.viewStartNs === 'number' && typeof saved.viewEndNs === 'number' && saved.viewEndNs > saved.viewStartNs) {
        this.viewStart = saved.viewStartNs;
        this.viewEnd = saved.viewEndNs;
      }
      this.critical = saved.criticalPath === true;
      this.query = typeof saved.query === 'string' ? saved.query : '';
      if (typeof saved.selectedRow === 'number' && saved.selectedRow < data.spanCount) this.selected = saved.selectedRow;
      scrollRow = typeof saved.scrollRow === 'number' ? saved.scrollRow : 0;
      this.focusTarget = saved.focus === 'tree' || saved.focus === 'details' || saved.focus === 'search' ? saved.focus : undefined;
    } else {
      this.query = '';
    }
    this.searchInput.value = this.query;
    this.setCritical(this.critical);
    this.recomputeRows();
    this.runSearch();
    this.overview.setData(data);
    this.overview.setView(this.viewStart, this.viewEnd);
    const warnings = data.warnings.length > 0 ? ` · ${data.warnings.join(' ')}` : '';
    this.status.textContent = `${plural(data.spanCount, 'span')} · ${plural(data.services.length, 'service')} · ${formatDuration(data.durationNs)}${warnings}`;
    this.status.title = `Trace ${data.traceId}`;
    this.measure();
    this.scroller.scrollTop = scrollTopForPosition(Math.max(0, positionOfRow(this.rows, scrollRow)), this.viewportHeight, this.rows.length, rowHeight);
    const reveal = revealSpanId === undefined ? -1 : rowOfSpanId(data, revealSpanId);
    if (reveal >= 0) this.selectRow(reveal, { reveal: true, details: true });
    // A restored panel shows the span that was selected before the reload, details and all.
    else if (this.selected >= 0) this.selectRow(this.selected, { reveal: true, details: true });
    this.version++;
    this.renderNow();
  }

  showDetails(details: SpanDetails): void {
    if (this.data && details.traceId === this.data.traceId) this.details.showDetails(details);
  }

  detailsReply(requestId: number, details: SpanDetails | undefined): void {
    if (requestId !== this.detailsRequest) return;
    if (details) this.showDetails(details);
  }

  attributeReply(requestId: number, rows: Uint32Array): void {
    if (requestId !== this.attributeRequest) return;
    this.filter = { ...this.filter, attributeRows: rows };
    this.applyFilter();
  }

  showCompare(result: CompareResult): void {
    const data = this.data;
    this.compare.show(result, data?.traceId);
    this.compareByRow = undefined;
    if (data && result.currentTraceId === data.traceId) {
      this.compareByRow = new Map();
      for (const entry of result.entries) if (entry.currentRow >= 0 && entry.baselineRow >= 0 && entry.currentRow < data.spanCount) this.compareByRow.set(entry.currentRow, entry);
    }
    this.version++;
    this.geometry++;
    this.scheduleRender();
  }

  revealSpan(spanId: string): void {
    if (!this.data) return;
    const row = rowOfSpanId(this.data, spanId);
    if (row >= 0) this.selectRow(row, { reveal: true, details: true });
  }

  showMessage(text: string): void {
    this.status.textContent = text;
    if (this.data) return;
    this.emptyMessage.textContent = text;
    this.emptyMessage.hidden = false;
  }

  clear(): void {
    this.data = undefined;
    this.rows = new Uint32Array(0);
    this.details.hide();
    this.status.textContent = '';
    this.emptyMessage.textContent = 'No trace.';
    this.emptyMessage.hidden = false;
    this.version++;
    this.renderNow();
  }

  // ───────────────────────────── events ─────────────────────────────

  private wireEvents(): void {
    this.scroller.addEventListener('scroll', () => this.scheduleRender(), { passive: true });
    // A tree that selects nothing when entered says nothing to a screen reader.
    // Not for a click, though: scrolling between its press and release would move another span
    // under the pointer (rows are pooled), and the click selects its own row anyway.
    this.scroller.addEventListener('pointerdown', () => (this.pointerFocus = true));
    this.scroller.addEventListener('pointerup', () => (this.pointerFocus = false));
    this.scroller.addEventListener('focus', () => {
      if (this.pointerFocus) this.pointerFocus = false;
      else this.onTreeFocus();
    });
    this.root.addEventListener('focusin', (event) => this.noteFocus(event.target));
    this.details.element.addEventListener('keydown', (event) => {
      const data = this.data;
      const row = this.details.shownRow;
      if (event.key === 'Escape') {
        event.preventDefault();
        this.closeDetails();
      } else if (event.key === 'g' && !event.altKey && !event.ctrlKey && !event.metaKey && data && row >= 0 && !(event.target instanceof HTMLInputElement)) {
        // Enter moves focus here, so the pane answers the tree's Go to Code key too.
        event.preventDefault();
        this.host.post({ type: 'goToSpanCode', traceId: data.traceId, spanId: spanIdAt(data, row), row });
      }
    });
    // A hidden webview loses its focused element (the frame is hidden, the element blurred);
    // when the tab is shown and the frame focused again, focus goes back where it was.
    window.addEventListener('focus', () => this.restoreFocus());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && document.hasFocus()) this.restoreFocus();
    });
    this.scroller.addEventListener('keydown', (event) => this.onKey(event));
    this.layer.addEventListener('click', (event) => {
      const target = event.target as HTMLElement;
      const rowElement = target.closest<HTMLElement>('.row');
      if (!rowElement) return;
      const row = Number(rowElement.dataset['row']);
      if (!Number.isInteger(row)) return;
      if (target.closest('.twisty')) this.toggle(row);
      else this.selectRow(row, { details: true });
      this.scroller.focus({ preventScroll: true });
    });
    this.layer.addEventListener('dblclick', (event) => {
      const rowElement = (event.target as HTMLElement).closest<HTMLElement>('.row');
      if (rowElement) this.toggle(Number(rowElement.dataset['row']));
    });
    // Ctrl/Cmd + wheel zooms around the pointer; horizontal or Shift + wheel pans.
    this.scroller.addEventListener(
      'wheel',
      (event) => {
        const x = event.clientX - this.timelineLeft();
        if (event.ctrlKey || event.metaKey) {
          event.preventDefault();
          this.zoomAt(x, Math.exp(event.deltaY * 0.002));
        } else if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
          event.preventDefault();
          this.panBy((event.shiftKey ? event.deltaY : event.deltaX) || event.deltaY);
        }
      },
      { passive: false },
    );
    let dragX: number | undefined;
    this.axis.addEventListener('pointerdown', (event) => {
      dragX = event.clientX;
      this.axis.setPointerCapture(event.pointerId);
    });
    this.axis.addEventListener('pointermove', (event) => {
      if (dragX === undefined) return;
      this.panBy(dragX - event.clientX);
      dragX = event.clientX;
    });
    this.axis.addEventListener('pointerup', () => (dragX = undefined));

    this.searchInput.addEventListener('input', () => {
      if (this.searchTimer) clearTimeout(this.searchTimer);
      // Typing in a million-span trace: search once the person pauses, not per keystroke.
      this.searchTimer = setTimeout(() => {
        this.query = this.searchInput.value;
        this.runSearch();
        this.scheduleSave();
      }, 120);
    });
    this.searchInput.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        if (this.searchTimer) clearTimeout(this.searchTimer);
        if (this.query !== this.searchInput.value) {
          this.query = this.searchInput.value;
          this.runSearch();
        }
        this.gotoMatch(event.shiftKey ? -1 : 1);
      } else if (event.key === 'Escape') {
        this.scroller.focus();
      }
    });
    this.serviceSelect.addEventListener('change', () => {
      this.filter = { ...this.filter, services: this.serviceSelect.value === '' ? [] : [this.serviceSelect.value] };
      this.applyFilter();
    });
    this.errorsOnly.addEventListener('change', () => {
      this.filter = { ...this.filter, errorsOnly: this.errorsOnly.checked };
      this.applyFilter();
    });
    this.minDuration.addEventListener('change', () => {
      const ms = Number(this.minDuration.value);
      this.filter = { ...this.filter, minDurationNs: Number.isFinite(ms) && ms > 0 ? ms * 1e6 : 0 };
      this.applyFilter();
    });
    this.attributeInput.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      const text = this.attributeInput.value.trim();
      if (text === '' || !this.data) {
        this.attributeRequest = 0;
        this.filter = { ...this.filter, attributeRows: undefined };
        this.applyFilter();
        return;
      }
      const eq = text.indexOf('=');
      const key = eq >= 0 ? text.slice(0, eq).trim() : '';
      const value = eq >= 0 ? text.slice(eq + 1).trim() : text;
      this.attributeRequest = this.nextRequestId++;
      this.host.post({ type: 'requestAttributeMatches', requestId: this.attributeRequest, traceId: this.data.traceId, key, value });
    });
    const resized = new ResizeObserver(() => {
      this.measure();
      this.overview.draw();
      this.version++;
      this.geometry++;
      this.scheduleRender();
    });
    resized.observe(this.scroller);
    // The rows' width changes without the scroller's when its scrollbar comes or goes; the axis
    // then has to be measured again, or bars are drawn for a wider track and cut off at the right.
    resized.observe(this.layer);
    // VS Code swaps body classes (vscode-light / -dark / -high-contrast) when the theme changes.
    new MutationObserver(() => this.overview.invalidate()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  private onKey(event: KeyboardEvent): void {
    const data = this.data;
    const command = treeCommandOf(event);
    if (!data || command === undefined) return;
    event.preventDefault();
    const position = this.selected >= 0 ? positionOfRow(this.rows, this.selected) : -1;
    const moveTo = (p: number): void => {
      const row = this.rows[Math.min(this.rows.length - 1, Math.max(0, p))];
      if (row !== undefined) this.selectRow(row, {});
    };
    switch (command.kind) {
      case 'move': {
        const page = Math.max(1, Math.floor(this.viewportHeight / rowHeight) - 1);
        const targets = { next: position + 1, previous: position < 0 ? 0 : position - 1, pageDown: position + page, pageUp: position - page, first: 0, last: this.rows.length - 1 };
        moveTo(targets[command.to]);
        break;
      }
      case 'expand':
        if (this.selected < 0) moveTo(0);
        else if (hasChildren(data, this.selected) && this.collapsed[this.selected] === 1) this.toggle(this.selected);
        else if (hasChildren(data, this.selected)) moveTo(position + 1);
        break;
      case 'collapse':
        if (this.selected < 0) break;
        if (hasChildren(data, this.selected) && this.collapsed[this.selected] !== 1) this.toggle(this.selected);
        else {
          const parent = data.parent[this.selected] ?? -1;
          if (parent >= 0) this.selectRow(parent, {});
        }
        break;
      case 'details':
        if (this.selected >= 0) this.enterDetails(this.selected);
        break;
      case 'closeDetails':
        if (this.details.shownRow >= 0) {
          this.details.hide();
          this.announce('Details closed.');
        }
        break;
      case 'goToCode':
        if (this.selected >= 0) this.host.post({ type: 'goToSpanCode', traceId: data.traceId, spanId: spanIdAt(data, this.selected), row: this.selected });
        break;
      case 'toggleCritical':
        this.setCritical(!this.critical);
        break;
      case 'search':
        this.searchInput.focus();
        break;
      case 'match':
        this.gotoMatch(command.direction);
        break;
      case 'zoom':
        this.zoomAt(this.timelineWidth / 2, command.factor);
        break;
      case 'resetZoom':
        this.setView(0, data.durationNs);
        break;
    }
  }

  // ───────────────────────────── actions ─────────────────────────────

  selectRow(row: number, options: { reveal?: boolean; details?: boolean }): void {
    const data = this.data;
    if (!data || row < 0 || row >= data.spanCount) return;
    if (options.reveal === true && revealRow(data, this.collapsed, row)) this.recomputeRows();
    this.selected = row;
    const position = positionOfRow(this.rows, row);
    if (position >= 0) this.scrollIntoView(position);
    this.scroller.setAttribute('aria-activedescendant', `span-row-${row}`);
    if (options.details === true || this.details.shownRow >= 0) this.openDetails(row);
    this.updateMatchCount();
    this.version++;
    this.scheduleRender();
    this.scheduleSave();
  }

  /** Enter on a span: its details open, take focus, and a screen reader hears which span they show. */
  private enterDetails(row: number): void {
    const data = this.data;
    if (!data) return;
    this.openDetails(row);
    this.details.element.focus();
    this.announce(`Details of ${nameAt(data, row)}, ${serviceAt(data, row)}, ${formatDuration(data.durationsNs[row] ?? 0)}. Escape returns to the spans.`);
  }

  private closeDetails(): void {
    this.details.hide();
    this.scroller.focus();
    this.announce('Details closed.');
  }

  private announce(text: string): void {
    // The same text twice in a row would not be read again; clearing first makes it a change.
    this.announcer.textContent = '';
    requestAnimationFrame(() => (this.announcer.textContent = text));
  }

  private onTreeFocus(): void {
    const data = this.data;
    if (!data || this.rows.length === 0) return;
    if (this.selected >= 0 && positionOfRow(this.rows, this.selected) >= 0) {
      this.scroller.setAttribute('aria-activedescendant', `span-row-${this.selected}`);
      this.scrollIntoView(positionOfRow(this.rows, this.selected));
      this.scheduleRender();
      return;
    }
    // The first row wholly in view, so that selecting it scrolls nothing.
    const { first, shiftPx } = scrollWindow(this.scroller.scrollTop, this.viewportHeight, this.rows.length, rowHeight);
    const row = this.rows[shiftPx > 0 && first + 1 < this.rows.length ? first + 1 : first];
    if (row !== undefined) this.selectRow(row, {});
  }

  private noteFocus(target: EventTarget | null): void {
    if (!(target instanceof Node)) return;
    const next: FocusTarget | undefined = this.scroller.contains(target) ? 'tree' : this.details.element.contains(target) ? 'details' : target === this.searchInput ? 'search' : undefined;
    if (next === undefined || next === this.focusTarget) return;
    this.focusTarget = next;
    this.scheduleSave();
  }

  private restoreFocus(): void {
    const active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) return;
    const target =
      this.focusTarget === 'details' && this.details.shownRow >= 0 ? this.details.element : this.focusTarget === 'search' ? this.searchInput : this.focusTarget === 'tree' ? this.scroller : undefined;
    target?.focus({ preventScroll: true });
  }

  private openDetails(row: number): void {
    const data = this.data;
    if (!data) return;
    this.details.showBasics(data, row);
    this.detailsRequest = this.nextRequestId++;
    this.host.post({ type: 'requestSpanDetails', requestId: this.detailsRequest, traceId: data.traceId, row });
  }

  private toggle(row: number): void {
    const data = this.data;
    if (!data || !hasChildren(data, row)) return;
    this.collapsed[row] = this.collapsed[row] === 1 ? 0 : 1;
    this.afterTreeChange();
  }

  private setCollapsed(collapsed: Uint8Array): void {
    this.collapsed = collapsed;
    this.afterTreeChange();
  }

  /** Keeps the selected row (or else the top row) where it was on screen. */
  private afterTreeChange(): void {
    const anchor = this.selected >= 0 ? this.selected : this.rows[scrollWindow(this.scroller.scrollTop, this.viewportHeight, this.rows.length, rowHeight).first];
    this.recomputeRows();
    if (anchor !== undefined) {
      let position = positionOfRow(this.rows, anchor);
      // The anchor was folded away: fall back to its nearest shown ancestor.
      for (let p = this.data?.parent[anchor] ?? -1; position < 0 && p >= 0; p = this.data?.parent[p] ?? -1) position = positionOfRow(this.rows, p);
      if (position >= 0) this.scrollIntoView(position);
    }
    this.version++;
    this.scheduleRender();
    this.scheduleSave();
  }

  private recomputeRows(): void {
    if (!this.data) return;
    this.rows = computeVisibleRows(this.data, this.collapsed, this.keep, this.scratch);
    this.spacer.style.height = `${scrollHeightPx(this.rows.length, rowHeight)}px`;
  }

  private applyFilter(): void {
    const data = this.data;
    if (!data) return;
    if (isFiltering(this.filter)) {
      this.pass = filterRows(data, this.filter);
      this.keep = keepWithAncestors(data, this.pass);
    } else {
      this.pass = undefined;
      this.keep = undefined;
    }
    this.positions = siblingPositions(data, this.keep);
    this.runSearch();
    this.afterTreeChange();
  }

  private runSearch(): void {
    const data = this.data;
    this.needle = this.query.trim().toLowerCase();
    if (!data || this.needle === '') {
      this.matches = new Uint32Array(0);
      this.matchMask = undefined;
    } else {
      let matches = searchRows(data, this.query);
      const keep = this.keep;
      if (keep) matches = matches.filter((row) => keep[row] === 1);
      this.matches = matches;
      this.matchMask = new Uint8Array(data.spanCount);
      for (const row of matches) this.matchMask[row] = 1;
    }
    this.updateMatchCount();
    this.version++;
    this.scheduleRender();
  }

  private gotoMatch(direction: 1 | -1): void {
    const row = nextMatch(this.matches, this.selected, direction);
    if (row >= 0) this.selectRow(row, { reveal: true });
  }

  private updateMatchCount(): void {
    if (this.needle === '') {
      this.matchCount.textContent = '';
      return;
    }
    const ordinal = matchOrdinal(this.matches, this.selected);
    this.matchCount.textContent = this.matches.length === 0 ? 'No matches' : `${ordinal > 0 ? `${ordinal.toLocaleString('en-US')} of ` : ''}${plural(this.matches.length, 'match', 'matches')}`;
  }

  private setCritical(on: boolean): void {
    this.critical = on;
    this.root.classList.toggle('critical-mode', on);
    this.criticalButton.setAttribute('aria-pressed', String(on));
    this.version++;
    this.scheduleRender();
    this.scheduleSave();
  }

  private setView(start: number, end: number): void {
    const total = this.data?.durationNs ?? 1;
    // Never narrower than 1 ns, never outside the trace.
    const width = Math.min(total > 0 ? total : 1, Math.max(1, end - start));
    const from = Math.min(Math.max(0, start), Math.max(0, total - width));
    this.viewStart = from;
    this.viewEnd = from + width;
    this.overview.setView(this.viewStart, this.viewEnd);
    this.geometry++;
    this.scheduleRender();
    this.scheduleSave();
  }

  private zoomAt(x: number, factor: number): void {
    const width = this.viewEnd - this.viewStart;
    const at = this.viewStart + (Math.min(Math.max(0, x), this.timelineWidth) / (this.timelineWidth || 1)) * width;
    const next = width * factor;
    this.setView(at - (at - this.viewStart) * factor, at - (at - this.viewStart) * factor + next);
  }

  private panBy(px: number): void {
    const shift = (px / (this.timelineWidth || 1)) * (this.viewEnd - this.viewStart);
    this.setView(this.viewStart + shift, this.viewEnd + shift);
  }

  private scrollIntoView(position: number): void {
    const { first, count, shiftPx } = scrollWindow(this.scroller.scrollTop, this.viewportHeight, this.rows.length, rowHeight);
    const fullyShown = Math.floor((this.viewportHeight - (shiftPx > 0 ? rowHeight - shiftPx : 0)) / rowHeight);
    const firstFull = shiftPx > 0 ? first + 1 : first;
    if (position >= firstFull && position < firstFull + Math.max(1, fullyShown) && position < first + count) return;
    const target = position < firstFull ? position : position - Math.max(0, Math.floor(this.viewportHeight / rowHeight) - 1);
    this.scroller.scrollTop = scrollTopForPosition(Math.max(0, target), this.viewportHeight, this.rows.length, rowHeight);
  }

  private scheduleSave(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.save(), 300);
  }

  private save(): void {
    const data = this.data;
    if (!data) return;
    const collapsed: number[] = [];
    for (let i = 0; i < data.spanCount && collapsed.length <= maxSavedCollapsed; i++) if (this.collapsed[i] === 1) collapsed.push(i);
    this.host.setState({
      traceId: data.traceId,
      ...(this.origin === undefined ? {} : { origin: this.origin }),
      selectedRow: this.selected,
      scrollRow: this.rows[scrollWindow(this.scroller.scrollTop, this.viewportHeight, this.rows.length, rowHeight).first] ?? 0,
      collapsed: collapsed.length > maxSavedCollapsed ? [] : collapsed,
      viewStartNs: this.viewStart,
      viewEndNs: this.viewEnd,
      criticalPath: this.critical,
      query: this.query,
      ...(this.focusTarget === undefined ? {} : { focus: this.focusTarget }),
    });
  }

  // ───────────────────────────── drawing ─────────────────────────────

  private measure(): void {
    this.viewportHeight = this.scroller.clientHeight;
    // The header spans the scrollbar too; pad it so its axis lines up with the rows' bars.
    this.header.style.paddingRight = `${this.scroller.offsetWidth - this.scroller.clientWidth}px`;
    this.timelineWidth = Math.max(1, this.axis.clientWidth);
    this.axisLeft = this.axis.getBoundingClientRect().left;
    this.labelWidths.clear();
  }

  private timelineLeft(): number {
    // Measured on resize, not per wheel event: reading layout mid-frame forces a layout.
    return this.axisLeft;
  }

  private scheduleRender(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.renderNow();
    });
  }

  /** Draws the rows in the viewport; the cost depends on the viewport, not on the trace. */
  renderNow(): void {
    const data = this.data;
    const scrollTop = this.scroller.scrollTop;
    const { first, count, shiftPx } = scrollWindow(scrollTop, this.viewportHeight, data ? this.rows.length : 0, rowHeight);
    this.layer.style.transform = `translateY(${-shiftPx}px)`;
    const pool = this.rowPool.viewsFrom(first, count);
    for (let k = 0; k < pool.length; k++) {
      const view = pool[k] as RowView;
      const row = k < count ? this.rows[first + k] : undefined;
      if (!data || row === undefined) {
        if (!view.root.hidden) view.root.hidden = true;
        view.row = -1;
        continue;
      }
      if (view.root.hidden) view.root.hidden = false;
      if (view.row !== row || view.version !== this.version) this.fillRow(view, data, row);
      if (view.geometry !== this.geometry) {
        view.geometry = this.geometry;
        placeBar(view, data.offsetNs[row] ?? 0, data.durationsNs[row] ?? 0, this.compareByRow?.get(row)?.baselineDurationNs, this.track(), this.labelWidths);
      }
    }
    if (this.axisVersion !== this.geometry) {
      this.axisVersion = this.geometry;
      drawAxis(this.axis, this.track(), this.labelWidths);
    }
  }

  private track(): TimeTrack {
    return { width: this.timelineWidth, startNs: this.viewStart, endNs: this.viewEnd };
  }

  private fillRow(view: RowView, data: TraceViewData, row: number): void {
    view.row = row;
    view.version = this.version;
    const root = view.root;
    const flags = data.flags[row] ?? 0;
    const depth = data.depth[row] ?? 0;
    const parentOf = hasChildren(data, row);
    const folded = this.collapsed[row] === 1;
    root.id = `span-row-${row}`;
    root.dataset['row'] = String(row);
    setIfChanged(root, 'aria-level', String(depth + 1));
    const positions = this.positions;
    setIfChanged(root, 'aria-posinset', positions ? String(positions.posInSet[row] ?? 0) : undefined);
    setIfChanged(root, 'aria-setsize', positions ? String(setSizeOf(data, positions, row)) : undefined);
    setIfChanged(root, 'aria-selected', String(row === this.selected));
    setIfChanged(root, 'aria-expanded', parentOf ? String(!folded) : undefined);
    const isError = (flags & SpanFlag.Error) !== 0;
    const isCritical = (flags & SpanFlag.Critical) !== 0;
    const isMatch = this.matchMask?.[row] === 1;
    const className = `row${row === this.selected ? ' selected' : ''}${isError ? ' error' : ''}${isCritical ? ' critical' : ''}${isMatch ? ' match' : ''}${this.pass && this.pass[row] !== 1 ? ' context' : ''}`;
    if (root.className !== className) root.className = className;
    const indent = `${Math.min(depth, maxIndentLevels) * 12 + 4}px`;
    if (view.label.style.paddingLeft !== indent) view.label.style.paddingLeft = indent;
    const twisty = parentOf ? (folded ? '▸' : '▾') : '';
    if (view.twisty.textContent !== twisty) view.twisty.textContent = twisty;
    const color = serviceColorVar(data.serviceIndex[row] ?? 0);
    if (view.swatch.style.backgroundColor !== color) view.swatch.style.backgroundColor = color;
    const name = nameAt(data, row);
    const service = serviceAt(data, row);
    setHighlightedText(view.name, name, isMatch ? this.needle : '');
    setHighlightedText(view.service, service, isMatch ? this.needle : '');
    const durationText = formatDuration(data.durationsNs[row] ?? 0);
    const compared = this.compareByRow?.get(row);
    const deltaText = compared && compared.status !== 'same' ? `${durationText} (${compared.deltaNs > 0 ? '+' : ''}${formatDuration(compared.deltaNs)})` : '';
    const wasText = compared ? `, was ${formatDuration(compared.baselineDurationNs)}` : '';
    setIfChanged(root, 'aria-label', `${service} ${name}, ${durationText}${wasText}${isError ? ', error' : ''}${isCritical && this.critical ? ', on critical path' : ''}`);
    const barColor = isError ? 'var(--vscode-errorForeground)' : color;
    if (view.bar.style.backgroundColor !== barColor) view.bar.style.backgroundColor = barColor;
    view.durationText = durationText;
    view.deltaText = deltaText;
    view.geometry = 0;
  }

  /** For tests and the bench: how many row elements exist. */
  get rowElementCount(): number {
    return this.layer.childElementCount;
  }
}
