import type * as vscode from 'vscode';

export const traceFileEditorViewType = 'spanlens.traceFile';

/**
 * "Open With… → SpanLens Trace" on a trace file: loads it into the Traces view. The editor tab
 * itself only says where the trace went (the trace view panel arrives with the waterfall).
 */
export class TraceFileEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly open: (uri: vscode.Uri) => Promise<unknown>) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = { enableScripts: false, localResourceRoots: [] };
    const name = document.uri.path.split('/').pop() ?? 'the file';
    panel.webview.html = page(`Opening ${name} in the SpanLens Traces view…`);
    try {
      await this.open(document.uri);
      panel.webview.html = page(`${name} is open in the SpanLens Traces view.`);
    } catch (error: unknown) {
      panel.webview.html = page(error instanceof Error ? error.message : String(error));
    }
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(message: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>${escapeHtml(message)}</p></body></html>`;
}
