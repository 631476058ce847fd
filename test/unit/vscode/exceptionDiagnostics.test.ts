import * as assert from 'node:assert/strict';
import Module from 'node:module';
import type { ExceptionAnnotation } from '../../../src/core/traceService/annotationService';

/**
 * The Problems view under streaming traffic, with a stand-in `vscode` that records what the
 * extension hands to its diagnostic collection: figures reload several times a second, and the
 * collection must be written when what it shows changed, not on every reload.
 */
class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
  translate(_line: number, character: number): Position {
    return new Position(this.line, this.character + character);
  }
}
class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
}
class Diagnostic {
  source: string | undefined;
  code: string | undefined;
  relatedInformation: unknown[] | undefined;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number,
  ) {}
}
const writes: { uri: string; messages: string[] }[] = [];
const collection = {
  set: (uri: { toString(): string }, diagnostics: Diagnostic[]) => writes.push({ uri: uri.toString(), messages: diagnostics.map((d) => d.message) }),
  delete: () => undefined,
  clear: () => undefined,
  forEach: () => undefined,
  dispose: () => undefined,
};
const vscodeStub = {
  Position,
  Range,
  Diagnostic,
  DiagnosticSeverity: { Warning: 1 },
  DiagnosticRelatedInformation: function DiagnosticRelatedInformation(): void {},
  Location: function Location(): void {},
  CodeActionKind: { QuickFix: 'quickfix' },
  Uri: { file: (path: string) => ({ fsPath: path, toString: () => `file://${path}` }) },
  languages: { createDiagnosticCollection: () => collection },
  workspace: { textDocuments: [] },
};

function exception(count: number, id = 'declined', line = 35): ExceptionAnnotation {
  return {
    id,
    type: 'PaymentDeclinedError',
    message: 'Card ending <n> was declined',
    count,
    services: ['shop-frontend'],
    lastSeenMs: Date.now(),
    line,
    column: undefined,
    traceId: undefined,
    spanId: undefined,
    source: undefined,
    related: [],
  };
}

describe('ExceptionDiagnostics under streaming updates', function () {
  this.timeout(20_000);
  const moduleInternals = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolveFilename = moduleInternals._resolveFilename;
  // Adapter modules another test loaded against its own stand-in would keep that one: load them afresh.
  const forgetAdapter = (): void => {
    for (const id of Object.keys(require.cache)) if (/[\\/]src[\\/]vscode[\\/]/.test(id)) Reflect.deleteProperty(require.cache, id);
  };
  before(() => {
    moduleInternals._resolveFilename = function (request: string, ...rest: unknown[]) {
      return request === 'vscode' ? 'vscode' : resolveFilename.call(this, request, ...rest);
    };
    forgetAdapter();
    require.cache['vscode'] = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub } as unknown as NodeJS.Module;
  });
  after(() => {
    moduleInternals._resolveFilename = resolveFilename;
    delete require.cache['vscode'];
    forgetAdapter();
  });

  it('writes the Problems view when an exception appears at once, and for new counts at most every few seconds', async () => {
    const { ExceptionDiagnostics } = await import('../../../src/vscode/exceptionDiagnostics');
    let listener: ((change: unknown) => void) | undefined;
    const controller = { kinds: { diagnostics: true }, onDidChange: (l: (change: unknown) => void) => ((listener = l), { dispose: () => undefined }) };
    const diagnostics = new ExceptionDiagnostics(controller as never);
    const uri = vscodeStub.Uri.file('/w/checkout.ts');
    const reload = (exceptions: ExceptionAnnotation[]): void => listener?.({ uri, entry: { version: 1, functions: [], exceptions } });
    try {
      writes.length = 0;
      reload([exception(3)]);
      assert.equal(writes.length, 1, 'the first exception is shown at once');
      assert.match(writes[0]?.messages[0] ?? '', /\(3× in shop-frontend/);
      // Ten reloads in a second with the same figures: nothing to write.
      for (let i = 0; i < 10; i++) reload([exception(3)]);
      assert.equal(writes.length, 1);
      // The count rises with every reload: written once the refresh interval has passed, with the latest count.
      for (let count = 4; count <= 9; count++) {
        reload([exception(count)]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(writes.length, 1, 'counts alone wait for the refresh interval');
      await new Promise((resolve) => setTimeout(resolve, 3_200));
      assert.equal(writes.length, 2);
      assert.match(writes[1]?.messages[0] ?? '', /\(9× in shop-frontend/);
      // A second kind of exception is news: shown at once.
      reload([exception(9), exception(1, 'timeout', 20)]);
      assert.equal(writes.length, 3);
      assert.equal(writes[2]?.messages.length, 2);
    } finally {
      diagnostics.dispose();
    }
  });
});
