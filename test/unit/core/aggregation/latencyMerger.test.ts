import * as assert from 'node:assert/strict';
import { LatencyDigest } from '../../../../src/core/aggregation/latencyDigest';
import { LatencyMerger } from '../../../../src/core/aggregation/latencyMerger';
import { summarizeLatency } from '../../../../src/core/aggregation/summarizeLatency';
import { exactPercentile, logNormalSamples } from './aggregationFixtures';

const percentiles = [50, 90, 95, 99, 99.9];

function digestOf(values: readonly number[], exactLimit = 256): LatencyDigest {
  const digest = new LatencyDigest(exactLimit);
  for (const v of values) digest.add(v);
  return digest;
}

/** Cuts `values` into digests of the given sizes. */
function split(values: readonly number[], sizes: readonly number[]): LatencyDigest[] {
  let at = 0;
  return sizes.map((size) => digestOf(values.slice(at, (at += size))));
}

/**
 * The aggregator keeps a key's old buckets as one settled summary and reads the open ones beside
 * it on every query; whichever way the buckets are grouped, the figures must be those of all the
 * values together (the CodeLens must not change when the cache does).
 */
describe('LatencyMerger', () => {
  it('answers exact percentiles over raw runs read side by side, and over many runs copied and sorted', () => {
    const values = logNormalSamples(900, 21);
    for (const sizes of [
      [250, 250, 200, 200],
      [150, 150, 150, 150, 150, 150],
      [100, 100, 100, 100, 100, 100, 100, 100, 100],
    ]) {
      const merger = new LatencyMerger();
      for (const digest of split(values, sizes)) merger.addDigest(digest);
      const summary = merger.summarize(percentiles);
      assert.ok(summary?.exact, `${sizes.length} runs`);
      for (const q of summary.quantiles) assert.equal(q.valueNs, exactPercentile(values, q.percentile), `${sizes.length} runs, p${q.percentile}`);
    }
  });

  it('answers percentiles in the order configured, repeats included', () => {
    const values = logNormalSamples(50, 4);
    const merger = new LatencyMerger();
    for (const digest of split(values, [20, 30])) merger.addDigest(digest);
    const order = [99, 50, 99, 90];
    const summary = merger.summarize(order);
    assert.ok(summary);
    assert.deepEqual(
      summary.quantiles.map((q) => q.percentile),
      order,
    );
    assert.deepEqual(
      summary.quantiles.map((q) => q.valueNs),
      order.map((p) => exactPercentile(values, p)),
    );
  });

  it('gives a settled summary plus open buckets the figures of all the buckets summarized at once', () => {
    const values = logNormalSamples(20_000, 5, 8e6, 1.2);
    // Raw and sketched buckets on both sides of the split, as a busy key has them.
    const digests = split(values, [40, 6000, 200, 7000, 100, 6660]);
    const whole = summarizeLatency(digests, percentiles);
    for (const settledCount of [1, 3, 5]) {
      const settler = new LatencyMerger();
      for (const digest of digests.slice(0, settledCount)) settler.addDigest(digest);
      const settled = settler.settle();
      assert.ok(settled);
      const merger = new LatencyMerger();
      merger.addSettled(settled);
      for (const digest of digests.slice(settledCount)) merger.addDigest(digest);
      assert.deepEqual(merger.summarize(percentiles), whole, `${String(settledCount)} settled`);
    }
    assert.ok(whole && !whole.exact);
    for (const q of whole.quantiles) {
      const exact = exactPercentile(values, q.percentile);
      assert.ok(Math.abs(q.valueNs - exact) / exact <= 0.01, `p${q.percentile}: ${q.valueNs} vs ${exact}`);
    }
  });

  it('keeps an exact settled summary exact, and bins it when a sketch joins', () => {
    const values = logNormalSamples(600, 8);
    const settler = new LatencyMerger();
    for (const digest of split(values, [100, 100])) settler.addDigest(digest);
    const settled = settler.settle();
    assert.ok(settled?.sorted);
    const exactMerger = new LatencyMerger();
    exactMerger.addSettled(settled);
    exactMerger.addDigest(digestOf(values.slice(200, 300)));
    const exact = exactMerger.summarize(percentiles);
    assert.ok(exact?.exact);
    for (const q of exact.quantiles) assert.equal(q.valueNs, exactPercentile(values.slice(0, 300), q.percentile));
    const mixed = new LatencyMerger();
    mixed.addSettled(settled);
    mixed.addDigest(digestOf(values.slice(200)));
    assert.deepEqual(mixed.summarize(percentiles), summarizeLatency(split(values, [100, 100, 400]), percentiles));
  });

  it('reads a digest that grew between two queries with the new values counted', () => {
    const values = logNormalSamples(120, 13);
    const digest = digestOf(values.slice(0, 100));
    const merger = new LatencyMerger();
    merger.addDigest(digest);
    assert.equal(merger.summarize([50])?.quantiles[0]?.valueNs, exactPercentile(values.slice(0, 100), 50));
    for (const v of values.slice(100)) digest.add(v);
    merger.reset();
    merger.addDigest(digest);
    const summary = merger.summarize(percentiles);
    for (const q of summary?.quantiles ?? []) assert.equal(q.valueNs, exactPercentile(values, q.percentile));
    assert.deepEqual(
      [...(digest.exactValues ?? [])].sort((a, b) => a - b),
      [...values].sort((a, b) => a - b),
    );
  });

  it('reads the percentiles alone (quantiles) exactly as summarize does, whatever mix of sketches, settled bins and zeros it merges', () => {
    const all = [0, 1, 2, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 40; round++) {
      const values = logNormalSamples(200 + Math.floor(next() * 3000), round + 1, 1e6 * (1 + next() * 50), 0.3 + next() * 1.5);
      // Some zero durations, which a sketch counts apart.
      for (let z = 0; z < round % 4; z++) values.push(0);
      const cut = Math.floor(values.length * next());
      const build = (merger: LatencyMerger): void => {
        const settler = new LatencyMerger();
        // A settled part from a sketch or raw values, then open buckets as sketches and raw runs.
        settler.addDigest(digestOf(values.slice(0, cut), round % 2 === 0 ? 64 : 100_000));
        const settled = settler.settle();
        if (settled !== undefined) merger.addSettled(settled);
        const rest = values.slice(cut);
        const half = Math.floor(rest.length / 2);
        merger.addDigest(digestOf(rest.slice(0, half), 64));
        merger.addDigest(digestOf(rest.slice(half), round % 3 === 0 ? 100_000 : 64));
      };
      const full = new LatencyMerger();
      build(full);
      const summary = full.summarize(all);
      const alone = new LatencyMerger();
      build(alone);
      assert.deepEqual(
        alone.quantiles(all).map((q) => q.valueNs),
        summary?.quantiles.map((q) => q.valueNs),
        `round ${String(round)}`,
      );
    }
  });
});
