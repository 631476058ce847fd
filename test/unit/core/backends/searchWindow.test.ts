import * as assert from 'node:assert/strict';
import { canonicalTraceId, goDuration, resolveSearch, summarizeSpans } from '../../../../src/core/backends/searchWindow';
import { createResource, createSpan, StatusCode, type Span } from '../../../../src/core/model/span';

const now = Date.UTC(2026, 0, 1, 12);

function span(id: string, parent: string | undefined, service: string, startMs: number, endMs: number, error = false): Span {
  return createSpan({
    traceId: 'ab'.repeat(16),
    spanId: id,
    parentSpanId: parent,
    name: `op-${id}`,
    startNs: BigInt(startMs) * 1_000_000n,
    endNs: BigInt(endMs) * 1_000_000n,
    resource: createResource({ 'service.name': service }),
    statusCode: error ? StatusCode.Error : StatusCode.Unset,
  });
}

describe('search helpers', () => {
  it('resolves the window and defaults', () => {
    assert.deepEqual(resolveSearch({}, now), { window: { startMs: now - 3_600_000, endMs: now }, limit: 20 });
    assert.deepEqual(resolveSearch({ lookbackMinutes: 5, limit: 3, endTimeMs: now - 1000 }, now), { window: { startMs: now - 1000 - 300_000, endMs: now - 1000 }, limit: 3 });
  });

  it('refuses impossible queries', () => {
    for (const query of [{ lookbackMinutes: 0 }, { limit: 0 }, { limit: 2.5 }, { minDurationMs: -1 }, { minDurationMs: 10, maxDurationMs: 5 }, { maxDurationMs: Number.NaN }]) {
      const result = resolveSearch(query, now);
      assert.ok('kind' in result && result.kind === 'invalidQuery', JSON.stringify(query));
    }
  });

  it('writes Go durations exactly', () => {
    assert.equal(goDuration(100), '100ms');
    assert.equal(goDuration(0), '0ms');
    assert.equal(goDuration(0.5), '500us');
    assert.equal(goDuration(1.0005), '1001us');
  });

  it('canonicalizes pasted trace ids', () => {
    assert.equal(canonicalTraceId(' 4BF92F3577B34DA6A3CE929D0E0E4736 '), '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(canonicalTraceId('463ac35c9f6413ad'), '0000000000000000463ac35c9f6413ad');
    assert.equal(canonicalTraceId(Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex').toString('base64')), '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(canonicalTraceId('00000000000000000000000000000000'), undefined);
    assert.equal(canonicalTraceId('trace-123'), undefined);
    assert.equal(canonicalTraceId(''), undefined);
  });

  it('summarizes a trace from its spans, picking the earliest true root', () => {
    const spans = [span('02', '01', 'db', 1005, 1020, true), span('01', undefined, 'web', 1000, 1100), span('03', 'ff', 'late', 990, 995)];
    assert.deepEqual(summarizeSpans('ab'.repeat(16), spans), {
      traceId: 'ab'.repeat(16),
      rootService: 'web',
      rootName: 'op-01',
      startTime: 990,
      startTimeNs: '990000000',
      durationMs: 110,
      spanCount: 3,
      errorCount: 1,
    });
    assert.equal(summarizeSpans('x', []), undefined);
    assert.equal(summarizeSpans('x', [span('05', 'ff', 'orphan', 1, 2)])?.rootService, 'orphan');
  });
});
