import * as assert from 'node:assert/strict';
import { buildHoverModel } from '../../../../src/core/aggregation/hoverModel';
import { statsFixture } from './aggregationFixtures';

describe('buildHoverModel', () => {
  it('carries the figures, the distribution and the trace links as data', () => {
    const model = buildHoverModel(
      statsFixture({ latestError: { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), service: 'api', name: 'x', durationMs: 3, error: true, endTimeMs: 0 } }),
      { source: 'local' },
    );
    assert.equal(model.heading, 'Production latency · last hour · local');
    assert.equal(model.summary, 'p50 12 ms · p95 48 ms · p99 120 ms · 1.2k calls · 0.4% errors');
    const row = (label: string): string | undefined => model.rows.find((r) => r.label === label)?.value;
    assert.equal(row('max'), '350 ms');
    assert.equal(row('calls'), '1.2k (percentiles within 1%)');
    assert.equal(row('sampled'), 'unknown (the spans do not say)');
    assert.equal(model.distribution?.sparkline.length, 10);
    assert.deepEqual(
      model.links.map((l) => [l.kind, l.traceId]),
      [
        ['slowest', 't'.repeat(32)],
        ['latestError', 'e'.repeat(32)],
      ],
    );
    assert.deepEqual(model.warnings, []);
  });

  it('warns when production ran another version or commit, or data may be missing', () => {
    const stats = statsFixture({ versions: ['1.4.2'], commits: ['abcdef1234567890'], possiblyIncomplete: true });
    const model = buildHoverModel(stats, { checkoutVersion: '1.5.0', checkoutCommit: '0123456789abcdef' });
    assert.equal(model.warnings.length, 3);
    assert.match(model.warnings[0] ?? '', /version 1\.4\.2; the checkout is 1\.5\.0/);
    assert.match(model.warnings[1] ?? '', /commit abcdef123456/);
    const same = buildHoverModel(stats, { checkoutVersion: '1.4.2', checkoutCommit: 'abcdef1' });
    assert.equal(same.warnings.length, 1, 'a short hash of the same commit is not a mismatch');
  });

  it('says when counts are a sample', () => {
    const model = buildHoverModel(statsFixture({ sampling: { flag: 'sampled', probability: 0.1 } }));
    assert.equal(model.rows.find((r) => r.label === 'sampled')?.value, 'yes at 10%: counts are a sample of the traffic');
  });
});
