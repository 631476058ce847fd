import * as assert from 'node:assert/strict';
import type { AggregateStats } from '../../../../src/core/aggregation/aggregateStats';
import { SpanAggregator, type SpanAggregatorOptions } from '../../../../src/core/aggregation/spanAggregator';
import { StatusCode, type Span } from '../../../../src/core/model/span';
import { FakeClock, seededRandom, t0Ms, testSpan } from './aggregationFixtures';

const file = '/srv/app/cart.ts';
const functions = ['Cart.add', 'Cart.remove', 'Cart.total', 'checkout', 'Checkout.checkout'];
const minute = 60_000;

/**
 * The aggregator keeps merged figures per key and per query between calls; whatever it kept,
 * a query must answer exactly what an aggregator that never answered before answers for the
 * same spans (issue 7's bench asks for cheap CodeLens queries, not different ones).
 */
describe('SpanAggregator: cached query parts give the figures of a fresh computation', () => {
  const run = (options: SpanAggregatorOptions, seed: number): void => {
    const clock = new FakeClock(t0Ms);
    const make = (): SpanAggregator => new SpanAggregator({ now: clock.now, schedule: () => undefined, window: '15m', dedupeCapacity: 0, ...options });
    const live = make();
    const fed: Span[][] = [];
    const next = seededRandom(seed);
    const queries = (aggregator: SpanAggregator): (AggregateStats | undefined)[] => [
      ...functions.map((fn) => aggregator.statsForFunction(file, fn.slice(fn.lastIndexOf('.') + 1))),
      ...[1, 2, 3, 4, 5].map((line) => aggregator.statsForLocation(file, line)),
      aggregator.statsForLocation(file),
      aggregator.statsForOperation('api', 'GET /orders'),
    ];
    for (let step = 0; step < 40; step++) {
      const batch: Span[] = [];
      const size = 1 + Math.floor(next() * 60);
      for (let i = 0; i < size; i++) {
        const fn = functions[Math.floor(next() * functions.length)] as string;
        // Mostly now, some late into the bucket before, a few into older ones, some already out of the window.
        const r = next();
        const ageMs = r < 0.7 ? next() * 1000 : r < 0.9 ? 5 * minute * next() + minute : r < 0.97 ? 50 * minute * next() : 70 * minute;
        batch.push(
          testSpan(clock.nowMs - ageMs, 1 + next() * 400, {
            attributes: { 'code.file.path': file, 'code.line.number': 1 + functions.indexOf(fn), 'code.function.name': fn },
            statusCode: next() < 0.1 ? StatusCode.Error : StatusCode.Unset,
          }),
        );
      }
      live.add(batch);
      fed.push(batch);
      const answered = queries(live);
      const fresh = make();
      for (const b of fed) fresh.add(b);
      assert.deepEqual(answered, queries(fresh), `step ${String(step)}`);
      assert.deepEqual(queries(live), answered, `asked twice, step ${String(step)}`);
      clock.advance(next() < 0.3 ? 4 * minute : 20_000);
    }
  };

  it('with exact samples', () => {
    run({}, 1);
  });

  it('with sketches (a small exact limit)', () => {
    run({ exactLimit: 8 }, 2);
  });

  it('hands unchanged parts of the last answer on, and never changes an answer it gave', () => {
    const clock = new FakeClock(t0Ms);
    const aggregator = new SpanAggregator({ now: clock.now, schedule: () => undefined });
    const at = { attributes: { 'code.file.path': file, 'code.line.number': 1, 'code.function.name': 'Cart.add' } };
    // More spans than the slowest list holds (10 per bucket by default).
    aggregator.add([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200].map((ms) => testSpan(t0Ms - 1000, ms, at)));
    const first = aggregator.statsForFunction(file, 'add');
    assert.ok(first !== undefined);
    const before = structuredClone(first);
    // Faster than the slowest ten: the slowest list, sampling and seen lists stay as they were.
    aggregator.add([testSpan(t0Ms - 500, 50, at)]);
    const second = aggregator.statsForFunction(file, 'add');
    assert.ok(second !== undefined);
    assert.notEqual(second, first);
    assert.equal(second.count, 13);
    assert.equal(second.slowest, first.slowest);
    assert.equal(second.sampling, first.sampling);
    assert.equal(second.services, first.services);
    assert.notEqual(second.latency.histogram, first.latency.histogram);
    assert.deepEqual(first, before, 'the first answer is left as it was given');
    // A slower one changes the list, in a new array.
    aggregator.add([testSpan(t0Ms - 400, 5000, at)]);
    const third = aggregator.statsForFunction(file, 'add');
    assert.notEqual(third?.slowest, second.slowest);
    assert.equal(third?.slowest[0]?.durationMs, 5000);
    assert.equal(second.slowest[0]?.durationMs, 1200);
    assert.equal(aggregator.statsForFunction(file, 'add'), third, 'asked again without new spans');
  });

  it('answers for an operation or a function whose key appeared after it was first asked for', () => {
    const clock = new FakeClock(t0Ms);
    const aggregator = new SpanAggregator({ now: clock.now, schedule: () => undefined });
    assert.equal(aggregator.statsForOperation('api', 'GET /orders'), undefined);
    assert.equal(aggregator.statsForFunction(file, 'add'), undefined);
    aggregator.add([testSpan(t0Ms - 1000, 5, { attributes: { 'code.file.path': file, 'code.line.number': 1, 'code.function.name': 'Cart.add' } })]);
    assert.equal(aggregator.statsForOperation('api', 'GET /orders')?.count, 1);
    assert.equal(aggregator.statsForFunction(file, 'add')?.count, 1);
  });

  it('does not answer from a key that left the file when the file fills again', () => {
    const clock = new FakeClock(t0Ms);
    const aggregator = new SpanAggregator({ now: clock.now, schedule: () => undefined, window: '15m' });
    aggregator.add([testSpan(t0Ms - 1000, 5, { attributes: { 'code.file.path': file, 'code.line.number': 1, 'code.function.name': 'a' } })]);
    assert.equal(aggregator.statsForLocation(file)?.count, 1);
    clock.advance(20 * minute);
    assert.deepEqual(aggregator.filesWithData(), []);
    aggregator.add([
      testSpan(clock.nowMs - 1000, 7, { attributes: { 'code.file.path': file, 'code.line.number': 2, 'code.function.name': 'b' } }),
      testSpan(clock.nowMs - 1000, 9, { attributes: { 'code.file.path': file, 'code.line.number': 2, 'code.function.name': 'b' } }),
    ]);
    assert.equal(aggregator.statsForLocation(file)?.count, 2);
  });
});
