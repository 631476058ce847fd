import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attributes } from '../../../../src/core/model/attributes';
import { createResource, createSpan, type Span } from '../../../../src/core/model/span';
import { MappingService } from '../../../../src/core/traceService/mappingService';
import { appSource, compileWithTsc, lineColumnOf, makeProject } from '../mapping/compiledProject';

function span(spanId: string, attributes: Attributes): Span {
  return createSpan({ traceId: 't1', spanId, name: `op ${spanId}`, startNs: 0n, endNs: 1n, attributes, resource: createResource({ 'service.name': 'shop' }) });
}

describe('MappingService (the worker side of Go to Code)', () => {
  let root: string;
  let spans: Map<string, Span>;
  let service: MappingService;

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'spanlens-ms-')));
    spans = new Map();
    service = new MappingService((traceId, spanId) => (traceId === 't1' ? spans.get(spanId) : undefined));
  });
  afterEach(() => {
    service.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('says it is unconfigured until told the folders (a restarted worker), then maps by suffix', async () => {
    mkdirSync(join(root, 'svc', 'src'), { recursive: true });
    writeFileSync(join(root, 'svc', 'src', 'checkout.ts'), 'x\n');
    spans.set('a', span('a', { 'code.file.path': '/app/svc/src/checkout.ts', 'code.line.number': 3 }));
    const before = await service.mapSpan('t1', 'a');
    assert.equal(before.configured, false);
    await service.configure({ folders: [{ name: 'ws', path: root }], pathMappings: [], serviceFolders: {}, caseInsensitive: false });
    assert.equal(await service.updateFileIndex({ added: [{ folder: 'ws', relativePath: 'svc/src/checkout.ts' }] }), 1);
    const after = await service.mapSpan('t1', 'a');
    assert.equal(after.configured, true);
    assert.equal(after.service, 'shop');
    assert.equal(after.spanName, 'op a');
    assert.equal(after.location?.path, join(root, 'svc', 'src', 'checkout.ts'));
    assert.equal(after.location.line, 3);
  });

  it('drops a deleted directory’s files and a removed folder’s files from the index', async () => {
    await service.configure({ folders: [{ name: 'ws', path: root }], pathMappings: [], serviceFolders: {}, caseInsensitive: false });
    await service.updateFileIndex({
      added: [
        { folder: 'ws', relativePath: 'a/x.ts' },
        { folder: 'ws', relativePath: 'a/b/y.ts' },
        { folder: 'ws', relativePath: 'c/z.ts' },
      ],
    });
    assert.equal(await service.updateFileIndex({ removed: [{ folder: 'ws', relativePath: 'a' }] }), 1);
    assert.equal(await service.updateFileIndex({ removedFolders: ['ws'] }), 0);
  });

  it('infers a service’s folder from its manifest on disk, follows an edited manifest, and finds an installed dependency on disk', async () => {
    const write = (relative: string, text: string): void => {
      mkdirSync(join(root, relative, '..'), { recursive: true });
      writeFileSync(join(root, relative), text);
    };
    write('web/package.json', JSON.stringify({ name: 'shop' }));
    write('web/lib/cart.js', 'x\n');
    write('pay/lib/cart.js', 'x\n');
    write('web/node_modules/@grpc/grpc-js/build/src/call.js', 'x\n');
    await service.configure({ folders: [{ name: 'ws', path: root }], pathMappings: [], serviceFolders: {}, caseInsensitive: false });
    // node_modules is not indexed, as the adapter's listing leaves it out.
    await service.updateFileIndex({ added: ['web/package.json', 'web/lib/cart.js', 'pay/lib/cart.js'].map((relativePath) => ({ folder: 'ws', relativePath })) });
    spans.set('c', span('c', { 'code.file.path': '/app/lib/cart.js', 'code.line.number': 1 }));
    spans.set('g', span('g', { 'code.file.path': '/app/node_modules/@grpc/grpc-js/build/src/call.js', 'code.line.number': 31 }));
    assert.equal((await service.mapSpan('t1', 'c')).location?.path, join(root, 'web', 'lib', 'cart.js'), 'shop’s folder is web: package.json names it');
    assert.equal((await service.mapSpan('t1', 'g')).location?.path, join(root, 'web', 'node_modules', '@grpc', 'grpc-js', 'build', 'src', 'call.js'));

    write('web/package.json', JSON.stringify({ name: 'storefront' }));
    await service.updateFileIndex({ changed: [{ folder: 'ws', relativePath: 'web/package.json' }] });
    const unknown = await service.mapSpan('t1', 'c');
    assert.equal(unknown.location, undefined, 'no folder is shop’s any more: lib/cart.js is in two');
    assert.equal(unknown.reason?.kind, 'ambiguous');
    const gone = await service.mapFrame('t1', 'c', { file: '/app/node_modules/left-pad/index.js', line: 1 });
    assert.deepEqual(gone.reason, { kind: 'cannotBeInWorkspace', path: '/app/node_modules/left-pad/index.js', absence: { what: 'dependency', name: 'left-pad' } });
  });

  it('rejects with a message for a span that is not loaded', async () => {
    await assert.rejects(service.mapSpan('t1', 'missing'), /Span missing of trace t1 is not loaded/);
  });

  it('maps a frame through a rebuilt source map once the watcher reports the change', async () => {
    const project = makeProject();
    try {
      compileWithTsc(project, 'dist', { sourceMap: true });
      await service.configure({ folders: [{ name: 'p', path: project }], pathMappings: [], serviceFolders: {}, caseInsensitive: false });
      await service.updateFileIndex({ added: ['src/app.ts', 'src/math.ts', 'dist/app.js', 'dist/app.js.map'].map((relativePath) => ({ folder: 'p', relativePath })) });
      spans.set('f', span('f', {}));
      const generated = lineColumnOf(readFileSync(join(project, 'dist', 'app.js'), 'utf8'), 'divide)(total');
      const first = await service.mapFrame('t1', 'f', { file: '/deploy/dist/app.js', line: generated.line, column: generated.column });
      assert.equal(first.location?.relativePath, 'src/app.ts');
      assert.equal(first.location.line, lineColumnOf(appSource(), 'divide(total').line);
      // Rebuild with five more lines above: the same generated position now maps five lines lower.
      writeFileSync(join(project, 'src', 'app.ts'), appSource(5));
      compileWithTsc(project, 'dist', { sourceMap: true });
      await service.updateFileIndex({ changed: [{ folder: 'p', relativePath: 'dist/app.js.map' }] });
      const rebuilt = lineColumnOf(readFileSync(join(project, 'dist', 'app.js'), 'utf8'), 'divide)(total');
      const second = await service.mapFrame('t1', 'f', { file: '/deploy/dist/app.js', line: rebuilt.line, column: rebuilt.column });
      assert.equal(second.location?.line, lineColumnOf(appSource(5), 'divide(total').line);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
