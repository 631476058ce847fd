import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { MappingContext } from '../../../../src/core/mapping/mappingContext';
import { parseStackTrace } from '../../../../src/core/mapping/parseStackTrace';
import type { StackFrame, StackLanguage } from '../../../../src/core/mapping/stackFrame';
import { WorkspaceFileIndex } from '../../../../src/core/mapping/workspaceFileIndex';
import type { Attributes } from '../../../../src/core/model/attributes';
import { createResource, createSpan, type Span } from '../../../../src/core/model/span';
import { SourceMapCache } from '../../../../src/core/mapping/sourceMapCache';
import { appSource, bundleWithEsbuild, compileWithTsc, makeProject, mathSource, runForStack } from './compiledProject';

/**
 * Real stack traces produced at test time by small apps in TypeScript (tsc and esbuild, run by
 * node), Python and Java, each run from a directory other than the workspace copy, with where
 * every application frame must land. Expected lines come from searching the source text written
 * here, never from the traces themselves.
 */

/** Where a frame or span must land: a workspace file and the 1-based line of a statement. */
export interface ExpectedLocation {
  readonly relativePath: string;
  readonly line: number;
}

export interface ExpectedFrame extends ExpectedLocation {
  /** The function the runtime names, when it is stable (not minified). */
  readonly function: string | undefined;
  /** The type of the exception whose section holds the frame, when the runtime prints one per section. */
  readonly section: string | undefined;
}

export interface CorpusTrace {
  readonly label: string;
  readonly text: string;
  /** Application frames, in the order parseStackTrace gives them (sections in printed order, innermost first). */
  readonly frames: readonly ExpectedFrame[];
  /** Where resolveSpanLocation must take the whole trace: the root cause's throw site. */
  readonly throwSite: ExpectedLocation;
}

export interface Corpus {
  readonly name: string;
  readonly language: StackLanguage;
  readonly resource: Attributes;
  readonly context: MappingContext;
  /** The directory the app ran from, which the workspace does not contain. */
  readonly runDirectory: string;
  readonly traces: readonly CorpusTrace[];
  readonly dispose: () => void;
}

/** 1-based line of the one line of `text` that starts (after indentation) with `statement`. */
export function lineStartingWith(text: string, statement: string): number {
  const lines = text.split('\n');
  const hits = lines.flatMap((line, i) => (line.trimStart().startsWith(statement) ? [i + 1] : []));
  if (hits.length !== 1 || hits[0] === undefined) throw new Error(`${hits.length} lines start with ${statement}`);
  return hits[0];
}

/** Whether `command` can be started; `versionFlag` must make it exit without doing anything. */
export function hasCommand(command: string, versionFlag: string): boolean {
  const result = spawnSync(command, [versionFlag], { stdio: 'ignore' });
  return result.error === undefined;
}

function tempRoot(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

function writeTree(root: string, files: Readonly<Record<string, string>>): void {
  for (const [relative, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, relative)), { recursive: true });
    writeFileSync(join(root, relative), text);
  }
}

function indexOf(folder: string, relativePaths: readonly string[]): WorkspaceFileIndex {
  return WorkspaceFileIndex.fromFiles(relativePaths.map((relativePath) => ({ folder, relativePath })));
}

/** The stderr of a command that must fail; throws when it succeeds. */
function failingRunStderr(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status === 0) throw new Error(`${command} ${args.join(' ')} did not fail`);
  return result.stderr;
}

// --- Python -----------------------------------------------------------------------------------

export const pythonSources: Readonly<Record<string, string>> = {
  'main.py': ['from shop import cart', '', '', 'def run():', '    return cart.checkout(["apple", "kiwi"])', '', '', 'run()', ''].join('\n'),
  'shop/__init__.py': '',
  'shop/prices.py': ['PRICES = {"apple": 3}', '', '', 'def load_price(sku):', '    return PRICES[sku]', ''].join('\n'),
  'shop/cart.py': [
    'from shop import audit',
    'from shop.prices import load_price',
    '',
    '',
    'def price_of(sku):',
    '    try:',
    '        return load_price(sku)',
    '    except KeyError as err:',
    '        raise LookupError(f"no price for {sku}") from err',
    '',
    '',
    'def checkout(skus):',
    '    total = 0',
    '    try:',
    '        for sku in skus:',
    '            total += price_of(sku)',
    '    except LookupError:',
    '        audit.record_failure(skus)',
    '    return total',
    '',
  ].join('\n'),
  'shop/audit.py': ['def _write(line):', '    raise RuntimeError("audit log is read-only: " + line)', '', '', 'def record_failure(skus):', '    _write("checkout failed: " + ",".join(skus))', ''].join(
    '\n',
  ),
};

