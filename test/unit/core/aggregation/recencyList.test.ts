import * as assert from 'node:assert/strict';
import { RecencyList, type RecencyNode } from '../../../../src/core/aggregation/recencyList';

class Entry implements RecencyNode<Entry> {
  older: Entry | undefined;
  younger: Entry | undefined;
  constructor(readonly name: string) {}
}

function drain(list: RecencyList<Entry>): string[] {
  const out: string[] = [];
  for (let entry = list.oldest; entry !== undefined; entry = entry.younger) out.push(entry.name);
  return out;
}

describe('RecencyList', () => {
  it('keeps entries oldest first, moves a touched one to the young end and drops removed ones', () => {
    const list = new RecencyList<Entry>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => new Entry(name)) as [Entry, Entry, Entry, Entry];
    for (const entry of [a, b, c]) list.append(entry);
    assert.deepEqual(drain(list), ['a', 'b', 'c']);
    list.touch(a);
    assert.deepEqual(drain(list), ['b', 'c', 'a']);
    list.touch(a);
    assert.deepEqual(drain(list), ['b', 'c', 'a'], 'touching the youngest changes nothing');
    list.remove(c);
    list.remove(c);
    list.remove(d);
    assert.deepEqual(drain(list), ['b', 'a'], 'removing twice, or what was never added, is harmless');
    list.remove(b);
    assert.equal(list.oldest, a);
    list.remove(a);
    assert.equal(list.oldest, undefined);
    list.append(d);
    assert.deepEqual(drain(list), ['d']);
  });

  it('stays in arrival order through a long churn of evicting the oldest and adding a new one', () => {
    const list = new RecencyList<Entry>();
    for (let i = 0; i < 200_000; i++) list.append(new Entry(String(i)));
    for (let i = 0; i < 200_000; i++) {
      const oldest = list.oldest as Entry;
      assert.equal(oldest.name, String(i));
      list.remove(oldest);
      list.append(new Entry(String(200_000 + i)));
    }
    assert.equal(list.oldest?.name, '200000');
  });
});
