import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';

const root = resolve(__dirname, '..', '..', '..');
const src = join(root, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

interface ImportRef {
  readonly specifier: string;
  /** `import type` / `export type`: erased at compile time, so it adds no run-time dependency. */
  readonly typeOnly: boolean;
}

function importsOf(file: string): ImportRef[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1) {
      const [arg] = node.arguments;
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      if ((isRequire || isDynamicImport) && arg && ts.isStringLiteral(arg)) found.push({ specifier: arg.text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** The layer a file under src/ belongs to, per ../shared/reference/style.md. */
function layerOf(path: string): string {
  const rel = relative(src, path).split(sep);
  return rel.length === 1 ? 'root' : (rel[0] ?? 'root');
}

/** Why an import breaks the layering, or undefined when it is allowed. */
export function layerViolation(file: string, specifier: string, typeOnly = false): string | undefined {
  const layer = layerOf(file);
  const target = specifier.startsWith('.') ? layerOf(resolve(file, '..', specifier)) : undefined;
  switch (layer) {
    case 'core':
      if (specifier === 'vscode') return 'core must not import vscode';
      // shared is pure (its tsconfig has neither node nor the DOM), so the trace service can word
      // figures with the same formatters the webview uses.
      if (target && target !== 'core' && target !== 'shared') return `core must not import from src/${target}`;
      return undefined;
    case 'shared':
      if (specifier === 'vscode') return 'shared must not import vscode';
      if (nodeBuiltins.has(specifier)) return `shared must not import the node module ${specifier}`;
      if (target === 'core' && !typeOnly) return 'shared may take only types from src/core (import type)';
      if (target && target !== 'shared' && target !== 'core') return `shared must not import from src/${target}`;
      return undefined;
    case 'webview':
      if (specifier === 'vscode') return 'webview must not import vscode';
      if (nodeBuiltins.has(specifier)) return `webview must not import the node module ${specifier}`;
      if (target && target !== 'webview' && target !== 'shared') return `webview must not import from src/${target}`;
      return undefined;
    case 'service':
      if (specifier === 'vscode') return 'the trace service must not import vscode';
      if (target && target !== 'core' && target !== 'service') return `the trace service must not import from src/${target}`;
      return undefined;
    case 'vscode':
      return target === 'webview' ? 'the adapter must not import the webview bundle' : undefined;
    default:
      return undefined;
  }
}

describe('layer boundaries (style.md)', () => {
  it('no source file imports across a forbidden boundary', () => {
    const violations = filesUnder(src).flatMap((file) =>
      importsOf(file).flatMap(({ specifier, typeOnly }) => {
        const why = layerViolation(file, specifier, typeOnly);
        return why ? [`${relative(root, file)}: imports '${specifier}': ${why}`] : [];
      }),
    );
    assert.deepEqual(violations, []);
  });

  it('recognises each kind of forbidden import', () => {
    assert.match(layerViolation(join(src, 'core', 'x.ts'), 'vscode') ?? '', /core must not import vscode/);
    assert.match(layerViolation(join(src, 'core', 'x.ts'), '../vscode/commandRegistry') ?? '', /src\/vscode/);
    assert.match(layerViolation(join(src, 'core', 'x.ts'), '../webview/dom') ?? '', /src\/webview/);
    assert.equal(layerViolation(join(src, 'core', 'x.ts'), '../shared/formatDuration'), undefined);
    assert.match(layerViolation(join(src, 'shared', 'x.ts'), 'node:fs') ?? '', /node module/);
    assert.match(layerViolation(join(src, 'webview', 'x.ts'), 'path') ?? '', /node module/);
    assert.match(layerViolation(join(src, 'webview', 'x.ts'), '../core/model') ?? '', /src\/core/);
    assert.equal(layerViolation(join(src, 'vscode', 'x.ts'), '../core/model'), undefined);
    assert.match(layerViolation(join(src, 'service', 'x.ts'), 'vscode') ?? '', /must not import vscode/);
    assert.match(layerViolation(join(src, 'service', 'x.ts'), '../vscode/localReceiver') ?? '', /src\/vscode/);
    assert.equal(layerViolation(join(src, 'service', 'x.ts'), '../core/localService/localServiceHost'), undefined);
    assert.equal(layerViolation(join(src, 'webview', 'x.ts'), '../shared/protocol'), undefined);
    assert.match(layerViolation(join(src, 'shared', 'x.ts'), '../core/model') ?? '', /only types/);
    assert.equal(layerViolation(join(src, 'shared', 'x.ts'), '../core/model', true), undefined);
  });

  describe('each layer tsconfig refuses what its layer must not use', function () {
    this.timeout(60_000);
    let probeDir: string;
    before(() => {
      probeDir = mkdtempSync(join(tmpdir(), 'spanlens-layer-'));
    });
    after(() => rmSync(probeDir, { recursive: true, force: true }));

    function compileWithLayerConfig(layer: string, code: string): string[] {
      const configPath = join(src, layer, 'tsconfig.json');
      const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
      const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, join(src, layer));
      const probe = join(src, layer, `__layer_probe_${process.pid}.ts`);
      writeFileSync(probe, code);
      try {
        const program = ts.createProgram([probe], parsed.options);
        return ts.getPreEmitDiagnostics(program, program.getSourceFile(probe)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      } finally {
        rmSync(probe, { force: true });
      }
    }

    it('core: importing vscode does not compile', () => {
      const errors = compileWithLayerConfig('core', "import * as vscode from 'vscode';\nexport const v = vscode.version;\n");
      assert.ok(
        errors.some((e) => /vscode-is-forbidden-in-this-layer/.test(e)),
        errors.join('\n'),
      );
    });

    it('service: importing vscode does not compile', () => {
      const errors = compileWithLayerConfig('service', "import * as vscode from 'vscode';\nexport const v = vscode.version;\n");
      assert.ok(
        errors.some((e) => /vscode-is-forbidden-in-this-layer/.test(e)),
        errors.join('\n'),
      );
    });

    it('core: node modules compile', () => {
      assert.deepEqual(compileWithLayerConfig('core', "import { join } from 'node:path';\nexport const p = join('a', 'b');\n"), []);
    });

    it('shared: node modules and the DOM do not compile', () => {
      const errors = compileWithLayerConfig('shared', "import { join } from 'node:path';\nexport const p = join('a', document.title);\n");
      assert.ok(
        errors.some((e) => /Cannot find module 'node:path'/.test(e)),
        errors.join('\n'),
      );
      assert.ok(
        errors.some((e) => /Cannot find name 'document'/.test(e)),
        errors.join('\n'),
      );
    });

    it('webview: the DOM compiles, vscode and node do not', () => {
      assert.deepEqual(compileWithLayerConfig('webview', 'export const t = document.title;\n'), []);
      const errors = compileWithLayerConfig('webview', "import * as vscode from 'vscode';\nexport const v = vscode.version + process.pid;\n");
      assert.ok(
        errors.some((e) => /vscode-is-forbidden-in-this-layer/.test(e)),
        errors.join('\n'),
      );
      assert.ok(
        errors.some((e) => /Cannot find name 'process'/.test(e)),
        errors.join('\n'),
      );
    });
  });
});
