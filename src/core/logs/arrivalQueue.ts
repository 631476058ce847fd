/**
 * A first-in first-out list: push at the back, take from the front, both O(1) amortized.
 * Array.prototype.shift moves every element, which turns evicting the oldest of n records into
 * O(n) each time; here the front is an index, and the array is cut down once half of it lies
 * before the index.
 */
export class ArrivalQueue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, or undefined when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Keeps only the items `keep` accepts, in order. */
  retain(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = this.head; i < this.items.length; i++) if (keep(this.items[i] as T)) kept.push(this.items[i] as T);
    this.items = kept;
    this.head = 0;
  }

  /** Oldest first. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }

  /** Up to `limit` items, newest first. */
  newest(limit: number): T[] {
    const out: T[] = [];
    for (let i = this.items.length - 1; i >= this.head && out.length < limit; i--) out.push(this.items[i] as T);
    return out;
  }

  toArray(): T[] {
    return this.items.slice(this.head);
  }
}
