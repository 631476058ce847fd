import * as assert from 'node:assert/strict';
import { formatSampleSize } from '../../../../src/core/aggregation/formatSampleSize';

describe('formatSampleSize', () => {
  const base = { spans: 37, traces: 20, traceLimit: 20, limitReached: false, unreturned: 0, windowLabel: 'last hour' };

  it('a search that hit its limit says the figures are a sample', () => {
    assert.equal(formatSampleSize({ ...base, limitReached: true }), '37 spans from 20 traces (search limit 20 reached — a sample, not all calls)');
  });

  it('a search below its limit says it is all the search found in the window', () => {
    assert.equal(formatSampleSize({ ...base, traces: 12 }), '37 spans from 12 traces (all the search found in the last hour)');
  });

  it('singulars, large counts, and spans the backend counted but did not send', () => {
    assert.equal(formatSampleSize({ ...base, spans: 1, traces: 1 }), '1 span from 1 trace (all the search found in the last hour)');
    assert.equal(formatSampleSize({ ...base, spans: 12_400, traces: 50, traceLimit: 50, limitReached: true, unreturned: 3 }), '12k spans from 50 traces (search limit 50 reached — a sample, not all calls; 3 more matching spans not returned by the backend)');
  });
});
