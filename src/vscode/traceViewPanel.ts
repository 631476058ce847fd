import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { CompareResult } from '../shared/compareResult';
import { traceViewPanelType } from '../shared/contract';
import { assertNever, isTraceViewState, isWebviewMessage, type HostMessage, type TraceViewState, type WebviewMessage } from '../shared/protocol';
import type { SpanDetails } from '../shared/spanDetails';
import type { TraceViewData } from '../shared/traceViewData';
import { shortTraceId } from '../shared/traceTitle';
import { traceViewHtml } from '../shared/traceViewHtml';

/** Where the panel gets its data: the trace service, which holds the spans (in its worker). */
export interface TraceViewBackend {
  /** The compact encoding of a loaded trace (src/core/traceView/encodeTraceView.ts). */
  traceView(traceId: string): Promise<TraceViewData>;
  spanDetails(traceId: string, row: number): Promise<SpanDetails | undefined>;
  attributeMatches(traceId: string, key: string, value: string): Promise<Uint32Array>;
  /** After a reload the service is empty: load the trace again from where it came from. */
  reload?(traceId: string, origin: string | undefined): Promise<void>;
}

/**
 * What the panel's buttons do outside the webview. Go to Code on a span or a frame goes through
 * code mapping (path rules, source maps, the outside-the-workspace confirmation) exactly as from
 * the tree, never opened here as a raw path from production data.
 */
export interface TraceViewActions {
  goToSpanCode(message: Extract<WebviewMessage, { type: 'goToSpanCode' }>): Promise<unknown>;
  goToFrame(message: Extract<WebviewMessage, { type: 'goToFrame' }>): Promise<unknown>;
  openTrace(traceId: string, spanId: string | undefined): Promise<unknown>;
}

export interface ShowTraceOptions {
  readonly origin?: string;
  readonly revealSpanId?: string;
  readonly title?: string;
}

/** Waits between asking again for a restored panel's trace: about 7 s in all. */
const restoreRetryDelaysMs = [0, 500, 1000, 2000, 4000];

