import * as assert from 'node:assert/strict';
import { selectFirst } from '../../../../src/core/store/selectFirst';

describe('selectFirst', () => {
  it('gives what a stable sort and slice give, ties in their original order', () => {
    // Few distinct keys, so most comparisons are ties that only the original order can break.
    let state = 7;
    const next = (): number => (state = (state * 1103515245 + 12345) % 2147483648);
    const items = Array.from({ length: 500 }, (_, id) => ({ id, key: next() % 13 }));
    const byKey = (a: { key: number }, b: { key: number }): number => b.key - a.key;
    for (const count of [0, 1, 2, 7, 200, 499, 500, 600]) {
      assert.deepEqual(selectFirst(items, count, byKey), [...items].sort(byKey).slice(0, count), `count ${count}`);
    }
  });
});
