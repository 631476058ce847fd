import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveMappingRule } from '../../../../src/core/mapping/deriveMappingRule';
import type { MappingContext } from '../../../../src/core/mapping/mappingContext';
import { resolveWorkspacePath } from '../../../../src/core/mapping/resolveWorkspacePath';
import { WorkspaceFileIndex } from '../../../../src/core/mapping/workspaceFileIndex';
import { multiServiceContext, root } from './multiServiceWorkspace';

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
    const ctx = context({
      pathMappings: [
        { from: '/srv', to: '${workspaceFolder}/packages/web' },
        { from: '/srv', to: '${workspaceFolder}/packages/api', service: 'api' },
        { from: '/srv/src', to: '/etc', service: 'other' },
      ],
    });
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
    const { resolution, steps } = await resolveWorkspacePath('/build/java/Checkout.java', ctx, 'checkout');
    // The file name alone, even in the service's folder, is offered rather than opened.
    assert.deepEqual(resolution.kind === 'unconfirmed' && resolution.candidates.map((c) => c.relativePath), ['services/checkout/src/main/java/com/shop/Checkout.java']);
    assert.equal(steps[0]?.rule, 'serviceFolder');
    const named = await resolveWorkspacePath('/build/com/shop/Checkout.java', ctx, 'checkout');
    assert.equal(named.resolution.kind === 'resolved' && named.resolution.file.relativePath, 'services/checkout/src/main/java/com/shop/Checkout.java');
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

describe('resolveWorkspacePath in a multi-service workspace (never a wrong file)', () => {
  const relative = async (raw: string, service: string | undefined, ctx = multiServiceContext(), minimumSuffixSegments = 1): Promise<string | string[]> => {
    const { resolution } = await resolveWorkspacePath(raw, ctx, service, { minimumSuffixSegments });
    switch (resolution.kind) {
      case 'resolved':
        return resolution.file.relativePath;
      case 'ambiguous':
      case 'unconfirmed':
        return [resolution.kind, ...resolution.candidates.map((c) => c.relativePath)];
      default:
        return resolution.kind;
    }
  };

  it('tells colliding file names apart by the service folder each manifest names', async () => {
    // demo/Service.java is in ad's and fraud-detection's folders: the service decides.
    assert.equal(await relative('demo/Service.java', 'ad', undefined, 2), 'src/ads/src/main/java/demo/Service.java');
    assert.equal(await relative('demo/Service.java', 'fraud-detection', undefined, 2), 'src/frauds/src/main/java/demo/Service.java');
    assert.deepEqual(await relative('demo/Service.java', undefined, undefined, 2), ['ambiguous', 'src/ads/src/main/java/demo/Service.java', 'src/frauds/src/main/java/demo/Service.java']);
    // src/app.ts in frontend's folder and in email's (named like the service).
    assert.equal(await relative('/build/src/app.ts', 'email'), 'src/email/src/app.ts');
    assert.equal(await relative('/build/src/app.ts', 'frontend'), 'src/web/src/app.ts');
    // main.py in recommendation's and quote's folders.
    assert.equal(await relative('/usr/src/app/recs/main.py', 'recommendation'), 'src/recs/recs/main.py');
    assert.deepEqual(await relative('/usr/src/app/main.py', 'quote'), ['unconfirmed', 'src/quotes/main.py']);
  });

  it('opens no file on its name alone: one directory and the name must match', async () => {
    assert.deepEqual(await relative('/opt/other/charge.js', undefined), ['unconfirmed', 'src/pay/lib/charge.js']);
    assert.equal(await relative('/opt/other/lib/charge.js', undefined), 'src/pay/lib/charge.js');
    assert.deepEqual(await relative('index.js', undefined), ['unconfirmed', 'src/pay/index.js']);
  });

  it('does not search the rest of the workspace when the service’s folder is known', async () => {
    // lib/charge.js is payment's; email's code cannot be there.
    assert.equal(await relative('/srv/lib/charge.js', 'email'), 'notFound');
    assert.equal(await relative('/srv/lib/charge.js', 'mystery'), 'src/pay/lib/charge.js');
    const set = multiServiceContext({ serviceFolders: { payment: '${workspaceFolder}/src/web' } });
    assert.equal(await relative('/srv/lib/charge.js', 'payment', set), 'notFound', 'the setting wins over the manifest');
  });

  it('does not fall back to a whole-workspace search when a path mapping names no file', async () => {
    const ctx = multiServiceContext({ pathMappings: [{ from: '/app', to: '${workspaceFolder}/src/web' }] });
    assert.equal(await relative('/app/lib/charge.js', undefined, ctx), 'notFound');
    const { steps } = await resolveWorkspacePath('/app/lib/charge.js', ctx);
    assert.match(steps.map((s) => `${s.rule}:${s.outcome}:${s.result}`).join('\n'), /suffixMatch:skipped:not searched: a path mapping names where these paths are/);
  });

  it('maps a dependency’s frame only to that dependency’s files (the grpc instrumentation in the frontend)', async () => {
    const frame = '/app/node_modules/@opentelemetry/instrumentation-grpc/build/src/grpc-js/index.js';
    const { resolution, steps } = await resolveWorkspacePath(frame, multiServiceContext(), 'frontend');
    assert.deepEqual(resolution, { kind: 'notFound', absent: { what: 'dependency', name: '@opentelemetry/instrumentation-grpc' } });
    assert.equal(steps.at(-1)?.rule, 'fileExists');
    // Installed in the frontend's folder (node_modules is not indexed: found on disk).
    const installed = `${root}/src/web/node_modules/@opentelemetry/instrumentation-grpc/build/src/grpc-js/index.js`;
    const found = await resolveWorkspacePath(frame, multiServiceContext({}, [installed]), 'frontend');
    assert.deepEqual(found.resolution, {
      kind: 'resolved',
      file: { folder: 'demo', relativePath: 'src/web/node_modules/@opentelemetry/instrumentation-grpc/build/src/grpc-js/index.js', path: installed },
    });
    // Hoisted to the root, and no service folder known.
    const hoisted = `${root}/node_modules/@opentelemetry/instrumentation-grpc/build/src/grpc-js/index.js`;
    assert.equal(await relative(frame, undefined, multiServiceContext({}, [hoisted])), 'node_modules/@opentelemetry/instrumentation-grpc/build/src/grpc-js/index.js');
  });

  it('maps a frame of a package the workspace does not contain nowhere, whatever shares its name', async () => {
    const ctx = multiServiceContext();
    for (const [frame, absent] of [
      ['/app/node_modules/left-pad/lib/charge.js', { what: 'dependency', name: 'left-pad' }],
      ['/usr/local/lib/python3.12/site-packages/gevent/main.py', { what: 'dependency', name: 'gevent' }],
      ['/root/go/pkg/mod/google.golang.org/grpc@v1.66.0/server.go', { what: 'dependency', name: 'google.golang.org/grpc' }],
      ['/usr/lib/python3.11/asyncio/main.py', { what: 'runtime' }],
      ['node:internal/process/task_queues', { what: 'runtime' }],
      ['<frozen runpy>', { what: 'runtime' }],
    ] as const) {
      const { resolution } = await resolveWorkspacePath(frame, ctx, 'payment');
      assert.deepEqual(resolution, { kind: 'notFound', absent }, frame);
    }
  });

  it('offers to open a path outside the workspace only when it exists on this machine', async () => {
    assert.equal(await relative('/opt/elsewhere/zzz.py', undefined), 'notFound');
    assert.equal(await relative('/opt/elsewhere/zzz.py', undefined, multiServiceContext({}, ['/opt/elsewhere/zzz.py'])), 'refused');
    const { resolution } = await resolveWorkspacePath('/app/dist/server.js', multiServiceContext());
    assert.deepEqual(resolution, { kind: 'notFound', absent: { what: 'buildOutput' } });
  });
});

