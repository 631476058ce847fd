import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MappingContext } from '../../src/core/mapping/mappingContext';
import { resolveSpanLocation } from '../../src/core/mapping/resolveSpanLocation';
import { SourceMapCache } from '../../src/core/mapping/sourceMapCache';
import { WorkspaceFileIndex } from '../../src/core/mapping/workspaceFileIndex';
import { createResource, createSpan } from '../../src/core/model/span';
import { bundleWithEsbuild, makeProject, runForStack } from '../unit/core/mapping/compiledProject';
import type { Figure } from './benchReport';

/**
 * Code mapping against issue 6's target of ≤ 0.1 ms per warm lookup: suffix lookups over a
 * 50k-file index (with many same-named files, the realistic worst case for basename buckets),
 * warm source-map lookups on a real minified esbuild bundle, and whole span resolutions
 * (stack parse → suffix match → source map → original file), which is what a click costs.
 */
export async function benchMapping(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const files: { folder: string; relativePath: string }[] = [];
  for (let pkg = 0; pkg < 500; pkg++) {
    for (let file = 0; file < 100; file++) {
      // index.ts in every package and a few hot names make basename buckets of 500.
      const name = file === 0 ? 'index.ts' : file < 5 ? `util${file}.ts` : `module${pkg}_${file}.ts`;
      files.push({ folder: 'ws', relativePath: `packages/p${pkg}/src/${file % 3 === 1 ? 'lib/' : ''}${name}` });
    }
  }
  let start = performance.now();
  const index = WorkspaceFileIndex.fromFiles(files);
  figures.push({ name: 'mapping: build 50k-file workspace index', value: performance.now() - start, unit: 'ms', target: 500, aim: true });

  const queries = Array.from({ length: 2000 }, (_, i) => ['app', 'packages', `p${i % 500}`, 'src', ...(i % 2 === 0 ? ['index.ts'] : [`module${i % 500}_${5 + (i % 95)}.ts`])]);
  const rounds = 20;
  start = performance.now();
  let found = 0;
  for (let r = 0; r < rounds; r++) for (const q of queries) found += index.findBySuffix(q).files.length;
  const suffixMs = (performance.now() - start) / (rounds * queries.length);
  if (found === 0) throw new Error('suffix lookups found nothing');
  figures.push({ name: 'mapping: suffix lookup over 50k files (per lookup)', value: suffixMs, unit: 'ms', target: 0.1 });

  const root = makeProject();
  try {
    const workspace = root;
    bundleWithEsbuild(workspace, 'dist/server.js', { sourcemap: 'external' });
    const stack = runForStack(join(workspace, 'dist', 'server.js'), '1').replaceAll(workspace, '/app');
    const cache = new SourceMapCache();
    const generated = join(workspace, 'dist', 'server.js');
    await cache.originalPositionFor(generated, 1, 1);
    start = performance.now();
    const lookups = 20_000;
    for (let i = 0; i < lookups; i++) await cache.originalPositionFor(generated, 1, 1 + (i % 300));
    figures.push({ name: 'mapping: warm source-map lookup (per lookup)', value: (performance.now() - start) / lookups, unit: 'ms', target: 0.1 });

    const fileIndex = WorkspaceFileIndex.fromFiles([...files, ...['src/app.ts', 'src/math.ts', 'dist/server.js', 'dist/server.js.map'].map((relativePath) => ({ folder: 'ws', relativePath }))]);
    const context: MappingContext = { folders: [{ name: 'ws', path: workspace }], index: fileIndex, sourceMaps: cache };
    const span = createSpan({
      traceId: 't',
      spanId: 's',
      name: 'checkout',
      startNs: 0n,
      endNs: 1n,
      events: [{ timeNs: 0n, name: 'exception', attributes: { 'exception.stacktrace': stack } }],
      resource: createResource({ 'service.name': 'checkout' }),
    });
    const first = await resolveSpanLocation(span, context);
    if (first.location?.relativePath !== 'src/app.ts') throw new Error(`span resolved to ${JSON.stringify(first.reason ?? first.location)}`);
    const spans = 5000;
    start = performance.now();
    for (let i = 0; i < spans; i++) await resolveSpanLocation(span, context);
    figures.push({ name: 'mapping: warm span resolution incl. source map (per span)', value: (performance.now() - start) / spans, unit: 'ms', target: 0.1, aim: true });
    cache.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return figures;
}
