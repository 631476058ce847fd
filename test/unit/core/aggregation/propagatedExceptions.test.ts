import * as assert from 'node:assert/strict';
import { exceptionFingerprint, PropagatedExceptions } from '../../../../src/core/aggregation/propagatedExceptions';

describe('PropagatedExceptions (one throw, one occurrence)', () => {
  const trace = 'a'.repeat(32);
  const declined = exceptionFingerprint('PaymentDeclinedError', 'Card ending 4242 was declined', 'PaymentDeclinedError: …\n    at chargeCard (checkout.ts:35:7)');

  it('folds the records of an exception rethrown up through three spans into the first', () => {
    const seen = new PropagatedExceptions(100);
    // Children end first: chargeCard, then checkout, then the server span.
    assert.equal(seen.record(trace, 'charge', 'checkout', declined), false);
    assert.equal(seen.record(trace, 'checkout', 'server', declined), true);
    assert.equal(seen.record(trace, 'server', undefined, declined), true);
  });

  it('keeps apart other exceptions, other traces, siblings, and throws repeated in one span', () => {
    const seen = new PropagatedExceptions(100);
    assert.equal(seen.record(trace, 'charge', 'checkout', declined), false);
    assert.equal(seen.record(trace, 'checkout', 'server', exceptionFingerprint('TimeoutError', 'inventory timed out', undefined)), false, 'another exception');
    assert.equal(seen.record('b'.repeat(32), 'checkout', 'server', declined), false, 'the same span id in another trace');
    assert.equal(seen.record(trace, 'retry', 'checkout', declined), false, 'a sibling that threw too');
    assert.equal(seen.record(trace, 'charge', 'checkout', declined), false, 'a second throw in the same span');
  });

  it('tells type, message and stack apart, so a different message is a different exception', () => {
    assert.notEqual(exceptionFingerprint('E', 'ab', 'c'), exceptionFingerprint('E', 'a', 'bc'));
    assert.notEqual(exceptionFingerprint('E', 'x', undefined), exceptionFingerprint('E', 'y', undefined));
    assert.equal(exceptionFingerprint('E', 'x', 's'), exceptionFingerprint('E', 'x', 's'));
  });

  it('stays bounded: past two generations an old parent is forgotten', () => {
    const seen = new PropagatedExceptions(2);
    seen.record(trace, 'charge', 'checkout', declined);
    for (let i = 0; i < 4; i++) seen.record(trace, `other${String(i)}`, `parent${String(i)}`, declined);
    assert.equal(seen.record(trace, 'checkout', 'server', declined), false);
  });
});
