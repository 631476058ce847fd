import * as assert from 'node:assert/strict';
import { encodeTraceView } from '../../../src/core/traceView/encodeTraceView';
import { spanDetailsOf } from '../../../src/core/traceView/spanDetailsOf';
import { spanFacts } from '../../../src/shared/spanFacts';
import { hostileTrace } from '../core/traceView/traceViewFixtures';

describe('span facts of the details pane', () => {
  const trace = hostileTrace();
  const data = encodeTraceView(trace);
  const details = spanDetailsOf(trace, 1);

  it('lists every fact once after the details arrive (Status was shown twice)', () => {
    assert.ok(details);
    const facts = spanFacts(data, 1, details);
    const keys = facts.map(([key]) => key);
    assert.deepEqual(keys, [...new Set(keys)], `duplicated: ${keys.join(', ')}`);
    assert.equal(facts.filter(([key]) => key === 'Status').length, 1);
    // The reply's status, with its message, replaces the early "error" from the flags.
    assert.match(facts.find(([key]) => key === 'Status')?.[1] ?? '', /^error/);
    for (const key of ['Service', 'Kind', 'Duration', 'Self time', 'Start', 'Span ID', 'Trace ID']) assert.ok(keys.includes(key), key);
  });

  it('shows what the encoding knows before the details arrive', () => {
    const keys = spanFacts(data, 1).map(([key]) => key);
    assert.deepEqual(keys.slice(0, 3), ['Service', 'Duration', 'Start']);
    assert.ok(keys.includes('Status'), 'an error span says so at once');
    assert.ok(!keys.includes('Kind'));
  });
});
