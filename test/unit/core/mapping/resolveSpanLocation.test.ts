import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { extractSpanLocations } from '../../../../src/core/mapping/extractSpanLocations';
import type { MappingContext } from '../../../../src/core/mapping/mappingContext';
import { resolveLocation, resolveSpanLocation } from '../../../../src/core/mapping/resolveSpanLocation';
import { SourceMapCache } from '../../../../src/core/mapping/sourceMapCache';
import { WorkspaceFileIndex } from '../../../../src/core/mapping/workspaceFileIndex';
import type { Attributes } from '../../../../src/core/model/attributes';
import { createResource, createSpan, type Span, type SpanEvent } from '../../../../src/core/model/span';
import { multiServiceContext } from './multiServiceWorkspace';
import { appSource, bundleWithEsbuild, compileWithTsc, lineColumnOf, makeProject, runForStack } from './compiledProject';

function span(attributes: Attributes, events: SpanEvent[] = [], resource: Attributes = { 'service.name': 'checkout' }): Span {
  return createSpan({ traceId: 't', spanId: 's', name: 'op', startNs: 0n, endNs: 1n, attributes, events, resource: createResource(resource) });
}

const exception = (stack: string, type = 'Error'): SpanEvent => ({ timeNs: 0n, name: 'exception', attributes: { 'exception.type': type, 'exception.message': 'x', 'exception.stacktrace': stack } });

describe('extractSpanLocations', () => {
  it('reads current and deprecated code.* attributes, integers as numbers or strings', () => {
    const [current] = extractSpanLocations(span({ 'code.file.path': '/app/a.py', 'code.line.number': 12, 'code.column.number': '3', 'code.function.name': 'pkg.mod.fn' }));
    assert.deepEqual(current?.kind === 'file' && [current.path, current.line, current.column, current.function], ['/app/a.py', 12, 3, 'pkg.mod.fn']);
    const [old] = extractSpanLocations(span({ 'code.filepath': '/app/b.py', 'code.lineno': 7n, 'code.function': 'fn', 'code.namespace': 'pkg.mod' }));
    assert.deepEqual(old?.kind === 'file' && [old.path, old.line, old.function], ['/app/b.py', 7, 'pkg.mod.fn']);
    const [bad] = extractSpanLocations(span({ 'code.filepath': '/app/c.py', 'code.lineno': 'seven' }));
    assert.equal(bad?.kind === 'file' && bad.line, undefined);
  });

  it('gives a JVM bare file name its package directory from code.namespace', () => {
    const [loc] = extractSpanLocations(span({ 'code.filepath': 'Checkout.java', 'code.lineno': 42, 'code.namespace': 'com.shop.Checkout', 'code.function': 'pay' }));
    assert.deepEqual(loc?.kind === 'file' && [loc.path, loc.minimumSuffixSegments], ['com/shop/Checkout.java', 3]);
  });

  it('orders attributes, exception frames (application first), code.stacktrace, symbol, then library frames', () => {
    const stack = 'Error: x\n    at lib (/app/node_modules/x/i.js:1:1)\n    at handler (/app/src/h.js:2:3)';
    const list = extractSpanLocations(span({ 'code.file.path': '/app/src/a.js', 'code.function.name': 'a', 'code.stacktrace': 'Error: y\n    at g (/app/src/g.js:5:6)' }, [exception(stack)]));
    assert.deepEqual(
      list.map((c) => (c.kind === 'file' ? `${c.provenance.source}:${c.path}` : `symbol:${c.qualifiedName}`)),
      ['attributes:/app/src/a.js', 'exception:/app/src/h.js', 'codeStacktrace:/app/src/g.js', 'symbol:a', 'exception:/app/node_modules/x/i.js'],
    );
  });
});