describe('resolveWorkspacePath’s refusals, when existence can be checked', () => {
  it('refuses (to confirm) only paths that exist, whether outside every folder, mapped outside or climbing out with `..`', async () => {
    for (const [raw, extra] of [
      ['/usr/lib/node/nothing.js', {}],
      ['/app/x.ts', { pathMappings: [{ from: '/app', to: '/etc' }] }],
      ['/app/../../../etc/nothing', {}],
    ] as const) {
      const absent = await resolveWorkspacePath(raw, context({ ...extra, fileExists: () => Promise.resolve(false) }));
      assert.equal(absent.resolution.kind, 'notFound', raw);
      const present = await resolveWorkspacePath(raw, context({ ...extra, fileExists: () => Promise.resolve(true) }));
      assert.equal(present.resolution.kind, 'refused', raw);
    }
  });
});

describe('resolveWorkspacePath with JVM package paths', () => {
  it('takes a package named like a dependency folder (com.acme.vendor) as the package it is', async () => {
    const ctx: MappingContext = {
      folders: [{ name: 'shop', path: '/home/dev/shop' }],
      index: WorkspaceFileIndex.fromFiles(['svc/src/main/java/com/acme/vendor/Foo.java', 'other/src/main/java/org/x/vendor/Foo.java'].map((relativePath) => ({ folder: 'shop', relativePath }))),
    };
    const { resolution } = await resolveWorkspacePath('com/acme/vendor/Foo.java', ctx, undefined, { minimumSuffixSegments: 4 });
    assert.equal(resolution.kind === 'resolved' && resolution.file.relativePath, 'svc/src/main/java/com/acme/vendor/Foo.java');
  });
});
