import * as assert from 'node:assert/strict';
import type { AggregationChange } from '../../../../src/core/aggregation/aggregateStats';
import { SpanAggregator, type SpanAggregatorOptions } from '../../../../src/core/aggregation/spanAggregator';
import { createResource, StatusCode, type Resource, type SpanEvent } from '../../../../src/core/model/span';
import { exactPercentile, FakeClock, logNormalSamples, t0Ms, testSpan, worker } from './aggregationFixtures';

const file = '/srv/app/orders.ts';
const at = (line: number, fn = 'listOrders'): Record<string, string | number> => ({ 'code.file.path': file, 'code.line.number': line, 'code.function.name': fn });
const minute = 60_000;

interface Harness {
  readonly aggregator: SpanAggregator;
  readonly clock: FakeClock;
  readonly flush: () => void;
  readonly changes: AggregationChange[];
}

function harness(options: SpanAggregatorOptions = {}): Harness {
  const clock = new FakeClock(t0Ms);
  const queued: (() => void)[] = [];
  const aggregator = new SpanAggregator({ now: clock.now, schedule: (f) => queued.push(f), ...options });
  const changes: AggregationChange[] = [];
  aggregator.onDidChange((c) => changes.push(c));
  const flush = (): void => {
    for (const f of queued.splice(0)) f();
  };
  return { aggregator, clock, flush, changes };
}

