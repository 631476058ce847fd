import * as assert from 'node:assert/strict';
import { TwoGenerationMap } from '../../../../src/core/aggregation/twoGenerationMap';

describe('TwoGenerationMap', () => {
  it('keeps the newest entries, forgets those not set for two generations, and stays bounded', () => {
    const map = new TwoGenerationMap<number, string>(4);
    map.set(1, 'a');
    map.set(2, 'b'); // the young generation is full: 1 and 2 become the old one
    assert.equal(map.get(1), 'a');
    assert.equal(map.getYoung(1), undefined);
    map.set(3, 'c');
    map.set(1, 'a'); // set again: young again, so it outlives 2
    map.set(4, 'd'); // 3 and 1 filled the young generation, so 2 went with the old one
    assert.equal(map.get(2), undefined, 'not set since two rotations: forgotten');
    assert.equal(map.get(1), 'a');
    assert.equal(map.get(3), 'c');
    assert.equal(map.get(4), 'd');
  });

  it('holds at most its capacity of entries however many keys pass through', () => {
    const map = new TwoGenerationMap<number, number>(100);
    for (let i = 0; i < 10_000; i++) map.set(i, i);
    let held = 0;
    for (let i = 0; i < 10_000; i++) if (map.get(i) !== undefined) held++;
    assert.ok(held <= 100 && held >= 50, `held ${held}`);
    assert.equal(map.get(9_999), 9_999);
  });
});