/** Where the Python app lives in the workspace: not where it ran. */
const pythonWorkspaceDir = 'services/shop-api';

function pythonFrame(section: string, file: string, fn: string, statement: string): ExpectedFrame {
  return { section, function: fn, relativePath: `${pythonWorkspaceDir}/${file}`, line: lineStartingWith(pythonSources[file] ?? '', statement) };
}

/**
 * KeyError (cause of) → LookupError, during whose handling → RuntimeError escapes. Frames as
 * the parser keeps them: blocks in printed order, each innermost first.
 */
export const pythonExpectedFrames: readonly ExpectedFrame[] = [
  pythonFrame('KeyError', 'shop/prices.py', 'load_price', 'return PRICES[sku]'),
  pythonFrame('KeyError', 'shop/cart.py', 'price_of', 'return load_price(sku)'),
  pythonFrame('LookupError', 'shop/cart.py', 'price_of', 'raise LookupError('),
  pythonFrame('LookupError', 'shop/cart.py', 'checkout', 'total += price_of(sku)'),
  pythonFrame('RuntimeError', 'shop/audit.py', '_write', 'raise RuntimeError('),
  pythonFrame('RuntimeError', 'shop/audit.py', 'record_failure', '_write('),
  pythonFrame('RuntimeError', 'shop/cart.py', 'checkout', 'audit.record_failure(skus)'),
  pythonFrame('RuntimeError', 'main.py', 'run', 'return cart.checkout('),
  pythonFrame('RuntimeError', 'main.py', '<module>', 'run()'),
];

/**
 * Runs the Python app from `<tmp>/run/app` and lays the workspace out as `services/shop-api`,
 * next to a `tools/` copy whose `shop/cart.py` shares the frames' path suffix, so only the
 * pathMappings rule tells them apart. Undefined when python3 is not installed.
 */
