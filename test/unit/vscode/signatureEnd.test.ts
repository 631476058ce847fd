import * as assert from 'node:assert/strict';
import { signatureEnd } from '../../../src/vscode/signatureEnd';

/** The name is located by its text, as the editor's symbol provider would report it. */
function endOf(source: string, name: string): { line: number; character: number } | undefined {
  const lines = source.split('\n');
  const line = lines.findIndex((text) => text.includes(`${name}(`));
  const character = (lines[line] ?? '').indexOf(name) + name.length;
  return signatureEnd((n) => lines[n] ?? '', { line, character }, lines.length - 1);
}

describe('signatureEnd (where the latency hover stops answering)', () => {
  it('ends a one-line C-like signature at its opening brace', () => {
    assert.deepEqual(endOf('export async function pay(order: Order): Promise<void> {\n  return charge(order);\n}', 'pay'), { line: 0, character: 56 });
  });

  it('follows parameters over several lines, callback types included', () => {
    const source = ['function retry(', '  attempt: () => Promise<void>,', '  times: number[],', '): Promise<void> {', '  body();', '}'].join('\n');
    assert.deepEqual(endOf(source, 'retry'), { line: 3, character: 18 });
  });

  it('ends an arrow function at its arrow and a Python def at its colon', () => {
    assert.deepEqual(endOf('const pay = async (order) => {\n}', 'pay'), { line: 0, character: 28 });
    assert.deepEqual(endOf('def pay(order,\n        card: Card) -> None:\n    charge(card)', 'pay'), { line: 1, character: 28 });
  });

  it('finds nothing when the body opener never comes, so only the name line answers', () => {
    assert.equal(endOf('def pay(order)\n  charge(order)\nend', 'pay'), undefined);
  });
});
