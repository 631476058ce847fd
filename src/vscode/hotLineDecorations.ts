import * as vscode from 'vscode';
import type { AnnotationController } from './annotationController';
import { toPosition } from './convert';

/**
 * End-of-line timing on hot lines (off by default: `spanlens.annotations.decorations`). Colors
 * are theme colors contributed in package.json, so every theme can restyle them.
 */
export class HotLineDecorations implements vscode.Disposable {
  private readonly hot = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('spanlens.hotLineForeground'), margin: '0 0 0 2em', fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly warm = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('spanlens.warmLineForeground'), margin: '0 0 0 2em', fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly disposables: { dispose(): unknown }[];
  private readonly drawn = new WeakMap<vscode.TextEditor, string>();

  constructor(private readonly controller: AnnotationController) {
    this.disposables = [this.hot, this.warm, controller.onDidChange(() => void this.redraw()), vscode.window.onDidChangeVisibleTextEditors(() => void this.redraw())];
  }

  async redraw(): Promise<void> {
    for (const editor of vscode.window.visibleTextEditors) {
      if (!this.controller.kinds.decorations) {
        this.drawn.delete(editor);
        editor.setDecorations(this.hot, []);
        editor.setDecorations(this.warm, []);
        continue;
      }
      const entry = await this.controller.entryFor(editor.document);
      const hot: vscode.DecorationOptions[] = [];
      const warm: vscode.DecorationOptions[] = [];
      for (const { annotation, placement } of entry?.functions ?? []) {
        if (annotation.heat === undefined || placement.line > editor.document.lineCount) continue;
        const end = editor.document.lineAt(toPosition(placement.line, undefined).line).range.end;
        const option: vscode.DecorationOptions = { range: new vscode.Range(end, end), renderOptions: { after: { contentText: annotation.lineText } } };
        (annotation.heat === 'hot' ? hot : warm).push(option);
      }
      // Redrawn only when what it shows changed: under traffic the figures reload several times a second.
      const signature = `${String(editor.document.version)}|${[...hot, ...warm].map((o) => `${String(o.range.start.line)}:${o.renderOptions?.after?.contentText ?? ''}`).join('\n')}|${String(hot.length)}`;
      if (this.drawn.get(editor) === signature) continue;
      this.drawn.set(editor, signature);
      editor.setDecorations(this.hot, hot);
      editor.setDecorations(this.warm, warm);
    }
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
