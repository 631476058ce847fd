import * as assert from 'node:assert/strict';
import Module from 'node:module';
import type { DocumentAnnotations } from '../../../src/core/traceService/annotationService';

/**
 * The controller with a stand-in `vscode` (no editor here): what matters is its bookkeeping of
 * which documents must be asked again, which an editor only makes harder to see.
 */
const documentUri = { scheme: 'file', fsPath: '/w/checkout.ts', toString: () => 'file:///w/checkout.ts' };
const document = { uri: documentUri, version: 1, lineCount: 50, languageId: 'typescript' };
class EventEmitter<T> {
  private readonly listeners: ((event: T) => void)[] = [];
  readonly event = (listener: (event: T) => void): { dispose(): void } => {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  };
  fire(event: T): void {
    for (const listener of this.listeners) listener(event);
  }
  dispose(): void {}
}
const none = (): { dispose(): void } => ({ dispose: () => undefined });
const symbol = {
  name: 'checkout',
  kind: 11,
  range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } },
  selectionRange: { start: { line: 0, character: 0 }, end: { line: 0, character: 8 } },
  children: [],
};
const vscodeStub = {
  EventEmitter,
  SymbolKind: { Function: 11, Method: 5, Constructor: 8 },
  Uri: { file: (path: string) => ({ scheme: 'file', fsPath: path, toString: () => `file://${path}` }), parse: (text: string) => ({ scheme: 'file', fsPath: text.slice(7), toString: () => text }) },
  workspace: {
    textDocuments: [document],
    onDidChangeConfiguration: none,
    onDidOpenTextDocument: none,
    onDidCloseTextDocument: none,
    getConfiguration: () => ({ get: <T>(_key: string, fallback: T) => fallback }),
    openTextDocument: () => Promise.resolve(document),
  },
  window: { visibleTextEditors: [], onDidChangeVisibleTextEditors: none },
  // A language server that answers document symbols in 200 ms.
  commands: { executeCommand: () => new Promise((resolve) => setTimeout(() => resolve([symbol]), 200)) },
};

describe('AnnotationController under streaming updates', function () {
  this.timeout(20_000);
  const moduleInternals = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolveFilename = moduleInternals._resolveFilename;
  before(() => {
    moduleInternals._resolveFilename = function (request: string, ...rest: unknown[]) {
      return request === 'vscode' ? 'vscode' : resolveFilename.call(this, request, ...rest);
    };
    require.cache['vscode'] = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub } as unknown as NodeJS.Module;
  });
  after(() => {
    moduleInternals._resolveFilename = resolveFilename;
    delete require.cache['vscode'];
    // Adapter modules loaded against this stand-in must not serve another test's.
    for (const id of Object.keys(require.cache)) if (/[\\/]src[\\/]vscode[\\/]/.test(id)) Reflect.deleteProperty(require.cache, id);
  });

  it('shows the figures of an update that arrived while the previous load was in flight', async () => {
    const { AnnotationController } = await import('../../../src/vscode/annotationController');
    let calls = 1;
    let notify: ((event: { files: readonly string[]; all: boolean }) => void) | undefined;
    const queries = {
      configureAnnotations: () => Promise.resolve(),
      // The service answers in 50 ms with its figures as they were when asked.
      statsForDocument: async (fsPath: string): Promise<DocumentAnnotations> => {
        const now = calls;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return {
          fsPath,
          window: '1h',
          functions: [
            { target: { function: 'checkout' }, function: 'checkout', lines: [3], title: `${now} calls`, context: 'last hour · local', count: now, errorCount: 0, heat: undefined, lineText: '' },
          ],
        };
      },
      exceptionsForDocument: () => Promise.resolve([]),
      spansForFunction: () => Promise.resolve([]),
      hoverForFunction: () => Promise.resolve(undefined),
      onAnnotationsChanged: (listener: (event: { files: readonly string[]; all: boolean }) => void) => {
        notify = listener;
        return { dispose: () => undefined };
      },
    };
    const log = { warn: () => undefined, info: () => undefined, error: () => undefined };
    const controller = new AnnotationController(queries, log as never);
    try {
      notify?.({ files: ['/w/checkout.ts'], all: false });
      // The load for that news is now in flight (symbols take 200 ms); the last spans are counted.
      await new Promise((resolve) => setTimeout(resolve, 400));
      calls = 2;
      notify?.({ files: ['/w/checkout.ts'], all: false });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const entry = await controller.entryFor(document as never);
      assert.equal(entry?.functions[0]?.annotation.count, 2, 'the window shows what the service holds once the news stops');
    } finally {
      controller.dispose();
    }
  });
});
