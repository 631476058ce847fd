/**
 * A map bounded to about `capacity` entries in two generations: when the young one reaches half
 * of it, it becomes the old one and the previous old one is forgotten. Evicting the oldest
 * entry of one Map instead (`keys().next()` after deletes at the front) walks every deleted slot
 * V8 keeps until its next rehash, which made each span cost ~100 µs once 100k traces were seen.
 */
export class TwoGenerationMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  /** Only what was set since the young generation last filled up. */
  getYoung(key: K): V | undefined {
    return this.young.get(key);
  }

  set(key: K, value: V): void {
    this.young.set(key, value);
    if (this.young.size >= this.capacity / 2) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}