describe('resolveSpanLocation', function () {
  this.timeout(60_000);
  let root: string;
  let deployed: string;
  let context: MappingContext;
  const app = appSource();

  before(() => {
    root = makeProject();
    const workspace = join(root, 'ws');
    mkdirSync(workspace);
    cpSync(join(root, 'src'), join(workspace, 'src'), { recursive: true });
    bundleWithEsbuild(workspace, 'dist/server.js', { sourcemap: 'external' });
    compileWithTsc(workspace, 'out', { sourceMap: true });
    // "Deployed" under another root with no maps, as in production: /app/dist/server.js.
    deployed = join(root, 'deploy', 'app');
    mkdirSync(join(deployed, 'dist'), { recursive: true });
    cpSync(join(workspace, 'dist', 'server.js'), join(deployed, 'dist', 'server.js'));
    context = {
      folders: [{ name: 'ws', path: workspace }],
      index: WorkspaceFileIndex.fromFiles(
        ['src/app.ts', 'src/math.ts', 'dist/server.js', 'dist/server.js.map', 'out/app.js', 'out/app.js.map', 'out/math.js'].map((relativePath) => ({ folder: 'ws', relativePath })),
      ),
      sourceMaps: new SourceMapCache({ recheckAfterMs: 0 }),
      realpath: (p) => realpath(p),
    };
  });
  after(() => {
    context.sourceMaps?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('maps a real stack from a deployed, minified bundle to the right .ts line and column', async () => {
    const stack = runForStack(join(deployed, 'dist', 'server.js'), '1');
    const result = await resolveSpanLocation(span({}, [exception(stack)]), context);
    const expected = lineColumnOf(app, 'new Error("too-expensive")');
    assert.deepEqual(result.location && [result.location.relativePath, result.location.line, result.location.column], ['src/app.ts', expected.line, expected.column]);
    assert.deepEqual(
      result.steps.map((s) => `${s.rule}:${s.outcome}`),
      ['stackFrame:matched', 'suffixMatch:matched', 'sourceMap:matched', 'workspacePath:matched'],
    );
  });

  it('goes through a path mapping rule when one is configured', async () => {
    const stack = runForStack(join(deployed, 'dist', 'server.js'), '0');
    const result = await resolveSpanLocation(span({}, [exception(stack, 'RangeError')]), { ...context, pathMappings: [{ from: deployed, to: '${workspaceFolder}' }] });
    assert.equal(result.location?.relativePath, 'src/math.ts');
    assert.equal(result.steps[1]?.rule, 'pathMapping');
  });

  it('returns candidates, not a guess, when two files fit', async () => {
    const index = WorkspaceFileIndex.fromFiles(['a/src/app.ts', 'b/src/app.ts'].map((relativePath) => ({ folder: 'ws', relativePath })));
    const result = await resolveSpanLocation(span({ 'code.file.path': '/srv/src/app.ts', 'code.line.number': 4 }), { folders: context.folders, index });
    assert.equal(result.location, undefined);
    assert.equal(result.reason?.kind, 'ambiguous');
    assert.deepEqual(
      result.candidates?.map((c) => [c.relativePath, c.line]),
      [
        ['a/src/app.ts', 4],
        ['b/src/app.ts', 4],
      ],
    );
  });

  it('asks for a symbol search for namespace + function, with the JVM package file when present', async () => {
    const index = WorkspaceFileIndex.fromFiles(['svc/src/main/java/com/shop/Checkout.java', 'other/com/acme/Checkout.java'].map((relativePath) => ({ folder: 'ws', relativePath })));
    const result = await resolveSpanLocation(span({ 'code.namespace': 'com.shop.Checkout', 'code.function': 'pay' }), { folders: context.folders, index });
    assert.equal(result.reason?.kind, 'needsSymbolSearch');
    assert.deepEqual(result.symbol && [result.symbol.qualifiedName, result.symbol.function, result.symbol.files.map((f) => f.relativePath)], [
      'com.shop.Checkout.pay',
      'pay',
      ['svc/src/main/java/com/shop/Checkout.java'],
    ]);
  });

  it('maps Java frames only to the file of the right package', async () => {
    const index = WorkspaceFileIndex.fromFiles(['svc/src/main/java/com/shop/Checkout.java', 'other/com/acme/Repo.java'].map((relativePath) => ({ folder: 'ws', relativePath })));
    const stack = 'java.lang.IllegalStateException: x\n\tat com.shop.Repo.save(Repo.java:9)\n\tat com.shop.Checkout.pay(Checkout.java:42)';
    const result = await resolveSpanLocation(span({}, [exception(stack)], { 'service.name': 'checkout', 'telemetry.sdk.language': 'java' }), { folders: context.folders, index });
    assert.deepEqual(result.location && [result.location.relativePath, result.location.line], ['svc/src/main/java/com/shop/Checkout.java', 42]);
  });

  it('says why a span cannot be mapped', async () => {
    assert.equal((await resolveSpanLocation(span({}), context)).reason?.kind, 'noCodeLocation');
    const onlyLib = await resolveSpanLocation(span({}, [exception('Error: x\n    at f (node:internal/x:1:1)')]), context);
    assert.equal(onlyLib.reason?.kind, 'onlyLibraryFrames');
    const outside = await resolveSpanLocation(span({ 'code.file.path': '/opt/elsewhere/zzz.py', 'code.line.number': 1 }), context);
    assert.deepEqual(outside.reason, { kind: 'outsideWorkspace', path: '/opt/elsewhere/zzz.py', why: 'outsideWorkspace' });
    const missing = await resolveSpanLocation(span({ 'code.file.path': 'lib/zzz.py' }), context);
    assert.deepEqual(missing.reason, { kind: 'notInWorkspace', paths: ['lib/zzz.py'] });
  });
});

describe('resolveSpanLocation in a multi-service workspace', () => {
  const grpcStack = [
    'Error: 14 UNAVAILABLE: No connection established',
    '    at callErrorFromStatus (/app/node_modules/@grpc/grpc-js/build/src/call.js:31:19)',
    '    at Object.onReceiveStatus (/app/node_modules/@grpc/grpc-js/build/src/client.js:193:76)',
    '    at /app/node_modules/@opentelemetry/instrumentation-grpc/build/src/grpc-js/index.js:233:31',
    'for call at',
    '    at ServiceClientImpl.makeUnaryRequest (/app/node_modules/@grpc/grpc-js/build/src/client.js:161:32)',
  ].join('\n');
  const frontend = { 'service.name': 'frontend', 'telemetry.sdk.language': 'nodejs' };

  it('never opens another service’s index.js for the grpc instrumentation’s frame in a frontend exception', async () => {
    const ctx = multiServiceContext();
    const whole = await resolveSpanLocation(span({}, [exception(grpcStack)], frontend), ctx, { includeLibraryFrames: true });
    assert.equal(whole.location, undefined);
    assert.equal(whole.candidates, undefined);
    const byDefault = await resolveSpanLocation(span({}, [exception(grpcStack)], frontend), ctx);
    assert.equal(byDefault.reason?.kind, 'onlyLibraryFrames');
    const frame = {
      kind: 'file',
      path: '/app/node_modules/@opentelemetry/instrumentation-grpc/build/src/grpc-js/index.js',
      line: 233,
      column: 31,
      function: undefined,
      minimumSuffixSegments: 1,
      provenance: { source: 'attributes', keys: [] },
    } as const;
    const clicked = await resolveLocation('frontend', frame, ctx);
    assert.deepEqual(clicked.reason, { kind: 'cannotBeInWorkspace', path: frame.path, absence: { what: 'dependency', name: '@opentelemetry/instrumentation-grpc' } });
  });

  it('keeps a file-name-only match for last, after frames that map for certain', async () => {
    const stack = 'Error: declined\n    at charge (/srv/index.js:5:3)\n    at pay (/srv/pay/lib/charge.js:7:9)';
    const result = await resolveSpanLocation(span({}, [exception(stack)], { 'service.name': 'mystery' }), multiServiceContext());
    assert.deepEqual(result.location && [result.location.relativePath, result.location.line], ['src/pay/lib/charge.js', 7]);
    const onlyName = await resolveSpanLocation(span({}, [exception('Error: x\n    at charge (/srv/index.js:5:3)')], { 'service.name': 'mystery' }), multiServiceContext());
    assert.deepEqual(onlyName.reason, { kind: 'ambiguous', path: '/srv/index.js', basenameOnly: true });
    assert.deepEqual(
      onlyName.candidates?.map((c) => [c.relativePath, c.line]),
      [['src/pay/index.js', 5]],
    );
  });

  it('says a frame of a dependency that is not installed, or of build output, cannot be in the workspace', async () => {
    const ctx = multiServiceContext();
    const missing = await resolveSpanLocation(span({ 'code.file.path': '/app/node_modules/left-pad/index.js', 'code.line.number': 3 }, [], frontend), ctx);
    assert.deepEqual(missing.reason, { kind: 'cannotBeInWorkspace', path: '/app/node_modules/left-pad/index.js', absence: { what: 'dependency', name: 'left-pad' } });
    const built = await resolveSpanLocation(span({ 'code.file.path': '/app/dist/server.js', 'code.line.number': 3 }, [], frontend), ctx);
    assert.deepEqual(built.reason, { kind: 'cannotBeInWorkspace', path: '/app/dist/server.js', absence: { what: 'buildOutput' } });
    const nowhere = await resolveSpanLocation(span({ 'code.file.path': '/opt/elsewhere/zzz.py', 'code.line.number': 1 }), ctx);
    assert.deepEqual(nowhere.reason, { kind: 'notInWorkspace', paths: ['/opt/elsewhere/zzz.py'] }, 'not "outside the workspace": there is nothing to open');
  });

  it('classifies compiled and vendored library frames as library code (gevent inside site-packages)', () => {
    const stack = [
      'Traceback (most recent call last):',
      '  File "/usr/src/app/recommendation_server.py", line 88, in ListRecommendations',
      '    prod_list = get_product_list(request.product_ids)',
      '  File "src/gevent/event.py", line 163, in gevent._gevent_cevent.Event.wait',
      '  File "/usr/local/lib/python3.12/site-packages/pip/_vendor/urllib3/connection.py", line 203, in _new_conn',
      'TimeoutError: timed out',
    ].join('\n');
    const locations = extractSpanLocations(span({}, [exception(stack, 'TimeoutError')], { 'service.name': 'recommendation', 'telemetry.sdk.language': 'python' }));
    assert.deepEqual(
      locations.map((c) => c.kind === 'file' && c.provenance.source !== 'attributes' && [c.path, c.provenance.library]),
      [
        ['/usr/src/app/recommendation_server.py', false],
        ['/usr/local/lib/python3.12/site-packages/pip/_vendor/urllib3/connection.py', true],
        ['src/gevent/event.py', true],
      ],
    );
  });
});

describe('resolveSpanLocation’s symbol files in a multi-service workspace', () => {
  it('looks for a class’s file in the span’s service folder when one is known', async () => {
    const ad = await resolveSpanLocation(span({ 'code.namespace': 'demo.Service', 'code.function': 'getAds' }, [], { 'service.name': 'ad' }), multiServiceContext());
    assert.deepEqual(
      ad.symbol?.files.map((f) => f.relativePath),
      ['src/ads/src/main/java/demo/Service.java'],
    );
    const unknown = await resolveSpanLocation(span({ 'code.namespace': 'demo.Service', 'code.function': 'getAds' }, [], { 'service.name': 'mystery' }), multiServiceContext());
    assert.deepEqual(
      unknown.symbol?.files.map((f) => f.relativePath),
      ['src/ads/src/main/java/demo/Service.java', 'src/frauds/src/main/java/demo/Service.java'],
    );
  });
});
