import type { AggregateStats } from '../../../../src/core/aggregation/aggregateStats';
import { durationNs } from '../../../../src/core/model/units';
import { createResource, createSpan, type Resource, type Span, type SpanInit } from '../../../../src/core/model/span';
import { seededRandom } from '../../../seededRandom';

export { seededRandom };

/** Box–Muller on the seeded generator. */
export function normal(next: () => number): number {
  const u = 1 - next();
  const v = next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function logNormalSamples(count: number, seed: number, medianNs = 20e6, sigma = 1): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => Math.round(medianNs * Math.exp(sigma * normal(next))));
}

/** The textbook nearest-rank percentile over a sorted copy, written independently of the code under test. */
export function exactPercentile(values: readonly number[], percentile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  // Integer arithmetic for the rank: ceil(p/100 · n) with p given to 0.1.
  const rank = Math.max(1, Math.ceil((Math.round(percentile * 10) * sorted.length) / 1000));
  return sorted[rank - 1] as number;
}

/** Fixed "now" for tests: 2024-01-01T00:00:00Z plus offsets. */
export const t0Ms = Date.UTC(2024, 0, 1);

export const api = createResource({ 'service.name': 'api', 'service.version': '1.4.2', 'vcs.ref.head.revision': 'abcdef1234567890abcdef1234567890abcdef12' });
export const worker = createResource({ 'service.name': 'worker', 'service.version': '0.9.0' });

let nextId = 1;

/** A span ending at `endMs` (epoch ms) that lasted `durationMs`. */
export function testSpan(endMs: number, durationMs: number, init: Partial<SpanInit> & { resource?: Resource } = {}): Span {
  const endNs = BigInt(Math.round(endMs)) * 1_000_000n;
  const id = (nextId++).toString(16).padStart(16, '0');
  return createSpan({
    traceId: id.padStart(32, '0'),
    spanId: id,
    name: 'GET /orders',
    resource: api,
    ...init,
    startNs: endNs - BigInt(Math.round(durationMs * 1e6)),
    endNs,
  });
}

export class FakeClock {
  constructor(public nowMs: number = t0Ms) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/** Figures as the aggregator would return them, for the formatting tests. */
export function statsFixture(overrides: Partial<AggregateStats> = {}): AggregateStats {
  return {
    window: '1h',
    count: 1234,
    errorCount: 5,
    errorRate: 5 / 1234,
    latency: {
      count: 1234,
      exact: false,
      minNs: durationNs(1e6),
      maxNs: durationNs(350e6),
      meanNs: durationNs(20e6),
      quantiles: [
        { percentile: 50, valueNs: durationNs(12.2e6) },
        { percentile: 95, valueNs: durationNs(48.4e6) },
        { percentile: 99, valueNs: durationNs(120.3e6) },
      ],
      histogram: { lowerNs: durationNs(1e6), upperNs: durationNs(350e6), counts: [1, 5, 40, 300, 500, 250, 100, 30, 7, 1] },
    },
    sampling: { flag: 'unknown', probability: undefined },
    services: ['api'],
    versions: ['1.4.2'],
    commits: [],
    slowest: [{ traceId: 't'.repeat(32), spanId: 's'.repeat(16), service: 'api', name: 'GET /orders', durationMs: 350, error: false, endTimeMs: 0 }],
    latestError: undefined,
    firstSeenMs: 0,
    lastSeenMs: 0,
    keyCount: 1,
    possiblyIncomplete: false,
    ...overrides,
  };
}
