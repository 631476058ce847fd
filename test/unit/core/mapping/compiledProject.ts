import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import * as ts from 'typescript';

/** A small TypeScript app written to a temp dir, compiled for real by tsc and esbuild at test time. */
export const mathSource = ['export function divide(a: number, b: number): number {', '  if (b === 0) {', '    throw new RangeError("divide-by-zero");', '  }', '  return a / b;', '}', ''].join('\n');

export function appSource(extraLines = 0): string {
  return [
    "import { divide } from './math';",
    ...Array.from({ length: extraLines }, (_, i) => `// padding ${i}`),
    'export function checkout(total: number, parts: number): number {',
    '  const share = divide(total, parts);',
    '  if (share > 100) {',
    '    throw new Error("too-expensive");',
    '  }',
    '  return share;',
    '}',
    'checkout(1000, Number(process.argv[2] ?? "1"));',
    '',
  ].join('\n');
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
export function lineColumnOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not found`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
}

export function makeProject(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'spanlens-sm-')));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'math.ts'), mathSource);
  writeFileSync(join(root, 'src', 'app.ts'), appSource());
  return root;
}

export function compileWithTsc(root: string, outDir: string, options: ts.CompilerOptions): void {
  const program = ts.createProgram([join(root, 'src', 'app.ts'), join(root, 'src', 'math.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    outDir: join(root, outDir),
    rootDir: join(root, 'src'),
    strict: true,
    types: [],
    // Emit only: type checking against the full lib would cost seconds per build and test nothing here.
    noLib: true,
    noCheck: true,
    ...options,
  });
  const result = program.emit();
  if (result.emitSkipped) throw new Error('tsc emit skipped');
}

export function bundleWithEsbuild(root: string, outfile: string, options: { sourcemap: 'external' | 'inline' | 'linked'; sourceRoot?: string; minify?: boolean }): void {
  buildSync({
    entryPoints: [join(root, 'src', 'app.ts')],
    outfile: join(root, outfile),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    minify: options.minify ?? true,
    sourcemap: options.sourcemap,
    ...(options.sourceRoot === undefined ? {} : { sourceRoot: options.sourceRoot }),
    logLevel: 'silent',
  });
}

/** Runs a compiled file with node and returns the stack it died with. */
export function runForStack(file: string, arg: string): string {
  try {
    execFileSync(process.execPath, [file, arg], { stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const start = stderr.search(/^(?:Range)?Error: /m);
    if (start >= 0) return stderr.slice(start);
  }
  throw new Error(`${file} did not throw`);
}
