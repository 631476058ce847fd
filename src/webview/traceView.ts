import type { CompareEntry, CompareResult } from '../shared/compareResult';
import { placeAxisLabels, placeLabel } from '../shared/labelFit';
import { plural } from '../shared/plural';
import type { TraceViewState, WebviewMessage } from '../shared/protocol';
import { scrollHeightPx, scrollTopForPosition, scrollWindow } from '../shared/scrollWindow';
import type { SpanDetails } from '../shared/spanDetails';
import { filterRows, isFiltering, matchOrdinal, nextMatch, noFilter, searchRows, type SpanFilter } from '../shared/spanMatcher';
import { formatDuration } from '../shared/formatDuration';
import { timeTicks } from '../shared/timeAxis';
import { hasChildren, nameAt, rowOfSpanId, serviceAt, SpanFlag, spanIdAt, type TraceViewData } from '../shared/traceViewData';
import { collapseAll, computeVisibleRows, expandToFlag, keepWithAncestors, positionOfRow, revealRow, setSizeOf, siblingPositions, type SiblingPositions } from '../shared/visibleRows';
import { ComparePane } from './comparePane';
import { DetailsPane } from './detailsPane';
import { button, h, setHighlightedText, setSafeAttribute } from './dom';
import { Overview } from './overview';
import { serviceColorVar } from './serviceColors';

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

/** The DOM of one pooled row; pooled rows are reused as the list scrolls. */
interface RowView {
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
  private readonly pool: RowView[] = [];
  private positions: SiblingPositions | undefined;
  /** The shown comparison's entries by current row, when it is of this trace. */
  private compareByRow: Map<number, CompareEntry> | undefined;
  private focusTarget: FocusTarget | undefined;
  /** Set between a press on the tree and its release. */
  private pointerFocus = false;
  private readonly labelWidths = new Map<string, number>();
  private measureContext: CanvasRenderingContext2D | null | undefined;
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
  /** The position (index into `rows`) the first pooled row showed at the last render. */
  private poolFirst = 0;

