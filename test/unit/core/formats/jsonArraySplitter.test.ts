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
    assert.deepEqual(elements.map((e) => e.path.join('.')), ['result.resourceSpans', 'result.resourceSpans']);
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
