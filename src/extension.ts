import * as vscode from 'vscode';
import { tracesViewId } from './shared/contract';
import { registerCommands } from './vscode/commandRegistry';
import { notBuiltYet } from './vscode/notBuiltYet';
import { TracesTreeProvider } from './vscode/tracesTreeProvider';

/** What the extension exposes to other extensions and to its own tests. */
export interface SpanLensApi {
  /** Wall time spent inside activate(), in milliseconds (reported by `npm run bench`). */
  readonly activationMs: number;
}

export function activate(context: vscode.ExtensionContext): SpanLensApi {
  const started = performance.now();

  const tree = new TracesTreeProvider();
  context.subscriptions.push(tree, vscode.window.registerTreeDataProvider(tracesViewId, tree));

  registerCommands(context, {
    'spanlens.openTrace': notBuiltYet('Open Trace…'),
    'spanlens.openTraceFile': notBuiltYet('Open Trace File…'),
    'spanlens.openTraceFromClipboard': notBuiltYet('Open Trace from Clipboard'),
    'spanlens.searchTraces': notBuiltYet('Search Traces…'),
    'spanlens.goToSpanCode': notBuiltYet('Go to Code'),
    'spanlens.explainMapping': notBuiltYet('Explain Code Mapping'),
    'spanlens.showSpansForFunction': notBuiltYet('Show Spans for Function at Cursor'),
    'spanlens.compareTraces': notBuiltYet('Compare Traces…'),
    'spanlens.exportTrace': notBuiltYet('Save Trace as OTLP JSON…'),
    'spanlens.receiver.start': notBuiltYet('Start Local Receiver'),
    'spanlens.receiver.stop': notBuiltYet('Stop Local Receiver'),
    'spanlens.receiver.clear': notBuiltYet('Clear Local Traces'),
    'spanlens.refreshAnnotations': notBuiltYet('Refresh Code Annotations'),
  });

  return { activationMs: performance.now() - started };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
