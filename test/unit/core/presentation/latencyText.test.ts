import * as assert from 'node:assert/strict';
import type { AggregateStats } from '../../../../src/core/aggregation/aggregateStats';
import { formatDuration } from '../../../../src/shared/formatDuration';
import { formatCount, formatErrorRate, formatLensTitle, formatSampleSize, sameFigures, sparkline } from '../../../../src/core/presentation/latencyText';
import { statsFixture } from '../aggregation/aggregationFixtures';

describe('annotation formatting', () => {
  it('formats the CodeLens title of issue 7', () => {
    assert.equal(formatLensTitle(statsFixture()), 'p50 12 ms · p95 48 ms · p99 120 ms · 1.2k calls · 0.4% errors');
    assert.equal(formatLensTitle(statsFixture({ count: 1, errorCount: 0 })).endsWith('· 1 call · 0% errors'), true);
  });

  it('picks µs, ms, s and larger units sensibly', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [850, '850 ns'],
      [1_000, '1 µs'],
      [12_345, '12 µs'],
      [1_250_000, '1.3 ms'],
      [48_400_000, '48 ms'],
      [999_700_000, '1 s'],
      [2_350_000_000, '2.4 s'],
      [125e9, '125 s'],
      [1_500e9, '25 min'],
      [7_200e9, '2 h'],
    ];
    for (const [ns, text] of cases) assert.equal(formatDuration(ns), text, `${ns} ns`);
  });

  it('abbreviates counts', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [999, '999'],
      [1_000, '1k'],
      [1_234, '1.2k'],
      [12_345, '12k'],
      [999_999, '1M'],
      [3_400_000, '3.4M'],
      [2_100_000_000, '2.1B'],
    ];
    for (const [n, text] of cases) assert.equal(formatCount(n), text, String(n));
  });

  it('shows error shares without rounding errors away or successes to 100%', () => {
    const cases: [number, number, string][] = [
      [0, 1000, '0%'],
      [0, 0, '0%'],
      [1, 100_000, '<0.1%'],
      [4, 1000, '0.4%'],
      [15, 1000, '1.5%'],
      [123, 1000, '12%'],
      [99_999, 100_000, '>99.9%'],
      [10, 10, '100%'],
    ];
    for (const [errors, count, text] of cases) assert.equal(formatErrorRate(errors, count), text, `${errors}/${count}`);
  });

  it('draws a sparkline whose tallest bin is full height', () => {
    assert.equal(sparkline([0, 1, 7, 14]), '▁▂▅█');
    assert.equal(sparkline([0, 0]), '');
  });

  it('tells when new figures would read as the old ones, and never says so when the text differs', () => {
    const before = statsFixture();
    const { quantiles } = before.latency;
    const withCount = (count: number, errorCount: number, q = quantiles) => statsFixture({ count, errorCount, latency: { ...before.latency, count, quantiles: q } });
    // Every pair is checked against the formatted text itself.
    const pairs: [AggregateStats, boolean][] = [
      [withCount(1234, 5), true],
      [withCount(1240, 5), true], // 1.2k calls, 0.4% errors both times
      [withCount(1290, 5), false], // 1.3k
      [withCount(1234, 50), false], // 4.1% errors
      [
        withCount(
          1234,
          5,
          quantiles.map((q) => ({ ...q })),
        ),
        false,
      ], // a new quantiles object: formatted again
    ];
    for (const [after, same] of pairs) {
      assert.equal(sameFigures(before, after), same, `${String(after.count)} calls, ${String(after.errorCount)} errors`);
      if (same) assert.equal(formatLensTitle(after), formatLensTitle(before));
    }
    const one = withCount(1, 0);
    const two = withCount(2, 0);
    assert.equal(sameFigures(one, two), false, '1 call and 2 calls read differently');
  });
});

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
    assert.equal(
      formatSampleSize({ ...base, spans: 12_400, traces: 50, traceLimit: 50, limitReached: true, unreturned: 3 }),
      '12k spans from 50 traces (search limit 50 reached — a sample, not all calls; 3 more matching spans not returned by the backend)',
    );
  });
});
