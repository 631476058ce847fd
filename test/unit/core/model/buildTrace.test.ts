import * as assert from 'node:assert/strict';
import { buildTrace } from '../../../../src/core/model/buildTrace';
import { createResource, createSpan, StatusCode, type Resource, type Span } from '../../../../src/core/model/span';
import { TraceSetBuilder } from '../../../../src/core/model/traceSetBuilder';

const base = 1_700_000_000_000_000_000n;
const api = createResource({ 'service.name': 'api' });
const db = createResource({ 'service.name': 'db' });

function span(id: string, parent: string | undefined, startMs: number, endMs: number, resource: Resource = api, extra: Partial<Span> = {}): Span {
  return createSpan({
    traceId: 't1',
    spanId: id,
    parentSpanId: parent,
    name: `op-${id}`,
    startNs: base + BigInt(startMs * 1e6),
    endNs: base + BigInt(endMs * 1e6),
    resource,
    ...extra,
  });
}

const ids = (trace: ReturnType<typeof buildTrace>, indices: Iterable<number>): string[] => [...indices].map((i) => trace.span(i).spanId);

describe('buildTrace', () => {
  it('orders spans depth-first with siblings by start time, whatever the input order', () => {
    const trace = buildTrace('t1', [span('c2', 'r', 50, 60), span('g', 'c1', 12, 15), span('r', undefined, 0, 100), span('c1', 'r', 10, 40)]);
    assert.deepEqual(ids(trace, trace.spans.keys()), ['r', 'c1', 'g', 'c2']);
    assert.deepEqual([...trace.depth], [0, 1, 2, 1]);
    assert.deepEqual([...trace.parent], [-1, 0, 1, 0]);
    assert.deepEqual(ids(trace, trace.children(0)), ['c1', 'c2']);
    assert.deepEqual([...trace.subtreeEnd], [4, 3, 3, 4]);
    assert.equal(trace.rootSpan?.spanId, 'r');
    assert.equal(trace.durationNs, 100e6);
  });

  it('makes spans whose parent is missing top-level orphans, after nothing is lost', () => {
    const trace = buildTrace('t1', [span('r', undefined, 0, 100), span('o', 'missing', 20, 30), span('k', 'o', 21, 22)]);
    assert.deepEqual(ids(trace, trace.roots), ['r', 'o']);
    assert.deepEqual(ids(trace, trace.orphans), ['o']);
    assert.equal(trace.rootSpan?.spanId, 'r');
    assert.deepEqual(ids(trace, trace.children(trace.orphans[0] ?? -1)), ['k']);
  });

  it('cuts parent cycles instead of hanging, and says so', () => {
    const trace = buildTrace('t1', [span('a', 'c', 0, 10), span('b', 'a', 1, 9), span('c', 'b', 2, 8), span('self', 'self', 3, 4)]);
    assert.equal(trace.spanCount, 4);
    assert.ok(trace.roots.length >= 2, 'the cycle and the self-parented span must surface as top-level spans');
    assert.match(trace.warnings.join('\n'), /cycle/);
    const reachable = new Set<number>();
    for (const root of trace.roots) for (let i = root; i < (trace.subtreeEnd[root] ?? 0); i++) reachable.add(i);
    assert.equal(reachable.size, 4);
  });

  it('keeps every span when ids repeat and warns', () => {
    const trace = buildTrace('t1', [span('r', undefined, 0, 10), span('x', 'r', 1, 2), span('x', 'r', 3, 4)]);
    assert.equal(trace.spanCount, 3);
    assert.match(trace.warnings.join('\n'), /repeat an earlier span id/);
  });

  it('moves a span from another service that starts before its parent inside it, with its subtree', () => {
    // The db host's clock runs 30 ms behind: its server span seems to start before the client call.
    const trace = buildTrace('t1', [span('r', undefined, 0, 100), span('call', 'r', 10, 50), span('srv', 'call', -20, 0, db), span('q', 'srv', -15, -5, db)]);
    for (let i = 0; i < trace.spanCount; i++) assert.ok(trace.offsetNs(i) >= 0);
    const at = (id: string): number => trace.spans.findIndex((s) => s.spanId === id);
    const call = at('call');
    const srv = at('srv');
    const q = at('q');
    assert.ok(trace.offsetNs(srv) >= trace.offsetNs(call), 'server span starts inside the client span');
    assert.ok(trace.offsetNs(srv) + trace.spanDurationNs(srv) <= trace.offsetNs(call) + trace.spanDurationNs(call));
    // 20 ms centred in 40 ms: starts 10 ms after the client.
    assert.equal(trace.offsetNs(srv) - trace.offsetNs(call), 10e6);
    assert.equal(trace.offsetNs(q) - trace.offsetNs(srv), 5e6, 'the subtree moves with its root');
  });

  it('leaves a same-service child that starts early alone but never reports a negative offset', () => {
    const trace = buildTrace('t1', [span('r', undefined, 10, 100), span('early', 'r', 0, 20)]);
    assert.equal(trace.skewNs[1], 0);
    assert.equal(trace.offsetNs(1), 0);
    assert.equal(trace.offsetNs(0), 10e6);
  });

  it('leaves async children that end after their parent alone', () => {
    const trace = buildTrace('t1', [span('send', undefined, 0, 5), span('consume', 'send', 3, 40, db)]);
    assert.equal(trace.skewNs[1], 0);
    assert.equal(trace.durationNs, 40e6);
  });

  it('computes self time as the span minus the union of its children, clipped to it', () => {
    const trace = buildTrace('t1', [span('r', undefined, 0, 100), span('a', 'r', 10, 40), span('b', 'r', 30, 60), span('c', 'r', 90, 130)]);
    // Children cover 10–60 and 90–100 inside the root: 60 ms of 100.
    assert.equal(trace.selfTimeNs(0), 40e6);
    assert.equal(trace.selfTimeNs(1), 30e6);
  });

  it('finds the critical path through the last-finishing children', () => {
    // r: 0–100; a 10–40 and b 20–70 overlap (b finishes last, so a is off the path); c 75–95.
    const trace = buildTrace('t1', [span('r', undefined, 0, 100), span('a', 'r', 10, 40), span('b', 'r', 20, 70), span('c', 'r', 75, 95)]);
    const path = trace.criticalPath().map((s) => [trace.span(s.spanIndex).spanId, s.startOffsetNs / 1e6, s.endOffsetNs / 1e6]);
    assert.deepEqual(path, [
      ['r', 0, 20],
      ['b', 20, 70],
      ['r', 70, 75],
      ['c', 75, 95],
      ['r', 95, 100],
    ]);
  });

  it('counts errors and lists services in tree order', () => {
    const trace = buildTrace('t1', [span('r', undefined, 0, 10), span('d', 'r', 1, 2, db, { statusCode: StatusCode.Error })]);
    assert.equal(trace.errorCount, 1);
    assert.ok(trace.isError(1));
    assert.deepEqual(trace.services, ['api', 'db']);
  });

  it('handles a 100k-deep chain and 100k siblings without recursion limits', function () {
    this.timeout(20_000);
    const chain: Span[] = [];
    for (let i = 0; i < 100_000; i++) chain.push(span(`s${i}`, i === 0 ? undefined : `s${i - 1}`, i, 200_000 - i));
    const deep = buildTrace('t1', chain.reverse());
    assert.equal(deep.depth[99_999], 99_999);
    assert.ok(deep.criticalPath().length > 0);
    const wide = [span('r', undefined, 0, 1_000_000)];
    for (let i = 0; i < 100_000; i++) wide.push(span(`c${i}`, 'r', 100_000 - i, 100_001 - i));
    const flat = buildTrace('t1', wide);
    assert.equal([...flat.children(0)].length, 100_000);
    assert.equal(flat.span(1).spanId, 'c99999', 'siblings are ordered by start');
  });

  it('finds parents by id value, not by string identity', () => {
    // Ids from different decoders (or concatenated at run time) are equal strings, not one object.
    const parentId = ['pa', 'rent'].join('');
    const trace = buildTrace('t1', [span('child', parentId, 1, 2), span('parent', undefined, 0, 10)]);
    assert.deepEqual([...trace.parent], [-1, 0]);
    assert.deepEqual(trace.orphans, []);
  });

  it('builds each trace on its own after a bad one (nothing carries over between builds)', () => {
    const bad = buildTrace('t1', [span('a', 'c', 0, 10), span('b', 'a', 1, 9), span('c', 'b', 2, 8), span('o', 'gone', 3, 4), span('a', undefined, 5, 6)]);
    assert.equal(bad.warnings.length, 2);
    assert.ok(bad.orphans.length >= 2);
    const good = buildTrace('t2', [span('r', undefined, 0, 10), span('x', 'r', 1, 2), span('y', 'x', 2, 3)]);
    assert.deepEqual(good.warnings, []);
    assert.deepEqual(good.orphans, []);
    assert.deepEqual(good.roots, [0]);
    assert.deepEqual([...good.parent], [-1, 0, 1]);
    assert.deepEqual([...good.subtreeEnd], [3, 3, 3]);
  });

  it('links a trace of thousands of spans like a small one: repeats, orphans, cycles, sibling order', () => {
    const spans: Span[] = [span('root', undefined, 0, 100_000)];
    for (let i = 0; i < 6000; i++) spans.push(span(`s${i}`, i % 2 === 0 ? 'root' : `s${i - 1}`, 6000 - i, 6001 - i));
    spans.push(span('s7', 'root', 1, 2), span('lost', 'nowhere', 10, 20), span('loopA', 'loopB', 30, 40), span('loopB', 'loopA', 31, 39));
    const trace = buildTrace('t1', spans.reverse());
    assert.equal(trace.spanCount, 6005);
    assert.match(trace.warnings.join('\n'), /1 span repeat an earlier span id/);
    assert.match(trace.warnings.join('\n'), /1 parent link formed a cycle/);
    assert.deepEqual(
      trace.orphans.map((i) => trace.span(i).spanId),
      ['lost', 'loopA'],
    );
    const root = trace.roots.find((i) => trace.span(i).spanId === 'root') ?? -1;
    const kids = [...trace.children(root)];
    assert.equal(kids.length, 3001);
    const starts = kids.map((i) => trace.span(i).startNs);
    assert.deepEqual(
      starts,
      [...starts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      'children in start order',
    );
    for (let i = 1; i < trace.spanCount; i++) assert.ok((trace.parent[i] ?? -1) < i, 'parents come before their children');
  });

  it('reports zero skew for every span when no clock needed correcting', () => {
    const trace = buildTrace('t1', [span('r', undefined, 0, 100), span('c', 'r', 10, 20, db)]);
    assert.deepEqual([...trace.skewNs], [0, 0]);
  });

  it('handles zero-length spans and spans with an end before their start', () => {
    const trace = buildTrace('t1', [span('r', undefined, 0, 0), span('bad', 'r', 5, 1)]);
    assert.equal(trace.spanDurationNs(0), 0);
    assert.equal(trace.spanDurationNs(1), 0);
    assert.equal(trace.selfTimeNs(1), 0);
  });
});

describe('TraceSetBuilder', () => {
  it('joins spans of one trace that arrive in separate batches and keeps first-seen trace order', () => {
    const builder = new TraceSetBuilder();
    builder.add(createSpan({ traceId: 'b', spanId: '1', name: 'x', startNs: 1n, endNs: 2n, resource: api }));
    builder.add(createSpan({ traceId: 'a', spanId: '2', name: 'y', startNs: 1n, endNs: 2n, resource: api }));
    builder.add(createSpan({ traceId: 'b', spanId: '3', parentSpanId: '1', name: 'z', startNs: 1n, endNs: 2n, resource: api }));
    const traces = builder.build();
    assert.deepEqual(
      traces.map((t) => [t.traceId, t.spanCount]),
      [
        ['b', 2],
        ['a', 1],
      ],
    );
    assert.equal(builder.spanCount, 3);
  });
});
