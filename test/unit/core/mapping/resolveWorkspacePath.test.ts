import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveMappingRule } from '../../../../src/core/mapping/deriveMappingRule';
import type { MappingContext } from '../../../../src/core/mapping/mappingContext';
import { resolveWorkspacePath } from '../../../../src/core/mapping/resolveWorkspacePath';
import { WorkspaceFileIndex } from '../../../../src/core/mapping/workspaceFileIndex';

const files = [
  'src/server.ts',
  'dist/server.js',
  'packages/api/src/index.ts',
  'packages/web/src/index.ts',
  'services/checkout/src/main/java/com/shop/Checkout.java',
  'services/legacy/src/main/java/com/other/Checkout.java',
];

function context(extra: Partial<MappingContext> = {}): MappingContext {
  return { folders: [{ name: 'shop', path: '/home/dev/shop' }], index: WorkspaceFileIndex.fromFiles(files.map((relativePath) => ({ folder: 'shop', relativePath }))), ...extra };
}

describe('resolveWorkspacePath', () => {
  it('applies the most specific path mapping rule and records it', async () => {
    const ctx = context({
      pathMappings: [
        { from: '/app', to: '${workspaceFolder}/nowhere' },
        { from: '/app/dist', to: '${workspaceFolder:shop}/dist' },
      ],
    });
    const { resolution, steps } = await resolveWorkspacePath('/app/dist/server.js', ctx, 'api');
    assert.deepEqual(resolution, { kind: 'resolved', file: { folder: 'shop', relativePath: 'dist/server.js', path: '/home/dev/shop/dist/server.js' } });
    assert.equal(steps[0]?.rule, 'pathMapping');
    assert.match(steps[0].result, /\/app\/dist → \$\{workspaceFolder:shop\}\/dist/);
  });

  it('prefers a rule scoped to the span’s service and ignores other services’ rules', async () => {
    const ctx = context({ pathMappings: [{ from: '/srv', to: '${workspaceFolder}/packages/web' }, { from: '/srv', to: '${workspaceFolder}/packages/api', service: 'api' }, { from: '/srv/src', to: '/etc', service: 'other' }] });
    const { resolution } = await resolveWorkspacePath('/srv/src/index.ts', ctx, 'api');
    assert.equal(resolution.kind === 'resolved' && resolution.file.relativePath, 'packages/api/src/index.ts');
  });

  it('refuses a rule that maps outside the workspace folders', async () => {
    const { resolution, steps } = await resolveWorkspacePath('/app/x.ts', context({ pathMappings: [{ from: '/app', to: '/etc' }] }));
    assert.deepEqual(resolution, { kind: 'refused', path: '/etc/x.ts', why: 'outsideWorkspace' });
    assert.equal(steps.at(-1)?.outcome, 'refused');
  });

  it('refuses `..` that climbs out of the workspace through a rule or above the root', async () => {
    const viaRule = await resolveWorkspacePath('/app/../../../etc/passwd', context({ pathMappings: [{ from: '/', to: '${workspaceFolder}' }] }));
    assert.equal(viaRule.resolution.kind, 'refused');
    const viaRelativeTo = await resolveWorkspacePath('/app/a/../../x', context({ pathMappings: [{ from: '/', to: '${workspaceFolder}/../other' }] }));
    assert.equal(viaRelativeTo.resolution.kind, 'refused');
  });

  it('searches the service’s folder before the whole workspace', async () => {
    const ctx = context({ serviceFolders: { checkout: '${workspaceFolder}/services/checkout' } });
    const { resolution, steps } = await resolveWorkspacePath('Checkout.java', ctx, 'checkout');
    assert.equal(resolution.kind === 'resolved' && resolution.file.relativePath, 'services/checkout/src/main/java/com/shop/Checkout.java');
    assert.equal(steps[0]?.rule, 'serviceFolder');
  });

  it('takes an exact workspace path as it is', async () => {
    const { resolution, steps } = await resolveWorkspacePath('/home/dev/shop/src/server.ts', context());
    assert.equal(resolution.kind, 'resolved');
    assert.equal(steps[0]?.rule, 'workspacePath');
  });

  it('uses the longest unique suffix, and returns every candidate when it is not unique', async () => {
    const unique = await resolveWorkspacePath('/app/packages/api/src/index.ts', context());
    assert.equal(unique.resolution.kind === 'resolved' && unique.resolution.file.relativePath, 'packages/api/src/index.ts');
    const ambiguous = await resolveWorkspacePath('/app/src/index.ts', context());
    assert.equal(ambiguous.resolution.kind, 'ambiguous');
    assert.deepEqual(ambiguous.resolution.candidates.map((c) => c.relativePath).sort(), ['packages/api/src/index.ts', 'packages/web/src/index.ts']);
  });

  it('honours a minimum suffix so a same-named file in another package is not taken', async () => {
    const { resolution } = await resolveWorkspacePath('com/acme/Checkout.java', context(), undefined, { minimumSuffixSegments: 3 });
    assert.equal(resolution.kind, 'notFound');
  });

  it('refuses an absolute path outside the workspace that nothing matched', async () => {
    const { resolution } = await resolveWorkspacePath('/usr/lib/node/nothing.js', context());
    assert.deepEqual(resolution, { kind: 'refused', path: '/usr/lib/node/nothing.js', why: 'outsideWorkspace' });
  });

  it('handles Windows paths, drive letters and case-insensitive folders', async () => {
    const ctx: MappingContext = {
      folders: [{ name: 'shop', path: 'C:\\Users\\dev\\Shop' }],
      index: WorkspaceFileIndex.fromFiles([{ folder: 'shop', relativePath: 'Src\\Server.ts' }]),
      caseInsensitive: true,
    };
    const exact = await resolveWorkspacePath('c:\\users\\DEV\\shop\\src\\server.ts', ctx);
    assert.deepEqual(exact.resolution, { kind: 'resolved', file: { folder: 'shop', relativePath: 'Src/Server.ts', path: 'C:\\Users\\dev\\Shop\\Src\\Server.ts' } });
    const fromLinux = await resolveWorkspacePath('/app/src/server.ts', ctx);
    assert.equal(fromLinux.resolution.kind, 'resolved');
    const byRule = await resolveWorkspacePath('D:\\build\\agent\\src\\server.ts', { ...ctx, pathMappings: [{ from: 'd:/build/agent', to: '${workspaceFolder}' }] });
    assert.equal(byRule.steps[0]?.outcome, 'matched');
    const caseSensitive = await resolveWorkspacePath('/app/src/server.ts', { ...ctx, caseInsensitive: false });
    assert.equal(caseSensitive.resolution.kind, 'refused');
  });

  it('decodes file:// URLs and bundler schemes', async () => {
    const fromUrl = await resolveWorkspacePath('file:///home/dev/shop/src/server.ts', context());
    assert.equal(fromUrl.resolution.kind, 'resolved');
    const fromWebpack = await resolveWorkspacePath('webpack://shop/./src/server.ts', context());
    assert.equal(fromWebpack.resolution.kind === 'resolved' && fromWebpack.resolution.file.relativePath, 'src/server.ts');
  });

  describe('with real symlinks', () => {
    let root: string;
    before(function () {
      root = realpathSync(mkdtempSync(join(tmpdir(), 'spanlens-map-')));
      mkdirSync(join(root, 'ws', 'src'), { recursive: true });
      mkdirSync(join(root, 'secret'));
      writeFileSync(join(root, 'ws', 'src', 'ok.ts'), 'export {};\n');
      writeFileSync(join(root, 'secret', 'keys.ts'), 'export {};\n');
      try {
        symlinkSync(join(root, 'secret', 'keys.ts'), join(root, 'ws', 'src', 'keys.ts'));
        symlinkSync(join(root, 'ws', 'src', 'ok.ts'), join(root, 'ws', 'src', 'alias.ts'));
      } catch {
        this.skip();
      }
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    const ctx = (): MappingContext => ({
      folders: [{ name: 'ws', path: join(root, 'ws') }],
      index: WorkspaceFileIndex.fromFiles(['src/ok.ts', 'src/keys.ts', 'src/alias.ts'].map((relativePath) => ({ folder: 'ws', relativePath }))),
      realpath: (p) => realpath(p),
    });

    it('refuses a file whose symlink leads outside the workspace', async () => {
      const { resolution, steps } = await resolveWorkspacePath('/app/src/keys.ts', ctx());
      assert.deepEqual(resolution, { kind: 'refused', path: join(root, 'ws', 'src', 'keys.ts'), why: 'symlinkEscape' });
      assert.equal(steps.at(-1)?.rule, 'symlinkCheck');
    });

    it('accepts a symlink that stays inside', async () => {
      const { resolution } = await resolveWorkspacePath('/app/src/alias.ts', ctx());
      assert.equal(resolution.kind, 'resolved');
    });
  });
});

describe('WorkspaceFileIndex', () => {
  it('follows add, remove and directory removal without rescanning', () => {
    const index = WorkspaceFileIndex.fromFiles(files.map((relativePath) => ({ folder: 'shop', relativePath })));
    assert.equal(index.findBySuffix(['src', 'index.ts']).files.length, 2);
    index.remove('shop', 'packages/web/src/index.ts');
    assert.deepEqual(index.findBySuffix(['src', 'index.ts']).files, [{ folder: 'shop', relativePath: 'packages/api/src/index.ts' }]);
    index.add('shop', 'packages/new/src/index.ts');
    assert.equal(index.findBySuffix(['src', 'index.ts']).files.length, 2);
    index.removeUnder('shop', 'packages');
    assert.equal(index.findBySuffix(['src', 'index.ts']).files.length, 0);
    assert.equal(index.size, 4);
  });
});

describe('deriveMappingRule', () => {
  const folders = [{ name: 'shop', path: '/home/dev/shop' }];
  it('turns a chosen candidate into a prefix rule that then resolves the path uniquely', async () => {
    const rule = deriveMappingRule('/app/src/index.ts', { folder: 'shop', relativePath: 'packages/web/src/index.ts' }, folders, 'web');
    assert.deepEqual(rule, { from: '/app', to: '${workspaceFolder}/packages/web', service: 'web' });
    const { resolution } = await resolveWorkspacePath('/app/src/index.ts', context({ pathMappings: [rule] }), 'web');
    assert.equal(resolution.kind === 'resolved' && resolution.file.relativePath, 'packages/web/src/index.ts');
  });

  it('never derives an empty prefix and names the folder in a multi-root workspace', () => {
    const rule = deriveMappingRule('src/index.ts', { folder: 'b', relativePath: 'lib/src/index.ts' }, [...folders, { name: 'b', path: '/b' }]);
    assert.deepEqual(rule, { from: 'src', to: '${workspaceFolder:b}/lib/src' });
    assert.equal(deriveMappingRule('/x/a.ts', { folder: 'shop', relativePath: 'b.ts' }, folders), undefined);
  });

  it('keeps a Windows drive in `from`', () => {
    assert.deepEqual(deriveMappingRule('C:\\agent\\_work\\src\\server.ts', { folder: 'shop', relativePath: 'src/server.ts' }, folders), { from: 'c:/agent/_work', to: '${workspaceFolder}' });
  });
});
