import * as assert from 'node:assert/strict';
import { findTraceIds, maxScannedLineLength, traceIdAt } from '../../../../src/core/traceIds/findTraceIds';

const id = '4bf92f3577b34da6a3ce929d0e0e4736';
const parent = `00-${id}-00f067aa0ba902b7-01`;

function ids(line: string): string[] {
  return findTraceIds(line).map((match) => match.traceId);
}

function linked(line: string): string[] {
  return findTraceIds(line).map((match) => line.slice(match.start, match.end));
}

describe('finding trace ids in a line of text', () => {
  it('finds a bare 32-hex id with its range', () => {
    const line = `2024-05-01T10:00:00Z ERROR checkout failed trace=${id} user=42`;
    assert.deepEqual(findTraceIds(`id ${id}.`), [{ traceId: id, start: 3, end: 35, kind: 'bare' }]);
    assert.deepEqual(linked(line), [id]);
  });

  it('links a whole traceparent and opens its trace id', () => {
    const line = `GET /checkout traceparent: ${parent} 200`;
    const [match] = findTraceIds(line);
    assert.equal(match?.kind, 'traceparent');
    assert.equal(match.traceId, id);
    assert.equal(line.slice(match.start, match.end), parent);
  });

  it('refuses a traceparent with the invalid version ff or a zero parent id', () => {
    assert.deepEqual(ids(`ff-${id}-00f067aa0ba902b7-01`), []);
    assert.deepEqual(ids(`00-${id}-0000000000000000-01`), []);
  });

  it('accepts 16-hex ids only after a trace id key, padded to 32', () => {
    const short = 'a3ce929d0e0e4736';
    assert.deepEqual(ids(`span ${short} done`), []);
    for (const line of [`trace_id=${short}`, `traceId: ${short}`, `{"traceId":"${short}"}`, `trace-id = '${short}'`, `otel_trace_id=${short}`, `TRACE_ID=${short}`]) {
      assert.deepEqual(ids(line), [`0000000000000000${short}`], line);
      assert.deepEqual(linked(line), [short], line);
    }
  });

  it('normalizes upper- and mixed-case ids to lower case', () => {
    assert.deepEqual(ids(id.toUpperCase()), [id]);
    assert.deepEqual(ids('trace_id=A3CE929D0E0E4736'), ['0000000000000000a3ce929d0e0e4736']);
  });

  it('skips ids of the wrong length and ids inside longer words or hashes', () => {
    for (const line of [
      id.slice(1), // 31 hex
      `${id}a`, // 33 hex
      'commit 9fceb02d0ae598e95dc970b74767f19372d61af8', // a git SHA-1
      'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      `x${id}`,
      `${id}_suffix`,
      'trace_id=a3ce929d0e0e473', // 15 hex
      'request 123e4567-e89b-12d3-a456-426614174000', // UUIDs are not links (see findTraceIds.ts)
    ]) {
      assert.deepEqual(ids(line), [], line);
    }
  });

  it('skips all-zero ids and long decimal numbers', () => {
    assert.deepEqual(ids('00000000000000000000000000000000'), []);
    assert.deepEqual(ids('trace_id=0000000000000000'), []);
    assert.deepEqual(ids('12345678901234567890123456789012'), []);
  });

  it('finds several ids in order without overlaps', () => {
    const other = 'b7ad6b7169203331b7ad6b7169203331';
    assert.deepEqual(ids(`${id} ${parent} "${other}"`), [id, id, other]);
  });

  it('bounds the work on a very long line', () => {
    const line = `${'x '.repeat(maxScannedLineLength)}${id}`;
    assert.deepEqual(ids(line), []);
    assert.deepEqual(ids(`${id}${' '.repeat(maxScannedLineLength * 10)}`), [id]);
  });

  it('answers which id is under a position', () => {
    const line = `a ${id} b`;
    assert.equal(traceIdAt(line, 2)?.traceId, id);
    assert.equal(traceIdAt(line, 33)?.traceId, id);
    assert.equal(traceIdAt(line, 34), undefined);
    assert.equal(traceIdAt(line, 0), undefined);
  });
});