  private readonly root: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
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
    if (!data || event.altKey || event.ctrlKey || event.metaKey) return;
    const position = this.selected >= 0 ? positionOfRow(this.rows, this.selected) : -1;
    const page = Math.max(1, Math.floor(this.viewportHeight / rowHeight) - 1);
    const moveTo = (p: number): void => {
      const row = this.rows[Math.min(this.rows.length - 1, Math.max(0, p))];
      if (row !== undefined) this.selectRow(row, {});
    };
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
        moveTo(position + 1);
        break;
      case 'ArrowUp':
        moveTo(position < 0 ? 0 : position - 1);
        break;
      case 'PageDown':
        moveTo(position + page);
        break;
      case 'PageUp':
        moveTo(position - page);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(this.rows.length - 1);
        break;
      case 'ArrowRight':
        if (this.selected < 0) moveTo(0);
        else if (hasChildren(data, this.selected) && this.collapsed[this.selected] === 1) this.toggle(this.selected);
        else if (hasChildren(data, this.selected)) moveTo(position + 1);
        break;
      case 'ArrowLeft':
        if (this.selected < 0) break;
        if (hasChildren(data, this.selected) && this.collapsed[this.selected] !== 1) this.toggle(this.selected);
        else {
          const parent = data.parent[this.selected] ?? -1;
          if (parent >= 0) this.selectRow(parent, {});
        }
        break;
      case 'Enter':
        if (this.selected >= 0) this.enterDetails(this.selected);
        break;
      case 'Escape':
        if (this.details.shownRow >= 0) {
          this.details.hide();
          this.announce('Details closed.');
        }
        break;
      case 'g':
        if (this.selected >= 0) this.host.post({ type: 'goToSpanCode', traceId: data.traceId, spanId: spanIdAt(data, this.selected), row: this.selected });
        break;
      case 'c':
        this.setCritical(!this.critical);
        break;
      case '/':
        this.searchInput.focus();
        break;
      case 'n':
        this.gotoMatch(1);
        break;
      case 'N':
        this.gotoMatch(-1);
        break;
      case '+':
      case '=':
        this.zoomAt(this.timelineWidth / 2, 0.5);
        break;
      case '-':
        this.zoomAt(this.timelineWidth / 2, 2);
        break;
      case '0':
        this.setView(0, data.durationNs);
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
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
    const target = this.focusTarget === 'details' && this.details.shownRow >= 0 ? this.details.element : this.focusTarget === 'search' ? this.searchInput : this.focusTarget === 'tree' ? this.scroller : undefined;
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
    // A zoom of the page or a font change alters text widths: measured again on demand.
    this.labelWidths.clear();
    this.measureContext = undefined;
  }

  /** Rendered width of a duration or tick label, px; canvas measurement is cached per text, no layout. */
  private labelWidth(text: string, sample: HTMLElement): number {
    let width = this.labelWidths.get(text);
    if (width !== undefined) return width;
    if (this.measureContext === undefined) {
      this.measureContext = document.createElement('canvas').getContext('2d');
      const style = getComputedStyle(sample);
      if (this.measureContext) this.measureContext.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    }
    // Without a canvas, a generous guess: a label dropped for want of room beats a clipped one.
    width = Math.ceil(this.measureContext ? this.measureContext.measureText(text).width : text.length * 9) + 1;
    if (this.labelWidths.size > 4096) this.labelWidths.clear();
    this.labelWidths.set(text, width);
    return width;
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
    while (this.pool.length < count) this.pool.push(this.createRow());
    this.rotatePool(first);
    for (let k = 0; k < this.pool.length; k++) {
      const view = this.pool[k] as RowView;
      const row = k < count ? this.rows[first + k] : undefined;
      if (!data || row === undefined) {
        if (!view.root.hidden) view.root.hidden = true;
        view.row = -1;
        continue;
      }
      if (view.root.hidden) view.root.hidden = false;
      if (view.row !== row || view.version !== this.version) this.fillRow(view, data, row);
      if (view.geometry !== this.geometry) this.placeBar(view, data, row);
    }
    if (this.axisVersion !== this.geometry) {
      this.axisVersion = this.geometry;
      this.drawAxis();
    }
  }

  /**
   * After a scroll of fewer rows than the pool holds, moves the rows that left one end of the
   * viewport to the other end (in the DOM too, so reading order stays the visual order). The
   * rows still in view keep their content and are neither refilled nor restyled: a scroll of
   * d rows fills d rows, not the whole viewport.
   */
  private rotatePool(first: number): void {
    const delta = first - this.poolFirst;
    this.poolFirst = first;
    const size = this.pool.length;
    if (delta === 0 || Math.abs(delta) >= size) return;
    if (delta > 0) {
      const moved = this.pool.splice(0, delta);
      this.pool.push(...moved);
      this.layer.append(...moved.map((view) => view.root));
    } else {
      const moved = this.pool.splice(size + delta, -delta);
      this.pool.unshift(...moved);
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

  /** Positions a row's bar and duration label on the time axis: the only work a zoom or pan does per row. */
  private placeBar(view: RowView, data: TraceViewData, row: number): void {
    view.geometry = this.geometry;
    const width = this.timelineWidth;
    const scale = width / (this.viewEnd - this.viewStart || 1);
    const x = ((data.offsetNs[row] ?? 0) - this.viewStart) * scale;
    const w = Math.max(1, (data.durationsNs[row] ?? 0) * scale);
    const barCss = trackCss(x, w, width);
    const compared = this.compareByRow?.get(row);
    const gw = compared ? Math.max(1, compared.baselineDurationNs * scale) : 0;
    const ghostCss = compared ? trackCss(x, gw, width) : 'none';
    // The label keeps clear of the ghost too, so it never sits on the baseline's outline.
    const extentRight = Math.max(x + w, x + gw);
    let text = '';
    let durationCss = 'none';
    const after = x > width;
    const before = extentRight < 0;
    for (const candidate of view.deltaText === '' ? [view.durationText] : [view.deltaText, view.durationText]) {
      const shown = after ? `${candidate} ▸` : before ? `◂ ${candidate}` : candidate;
      const placement = placeLabel(x, extentRight, width, this.labelWidth(shown, view.duration));
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

  private drawAxis(): void {
    const width = this.timelineWidth;
    const ticks = timeTicks(this.viewStart, this.viewEnd, width);
    const scale = width / (this.viewEnd - this.viewStart || 1);
    // Zooming redraws the axis every frame: its tick elements are reused, not rebuilt.
    while (this.axis.childElementCount > ticks.length * 2) this.axis.lastElementChild?.remove();
    const xs = ticks.map((tick) => (tick.offsetNs - this.viewStart) * scale);
    const sample = this.axis.firstElementChild instanceof HTMLElement ? this.axis.firstElementChild : this.axis;
    const placements = placeAxisLabels(
      ticks.map((tick, i) => ({ x: xs[i] ?? 0, width: this.labelWidth(tick.label, sample) })),
      width,
    );
    ticks.forEach((tick, i) => {
      const line = (this.axis.children[i * 2] as HTMLElement | undefined) ?? this.axis.appendChild(h('span', { className: 'tick-line' }));
      const label = (this.axis.children[i * 2 + 1] as HTMLElement | undefined) ?? this.axis.appendChild(h('span', { className: 'tick' }));
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

  /** For tests and the bench: how many row elements exist. */
  get rowElementCount(): number {
    return this.layer.childElementCount;
  }
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
