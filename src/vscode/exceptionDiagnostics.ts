import * as vscode from 'vscode';
import type { ExceptionAnnotation } from '../core/traceService/annotationService';
import type { AnnotationChange, AnnotationController } from './annotationController';
import { diagnosticMessage, shortName } from './annotationText';
import { commandInvocation } from './contributions';
import { pathToUri, toPosition } from './convert';

export const diagnosticSource = 'SpanLens';

/** How often a document's problems are redrawn when only their counts and times changed. */
const diagnosticTextRefreshMs = 3000;

interface ShownDiagnostics {
  shape: string;
  text: string;
  atMs: number;
  latest: readonly ExceptionAnnotation[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Recorded exceptions as problems at the line that threw, with the other mapped frames
 * as related information. Cleared when their data leaves the window or the setting is turned off.
 */
export class ExceptionDiagnostics implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('spanlens');
  /** What each drawn diagnostic came from, by document, for the quick fix. */
  private readonly drawn = new Map<string, { diagnostic: vscode.Diagnostic; exception: ExceptionAnnotation }[]>();
  private readonly subscription: vscode.Disposable;
  /** What the collection holds per document: its shape (which exceptions, where) and its text. */
  private readonly shown = new Map<string, ShownDiagnostics>();

  constructor(private readonly controller: AnnotationController) {
    this.subscription = controller.onDidChange((change) => void this.update(change));
  }

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const { diagnostic, exception } of this.drawn.get(document.uri.toString()) ?? []) {
      if (exception.traceId === undefined || !diagnostic.range.intersection(range)) continue;
      if (!context.diagnostics.some((d) => d.source === diagnosticSource && d.message === diagnostic.message)) continue;
      const action = new vscode.CodeAction(`Open the trace of this ${shortName(exception.type)}`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      action.command = commandInvocation(
        'spanlens.openTrace',
        action.title,
        exception.source === undefined ? { traceId: exception.traceId } : { traceId: exception.traceId, source: exception.source },
      );
      actions.push(action);
    }
    return actions;
  }

  dispose(): void {
    this.subscription.dispose();
    this.forgetShown();
    this.collection.dispose();
  }

  private forgetShown(): void {
    for (const shown of this.shown.values()) if (shown.timer !== undefined) clearTimeout(shown.timer);
    this.shown.clear();
  }

  private async update(change: AnnotationChange | undefined): Promise<void> {
    if (!this.controller.kinds.diagnostics) {
      this.collection.clear();
      this.drawn.clear();
      this.forgetShown();
      return;
    }
    if (change !== undefined) {
      this.draw(change.uri, change.entry?.exceptions ?? []);
      return;
    }
    const uris = new Map<string, vscode.Uri>();
    this.collection.forEach((uri) => uris.set(uri.toString(), uri));
    for (const document of vscode.workspace.textDocuments) uris.set(document.uri.toString(), document.uri);
    for (const uri of uris.values()) {
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const entry = document === undefined ? undefined : await this.controller.entryFor(document);
      if (document !== undefined) this.draw(uri, entry?.exceptions ?? []);
      else {
        this.collection.delete(uri);
        this.shown.delete(uri.toString());
      }
    }
  }

  /**
   * Under traffic the figures reload every few hundred milliseconds and only the counts and
   * "last seen" change: the Problems view is redrawn for that at most every few seconds, at once
   * when an exception appears, goes or moves, and not at all when nothing changed.
   */
  private draw(uri: vscode.Uri, exceptions: readonly ExceptionAnnotation[]): void {
    const key = uri.toString();
    const now = Date.now();
    const shape = shapeOf(exceptions);
    const text = textOf(exceptions, now);
    const shown = this.shown.get(key);
    if (shown !== undefined && shown.shape === shape) {
      if (shown.text === text) return;
      const due = shown.atMs + diagnosticTextRefreshMs;
      if (now < due) {
        shown.latest = exceptions;
        shown.timer ??= setTimeout(() => {
          shown.timer = undefined;
          if (this.shown.get(key) === shown) this.drawNow(uri, shown.latest, Date.now());
        }, due - now);
        return;
      }
    }
    this.drawNow(uri, exceptions, now, shape);
  }

  private drawNow(uri: vscode.Uri, exceptions: readonly ExceptionAnnotation[], now: number, shape = shapeOf(exceptions)): void {
    const key = uri.toString();
    const previous = this.shown.get(key);
    if (previous?.timer !== undefined) clearTimeout(previous.timer);
    const drawn = exceptions.map((exception) => {
      const position = toPosition(exception.line, undefined);
      const diagnostic = new vscode.Diagnostic(new vscode.Range(position, position.translate(0, 1000)), diagnosticMessage(exception, now), vscode.DiagnosticSeverity.Warning);
      diagnostic.source = diagnosticSource;
      diagnostic.code = exception.type;
      diagnostic.relatedInformation = exception.related.map(
        (frame) =>
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(pathToUri(frame.path), toPosition(frame.line, frame.column)),
            frame.function === undefined ? 'called from here' : `called from ${frame.function}`,
          ),
      );
      return { diagnostic, exception };
    });
    this.shown.set(key, { shape, text: drawn.map((d) => d.diagnostic.message).join('\n'), atMs: now, latest: exceptions, timer: undefined });
    if (drawn.length === 0) {
      this.collection.delete(uri);
      this.drawn.delete(key);
      return;
    }
    this.collection.set(
      uri,
      drawn.map((d) => d.diagnostic),
    );
    this.drawn.set(key, drawn);
  }
}

/** Which exceptions a document shows, and where: a change here is redrawn at once. */
function shapeOf(exceptions: readonly ExceptionAnnotation[]): string {
  return exceptions.map((e) => `${e.id}@${String(e.line)}<${e.related.map((f) => `${f.path}:${String(f.line)}`).join(',')}`).join('\n');
}

function textOf(exceptions: readonly ExceptionAnnotation[], nowMs: number): string {
  return exceptions.map((e) => diagnosticMessage(e, nowMs)).join('\n');
}
