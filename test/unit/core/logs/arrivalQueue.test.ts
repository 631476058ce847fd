import * as assert from 'node:assert/strict';
import { ArrivalQueue } from '../../../../src/core/logs/arrivalQueue';

describe('ArrivalQueue', () => {
  it('gives items back first in, first out, across the point where it cuts its array down', () => {
    const queue = new ArrivalQueue<number>();
    for (let i = 0; i < 5000; i++) queue.push(i);
    for (let i = 0; i < 3000; i++) assert.equal(queue.shift(), i);
    queue.push(5000);
    assert.equal(queue.length, 2001);
    assert.equal(queue.peek(), 3000);
    assert.deepEqual(queue.newest(2), [5000, 4999]);
    assert.deepEqual([...queue].slice(0, 2), [3000, 3001]);
    queue.retain((n) => n % 1000 === 0);
    assert.deepEqual(queue.toArray(), [3000, 4000, 5000]);
    assert.equal(queue.shift(), 3000);
    assert.equal(queue.shift(), 4000);
    assert.equal(queue.shift(), 5000);
    assert.equal(queue.shift(), undefined);
    assert.equal(queue.length, 0);
  });
});
