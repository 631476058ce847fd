// Builds the bundles: the extension (Node, CommonJS, `vscode` external), its trace worker, the
// per-machine trace service and the trace view webview (browser IIFE). `--production` minifies;
// `--watch` rebuilds on change and prints the begin/end markers that the `$esbuild-watch`
// problem matcher looks for.
import * as esbuild from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const require = createRequire(import.meta.url);

// Files a bundled dependency loads from disk at run time, relative to its own `__dirname`;
// once bundled, that `__dirname` is `dist/`, so they must sit next to the bundle.
const runtimeAssets = [
  // source-map's consumer reads its WebAssembly mappings parser with fs from __dirname.
  join(dirname(require.resolve('source-map/package.json')), 'lib', 'mappings.wasm'),
];

/** Reports each build in the `file:line:col: error: message` form problem matchers parse. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => {
      if (watch) console.log('[watch] build started');
    });
    build.onEnd(async (result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (result.errors.length === 0) {
        await mkdir('dist', { recursive: true });
        await Promise.all(runtimeAssets.map((asset) => copyFile(asset, join('dist', asset.split(/[\\/]/).pop()))));
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'silent',
  plugins: [problemMatcherPlugin],
};

const contexts = await Promise.all([
  esbuild.context({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  }),
  esbuild.context({
    ...common,
    entryPoints: ['src/core/traceService/traceServiceWorker.ts'],
    outfile: 'dist/traceWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  }),
  esbuild.context({
    ...common,
    entryPoints: ['src/service/main.ts'],
    outfile: 'dist/traceService.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  }),
  esbuild.context({
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  }),
]);

if (watch) {
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  let failed = false;
  for (const context of contexts) {
    try {
      await context.rebuild();
    } catch {
      failed = true;
    }
    await context.dispose();
  }
  if (failed) process.exit(1);
}
