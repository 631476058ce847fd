import * as assert from 'node:assert/strict';
import { parseAggregationWindow, parsePercentiles, windowSpec } from '../../../../src/core/aggregation/aggregationWindow';

describe('aggregation window and percentile settings', () => {
  it('accepts the four windows of the contract', () => {
    for (const w of ['15m', '1h', '24h', '7d']) assert.deepEqual(parseAggregationWindow(w), { ok: true, value: w });
    assert.deepEqual(parseAggregationWindow(' 1h '), { ok: true, value: '1h' });
  });

  it('refuses anything else with a message that lists the allowed values', () => {
    for (const bad of ['30m', '1H', '', 60, undefined, null]) {
      const result = parseAggregationWindow(bad);
      assert.equal(result.ok, false, String(bad));
      assert.equal(result.problem.kind, 'unknownWindow');
      assert.match(result.message, /"15m", "1h", "24h", "7d"/);
    }
  });

  it('cuts each window into about a dozen nested buckets', () => {
    let previous = 0;
    for (const w of ['15m', '1h', '24h', '7d'] as const) {
      const spec = windowSpec(w);
      const buckets = spec.lengthMs / spec.bucketMs;
      assert.ok(buckets >= 12 && buckets <= 15, `${w}: ${buckets} buckets`);
      assert.equal(spec.bucketMs % (previous || spec.bucketMs), 0, 'widths nest, so re-bucketing loses nothing');
      previous = spec.bucketMs;
    }
  });

  it('parses percentile lists', () => {
    assert.deepEqual(parsePercentiles(undefined), { ok: true, value: [50, 95, 99] });
    assert.deepEqual(parsePercentiles([50, 99.9, 50]), { ok: true, value: [50, 99.9] });
    for (const bad of [[], [0], [101], ['50'], 'p99', [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
      const result = parsePercentiles(bad);
      assert.equal(result.ok, false, JSON.stringify(bad));
      assert.match(result.message, /spanlens\.annotations\.percentiles/);
    }
  });
});
