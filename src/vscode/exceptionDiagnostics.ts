import * as vscode from 'vscode';
import type { ExceptionAnnotation } from '../core/traceService/annotationService';
import type { AnnotationChange, AnnotationController } from './annotationController';
import { diagnosticMessage, shortName } from './annotationText';
import { pathToUri, toPosition } from './convert';

export const diagnosticSource = 'SpanLens';

/**
 * Recorded exceptions as problems at the line that threw (issue 7), with the other mapped frames
 * as related information. Cleared when their data leaves the window or the setting is turned off.
 */
export class ExceptionDiagnostics implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('spanlens');
  /** What each drawn diagnostic came from, by document, for the quick fix. */
  private readonly drawn = new Map<string, { diagnostic: vscode.Diagnostic; exception: ExceptionAnnotation }[]>();
  private readonly subscription: vscode.Disposable;

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
      action.command = { title: action.title, command: 'spanlens.openTrace', arguments: [exception.source === undefined ? { traceId: exception.traceId } : { traceId: exception.traceId, source: exception.source }] };
      actions.push(action);
    }
    return actions;
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
  }

  private async update(change: AnnotationChange | undefined): Promise<void> {
    if (!this.controller.kinds.diagnostics) {
      this.collection.clear();
      this.drawn.clear();
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
      else this.collection.delete(uri);
    }
  }

  private draw(uri: vscode.Uri, exceptions: readonly ExceptionAnnotation[]): void {
    const now = Date.now();
    const drawn = exceptions.map((exception) => {
      const position = toPosition(exception.line, undefined);
      const diagnostic = new vscode.Diagnostic(new vscode.Range(position, position.translate(0, 1000)), diagnosticMessage(exception, now), vscode.DiagnosticSeverity.Warning);
      diagnostic.source = diagnosticSource;
      diagnostic.code = exception.type;
      diagnostic.relatedInformation = exception.related.map(
        (frame) => new vscode.DiagnosticRelatedInformation(new vscode.Location(pathToUri(frame.path), toPosition(frame.line, frame.column)), frame.function === undefined ? 'called from here' : `called from ${frame.function}`),
      );
      return { diagnostic, exception };
    });
    if (drawn.length === 0) {
      this.collection.delete(uri);
      this.drawn.delete(uri.toString());
      return;
    }
    this.collection.set(uri, drawn.map((d) => d.diagnostic));
    this.drawn.set(uri.toString(), drawn);
  }
}
