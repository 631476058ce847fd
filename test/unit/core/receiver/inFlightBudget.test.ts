import * as assert from 'node:assert/strict';
import { InFlightBudget } from '../../../../src/core/receiver/inFlightBudget';

describe('InFlightBudget', () => {
  it('admits up to the request bound, and a lone request whatever its size', () => {
    const budget = new InFlightBudget(2, 100);
    const huge = budget.admit(1_000);
    assert.ok(huge, 'alone, a request is bounded by the body limit, not the budget');
    assert.equal(budget.admit(1), undefined, 'the budget is spent');
    huge.release();
    const a = budget.admit(10);
    const b = budget.admit(10);
    assert.ok(a && b);
    assert.equal(budget.admit(0), undefined, 'two requests are the bound');
    a.release();
    b.release();
    assert.deepEqual(budget.load, { requests: 0, bytes: 0 });
  });

  it('turns away a request whose declared size would go over, and one of unknown size once the budget is spent', () => {
    const budget = new InFlightBudget(10, 100);
    const held = budget.admit(60);
    assert.ok(held);
    assert.equal(budget.admit(41), undefined);
    const fits = budget.admit(40);
    assert.ok(fits);
    assert.equal(budget.admit(0), undefined, 'nothing is left for a body of unknown size');
    held.release();
    fits.release();
  });

  it('grows a lease as its body arrives and refuses growth past the budget while others hold bytes', () => {
    const budget = new InFlightBudget(10, 100);
    const chunked = budget.admit(0);
    const other = budget.admit(30);
    assert.ok(chunked && other);
    assert.equal(chunked.cover(50), true);
    assert.equal(chunked.cover(40), true, 'covering less than held changes nothing');
    assert.deepEqual(budget.load, { requests: 2, bytes: 80 });
    assert.equal(chunked.cover(71), false);
    assert.deepEqual(budget.load, { requests: 2, bytes: 80 }, 'a refused growth takes nothing');
    other.release();
    assert.equal(chunked.cover(500), true, 'alone again, the lease may grow');
    chunked.release();
    assert.deepEqual(budget.load, { requests: 0, bytes: 0 });
  });

  it('releases once, and counts nothing covered after the release', () => {
    const budget = new InFlightBudget(10, 100);
    const lease = budget.admit(20);
    assert.ok(lease);
    lease.cover(30);
    lease.release();
    lease.release();
    assert.equal(lease.cover(90), true);
    assert.deepEqual(budget.load, { requests: 0, bytes: 0 });
  });
});