function nonce(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * One trace view panel. Data is posted only after the webview says `ready` (it may reload when
 * VS Code restores it), so nothing is lost to a listener that does not exist yet.
 */
export class TraceViewPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private isReady = false;
  private readonly queue: HostMessage[] = [];
  private disposed = false;
  private shown: Promise<void>;
  private markShown: () => void = () => undefined;
  private markFailed: (error: Error) => void = () => undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private traceId: string,
    private options: ShowTraceOptions,
    private readonly backend: TraceViewBackend,
    private readonly actions: TraceViewActions,
    private readonly log: (message: string) => void,
    private readonly onDispose: (panel: TraceViewPanel) => void,
  ) {
    this.shown = this.nextShown();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Resolves once the current trace has been posted to the webview (for commands that promise "shown"). */
  whenShown(): Promise<void> {
    return this.shown;
  }

  private nextShown(): Promise<void> {
    const promise = new Promise<void>((resolve, reject) => {
      this.markShown = resolve;
      this.markFailed = reject;
    });
    // Nobody may be waiting; a failure is also reported in the panel itself.
    promise.catch(() => undefined);
    return promise;
  }

  get currentTraceId(): string {
    return this.traceId;
  }

  /** Shows another trace in this panel. */
  async showTrace(traceId: string, options: ShowTraceOptions): Promise<void> {
    this.traceId = traceId;
    this.options = options;
    this.shown = this.nextShown();
    if (options.title !== undefined) this.panel.title = options.title;
    if (this.isReady) await this.sendTrace();
  }

  post(message: HostMessage): void {
    if (!this.isReady) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  showComparison(result: CompareResult): void {
    this.post({ type: 'compareResult', result });
  }

  private async sendTrace(): Promise<void> {
    const traceId = this.traceId;
    const data = await this.fetchTrace(traceId);
    if (data === undefined || this.disposed || traceId !== this.traceId) return;
    const message: HostMessage = {
      type: 'loadTrace',
      data,
      ...(this.options.origin === undefined ? {} : { origin: this.options.origin }),
      ...(this.options.revealSpanId === undefined ? {} : { revealSpanId: this.options.revealSpanId }),
    };
    await this.panel.webview.postMessage(message);
    this.markShown();
  }

  /**
   * The trace's encoding. A panel restored after a reload outlives the worker that held its
   * trace: it is loaded again from its origin, once, and then asked for a few times more, since
   * the service may come up (or the local store finish replaying) a moment after the panel.
   * Undefined when the panel moved on to another trace or closed meanwhile.
   */
  private async fetchTrace(traceId: string): Promise<TraceViewData | undefined> {
    try {
      return await this.backend.traceView(traceId);
    } catch (first: unknown) {
      if (!this.backend.reload) throw first;
    }
    const origin = this.options.origin;
    this.post({ type: 'showMessage', text: `Loading trace ${traceId}${origin === undefined ? '' : ` from ${origin}`}…` });
    await this.backend.reload(traceId, origin);
    let last: unknown;
    for (const delayMs of restoreRetryDelaysMs) {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.disposed || traceId !== this.traceId) return undefined;
      try {
        return await this.backend.traceView(traceId);
      } catch (error: unknown) {
        last = error;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  private async receive(raw: unknown): Promise<void> {
    if (!isWebviewMessage(raw)) {
      this.log(`trace view: ignored a malformed message`);
      return;
    }
    const message: WebviewMessage = raw;
    try {
      switch (message.type) {
        case 'ready': {
          // Also sent after the webview reloads: every ready gets the trace again.
          this.isReady = true;
          await this.sendTrace();
          for (const queued of this.queue.splice(0)) void this.panel.webview.postMessage(queued);
          break;
        }
        case 'error':
          this.log(`trace view: ${message.message}`);
          break;
        case 'requestSpanDetails': {
          const details = await this.backend.spanDetails(message.traceId, message.row);
          this.post({ type: 'spanDetails', requestId: message.requestId, details });
          break;
        }
        case 'requestAttributeMatches': {
          const rows = await this.backend.attributeMatches(message.traceId, message.key, message.value);
          this.post({ type: 'attributeMatches', requestId: message.requestId, rows });
          break;
        }
        case 'goToSpanCode':
          await this.actions.goToSpanCode(message);
          break;
        case 'goToFrame':
          await this.actions.goToFrame(message);
          break;
        case 'openTrace':
          await this.actions.openTrace(message.traceId, message.spanId);
          break;
        case 'copy':
          await vscode.env.clipboard.writeText(message.text);
          vscode.window.setStatusBarMessage('SpanLens: copied to the clipboard', 2000);
          break;
        default:
          assertNever(message);
      }
    } catch (error: unknown) {
      const text = error instanceof Error ? error.message : String(error);
      this.log(`trace view: ${message.type} failed: ${text}`);
      if (message.type === 'ready') {
        this.markFailed(new Error(`Could not show trace ${this.traceId}: ${text}`));
        this.post({ type: 'showMessage', text: `Could not show trace ${this.traceId}: ${text}` });
      } else void vscode.window.showErrorMessage(`SpanLens: ${text}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose(this);
    this.markFailed(new Error('The trace view was closed.'));
    this.panel.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

/**
 * Creates, reuses and restores trace view panels. Register it as the WebviewPanelSerializer of
 * `spanlens.traceView` so panels come back after a reload (contract: "restores after a reload").
 */
export class TraceViewPanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly panels = new Set<TraceViewPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly backend: TraceViewBackend,
    private readonly actions: TraceViewActions,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Shows `traceId`, in its existing panel if it has one; `whenShown()` says when the data is in. */
  show(traceId: string, options: ShowTraceOptions = {}): TraceViewPanel {
    for (const existing of this.panels) {
      if (existing.currentTraceId !== traceId) continue;
      existing.panel.reveal();
      if (options.revealSpanId !== undefined) existing.post({ type: 'revealSpan', spanId: options.revealSpanId });
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(traceViewPanelType, options.title ?? `Trace ${shortTraceId(traceId)}`, vscode.ViewColumn.Active, {
      ...this.webviewOptions(),
      // A million-span trace is expensive to send again on every tab switch.
      retainContextWhenHidden: true,
    });
    return this.attach(panel, traceId, options);
  }

  /** The trace ids of the open panels, oldest first (the extension's API and tests read it). */
  traceIds(): string[] {
    return [...this.panels].map((panel) => panel.currentTraceId);
  }

  /** Shows a comparison in the current trace's panel (opening it if needed). */
  showComparison(result: CompareResult): TraceViewPanel {
    const panel = this.show(result.currentTraceId);
    panel.showComparison(result);
    return panel;
  }

  deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Thenable<void> {
    if (!isTraceViewState(state)) {
      panel.dispose();
      return Promise.resolve();
    }
    const saved: TraceViewState = state;
    this.attach(panel, saved.traceId, saved.origin === undefined ? {} : { origin: saved.origin });
    return Promise.resolve();
  }

  private webviewOptions(): vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel, traceId: string, options: ShowTraceOptions): TraceViewPanel {
    const webview = panel.webview;
    webview.options = this.webviewOptions();
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'spanlens.svg');
    const view = new TraceViewPanel(panel, traceId, options, this.backend, this.actions, this.log, (closed) => this.panels.delete(closed));
    this.panels.add(view);
    webview.html = traceViewHtml({
      cspSource: webview.cspSource,
      nonce: nonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'traceView.css')).toString(),
    });
    return view;
  }

  dispose(): void {
    for (const panel of [...this.panels]) panel.dispose();
    this.panels.clear();
  }
}
