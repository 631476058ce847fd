import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStackTrace } from '../../../../src/core/mapping/parseStackTrace';
import { SourceMapCache, sourceMappingUrl } from '../../../../src/core/mapping/sourceMapCache';
import { appSource, bundleWithEsbuild, compileWithTsc, lineColumnOf, makeProject, mathSource, runForStack } from './compiledProject';

describe('SourceMapCache on real compiler output', function () {
  this.timeout(60_000);
  let root: string;
  let cache: SourceMapCache;
  const app = appSource();
  const throwSite = lineColumnOf(app, 'new Error("too-expensive")');
  const mathThrow = lineColumnOf(mathSource, 'new RangeError("divide-by-zero")');

  before(() => {
    root = makeProject();
    compileWithTsc(root, 'dist-tsc', { sourceMap: true });
    compileWithTsc(root, 'dist-inline', { inlineSourceMap: true });
    compileWithTsc(root, 'dist-root', { sourceMap: true, sourceRoot: '/app/src/' });
    bundleWithEsbuild(root, 'dist-bundle/app.js', { sourcemap: 'linked' });
    bundleWithEsbuild(root, 'dist-esb-inline/app.js', { sourcemap: 'inline' });
  });
  beforeEach(() => {
    cache = new SourceMapCache({ recheckAfterMs: 0 });
  });
  afterEach(() => cache.dispose());
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Where V8 says the error was created, from a real run of the compiled file. */
  function v8Frame(file: string, arg: string): { file: string; line: number; column: number } {
    const frame = parseStackTrace(runForStack(file, arg)).sections[0]?.frames[0];
    assert.ok(frame?.file !== undefined && frame.line !== undefined && frame.column !== undefined, 'a V8 frame with a position');
    return { file: frame.file, line: frame.line, column: frame.column };
  }

  async function expectMapsTo(generated: string, arg: string, sourceEnd: string, expected: { line: number; column: number }): Promise<string> {
    const frame = v8Frame(generated, arg);
    assert.equal(frame.file, generated);
    const lookup = await cache.originalPositionFor(frame.file, frame.line, frame.column);
    assert.equal(lookup.kind, 'mapped', JSON.stringify(lookup));
    assert.ok(lookup.original.path.endsWith(sourceEnd), lookup.original.path);
    assert.deepEqual({ line: lookup.original.line, column: lookup.original.column }, expected);
    return lookup.original.path;
  }

  it('maps a real V8 frame through tsc’s external map to the exact TS line and column', async () => {
    const path = await expectMapsTo(join(root, 'dist-tsc', 'app.js'), '1', 'app.ts', throwSite);
    assert.equal(path, join(root, 'src', 'app.ts'));
    // math.js is not an entry point: its frame comes from running app.js.
    const frame = parseStackTrace(runForStack(join(root, 'dist-tsc', 'app.js'), '0')).sections[0]?.frames[0];
    assert.equal(frame?.file, join(root, 'dist-tsc', 'math.js'));
    const lookup = await cache.originalPositionFor(frame.file, frame.line ?? 0, frame.column);
    assert.deepEqual(lookup.kind === 'mapped' && [lookup.original.path, lookup.original.line, lookup.original.column], [join(root, 'src', 'math.ts'), mathThrow.line, mathThrow.column]);
  });

  it('converts V8’s 1-based columns: the column before a mapping belongs to the previous one', async () => {
    const generated = join(root, 'dist-tsc', 'app.js');
    const js = readFileSync(generated, 'utf8');
    const at = lineColumnOf(js, 'new Error("too-expensive")');
    const onNew = await cache.originalPositionFor(generated, at.line, at.column);
    const before = await cache.originalPositionFor(generated, at.line, at.column - 1);
    assert.equal(onNew.kind === 'mapped' && onNew.original.column, throwSite.column);
    assert.equal(before.kind === 'mapped' && before.original.column, lineColumnOf(app, 'throw new Error("too-expensive")').column);
  });

  it('reads tsc’s inline data: map', async () => {
    await expectMapsTo(join(root, 'dist-inline', 'app.js'), '1', 'app.ts', throwSite);
  });

  it('resolves sources against sourceRoot', async () => {
    const path = await expectMapsTo(join(root, 'dist-root', 'app.js'), '1', 'app.ts', throwSite);
    assert.equal(path, '/app/src/app.ts');
  });

  it('maps a minified multi-file esbuild bundle to each original file', async () => {
    const bundle = join(root, 'dist-bundle', 'app.js');
    assert.equal(
      readFileSync(bundle, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length,
      2,
      'minified to one line plus the map comment',
    );
    await expectMapsTo(bundle, '1', join('src', 'app.ts'), throwSite);
    await expectMapsTo(bundle, '0', join('src', 'math.ts'), mathThrow);
  });

  it('reads esbuild’s inline map', async () => {
    await expectMapsTo(join(root, 'dist-esb-inline', 'app.js'), '0', join('src', 'math.ts'), mathThrow);
  });

  it('passes webpack:// sources through for the path rules', async () => {
    const dir = join(root, 'dist-webpack');
    cpSync(join(root, 'dist-bundle'), dir, { recursive: true });
    const map = JSON.parse(readFileSync(join(dir, 'app.js.map'), 'utf8')) as { sources: string[] };
    map.sources = map.sources.map((s) => s.replace(/^\.\.\/src\//, 'webpack://shop/./src/'));
    writeFileSync(join(dir, 'app.js.map'), JSON.stringify(map));
    const frame = v8Frame(join(dir, 'app.js'), '1');
    const lookup = await cache.originalPositionFor(frame.file, frame.line, frame.column);
    assert.deepEqual(lookup.kind === 'mapped' && [lookup.original.source, lookup.original.line, lookup.original.column], ['webpack://shop/src/app.ts', throwSite.line, throwSite.column]);
  });

  it('reads index (sectioned) maps', async () => {
    const dir = join(root, 'dist-index');
    cpSync(join(root, 'dist-bundle'), dir, { recursive: true });
    const basic = JSON.parse(readFileSync(join(dir, 'app.js.map'), 'utf8')) as object;
    writeFileSync(join(dir, 'app.js.map'), JSON.stringify({ version: 3, file: 'app.js', sections: [{ offset: { line: 0, column: 0 }, map: basic }] }));
    await expectMapsTo(join(dir, 'app.js'), '1', join('src', 'app.ts'), throwSite);
  });

  it('notices a rebuilt file and maps with the new map', async () => {
    const dir = join(root, 'dist-rebuild');
    const work = join(root, 'rebuild');
    mkdirSync(join(work, 'src'), { recursive: true });
    writeFileSync(join(work, 'src', 'math.ts'), mathSource);
    writeFileSync(join(work, 'src', 'app.ts'), appSource());
    compileWithTsc(work, 'out', { sourceMap: true });
    cpSync(join(work, 'out'), dir, { recursive: true });
    const generated = join(dir, 'app.js');
    const before = await cache.originalPositionFor(generated, v8Frame(generated, '1').line, v8Frame(generated, '1').column);
    assert.equal(before.kind === 'mapped' && before.original.line, throwSite.line);

    const padded = appSource(3);
    writeFileSync(join(work, 'src', 'app.ts'), padded);
    compileWithTsc(work, 'out', { sourceMap: true });
    cpSync(join(work, 'out'), dir, { recursive: true });
    const frame = v8Frame(generated, '1');
    const after = await cache.originalPositionFor(generated, frame.line, frame.column);
    assert.equal(after.kind === 'mapped' && after.original.line, lineColumnOf(padded, 'new Error("too-expensive")').line);
    assert.equal(cache.size, 1);
  });

  it('gives clear results for missing, malformed and unmapped maps without throwing', async () => {
    const dir = join(root, 'bad');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'missing.js'), 'x();\n//# sourceMappingURL=missing.js.map\n');
    writeFileSync(join(dir, 'broken.js'), 'x();\n//# sourceMappingURL=broken.js.map\n');
    writeFileSync(join(dir, 'broken.js.map'), '{"version":3,"sources":[');
    writeFileSync(join(dir, 'plain.js'), 'x();\n');
    writeFileSync(join(dir, 'remote.js'), 'x();\n//# sourceMappingURL=https://example.invalid/remote.js.map\n');
    writeFileSync(join(dir, 'badinline.js'), 'x();\n//# sourceMappingURL=data:application/json;base64,!!!!\n');
    const kinds = await Promise.all(['missing', 'broken', 'plain', 'remote', 'badinline', 'absent'].map(async (name) => (await cache.originalPositionFor(join(dir, `${name}.js`), 1, 1)).kind));
    assert.deepEqual(kinds, ['error', 'error', 'noMap', 'noMap', 'error', 'error']);
  });

  it('finds the last sourceMappingURL comment, not one quoted in code', () => {
    assert.equal(sourceMappingUrl('const s = "//# sourceMappingURL=fake.map";\nx();\n//# sourceMappingURL=real.js.map\n'), 'real.js.map');
    assert.equal(sourceMappingUrl('const s = "//# sourceMappingURL=fake.map";\n'), undefined);
    assert.equal(sourceMappingUrl('a\n/*# sourceMappingURL=x.map */\n'), 'x.map');
  });
});
