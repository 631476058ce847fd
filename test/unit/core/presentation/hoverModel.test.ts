import * as assert from 'node:assert/strict';
import { buildHoverModel } from '../../../../src/core/presentation/hoverModel';
import { statsFixture } from '../aggregation/aggregationFixtures';

describe('buildHoverModel', () => {
  it('carries the figures, the distribution and the trace links as data', () => {
    const model = buildHoverModel(statsFixture({ latestError: { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), service: 'api', name: 'x', durationMs: 3, error: true, endTimeMs: 0 } }), {
      source: 'local',
    });
    assert.equal(model.heading, 'Production latency · last hour · local');
    assert.equal(model.summary, 'p50 12 ms · p95 48 ms · p99 120 ms · 1.2k calls · 0.4% errors');
    assert.equal(model.basis, 'Based on 1,234 calls that ended in the last hour, 5 errors (0.4%); slowest 350 ms; percentiles estimated to within 1%.');
    assert.equal(model.sampling, 'The spans state no sampling rate: the counts are of the calls that were recorded.');
    assert.equal(model.staleBuild, undefined);
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

  it('says first when production ran another version or commit, and warns when data may be missing', () => {
    const stats = statsFixture({ versions: ['1.4.2'], commits: ['abcdef1234567890'], possiblyIncomplete: true });
    const model = buildHoverModel(stats, { checkoutVersion: '1.5.0', checkoutCommit: '0123456789abcdef' });
    assert.equal(model.staleBuild, 'Stale build: these figures come from version 1.4.2; the checkout is 1.5.0, and from commit abcdef123456; the checkout is at 0123456789ab.');
    assert.equal(model.warnings.length, 1);
    assert.match(model.warnings[0] ?? '', /Some data may be missing/);
    assert.equal(buildHoverModel(stats, { checkoutVersion: '1.4.2', checkoutCommit: 'abcdef1' }).staleBuild, undefined, 'a short hash of the same commit is not a mismatch');
    assert.equal(buildHoverModel(stats, {}).staleBuild, undefined, 'an unknown checkout is not a mismatch');
  });

  it('says when counts are a sample, and that they are not scaled up', () => {
    const model = buildHoverModel(statsFixture({ sampling: { flag: 'sampled', probability: 0.1 } }));
    assert.equal(model.sampling, 'Traces are sampled at 10%: the counts are of recorded calls only, not scaled up (real traffic about 10× higher).');
    assert.match(buildHoverModel(statsFixture({ sampling: { flag: 'mixed', probability: undefined } })).sampling, /Some of these spans were sampled and some not/);
  });
});
