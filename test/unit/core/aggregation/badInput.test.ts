import * as assert from 'node:assert/strict';
import { SpanAggregator, type SpanAggregatorOptions } from '../../../../src/core/aggregation/spanAggregator';
import { createResource, StatusCode, type Span } from '../../../../src/core/model/span';
import { buildHoverModel } from '../../../../src/core/presentation/hoverModel';
import { FakeClock, t0Ms, testSpan } from './aggregationFixtures';

const file = '/srv/app/orders.ts';
const at = (line: number, fn: string, path = file): Record<string, string | number> => ({ 'code.file.path': path, 'code.line.number': line, 'code.function.name': fn });
const dayNs = 86_400_000_000_000n;
const incompleteWarning = /Some data may be missing/;

function aggregatorWith(options: SpanAggregatorOptions = {}): { aggregator: SpanAggregator; clock: FakeClock } {
  const clock = new FakeClock(t0Ms);
  return { aggregator: new SpanAggregator({ now: clock.now, schedule: () => undefined, ...options }), clock };
}

describe('SpanAggregator: bad input', () => {
  it('refuses spans that end before they start, however they are mixed with good ones, and the figures ignore them', () => {
    const { aggregator } = aggregatorWith();
    const good = [10, 20, 30].map((ms) => testSpan(t0Ms - 1000, ms, { attributes: at(5, 'pay') }));
    const backwards = [1, 1_000, 86_400_000].map((ms): Span => {
      const span = testSpan(t0Ms - 1000, 5, { attributes: at(5, 'pay'), statusCode: StatusCode.Error });
      return { ...span, endNs: span.startNs - BigInt(ms) * 1_000_000n };
    });
    assert.equal(aggregator.add([backwards[0] as Span, ...good, ...backwards.slice(1)]), 3);
    const stats = aggregator.statsForFunction(file, 'pay');
    assert.equal(stats?.count, 3);
    assert.equal(stats.errorCount, 0, 'the refused spans bring no errors either');
    assert.equal(stats.latency.minNs, 10e6);
    assert.equal(aggregator.ingestHealth().negativeDuration, 3);
  });

  it('refuses absurd durations (days, or from the epoch) but keeps long ones up to the limit', () => {
    const { aggregator } = aggregatorWith({ maxDurationMs: 2 * 3_600_000 });
    const base = testSpan(t0Ms - 1000, 10, { attributes: at(7, 'export') });
    const spans: Span[] = [
      { ...base, spanId: 'days', startNs: base.endNs - 3n * dayNs },
      { ...base, spanId: 'epoch', startNs: 1n },
      { ...base, spanId: 'limit', startNs: base.endNs - 2n * 3_600_000_000_000n },
      { ...base, spanId: 'zero', startNs: base.endNs },
      base,
    ];
    assert.equal(aggregator.add(spans), 3);
    const stats = aggregator.statsForFunction(file, 'export');
    assert.equal(stats?.count, 3);
    assert.equal(stats.latency.maxNs, 2 * 3_600_000 * 1e6, 'exactly the limit is allowed');
    assert.equal(stats.latency.minNs, 0, 'an instantaneous span is data');
    assert.equal(aggregator.ingestHealth().absurdDuration, 2);
  });

  it('refuses spans without an end (endNs 0) or a start, and a clock far ahead cannot make an absurd bucket', () => {
    const { aggregator, clock } = aggregatorWith();
    const base = testSpan(t0Ms - 1000, 10, { attributes: at(9, 'ship') });
    const spans: Span[] = [
      { ...base, spanId: 'open', endNs: 0n },
      { ...base, spanId: 'nostart', startNs: 0n },
      { ...base, spanId: 'neither', startNs: 0n, endNs: 0n },
      { ...base, spanId: 'negative', startNs: -5n, endNs: -1n },
      { ...base, spanId: 'future', startNs: base.startNs + 365n * dayNs, endNs: base.endNs + 365n * dayNs },
    ];
    assert.equal(aggregator.add(spans), 1);
    assert.equal(aggregator.ingestHealth().missingTime, 4);
    assert.equal(aggregator.statsForFunction(file, 'ship')?.count, 1);
    // Bucketed at "now", so it leaves with the window instead of staying for a year.
    clock.advance(2 * 3_600_000);
    assert.equal(aggregator.statsForFunction(file, 'ship'), undefined);
    assert.deepEqual(aggregator.filesWithData(), []);
  });

  it('stays bounded under a flood of distinct function names, drops the least recently seen, and keeps a function fed all along', () => {
    const maxKeys = 500;
    const { aggregator } = aggregatorWith({ maxKeys, maxExceptionGroups: 100 });
    const flood = 20_000;
    for (let i = 0; i < flood; i++) {
      const path = `/srv/app/gen/f${String(i % 3000)}.ts`;
      // All in one time bucket: recency must come from the spans, not from bucket changes.
      const spans = [
        testSpan(t0Ms - 1000, 1, {
          name: `op-${String(i)}`,
          attributes: at(1 + (i % 50), `fn${String(i)}`, path),
          events: [{ name: 'exception', timeNs: 0n, attributes: { 'exception.type': `E${String(i)}`, 'exception.message': `m${String(i)}` } }],
        }),
      ];
      if (i % 100 === 0) spans.push(testSpan(t0Ms - 1000, 7, { attributes: at(3, 'checkout') }));
      aggregator.add(spans);
    }
    const health = aggregator.ingestHealth();
    assert.ok(health.locationKeys <= maxKeys, `location keys ${String(health.locationKeys)}`);
    assert.ok(health.operationKeys <= maxKeys, `operation keys ${String(health.operationKeys)}`);
    assert.ok(health.exceptionGroups <= 100, `exception groups ${String(health.exceptionGroups)}`);
    assert.ok(aggregator.filesWithData().length <= maxKeys, 'files without keys are forgotten');
    assert.ok(health.evictedKeys >= 2 * (flood - maxKeys), `evicted ${String(health.evictedKeys)}`);

    const fed = aggregator.statsForFunction(file, 'checkout');
    assert.equal(fed?.count, flood / 100, 'the function fed throughout the flood kept all its data');
    assert.equal(aggregator.statsForFunction('/srv/app/gen/f0.ts', 'fn0'), undefined, 'the first of the flood went first');
    const latest = aggregator.statsForFunction(`/srv/app/gen/f${String((flood - 1) % 3000)}.ts`, `fn${String(flood - 1)}`);
    assert.equal(latest?.count, 1);
    assert.equal(latest.possiblyIncomplete, true);
    assert.match(buildHoverModel(latest).warnings.join('\n'), incompleteWarning, 'the hover says data may be incomplete');
  });

  it('flags operations as incomplete only when operation keys were dropped', () => {
    const { aggregator } = aggregatorWith({ maxKeys: 3 });
    // Many locations under one operation name: location keys are evicted, the operation key is not.
    for (let i = 0; i < 10; i++) aggregator.add([testSpan(t0Ms - 1000, 5, { name: 'GET /a', attributes: at(i + 1, `f${String(i)}`) })]);
    aggregator.add([testSpan(t0Ms - 1000, 5, { name: 'GET /b', resource: createResource({ 'service.name': 'api' }) })]);
    const operation = aggregator.statsForOperation('api', 'GET /b');
    assert.equal(operation?.possiblyIncomplete, false);
    assert.doesNotMatch(buildHoverModel(operation).warnings.join('\n'), incompleteWarning);
  });
});
