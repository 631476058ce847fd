import * as assert from 'node:assert/strict';
import { JsonArraySplitter, type SplitElement } from '../../../../src/core/formats/jsonArraySplitter';

function split(text: string, chunkSize: number, paths = [['resourceSpans'], ['result', 'resourceSpans']]): SplitElement[] {
  const out: SplitElement[] = [];
  const splitter = new JsonArraySplitter(paths, (element) => out.push(element));
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunkSize) splitter.push(bytes.subarray(i, i + chunkSize));
  splitter.finish();
  return out;
}

describe('JsonArraySplitter', () => {
  const doc = JSON.stringify({
    other: { resourceSpans: [{ decoy: true }] },
    note: 'a "quoted" string with [brackets] and {braces} and \\"escapes\\"',
    resourceSpans: [{ a: 1, s: 'x]}' }, { b: [1, 2, { c: 'ü' }] }, { d: '\\' }],
    tail: [1, 2],
  });

  for (const chunk of [1, 2, 3, 7, 64, 1 << 20]) {
    it(`cuts out exactly the wanted array's elements when fed ${chunk}-byte chunks`, () => {
      const elements = split(doc, chunk);
      assert.deepEqual(
        elements.map((e) => JSON.parse(e.bytes.toString('utf8')) as unknown),
        [{ a: 1, s: 'x]}' }, { b: [1, 2, { c: 'ü' }] }, { d: '\\' }],
      );
      const first = elements[0];
      assert.ok(first);
      assert.deepEqual(first.path, ['resourceSpans']);
      assert.equal(doc.slice(first.offset).startsWith('{"a":1'), true);
    });
  }

  it('follows nested paths such as Jaeger api_v3 result.resourceSpans', () => {
    const elements = split(JSON.stringify({ result: { resourceSpans: [{ x: 1 }, { y: 2 }] } }), 5);
    assert.deepEqual(
      elements.map((e) => e.path.join('.')),
      ['result.resourceSpans', 'result.resourceSpans'],
    );
  });

  it('ignores a key of the same name deeper in the document', () => {
    assert.deepEqual(split(JSON.stringify({ wrapper: { resourceSpans: [{ x: 1 }] } }), 4), []);
  });

  it('reports a document that ends inside a value', () => {
    const splitter = new JsonArraySplitter([['resourceSpans']], () => undefined);
    splitter.push(Buffer.from('{"resourceSpans":[{"a":1},{"b":'));
    assert.throws(() => splitter.finish(), /ends inside 3 open brackets/);
  });

  it('refuses an element larger than its bound instead of growing without limit', () => {
    const splitter = new JsonArraySplitter([['resourceSpans']], () => undefined, 100);
    assert.throws(() => splitter.push(Buffer.from(`{"resourceSpans":[{"a":"${'x'.repeat(200)}`)), /larger than 100 bytes/);
  });
});

describe('JsonArraySplitter with wildcards and object members (Jaeger v1 data.*.spans, data.*.processes)', () => {
  const body = JSON.stringify({
    data: [
      { traceID: 'a', spans: [{ s: 1 }, { s: 2, note: '"processes":{' }], processes: { p1: { serviceName: 'x' }, p2: { serviceName: 'y' } } },
      { traceID: 'b', processes: { p1: { serviceName: 'z' } }, spans: [{ s: 3 }] },
    ],
    errors: null,
  });

  for (const chunk of [1, 5, 64, 1 << 20]) {
    it(`hands over each trace's spans and processes with where they sat, in ${chunk}-byte chunks`, () => {
      const out: SplitElement[] = [];
      const splitter = new JsonArraySplitter([['data', '*', 'spans']], (element) => out.push(element), undefined, [['data', '*', 'processes']]);
      const bytes = Buffer.from(body);
      for (let i = 0; i < bytes.length; i += chunk) splitter.push(bytes.subarray(i, i + chunk));
      splitter.finish();
      assert.deepEqual(
        out.map((e) => [e.at.join('.'), e.key, JSON.parse(e.bytes.toString('utf8')) as unknown]),
        [
          ['data.0.spans', undefined, { s: 1 }],
          ['data.0.spans', undefined, { s: 2, note: '"processes":{' }],
          ['data.0.processes', 'p1', { serviceName: 'x' }],
          ['data.0.processes', 'p2', { serviceName: 'y' }],
          ['data.1.processes', 'p1', { serviceName: 'z' }],
          ['data.1.spans', undefined, { s: 3 }],
        ],
      );
    });
  }

  it('leaves a value of the other kind in place: an object where an array is wanted, and the reverse', () => {
    const out: SplitElement[] = [];
    const splitter = new JsonArraySplitter([['data', '*', 'spans']], (element) => out.push(element), undefined, [['data', '*', 'processes']]);
    splitter.push(Buffer.from(JSON.stringify({ data: [{ spans: { a: { s: 1 } }, processes: [{ serviceName: 'x' }] }] })));
    splitter.finish();
    assert.deepEqual(out, []);
  });
});
