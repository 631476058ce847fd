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
    // A tree in depth-first order: the root, then its children (current order, removed last).
    assert.deepEqual(
      result.entries.map((e) => e.status),
      ['slower', 'slower', 'faster', 'added', 'removed'],
    );
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
    assert.equal(
      result.entries.some((e) => e.name === 'auth'),
      false,
      'unchanged spans are counted, not listed',
    );
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
    assert.equal(result.entries.filter((e) => e.status !== 'same').length, 10);
    // …with the ancestors that lead to them, each listed once.
    assert.ok(result.entries.length < 10 + 10 * 2, String(result.entries.length));
    assert.equal(result.truncated, result.added + result.slower + result.faster + result.removed - 10);
  });

  it('tells same-named siblings apart by their order under their parent, the same number in both traces', () => {
    const before = buildTrace('b', [
      span('b', 'r', undefined, 'POST /order', 0, 200),
      span('b', 'x1', 'r', 'GET /reserve', 10, 30),
      span('b', 'x2', 'r', 'GET /reserve', 30, 60),
      span('b', 'p', 'r', 'charge', 60, 100),
    ]);
    const after = buildTrace('a', [
      span('a', 'R', undefined, 'POST /order', 0, 420),
      span('a', 'X1', 'R', 'GET /reserve', 10, 40),
      span('a', 'X2', 'R', 'GET /reserve', 40, 366),
      span('a', 'P', 'R', 'charge', 366, 380),
    ]);
    const result = compareTraces(before, after);
    const labels = result.entries.map((e) => `${'  '.repeat(e.depth)}${e.label} ${e.status}`);
    assert.deepEqual(labels, ['POST /order slower', '  GET /reserve #1 slower', '  GET /reserve #2 slower', '  charge faster']);
    const [, first, second] = result.entries;
    assert.equal(first?.deltaNs, 10e6);
    assert.equal(second?.deltaNs, 296e6);
    assert.equal(second.baselineOffsetNs, 30e6);
    assert.equal(second.currentOffsetNs, 40e6);
    // One name, no number; the path stays available for tooltips and agents.
    assert.equal(result.entries[3]?.label, 'charge');
    assert.equal(first.path, 'api: POST /order › api: GET /reserve');
  });

  it('lists unchanged ancestors of a change once, as context, not the path again per entry', () => {
    const before = buildTrace('b', [
      span('b', 'r', undefined, 'GET /', 0, 100),
      span('b', 'm', 'r', 'middleware', 0, 90),
      span('b', 'h', 'm', 'handler', 0, 80),
      span('b', 'q', 'h', 'query', 0, 10, db),
    ]);
    const after = buildTrace('a', [
      span('a', 'r', undefined, 'GET /', 0, 100),
      span('a', 'm', 'r', 'middleware', 0, 90),
      span('a', 'h', 'm', 'handler', 0, 80),
      span('a', 'q', 'h', 'query', 0, 60, db),
      span('a', 'n', 'h', 'query', 60, 70, db),
    ]);
    const result = compareTraces(before, after);
    assert.deepEqual(
      result.entries.map((e) => [e.depth, e.label, e.status]),
      [
        [0, 'GET /', 'same'],
        [1, 'middleware', 'same'],
        [2, 'handler', 'same'],
        [3, 'query #1', 'slower'],
        [3, 'query #2', 'added'],
      ],
    );
  });

  it('puts a removed span under its baseline parent', () => {
    const before = buildTrace('b', [span('b', 'r', undefined, 'GET /', 0, 100), span('b', 'c', 'r', 'cache', 0, 10), span('b', 'l', 'c', 'lookup', 0, 5)]);
    const after = buildTrace('a', [span('a', 'r', undefined, 'GET /', 0, 100)]);
    const result = compareTraces(before, after);
    assert.deepEqual(
      result.entries.map((e) => [e.depth, e.label, e.status, e.currentRow >= 0]),
      [
        [0, 'GET /', 'same', true],
        [1, 'cache', 'removed', false],
        [2, 'lookup', 'removed', false],
      ],
    );
  });
});
