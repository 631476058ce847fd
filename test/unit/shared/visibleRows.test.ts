import * as assert from 'node:assert/strict';
import { encodeTraceView } from '../../../src/core/traceView/encodeTraceView';
import { setSizeOf, siblingPositions } from '../../../src/shared/visibleRows';
import { syntheticTrace } from '../core/traceView/traceViewFixtures';

describe('sibling positions for aria-posinset and aria-setsize', () => {
  // 1 root, then groups of 11 (a call and its 10 queries): rows 1, 12, 23, 34, 45 are calls.
  const data = encodeTraceView(syntheticTrace(56));

  it('numbers each row among its parent’s children and counts them', () => {
    const positions = siblingPositions(data);
    assert.equal(positions.posInSet[0], 1);
    assert.equal(setSizeOf(data, positions, 0), 1);
    assert.deepEqual(
      [1, 12, 23, 34, 45].map((row) => positions.posInSet[row]),
      [1, 2, 3, 4, 5],
    );
    assert.equal(setSizeOf(data, positions, 12), 5);
    assert.equal(positions.posInSet[13], 1);
    assert.equal(positions.posInSet[22], 10);
    assert.equal(setSizeOf(data, positions, 22), 10);
  });

  it('counts only the siblings a filter keeps', () => {
    const keep = new Uint8Array(data.spanCount);
    for (const row of [0, 12, 45, 47, 50]) keep[row] = 1;
    const positions = siblingPositions(data, keep);
    assert.equal(positions.posInSet[45], 2);
    assert.equal(setSizeOf(data, positions, 45), 2);
    assert.equal(positions.posInSet[50], 2);
    assert.equal(setSizeOf(data, positions, 47), 2);
    assert.equal(positions.posInSet[1], 0);
  });
});
