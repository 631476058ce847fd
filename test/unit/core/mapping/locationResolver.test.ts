import * as assert from 'node:assert/strict';
import type { FileCandidate } from '../../../../src/core/mapping/candidateLocation';
import { LocationResolver } from '../../../../src/core/mapping/locationResolver';
import type { SpanLocationResult } from '../../../../src/core/mapping/resolveSpanLocation';

const at = (path: string, line?: number): FileCandidate => ({
  kind: 'file',
  path,
  line,
  column: undefined,
  function: undefined,
  minimumSuffixSegments: 1,
  provenance: { source: 'attributes', keys: [] },
});

/** Maps /app/<rest> to /ws/<rest>, counting the calls per service and path. */
function mapping(calls: string[]) {
  return (service: string, { path, line }: FileCandidate): Promise<SpanLocationResult> => {
    calls.push(`${service} ${path}`);
    if (!path.startsWith('/app/')) return Promise.resolve({ reason: { kind: 'notInWorkspace', paths: [path] }, steps: [] });
    return Promise.resolve({ location: { folder: 'ws', relativePath: path.slice(5), path: `/ws/${path.slice(5)}`, line, column: undefined }, steps: [] });
  };
}

describe('LocationResolver', () => {
  it('resolves a service, path and line once, in flight or remembered, and reads it back synchronously', async () => {
    const calls: string[] = [];
    const resolver = new LocationResolver(mapping(calls), () => true);
    assert.equal(resolver.known('shop', '/app/a.ts', 3), undefined, 'nothing before it is asked');
    const [first, second] = await Promise.all([resolver.resolve('shop', at('/app/a.ts', 3)), resolver.resolve('shop', at('/app/a.ts', 3))]);
    assert.equal(first, second);
    assert.equal(first?.path, '/ws/a.ts');
    assert.equal(resolver.known('shop', '/app/a.ts', 3), first);
    await resolver.resolve('shop', at('/app/a.ts', 3));
    assert.deepEqual(calls, ['shop /app/a.ts']);
    await resolver.resolve('billing', at('/app/a.ts', 3));
    assert.equal(calls.length, 2, 'another service may map the same path elsewhere');
    assert.equal(await resolver.resolve('shop', at('/elsewhere/b.ts')), null);
    assert.equal(resolver.known('shop', '/elsewhere/b.ts', undefined), null, 'nowhere is remembered too');
  });

  it('does not remember "nowhere" while the folders are not known, and forgets on clear()', async () => {
    const calls: string[] = [];
    let ready = false;
    const resolver = new LocationResolver(mapping(calls), () => ready);
    assert.equal(await resolver.resolve('shop', at('/elsewhere/b.ts')), null);
    assert.equal(resolver.known('shop', '/elsewhere/b.ts', undefined), undefined);
    ready = true;
    await resolver.resolve('shop', at('/app/a.ts'));
    resolver.clear();
    assert.equal(resolver.known('shop', '/app/a.ts', undefined), undefined);
  });

  it('stays within its capacity', async () => {
    const calls: string[] = [];
    const resolver = new LocationResolver(mapping(calls), () => true, 3);
    for (let i = 0; i < 5; i++) await resolver.resolve('shop', at(`/app/${String(i)}.ts`));
    const remembered = [0, 1, 2, 3, 4].filter((i) => resolver.known('shop', `/app/${String(i)}.ts`, undefined) !== undefined);
    assert.ok(remembered.length <= 3, `remembered ${String(remembered.length)}`);
    assert.ok(remembered.includes(4), 'the newest is kept');
  });
});