describe('SpanAggregator', () => {
  it('groups by code location and gives exact percentiles for a small sample', () => {
    const { aggregator } = harness();
    const durations = [5, 12, 8, 40, 7, 9, 120, 11, 10, 6];
    aggregator.add(durations.map((d, i) => testSpan(t0Ms - i * 1000, d, { attributes: at(42) })));
    aggregator.add([testSpan(t0Ms, 1000, { attributes: at(90, 'other') })]);
    const stats = aggregator.statsForLocation(file, 42);
    assert.ok(stats);
    assert.equal(stats.count, 10);
    assert.equal(stats.latency.exact, true);
    const ms = durations.map((d) => d * 1e6);
    assert.deepEqual(
      stats.latency.quantiles.map((q) => q.valueNs),
      [50, 95, 99].map((p) => exactPercentile(ms, p)),
    );
    assert.equal(stats.latency.maxNs, 120e6);
    assert.equal(aggregator.statsForLocation(file)?.count, 11, 'the whole file');
    assert.equal(aggregator.statsForLocation(file, 43), undefined);
    assert.deepEqual(
      aggregator.locations(file).map((l) => [l.location.line, l.count]),
      [
        [42, 10],
        [90, 1],
      ],
    );
  });

  it('is within 1% of the exact percentiles for thousands of spans spread over many buckets', () => {
    const { aggregator } = harness({ window: '1h' });
    const values = logNormalSamples(20_000, 21, 15e6, 1.1);
    // Spread over the whole hour, so a dozen 5-minute buckets have to be merged.
    aggregator.add(values.map((ns, i) => testSpan(t0Ms - (i % 3600) * 1000, ns / 1e6, { attributes: at(42) })));
    const stats = aggregator.statsForFunction(file, 'listOrders');
    assert.ok(stats);
    assert.equal(stats.count, values.length);
    assert.equal(stats.latency.exact, false);
    for (const q of stats.latency.quantiles) {
      const exact = exactPercentile(values, q.percentile);
      assert.ok(Math.abs(q.valueNs - exact) / exact <= 0.01, `p${q.percentile}: ${q.valueNs} vs ${exact}`);
    }
  });

  it('reads old and new code.* attribute names alike', () => {
    const { aggregator } = harness();
    aggregator.add([
      testSpan(t0Ms, 10, { attributes: { 'code.file.path': file, 'code.line.number': 7, 'code.function.name': 'com.acme.Orders.list' } }),
      testSpan(t0Ms, 20, { attributes: { 'code.filepath': file, 'code.lineno': '7', 'code.namespace': 'com.acme.Orders', 'code.function': 'list' } }),
      // Schema-translated old data: short name in the new attribute, class in code.namespace.
      testSpan(t0Ms, 30, { attributes: { 'code.file.path': file, 'code.line.number': 7n, 'code.function.name': 'list', 'code.namespace': 'com.acme.Orders' } }),
    ]);
    assert.equal(aggregator.locations(file).length, 1);
    assert.equal(aggregator.statsForLocation(file, 7)?.count, 3);
    assert.equal(aggregator.statsForFunction(file, 'list')?.count, 3);
    assert.equal(aggregator.statsForFunction(file, 'Orders.list')?.count, 3);
    assert.equal(aggregator.statsForFunction(file, 'ist'), undefined, 'a name tail must end at a separator');
  });

  it('uses the injected locate function to key locations', () => {
    const { aggregator } = harness({ locate: (span) => ({ file: `/ws/${span.name}.ts`, line: 1 }) });
    aggregator.add([testSpan(t0Ms, 10, { name: 'checkout' })]);
    assert.equal(aggregator.statsForLocation('/ws/checkout.ts', 1)?.count, 1);
  });

  it('keys by service + span name as well', () => {
    const { aggregator } = harness();
    aggregator.add([testSpan(t0Ms, 10), testSpan(t0Ms, 20), testSpan(t0Ms, 30, { resource: worker }), testSpan(t0Ms, 5, { name: 'POST /orders' })]);
    assert.equal(aggregator.statsForOperation('api', 'GET /orders')?.count, 2);
    assert.equal(aggregator.statsForOperation('worker', 'GET /orders')?.count, 1);
    assert.equal(aggregator.statsForOperation('api', 'POST /orders')?.count, 1);
    assert.equal(aggregator.operationsSeen().length, 3);
  });

  it('counts errors and keeps the latest error and the slowest spans', () => {
    const { aggregator } = harness();
    const spans = Array.from({ length: 1000 }, (_, i) => testSpan(t0Ms - 1000 + i, 1 + (i % 100), { attributes: at(42), statusCode: i % 250 === 3 ? StatusCode.Error : StatusCode.Unset }));
    aggregator.add(spans);
    const stats = aggregator.statsForLocation(file, 42);
    assert.ok(stats);
    assert.equal(stats.errorCount, 4);
    assert.equal(stats.errorRate, 0.004);
    assert.equal(stats.latestError?.spanId, spans[753]?.spanId);
    assert.equal(stats.latestError?.error, true);
    const slow = aggregator.spansFor({ kind: 'function', file, function: 'listOrders' }, 5);
    assert.equal(slow.length, 5);
    assert.deepEqual(
      slow.map((s) => s.durationMs),
      [100, 100, 100, 100, 100],
    );
    assert.ok(slow.every((s) => s.traceId.length === 32));
    assert.equal(aggregator.spansFor({ kind: 'location', file, line: 42 }, 2).length, 2, 'bounded by the limit');
  });

  it('expires buckets as the clock moves past the window', () => {
    const { aggregator, clock } = harness({ window: '15m' });
    aggregator.add([testSpan(t0Ms - 10 * minute, 10, { attributes: at(1) })]);
    aggregator.add([testSpan(t0Ms, 20, { attributes: at(1) })]);
    assert.equal(aggregator.statsForLocation(file, 1)?.count, 2);
    clock.advance(6 * minute); // the first span is now 16 min old; its 1-minute bucket has left
    assert.equal(aggregator.statsForLocation(file, 1)?.count, 1);
    assert.equal(aggregator.statsForLocation(file, 1)?.latency.maxNs, 20e6);
    clock.advance(10 * minute);
    assert.equal(aggregator.statsForLocation(file, 1), undefined);
    assert.deepEqual(aggregator.locations(file), []);
    assert.deepEqual(aggregator.filesWithData(), []);
    assert.equal(aggregator.statsForOperation('api', 'GET /orders'), undefined);
  });

  it('refuses spans older than the window, and bad durations, and counts why', () => {
    const { aggregator } = harness({ window: '1h' });
    const base = testSpan(t0Ms, 10, { attributes: at(1) });
    const accepted = aggregator.add([
      testSpan(t0Ms - 2 * 3_600_000, 10, { attributes: at(1) }),
      { ...base, spanId: 'neg', endNs: base.startNs - 1n },
      { ...base, spanId: 'noend', endNs: 0n },
      { ...base, spanId: 'absurd', startNs: base.endNs - 40n * 86_400_000_000_000n },
      base,
      base, // the same span fed twice (local store and an opened trace)
    ]);
    assert.equal(accepted, 1);
    const health = aggregator.ingestHealth();
    assert.deepEqual([health.tooOld, health.negativeDuration, health.missingTime, health.absurdDuration, health.duplicate, health.accepted], [1, 1, 1, 1, 1, 1]);
  });

  it('clamps spans from a clock ahead of ours to now, and can bucket by arrival', () => {
    const { aggregator, clock } = harness({ window: '15m' });
    aggregator.add([testSpan(t0Ms + 3_600_000, 10, { attributes: at(1) })]);
    aggregator.add([testSpan(t0Ms - 30 * 86_400_000, 10, { attributes: at(2) })], { time: 'arrival' });
    assert.equal(aggregator.statsForLocation(file, 1)?.count, 1);
    assert.equal(aggregator.statsForLocation(file, 2)?.count, 1, 'an old trace file opened now counts now');
    clock.advance(17 * minute);
    assert.equal(aggregator.statsForLocation(file, 1), undefined);
  });

  it('keeps data when the window changes and expires it under the new one', () => {
    const { aggregator, clock } = harness({ window: '24h' });
    aggregator.add([testSpan(t0Ms - 3 * 3_600_000, 10, { attributes: at(1) }), testSpan(t0Ms - 1000, 30, { attributes: at(1) })]);
    assert.equal(aggregator.statsForLocation(file, 1)?.count, 2);
    aggregator.setWindow('1h');
    assert.equal(aggregator.statsForLocation(file, 1)?.count, 1);
    assert.equal(aggregator.statsForLocation(file, 1)?.window, '1h');
    aggregator.setWindow('7d');
    assert.equal(aggregator.statsForLocation(file, 1)?.count, 1, 'what the 1h window dropped does not come back');
    clock.advance(8 * 86_400_000);
    assert.equal(aggregator.statsForLocation(file, 1), undefined);
  });

  it('answers the configured percentiles and recomputes when they change', () => {
    const { aggregator } = harness({ percentiles: [50] });
    aggregator.add([1, 2, 3, 4].map((d) => testSpan(t0Ms, d, { attributes: at(1) })));
    assert.deepEqual(
      aggregator.statsForLocation(file, 1)?.latency.quantiles.map((q) => q.percentile),
      [50],
    );
    aggregator.setPercentiles([75, 100]);
    assert.deepEqual(
      aggregator.statsForLocation(file, 1)?.latency.quantiles.map((q) => q.valueNs),
      [3e6, 4e6],
    );
  });

  it('serves cached figures until the key changes', () => {
    const { aggregator } = harness();
    aggregator.add([testSpan(t0Ms, 10, { attributes: at(1) })]);
    const first = aggregator.statsForLocation(file, 1);
    assert.equal(aggregator.statsForLocation(file, 1), first);
    aggregator.add([testSpan(t0Ms, 20, { attributes: at(1) })]);
    assert.equal(aggregator.statsForLocation(file, 1)?.count, 2);
    aggregator.add([testSpan(t0Ms, 20, { attributes: at(5) })]);
    assert.equal(aggregator.statsForLocation(file)?.count, 3, 'a new key in the file invalidates whole-file figures');
  });

  it('answers a CodeLens with the same counts, errors, percentiles, versions and commits as the full figures', () => {
    const { aggregator, clock } = harness({ window: '1h', exactLimit: 64 });
    const versions = [
      createResource({ 'service.name': 'api', 'service.version': '1.0', 'vcs.ref.head.revision': 'a'.repeat(40) }),
      createResource({ 'service.name': 'api', 'service.version': '1.1' }),
    ];
    const values = logNormalSamples(3_000, 5, 15e6, 1.1);
    const compare = (what: string): void => {
      for (const fn of ['listOrders', 'getOrder', 'missing']) {
        const stats = aggregator.statsForFunction(file, fn);
        const figures = aggregator.figuresForFunction(file, fn);
        if (stats === undefined) {
          assert.equal(figures, undefined, `${what}: ${fn} has no figures`);
          continue;
        }
        assert.ok(figures, `${what}: ${fn}`);
        assert.equal(figures.count, stats.count, `${what}: ${fn} count`);
        assert.equal(figures.errorCount, stats.errorCount, `${what}: ${fn} errors`);
        assert.deepEqual(figures.latency.quantiles, stats.latency.quantiles, `${what}: ${fn} percentiles`);
        assert.deepEqual(figures.versions, stats.versions, `${what}: ${fn} versions`);
        assert.deepEqual(figures.commits, stats.commits, `${what}: ${fn} commits`);
      }
      for (const line of [10, 20, 30]) {
        assert.deepEqual(aggregator.figuresForLocation(file, line)?.latency.quantiles, aggregator.statsForLocation(file, line)?.latency.quantiles, `${what}: line ${String(line)}`);
      }
    };
    // A few exact values first, then thousands over the hour (settled sketches and open buckets), with errors.
    aggregator.add([1, 2, 3].map((d) => testSpan(t0Ms, d, { attributes: at(10) })));
    compare('exact');
    values.forEach((ns, i) => {
      clock.nowMs = t0Ms + i * 1000;
      const fn = i % 3 === 0 ? 'getOrder' : 'listOrders';
      aggregator.add([
        testSpan(clock.nowMs, ns / 1e6, { attributes: at(i % 3 === 0 ? 20 : 10, fn), resource: versions[i % 2] as Resource, statusCode: i % 17 === 0 ? StatusCode.Error : StatusCode.Unset }),
      ]);
      if (i % 500 === 0) compare(`after ${String(i)} spans`);
    });
    compare('after all spans');
    assert.ok((aggregator.figuresForFunction(file, 'listOrders')?.errorCount ?? 0) > 0, 'errors were counted');
    const unchanged = aggregator.figuresForFunction(file, 'listOrders');
    assert.equal(aggregator.figuresForFunction(file, 'listOrders'), unchanged, 'the same answer object while nothing changed');
    aggregator.add([testSpan(clock.nowMs, 15, { attributes: at(10, 'listOrders') })]);
    assert.equal(aggregator.figuresForFunction(file, 'listOrders')?.count, (unchanged?.count ?? 0) + 1, 'a new span is counted at once');
    compare('after one more span');
  });

  it('records versions, commits, services and sampling', () => {
    const { aggregator } = harness();
    const sampledFlag = 0x01;
    aggregator.add([testSpan(t0Ms, 10, { attributes: at(1), flags: sampledFlag, traceState: 'ot=th:c' }), testSpan(t0Ms, 10, { attributes: at(1), resource: worker, flags: sampledFlag })]);
    const stats = aggregator.statsForLocation(file, 1);
    assert.ok(stats);
    assert.deepEqual([...stats.services].sort(), ['api', 'worker']);
    assert.deepEqual([...stats.versions].sort(), ['0.9.0', '1.4.2']);
    assert.deepEqual(stats.commits, ['abcdef1234567890abcdef1234567890abcdef12']);
    assert.equal(stats.sampling.flag, 'sampled');
    assert.equal(stats.sampling.probability, 0.25);
    aggregator.add([testSpan(t0Ms, 10, { attributes: at(2), resource: createResource({ 'service.name': 'jaeger-svc' }) })]);
    assert.deepEqual(aggregator.statsForLocation(file, 2)?.sampling, { flag: 'unknown', probability: undefined });
    aggregator.add([testSpan(t0Ms, 10, { attributes: { ...at(3), 'sampler.type': 'probabilistic', 'sampler.param': 0.1 }, flags: 0 })]);
    assert.deepEqual(aggregator.statsForLocation(file, 3)?.sampling, { flag: 'notSampled', probability: 0.1 });
  });

  it('notifies listeners once per turn with the files that changed', () => {
    const { aggregator, flush, changes } = harness();
    aggregator.add([testSpan(t0Ms, 10, { attributes: at(1) })]);
    aggregator.add([testSpan(t0Ms, 10, { attributes: { ...at(1), 'code.file.path': '/srv/app/b.ts' } })]);
    aggregator.add([testSpan(t0Ms, 10)]);
    assert.equal(changes.length, 0, 'nothing before the scheduled turn');
    flush();
    assert.equal(changes.length, 1);
    assert.deepEqual([...(changes[0]?.files ?? [])].sort(), ['/srv/app/b.ts', file]);
    assert.equal(changes[0]?.operations, true);
    flush();
    assert.equal(changes.length, 1, 'no empty notifications');
  });

  it('notifies when data expires, so diagnostics can clear', () => {
    const { aggregator, clock, flush, changes } = harness({ window: '15m' });
    aggregator.add([testSpan(t0Ms, 10, { attributes: at(1) })]);
    flush();
    changes.length = 0;
    clock.advance(17 * minute);
    assert.equal(aggregator.expire(), true);
    flush();
    assert.deepEqual([...(changes[0]?.files ?? [])], [file]);
    assert.equal(aggregator.expire(), false);
  });

  it('bounds memory by dropping the least recently seen locations and says so', () => {
    const { aggregator } = harness({ maxKeys: 100 });
    for (let i = 0; i < 1000; i++) aggregator.add([testSpan(t0Ms - 1000, 1, { attributes: at(i + 1, `fn${i}`) })]);
    const health = aggregator.ingestHealth();
    assert.equal(health.locationKeys, 100);
    assert.equal(health.evictedKeys >= 900, true);
    assert.equal(aggregator.statsForLocation(file, 1), undefined, 'the oldest went first');
    const kept = aggregator.statsForLocation(file, 1000);
    assert.equal(kept?.count, 1);
    assert.equal(kept.possiblyIncomplete, true);
    const fresh = harness();
    fresh.aggregator.add([testSpan(t0Ms, 1, { attributes: at(1) })]);
    assert.equal(fresh.aggregator.statsForLocation(file, 1)?.possiblyIncomplete, false);
  });

  it('clear() forgets everything', () => {
    const { aggregator, flush, changes } = harness();
    aggregator.add([testSpan(t0Ms, 10, { attributes: at(1) })]);
    aggregator.clear();
    assert.equal(aggregator.statsForLocation(file, 1), undefined);
    assert.deepEqual(aggregator.allExceptions(), []);
    flush();
    assert.equal(changes.at(-1)?.all, true);
  });

  describe('exceptions', () => {
    const exception = (type: string, message: string, timeNs = 0n, extra: Record<string, string> = {}): SpanEvent => ({
      name: 'exception',
      timeNs,
      attributes: { 'exception.type': type, 'exception.message': message, 'exception.stacktrace': `${type}: ${message}\n    at listOrders (${file}:42:7)`, ...extra },
    });

    it('groups by type, normalized message and location', () => {
      const { aggregator } = harness();
      aggregator.add([
        testSpan(t0Ms - 5000, 10, { attributes: at(42), statusCode: StatusCode.Error, events: [exception('NotFoundError', 'order 4711 not found')] }),
        testSpan(t0Ms - 1000, 10, { attributes: at(42), resource: worker, events: [exception('NotFoundError', 'order 99 not found')] }),
        testSpan(t0Ms, 10, { attributes: at(42), events: [exception('TimeoutError', 'order 5 not found')] }),
        testSpan(t0Ms, 10, { attributes: at(50), events: [exception('NotFoundError', 'order 1 not found')] }),
        testSpan(t0Ms, 10, { attributes: at(42), events: [{ name: 'log', timeNs: 0n, attributes: { message: 'not an exception' } }] }),
      ]);
      const groups = aggregator.exceptionsFor(file);
      assert.equal(groups.length, 3);
      const notFound = groups.find((g) => g.type === 'NotFoundError' && g.location?.line === 42);
      assert.ok(notFound);
      assert.equal(notFound.count, 2);
      assert.equal(notFound.message, 'order <num> not found');
      assert.deepEqual([...notFound.services].sort(), ['api', 'worker']);
      assert.equal(notFound.firstSeenMs, t0Ms - 5000);
      assert.equal(notFound.lastSeenMs, t0Ms - 1000);
      assert.equal(notFound.latestMessage, 'order 99 not found');
      assert.match(notFound.latestStacktrace ?? '', /order 99 not found\n {4}at listOrders/);
      assert.equal(notFound.sampleSpanId?.length, 16);
    });

    it('prefers code.* on the event itself for the location, then the span', () => {
      const { aggregator } = harness();
      aggregator.add([testSpan(t0Ms, 10, { attributes: at(42), events: [exception('E', 'boom', 0n, { 'code.file.path': '/srv/app/db.ts', 'code.line.number': '9' })] })]);
      assert.equal(aggregator.exceptionsFor('/srv/app/db.ts')[0]?.location?.line, 9);
      assert.deepEqual(aggregator.exceptionsFor(file), []);
    });

    it('accepts exceptions from log records and expires them with the window', () => {
      const { aggregator, clock } = harness({ window: '15m' });
      const ok = aggregator.recordException({
        type: 'ValueError',
        message: "bad value 'abc'",
        stacktrace: undefined,
        timeMs: t0Ms,
        traceId: undefined,
        spanId: undefined,
        service: 'py',
        location: { file, line: 3 },
      });
      assert.equal(ok, true);
      assert.equal(aggregator.exceptionsFor(file)[0]?.message, 'bad value <str>');
      clock.advance(17 * minute);
      assert.deepEqual(aggregator.exceptionsFor(file), []);
    });
  });
});