export function pythonCorpus(): Corpus | undefined {
  if (!hasCommand('python3', '--version')) return undefined;
  const root = tempRoot('spanlens-py-');
  try {
    const runDirectory = join(root, 'run', 'app');
    writeTree(runDirectory, pythonSources);
    const workspace = join(root, 'ws');
    writeTree(join(workspace, pythonWorkspaceDir), pythonSources);
    writeTree(join(workspace, 'tools'), { 'shop/cart.py': 'def checkout(skus):\n    return 0\n', 'shop/audit.py': '', 'main.py': '' });
    // -E ignores PYTHONPATH and friends, which could otherwise put another `shop` package first.
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    const text = failingRunStderr('python3', ['-E', '-s', '-B', join(runDirectory, 'main.py')], runDirectory, env);
    const files = [...Object.keys(pythonSources).map((f) => `${pythonWorkspaceDir}/${f}`), 'tools/shop/cart.py', 'tools/shop/audit.py', 'tools/main.py'];
    const first = pythonExpectedFrames[0];
    if (!first) throw new Error('no expected frames');
    return {
      name: 'python',
      language: 'python',
      resource: { 'service.name': 'shop-api', 'telemetry.sdk.language': 'python' },
      context: {
        folders: [{ name: 'ws', path: workspace }],
        index: indexOf('ws', files),
        pathMappings: [{ from: runDirectory, to: `\${workspaceFolder}/${pythonWorkspaceDir}` }],
      },
      runDirectory,
      traces: [{ label: 'python chained traceback', text, frames: pythonExpectedFrames, throwSite: first }],
      dispose: () => rmSync(root, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

// --- Java -------------------------------------------------------------------------------------

export const javaSources: Readonly<Record<string, string>> = {
  'com/shop/Main.java': [
    'package com.shop;',
    '',
    'public final class Main {',
    '  private Main() {}',
    '',
    '  static int checkout(String sku) {',
    '    try {',
    '      return Inventory.reserve(sku, 2);',
    '    } catch (IllegalStateException e) {',
    '      throw new RuntimeException("checkout failed for " + sku, e);',
    '    }',
    '  }',
    '',
    '  public static void main(String[] args) {',
    '    System.out.println(checkout(args.length > 0 ? args[0] : "kiwi"));',
    '  }',
    '}',
    '',
  ].join('\n'),
  'com/shop/Inventory.java': [
    'package com.shop;',
    '',
    'final class Inventory {',
    '  private Inventory() {}',
    '',
    '  static int reserve(String sku, int quantity) {',
    '    return Shelf.forSku(sku).take(quantity);',
    '  }',
    '',
    '  static final class Shelf {',
    '    private final int stock;',
    '',
    '    private Shelf(int stock) {',
    '      this.stock = stock;',
    '    }',
    '',
    '    static Shelf forSku(String sku) {',
    '      return new Shelf(sku.length());',
    '    }',
    '',
    '    int take(int quantity) {',
    '      if (quantity > stock - 3) {',
    '        throw new IllegalStateException("out of stock: " + quantity);',
    '      }',
    '      return stock - quantity;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n'),
};

const javaWorkspaceDir = 'services/billing/src/main/java';

function javaFrame(section: string, file: string, fn: string, statement: string): ExpectedFrame {
  return { section, function: fn, relativePath: `${javaWorkspaceDir}/${file}`, line: lineStartingWith(javaSources[file] ?? '', statement) };
}

/** RuntimeException caused by IllegalStateException, as printed: main section, then `Caused by:`. */
export const javaExpectedFrames: readonly ExpectedFrame[] = [
  javaFrame('java.lang.RuntimeException', 'com/shop/Main.java', 'com.shop.Main.checkout', 'throw new RuntimeException('),
  javaFrame('java.lang.RuntimeException', 'com/shop/Main.java', 'com.shop.Main.main', 'System.out.println(checkout('),
  javaFrame('java.lang.IllegalStateException', 'com/shop/Inventory.java', 'com.shop.Inventory$Shelf.take', 'throw new IllegalStateException('),
  javaFrame('java.lang.IllegalStateException', 'com/shop/Inventory.java', 'com.shop.Inventory.reserve', 'return Shelf.forSku(sku).take(quantity);'),
  javaFrame('java.lang.IllegalStateException', 'com/shop/Main.java', 'com.shop.Main.checkout', 'return Inventory.reserve(sku, 2);'),
];

/**
 * Compiles (`javac -g`) and runs the Java app from `<tmp>/run`; the workspace holds it under a
 * Maven layout, next to a `legacy/` module with an `Inventory.java` of another package, which a
 * bare-file-name match would confuse with the real one. Undefined when javac or java is missing.
 */
export function javaCorpus(): Corpus | undefined {
  if (!hasCommand('javac', '-version') || !hasCommand('java', '-version')) return undefined;
  const root = tempRoot('spanlens-java-');
  try {
    const runDirectory = join(root, 'run');
    writeTree(join(runDirectory, 'src'), javaSources);
    execFileSync('javac', ['-g', '-d', join(runDirectory, 'classes'), ...Object.keys(javaSources).map((f) => join(runDirectory, 'src', f))], { stdio: 'pipe' });
    const text = failingRunStderr('java', ['-cp', join(runDirectory, 'classes'), 'com.shop.Main'], runDirectory);
    const workspace = join(root, 'ws');
    writeTree(join(workspace, javaWorkspaceDir), javaSources);
    writeTree(join(workspace, 'legacy/src/main/java'), { 'com/acme/Inventory.java': 'package com.acme;\n\nclass Inventory {}\n', 'com/acme/Main.java': 'package com.acme;\n\nclass Main {}\n' });
    const files = [...Object.keys(javaSources).map((f) => `${javaWorkspaceDir}/${f}`), 'legacy/src/main/java/com/acme/Inventory.java', 'legacy/src/main/java/com/acme/Main.java'];
    const throwSite = javaExpectedFrames[2];
    if (!throwSite) throw new Error('no expected throw site');
    return {
      name: 'java',
      language: 'java',
      resource: { 'service.name': 'billing', 'telemetry.sdk.language': 'java' },
      context: { folders: [{ name: 'ws', path: workspace }], index: indexOf('ws', files) },
      runDirectory,
      traces: [{ label: 'java Caused by chain', text, frames: javaExpectedFrames, throwSite }],
      dispose: () => rmSync(root, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

// --- TypeScript through tsc and esbuild, run by node ------------------------------------------

function tsFrame(file: 'src/app.ts' | 'src/math.ts', statement: string): ExpectedFrame {
  return { section: undefined, function: undefined, relativePath: file, line: lineStartingWith(file === 'src/app.ts' ? appSource() : mathSource, statement) };
}

/** Application frames of the two failures of the compiled app: `divide` throwing (arg 0) and `checkout` throwing (arg 1). */
const v8ExpectedFrames: Readonly<Record<'0' | '1', readonly ExpectedFrame[]>> = {
  '0': [tsFrame('src/math.ts', 'throw new RangeError('), tsFrame('src/app.ts', 'const share = divide('), tsFrame('src/app.ts', 'checkout(1000,')],
  '1': [tsFrame('src/app.ts', 'throw new Error('), tsFrame('src/app.ts', 'checkout(1000,')],
};

/**
 * The compiledProject app built in the workspace by tsc (`out/`, external maps) and by esbuild
 * (`dist/server.js`, minified bundle), copied without maps under `<tmp>/deploy/app` as if
 * deployed and run there by node. The stacks name the deployed paths; mapping goes through the
 * workspace's generated files and their source maps.
 */
export function typescriptCorpus(): Corpus {
  const root = makeProject();
  try {
    const workspace = join(root, 'ws');
    mkdirSync(workspace);
    cpSync(join(root, 'src'), join(workspace, 'src'), { recursive: true });
    bundleWithEsbuild(workspace, 'dist/server.js', { sourcemap: 'external' });
    compileWithTsc(workspace, 'out', { sourceMap: true });
    const runDirectory = join(root, 'deploy', 'app');
    for (const file of ['dist/server.js', 'out/app.js', 'out/math.js']) {
      mkdirSync(dirname(join(runDirectory, file)), { recursive: true });
      cpSync(join(workspace, file), join(runDirectory, file));
    }
    const traces: CorpusTrace[] = [];
    for (const [build, entry] of [
      ['esbuild', 'dist/server.js'],
      ['tsc', 'out/app.js'],
    ] as const) {
      for (const arg of ['0', '1'] as const) {
        const frames = v8ExpectedFrames[arg];
        const throwSite = frames[0];
        if (!throwSite) throw new Error('no expected throw site');
        traces.push({ label: `${build} ${basename(entry)} ${arg === '0' ? 'RangeError' : 'Error'}`, text: runForStack(join(runDirectory, entry), arg), frames, throwSite });
      }
    }
    const files = ['src/app.ts', 'src/math.ts', 'dist/server.js', 'dist/server.js.map', 'out/app.js', 'out/app.js.map', 'out/math.js', 'out/math.js.map'];
    const sourceMaps = new SourceMapCache();
    return {
      name: 'typescript',
      language: 'v8',
      resource: { 'service.name': 'checkout', 'telemetry.sdk.language': 'nodejs' },
      context: { folders: [{ name: 'ws', path: workspace }], index: indexOf('ws', files), sourceMaps },
      runDirectory,
      traces,
      dispose: () => {
        sourceMaps.dispose();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

// --- Lookups over a corpus --------------------------------------------------------------------

/** One thing to map: a span, and where it must land (undefined: nowhere in the workspace). */
export interface CorpusLookup {
  readonly label: string;
  readonly span: Span;
  readonly expected: ExpectedLocation | undefined;
}

let spanCounter = 0;

function corpusSpan(corpus: Corpus, attributes: Attributes, stack?: string): Span {
  spanCounter++;
  return createSpan({
    traceId: 'corpus',
    spanId: `s${spanCounter}`,
    name: 'op',
    startNs: 0n,
    endNs: 1n,
    attributes,
    events: stack === undefined ? [] : [{ timeNs: 0n, name: 'exception', attributes: { 'exception.stacktrace': stack } }],
    resource: createResource(corpus.resource),
  });
}

/** The `code.*` attributes an instrumentation would put on a span for the function of `frame`. */
function frameAttributes(language: StackLanguage, frame: StackFrame): Attributes {
  const attributes: Record<string, string | number> = {};
  if (frame.file !== undefined) {
    // JVM agents record the bare source file name and the class; the package path is the mapper's to rebuild.
    attributes[language === 'java' ? 'code.filepath' : 'code.file.path'] = language === 'java' ? (frame.file.split('/').pop() ?? frame.file) : frame.file;
  }
  if (frame.line !== undefined) attributes['code.line.number'] = frame.line;
  if (frame.column !== undefined) attributes['code.column.number'] = frame.column;
  if (frame.function !== undefined) attributes['code.function.name'] = frame.function;
  return attributes;
}

/**
 * Every frame of every trace as a span location (its `code.*` attributes), plus every trace as
 * an `exception` event, with the place each must land. Frames the parser marks as library code
 * must land nowhere; application frames are paired in order with the expected frames, and a
 * count mismatch is an error (a dropped or invented frame would otherwise go unnoticed).
 */
export function corpusLookups(corpus: Corpus): CorpusLookup[] {
  const lookups: CorpusLookup[] = [];
  for (const trace of corpus.traces) {
    const parsed = parseStackTrace(trace.text, corpus.language);
    const frames = parsed.sections.flatMap((section) => section.frames);
    const application = frames.filter((frame) => !frame.library);
    if (application.length !== trace.frames.length) {
      throw new Error(`${trace.label}: parsed ${application.length} application frames, expected ${trace.frames.length}:\n${trace.text}`);
    }
    let next = 0;
    for (const frame of frames) {
      const expected = frame.library ? undefined : trace.frames[next++];
      lookups.push({ label: `${trace.label}: ${frame.raw}`, span: corpusSpan(corpus, frameAttributes(corpus.language, frame)), expected });
    }
    lookups.push({ label: `${trace.label}: exception event`, span: corpusSpan(corpus, {}, trace.text), expected: trace.throwSite });
  }
  return lookups;
}
