import * as assert from 'node:assert/strict';
import { LatencyDigest } from '../../../../src/core/aggregation/latencyDigest';
import { nearestRankIndex, summarizeLatency } from '../../../../src/core/aggregation/summarizeLatency';
import { exactPercentile, logNormalSamples, normal, seededRandom } from './aggregationFixtures';

const percentiles = [50, 90, 95, 99, 99.9];

function digestOf(values: readonly number[], exactLimit = 256): LatencyDigest {
  const digest = new LatencyDigest(exactLimit);
  for (const v of values) digest.add(v);
  return digest;
}

function assertWithinRelative(actual: number, expected: number, tolerance: number, label: string): void {
  const error = Math.abs(actual - expected) / expected;
  assert.ok(error <= tolerance, `${label}: ${actual} vs exact ${expected} is off by ${(error * 100).toFixed(3)}%`);
}

describe('summarizeLatency', () => {
  it('nearestRankIndex follows the nearest-rank definition, float noise included', () => {
    assert.equal(nearestRankIndex(95, 100), 94);
    assert.equal(nearestRankIndex(50, 1), 0);
    assert.equal(nearestRankIndex(50, 4), 1);
    assert.equal(nearestRankIndex(100, 7), 6);
    assert.equal(nearestRankIndex(99.9, 1000), 998);
    assert.equal(nearestRankIndex(1, 1000), 9);
  });

  it('is exact below the exact limit: every percentile equals the sorted-array reference', () => {
    for (const count of [1, 2, 3, 10, 99, 256]) {
      const values = logNormalSamples(count, count);
      const summary = summarizeLatency([digestOf(values)], percentiles);
      assert.ok(summary);
      assert.equal(summary.exact, true);
      assert.equal(summary.count, count);
      for (const q of summary.quantiles) assert.equal(q.valueNs, exactPercentile(values, q.percentile), `p${q.percentile} of ${count}`);
      assert.equal(summary.minNs, Math.min(...values));
      assert.equal(summary.maxNs, Math.max(...values));
    }
  });

  it('stays exact when several raw buckets together fit the limit', () => {
    const values = logNormalSamples(200, 7);
    const digests = [digestOf(values.slice(0, 50)), digestOf(values.slice(50, 120)), digestOf(values.slice(120))];
    const summary = summarizeLatency(digests, percentiles);
    assert.ok(summary?.exact);
    for (const q of summary.quantiles) assert.equal(q.valueNs, exactPercentile(values, q.percentile));
  });

  it('is exact whenever every bucket is still raw, even when together they exceed the limit', () => {
    const values = logNormalSamples(1000, 8);
    const digests = [0, 1, 2, 3, 4].map((i) => digestOf(values.slice(i * 200, i * 200 + 200)));
    const summary = summarizeLatency(digests, percentiles);
    assert.ok(summary?.exact);
    for (const q of summary.quantiles) assert.equal(q.valueNs, exactPercentile(values, q.percentile));
  });

  it('switches a digest to a sketch past the limit and keeps every value counted', () => {
    const digest = digestOf(logNormalSamples(257, 3));
    assert.equal(digest.exactValues, undefined);
    assert.ok(digest.sketch);
    assert.equal(digest.sketch.count, 257);
    assert.equal(digest.count, 257);
  });

  const distributions: [string, (count: number, seed: number) => number[]][] = [
    ['log-normal', (count, seed) => logNormalSamples(count, seed, 20e6, 1)],
    [
      'bimodal (cache hit / miss)',
      (count, seed) => {
        const next = seededRandom(seed);
        return Array.from({ length: count }, () => Math.round(next() < 0.7 ? 300e3 * Math.exp(0.2 * normal(next)) : 80e6 * Math.exp(0.3 * normal(next))));
      },
    ],
    [
      'heavy tail (Pareto, α = 1.2)',
      (count, seed) => {
        const next = seededRandom(seed);
        return Array.from({ length: count }, () => Math.round(1e6 / Math.pow(1 - next(), 1 / 1.2)));
      },
    ],
  ];

  for (const [name, generate] of distributions) {
    it(`is within 1% of the exact nearest-rank percentiles above the limit: ${name}`, () => {
      for (const [count, seed] of [
        [1000, 1],
        [20_000, 2],
        [100_000, 3],
      ] as const) {
        const values = generate(count, seed);
        const summary = summarizeLatency([digestOf(values)], percentiles);
        assert.ok(summary);
        assert.equal(summary.exact, false);
        for (const q of summary.quantiles) assertWithinRelative(q.valueNs, exactPercentile(values, q.percentile), 0.01, `${name} n=${count} p${q.percentile}`);
      }
    });
  }

  it('merging bucket sketches answers like one sketch over all values (within 1%)', () => {
    const values = logNormalSamples(30_000, 11, 5e6, 1.3);
    const digests: LatencyDigest[] = [];
    // Uneven buckets, some small enough to stay raw: the merge must mix both kinds.
    let at = 0;
    for (const size of [10, 5000, 100, 12_000, 256, 7000, 5634]) {
      digests.push(digestOf(values.slice(at, at + size)));
      at += size;
    }
    assert.equal(at, values.length);
    assert.ok(digests.some((d) => d.exactValues !== undefined) && digests.some((d) => d.sketch !== undefined));
    const summary = summarizeLatency(digests, percentiles);
    assert.ok(summary);
    assert.equal(summary.count, values.length);
    for (const q of summary.quantiles) assertWithinRelative(q.valueNs, exactPercentile(values, q.percentile), 0.01, `merged p${q.percentile}`);
    assert.equal(summary.maxNs, Math.max(...values));
  });

  it('LatencyDigest.mergeFrom keeps raw values raw while they fit and counts everything', () => {
    const a = digestOf([1, 2, 3]);
    a.mergeFrom(digestOf([4, 5]));
    assert.deepEqual([...(a.exactValues ?? [])], [1, 2, 3, 4, 5]);
    const big = digestOf(logNormalSamples(1000, 5));
    a.mergeFrom(big);
    assert.equal(a.count, 1005);
    assert.equal(a.sketch?.count, 1005);
  });

  it('builds a log-scaled histogram that counts every value, zeros included', () => {
    const values = [0, 1000, 10_000, 100_000, 1_000_000, 1_000_000];
    const exact = summarizeLatency([digestOf(values)], [50]);
    assert.ok(exact);
    assert.equal(exact.histogram.counts.length, 10);
    assert.equal(
      exact.histogram.counts.reduce((a, b) => a + b, 0),
      values.length,
    );
    assert.equal(exact.histogram.counts[0], 1 + 0); // 0 ns lands in the first bin (lower bound 1 ns)
    assert.equal(exact.histogram.counts[9], 2);
    const sample = logNormalSamples(5000, 9);
    const sketched = summarizeLatency([digestOf(sample)], [50]);
    assert.ok(sketched && !sketched.exact);
    assert.equal(
      sketched.histogram.counts.reduce((a, b) => a + b, 0),
      5000,
    );
    // The same values binned exactly: the sketch may move a value across a bin edge by 1 %.
    const { lowerNs, upperNs, counts } = sketched.histogram;
    const expected = new Array<number>(10).fill(0);
    for (const v of sample) {
      const bin = Math.min(9, Math.max(0, Math.floor((Math.log(v / lowerNs) / Math.log(upperNs / lowerNs)) * 10)));
      expected[bin] = (expected[bin] ?? 0) + 1;
    }
    counts.forEach((c, i) => assert.ok(Math.abs(c - (expected[i] ?? 0)) <= 50, `bin ${i}: ${c} vs ${expected[i] ?? 0}`));
  });

  it('returns undefined for no data', () => {
    assert.equal(summarizeLatency([], [50]), undefined);
    assert.equal(summarizeLatency([new LatencyDigest()], [50]), undefined);
  });
});
