import * as assert from 'node:assert/strict';
import type { SymbolQuery } from '../../../src/core/mapping/resolveSpanLocation';
import type { SpanMapping } from '../../../src/core/traceService/mappingService';
import {
  describeAmbiguity,
  describeRefusal,
  describeUnmapped,
  explainText,
  inert,
  matchSymbols,
  parseFrameArgument,
  parseFrameText,
  parseSpanArgument,
  suggestedMappingFrom,
} from '../../../src/vscode/mappingText';

const mapping = (over: Partial<SpanMapping> = {}): SpanMapping => ({ steps: [], service: 'shop', spanName: 'GET /cart', configured: true, ...over });

describe('mappingText (words of Go to Code)', () => {
  it('tells a script’s { traceId, spanId } from a tree node, and refuses anything else', () => {
    assert.deepEqual(parseSpanArgument({ traceId: 'a', spanId: 'b' }), { ref: { traceId: 'a', spanId: 'b' }, mode: 'programmatic' });
    assert.deepEqual(parseSpanArgument({ kind: 'span', row: { traceId: 'a', spanId: 'b', index: 3 }, parent: {} }), { ref: { traceId: 'a', spanId: 'b' }, mode: 'interactive' });
    assert.equal(parseSpanArgument(undefined), undefined);
    assert.throws(() => parseSpanArgument({ traceId: 1, spanId: 'b' }), /expected \{ traceId, spanId \}/);
    assert.throws(() => parseSpanArgument('abc'), /expected/);
  });

  it('makes command links and icon syntax in span text inert but keeps it readable', () => {
    const hostile = '[click](command:workbench.action.quit) $(zap)';
    const safe = inert(hostile);
    assert.doesNotMatch(safe, /\]\(/);
    assert.doesNotMatch(safe, /\$\(/);
    assert.equal(safe.replace(/\u200B/g, ''), hostile);
    assert.doesNotMatch(describeUnmapped(mapping({ spanName: hostile }), { kind: 'noCodeLocation' }), /\]\(command:/);
  });

  it('words each unmapped reason with something to do', () => {
    assert.match(describeUnmapped(mapping(), { kind: 'noCodeLocation' }), /span "GET \/cart" of shop records no code location/);
    assert.match(describeUnmapped(mapping(), { kind: 'notInWorkspace', paths: ['/a/1.ts', '/a/2.ts', '/a/3.ts', '/a/4.ts'] }), /\/a\/1\.ts, \/a\/2\.ts, \/a\/3\.ts and 1 more.*Add a path mapping/);
    assert.match(describeUnmapped(mapping(), { kind: 'onlyLibraryFrames', paths: ['node:internal/x'] }), /only library/);
    assert.match(describeAmbiguity('/app/util.ts', ['ws/a/util.ts', 'ws/b/util.ts']), /matches 2 workspace files: ws\/a\/util\.ts, ws\/b\/util\.ts/);
    assert.match(describeRefusal('/etc/passwd', 'outsideWorkspace'), /\/etc\/passwd.*outside every workspace folder.*not opened/);
  });

  it('explains every step and the result as plain text', () => {
    const text = explainText(
      mapping({
        steps: [
          { rule: 'attributes', input: 'code.file.path: /app/x.ts', result: '/app/x.ts', outcome: 'matched' },
          { rule: 'suffixMatch', input: 'app/x.ts', result: 'x.ts (1 trailing segment in common)', outcome: 'matched' },
        ],
      }),
      { traceId: 't', spanId: 's' },
      '/ws/x.ts:3:1',
    );
    assert.match(text, /1\. \[matched\] attributes: code\.file\.path: \/app\/x\.ts/);
    assert.match(text, /2\. \[matched\] suffixMatch/);
    assert.match(text, /Result: \/ws\/x\.ts:3:1/);
    assert.match(explainText(mapping({ reason: { kind: 'noCodeLocation' } }), { traceId: 't', spanId: 's' }, undefined), /Result: no location/);
  });

  it('matches workspace symbols by name and container, preferring the namespace’s files', () => {
    const query: SymbolQuery = {
      qualifiedName: 'com.shop.Checkout.pay',
      namespace: 'com.shop.Checkout',
      function: 'pay',
      files: [{ folder: 'w', relativePath: 'src/Checkout.java', path: '/w/src/Checkout.java' }],
    };
    const found = [
      { name: 'pay(int)', containerName: 'Checkout', path: '/w/src/Checkout.java' },
      { name: 'pay', containerName: 'Refund', path: '/w/src/Refund.java' },
      { name: 'payAll', containerName: 'Checkout', path: '/w/src/Checkout.java' },
      { name: 'pay', containerName: 'legacy.Checkout', path: '/w/old/Checkout.java' },
    ];
    assert.deepEqual(
      matchSymbols(found, query).map((s) => s.path),
      ['/w/src/Checkout.java'],
    );
    assert.equal(matchSymbols(found, { ...query, files: [] }).length, 2);
    assert.equal(matchSymbols(found, { ...query, namespace: undefined, files: [] }).length, 3);
  });

  it('lists a path a stack names many times once, with its count', () => {
    const grpc = '/app/node_modules/@grpc/grpc-js/build/src/client.js';
    const text = describeUnmapped(mapping(), { kind: 'onlyLibraryFrames', paths: [grpc, grpc, grpc, grpc, grpc, 'node:internal/process/task_queues'] });
    assert.equal(text.split(grpc).length - 1, 1, text);
    assert.match(text, /client\.js \(5 times\), node:internal\/process\/task_queues\)/);
    assert.match(describeUnmapped(mapping(), { kind: 'notInWorkspace', paths: ['/a.ts', '/a.ts', '/b.ts', '/c.ts', '/d.ts', '/d.ts'] }), /\/a\.ts \(2 times\), \/b\.ts, \/c\.ts and 1 more/);
  });

  it('says in one line why a dependency, runtime or build-output frame opens nothing, with no mapping to add', () => {
    const dependency = describeUnmapped(mapping(), { kind: 'cannotBeInWorkspace', path: '/app/node_modules/left-pad/index.js', absence: { what: 'dependency', name: 'left-pad' } });
    assert.match(dependency, /dependency left-pad, which neither this workspace nor this machine holds.*Nothing was opened\.$/);
    assert.doesNotMatch(dependency, /\n|path mapping/);
    assert.match(describeUnmapped(mapping(), { kind: 'cannotBeInWorkspace', path: 'node:internal/x', absence: { what: 'runtime' } }), /language runtime/);
    assert.match(describeUnmapped(mapping(), { kind: 'cannotBeInWorkspace', path: '/app/dist/a.js', absence: { what: 'buildOutput' } }), /build output/);
    assert.match(describeUnmapped(mapping(), { kind: 'ambiguous', path: '/srv/index.js', basenameOnly: true }), /only the file name of \/srv\/index\.js/);
    assert.match(
      describeAmbiguity('/srv/index.js', ['demo/src/pay/index.js'], true),
      /only the file name of \/srv\/index\.js matches demo\/src\/pay\/index\.js; SpanLens opens no file on its name alone/,
    );
  });

  it('reads goToFrame’s argument and a typed frame, refusing anything else', () => {
    assert.deepEqual(parseFrameArgument({ traceId: 't', spanId: 's', frame: { file: '/app/a.js', line: 3, column: 9, function: 'f' } }), {
      ref: { traceId: 't', spanId: 's' },
      frame: { file: '/app/a.js', line: 3, column: 9, function: 'f' },
    });
    assert.deepEqual(parseFrameArgument({ traceId: 't', spanId: 's', frame: { file: 'a.py' } }).frame, { file: 'a.py' });
    for (const bad of [
      undefined,
      { traceId: 't', spanId: 's' },
      { traceId: 't', spanId: 's', frame: { file: '' } },
      { traceId: 't', spanId: 's', frame: { file: 'a', line: 0 } },
      { traceId: 't', spanId: 's', frame: { file: 'a', line: '3' } },
    ]) {
      assert.throws(() => parseFrameArgument(bad), /expected \{ traceId, spanId, frame/);
    }
    assert.deepEqual(parseFrameText('/app/a.js:3:9'), { file: '/app/a.js', line: 3, column: 9 });
    assert.deepEqual(parseFrameText('C:\\app\\a.cs:42'), { file: 'C:\\app\\a.cs', line: 42 });
    assert.equal(parseFrameText('  '), undefined);
  });

  it('suggests the folder of a recorded path as a mapping’s `from`', () => {
    assert.equal(suggestedMappingFrom('/app/dist/server.js'), '/app/dist');
    assert.equal(suggestedMappingFrom('C:\\app\\server.js'), 'C:\\app');
    assert.equal(suggestedMappingFrom('server.js'), 'server.js');
  });
});
