import * as vscode from 'vscode';
import { LensRefreshGate } from '../core/editorRefresh/lensRefreshGate';
import type { FunctionAnnotation } from '../core/traceService/annotationService';
import type { AnnotationChange, AnnotationController, DocumentEntry } from './annotationController';
import { lensTitle } from './annotationText';
import { commandInvocation } from './contributions';
import { toPosition } from './convert';

/** Fresh figures reach the lenses at most this often; VS Code's own debounce is 250 ms or more. */
const lensRefreshIntervalMs = 1500;
/** VS Code asks only for visible editors; when it does not ask, try again after this long. */
const lensAnswerTimeoutMs = 10_000;

/**
 * `p50 12 ms · p95 48 ms · p99 120 ms · 1.2k calls · 0.4% errors · last hour · local` above each
 * function with data; a click lists its spans. Answers from the controller's cache, and tells VS
 * Code about new figures only through a gate that cannot starve its CodeLens scheduler.
 */
export class LatencyCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly gate = new LensRefreshGate({ minIntervalMs: lensRefreshIntervalMs, answerTimeoutMs: lensAnswerTimeoutMs, fire: () => this.changed.fire() });
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly controller: AnnotationController) {
    this.subscriptions = [
      controller.onDidChange((change) => this.entryChanged(change)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => this.gate.retainOnly(new Set(editors.map((editor) => editor.document.uri.toString())))),
    ];
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    this.gate.asking(document.uri.toString());
    const entry = this.controller.kinds.codeLens ? await this.controller.entryFor(document) : undefined;
    this.gate.answeredWith(document.uri.toString(), signatureOf(document, entry));
    return entry === undefined ? [] : lensesOf(document, entry);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.gate.dispose();
    this.changed.dispose();
  }

  private entryChanged(change: AnnotationChange | undefined): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const document = editor.document;
      if (change !== undefined && document.uri.toString() !== change.uri.toString()) continue;
      // A change to every document (settings, refresh) may alter what the cache does not show.
      const signature = change === undefined || !this.controller.kinds.codeLens ? undefined : signatureOf(document, change.entry);
      this.gate.changed(document.uri.toString(), signature);
    }
  }
}

function lensesOf(document: vscode.TextDocument, entry: DocumentEntry): vscode.CodeLens[] {
  return entry.functions.map(({ annotation, placement }) => {
    const range = new vscode.Range(toPosition(placement.line, undefined), toPosition(placement.line, undefined));
    return new vscode.CodeLens(range, {
      ...commandInvocation('spanlens.showSpansForFunction', lensText(annotation), { uri: document.uri, line: placement.line, interactive: true }),
      tooltip: 'Production latency from SpanLens. Click to list the spans, slowest first.',
    });
  });
}

function lensText(annotation: FunctionAnnotation): string {
  return `${lensTitle(annotation)} · ${annotation.context}`;
}

/**
 * What a person would see change: each lens's line and text, and the document version they sit
 * in. Read from the entry, so a change event builds no lenses only to compare them.
 */
function signatureOf(document: vscode.TextDocument, entry: DocumentEntry | undefined): string {
  const lines = entry?.functions.map(({ annotation, placement }) => `${String(placement.line)}:${lensText(annotation)}`) ?? [];
  return `${String(document.version)}|${lines.join('\n')}`;
}
