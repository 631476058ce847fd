import * as assert from 'node:assert/strict';
import { buildTrace } from '../../../../src/core/model/buildTrace';
import { createResource, createSpan, type Resource, type Span } from '../../../../src/core/model/span';
import { compareTraces } from '../../../../src/core/traceView/compareTraces';
import { baseNs, syntheticTrace } from './traceViewFixtures';

const api = createResource({ 'service.name': 'api' });
const db = createResource({ 'service.name': 'db' });

function span(traceId: string, id: string, parent: string | undefined, name: string, startMs: number, endMs: number, resource: Resource = api): Span {
  return createSpan({ traceId, spanId: id, parentSpanId: parent, name, startNs: baseNs + BigInt(startMs * 1e6), endNs: baseNs + BigInt(endMs * 1e6), resource });
}

describe('compareTraces', () => {
  const baseline = buildTrace('base', [
    span('base', 'r', undefined, 'GET /', 0, 100),
    span('base', 'a', 'r', 'auth', 0, 10),
    span('base', 'q1', 'r', 'query', 10, 30, db),
    span('base', 'q2', 'r', 'query', 30, 50, db),
    span('base', 'c', 'r', 'cache', 50, 60),
  ]);
  const current = buildTrace('cur', [
    span('cur', 'R', undefined, 'GET /', 0, 180),
    span('cur', 'A', 'R', 'auth', 0, 10),
    span('cur', 'Q1', 'R', 'query', 10, 90, db),
    span('cur', 'Q2', 'R', 'query', 90, 95, db),
    span('cur', 'N', 'R', 'render', 95, 180),
  ]);

  it('matches spans by service and operation path and counts added and removed', () => {
    const result = compareTraces(baseline, current);
    assert.equal(result.matched, 4);
    assert.equal(result.added, 1);
    assert.equal(result.removed, 1);
    assert.equal(result.baselineTraceId, 'base');
    assert.equal(result.currentTraceId, 'cur');
  });

  it('says which spans got slower or faster and by how much, biggest change first', () => {
    const result = compareTraces(baseline, current);
    assert.equal(result.slower, 2);
    assert.equal(result.faster, 1);
    assert.deepEqual(result.entries.map((e) => e.status), ['added', 'slower', 'slower', 'faster', 'removed']);
    const root = result.entries.find((e) => e.path === 'api: GET /');
    assert.equal(root?.status, 'slower');
    assert.equal(root.deltaNs, 80e6);
    assert.equal(root.baselineRow, 0);
    assert.equal(root.currentRow, 0);
    const query = result.entries.find((e) => e.name === 'query' && e.status === 'slower');
    assert.equal(query?.deltaNs, 60e6);
    assert.equal(query.path, 'api: GET / › db: query');
    const faster = result.entries.find((e) => e.status === 'faster');
    assert.equal(faster?.deltaNs, -15e6);
    assert.equal(result.entries.find((e) => e.status === 'added')?.name, 'render');
    assert.equal(result.entries.find((e) => e.status === 'removed')?.name, 'cache');
    assert.equal(result.entries.some((e) => e.name === 'auth'), false, 'unchanged spans are counted, not listed');
  });

  it('a trace compared with itself has no changes', () => {
    const trace = syntheticTrace(500);
    const result = compareTraces(trace, trace);
    assert.equal(result.matched, 500);
    assert.equal(result.added + result.removed + result.slower + result.faster, 0);
    assert.deepEqual(result.entries, []);
  });

  it('caps the listed entries but not the counts', () => {
    const result = compareTraces(syntheticTrace(300), syntheticTrace(600), { maxEntries: 10 });
    assert.equal(result.added, 300);
    assert.equal(result.entries.length, 10);
    assert.equal(result.truncated, result.added + result.slower + result.faster + result.removed - 10);
  });
});
