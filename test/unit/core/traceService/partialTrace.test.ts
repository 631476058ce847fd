import * as assert from 'node:assert/strict';
import { createResource, createSpan, type Span } from '../../../../src/core/model/span';
import { PartialTrace } from '../../../../src/core/traceService/partialTrace';

const traceId = '0af7651916cd43dd8448eb211c80319c';

function span(spanId: string, parentSpanId: string | undefined, startNs: bigint, trace = traceId): Span {
  return createSpan({ traceId: trace, spanId, parentSpanId, name: `op ${spanId}`, startNs, endNs: startNs + 1_000n, resource: createResource({ 'service.name': 'checkout' }) });
}

describe('PartialTrace', () => {
  it('builds at once for the first spans, then waits at least the interval', () => {
    let now = 1_000;
    const partial = new PartialTrace(traceId, { now: () => now, minIntervalMs: 250 });
    assert.equal(partial.due, false, 'nothing to show yet');
    partial.add([span('00000000000000a1', undefined, 10n)]);
    assert.equal(partial.due, true);
    assert.equal(partial.build()?.spanCount, 1);
    partial.add([span('00000000000000a2', '00000000000000a1', 20n)]);
    now += 100;
    assert.equal(partial.due, false);
    now += 150;
    assert.equal(partial.due, true);
    assert.equal(partial.build()?.spanCount, 2);
    now += 1_000;
    assert.equal(partial.due, false, 'nothing new since the last build');
  });

  it('waits longer after a costly build, so rebuilding keeps to its share of the thread', () => {
    let now = 0;
    let buildCost = 0;
    // The clock moves by the build's cost between the two readings around it.
    let reads = 0;
    const clock = (): number => {
      reads++;
      if (reads % 2 === 0) now += buildCost;
      return now;
    };
    const partial = new PartialTrace(traceId, { now: clock, minIntervalMs: 250, maxBuildShare: 0.25 });
    partial.add([span('00000000000000a1', undefined, 10n)]);
    buildCost = 400;
    reads = 0;
    partial.build();
    partial.add([span('00000000000000a2', '00000000000000a1', 20n)]);
    buildCost = 0;
    now += 1_000;
    assert.equal(partial.due, false, '400 ms builds at a quarter share: the next one waits 1.6 s');
    now += 600;
    assert.equal(partial.due, true);
  });

  it('leaves out other traces and lists a span whose parent has not arrived as an orphan until it does', () => {
    const partial = new PartialTrace(traceId);
    partial.add([span('00000000000000b2', '00000000000000b1', 20n), span('00000000000000c1', undefined, 5n, '11111111111111111111111111111111')]);
    const early = partial.build();
    assert.ok(early);
    assert.equal(early.spanCount, 1);
    assert.deepEqual(
      early.roots.map((index) => early.spans[index]?.spanId),
      ['00000000000000b2'],
    );
    assert.deepEqual(early.orphans, early.roots);
    partial.add([span('00000000000000b1', undefined, 10n)]);
    const later = partial.build();
    assert.ok(later);
    assert.deepEqual(
      later.roots.map((index) => later.spans[index]?.spanId),
      ['00000000000000b1'],
    );
    assert.deepEqual(later.orphans, []);
    assert.deepEqual(
      [...later.children(later.roots[0] ?? -1)].map((index) => later.spans[index]?.spanId),
      ['00000000000000b2'],
    );
  });

  it('has nothing to build before a span of its trace arrives', () => {
    const partial = new PartialTrace(traceId);
    partial.add([span('00000000000000c1', undefined, 5n, '11111111111111111111111111111111')]);
    assert.equal(partial.due, false);
    assert.equal(partial.build(), undefined);
  });
});
