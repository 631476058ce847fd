import * as assert from 'node:assert/strict';
import { attributesOf, noAttributes, type AttributeValue } from '../../../../src/core/model/attributes';

describe('attributesOf', () => {
  it('builds plain objects equal to literals, whatever the number of attributes', () => {
    for (let count = 1; count <= 14; count++) {
      const keys = Array.from({ length: count }, (_, i) => `key.${i}`);
      const values: AttributeValue[] = keys.map((_, i) => (i % 3 === 0 ? `v${i}` : i % 3 === 1 ? i : i + 0.5));
      const built = attributesOf(keys, values, 0, count);
      assert.deepStrictEqual(built, Object.fromEntries(keys.map((key, i) => [key, values[i]])), `${count} attributes`);
      assert.equal(Object.getPrototypeOf(built), Object.prototype);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(built)), JSON.parse(JSON.stringify({ ...built })));
    }
  });

  it('takes only the pairs in [from, to), and none is the shared empty object', () => {
    const keys = ['a', 'b', 'c', 'd'];
    const values: AttributeValue[] = [1, 2, 3, 4];
    assert.deepStrictEqual(attributesOf(keys, values, 1, 3), { b: 2, c: 3 });
    assert.equal(attributesOf(keys, values, 2, 2), noAttributes);
  });

  it('lets a later repeat of a key win, as assignment does', () => {
    const built = attributesOf(['k', 'other', 'k'], ['first', true, 'last'], 0, 3);
    assert.deepStrictEqual(built, { k: 'last', other: true });
  });

  it('keeps __proto__ as an own property instead of changing the prototype', () => {
    const built = attributesOf(['__proto__', 'x'], [{ polluted: true }, 1], 0, 2);
    assert.equal(Object.getPrototypeOf(built), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(built, '__proto__'));
    assert.deepStrictEqual(built['__proto__'], { polluted: true });
    assert.equal((built as Record<string, unknown>)['polluted'], undefined);
  });
});
