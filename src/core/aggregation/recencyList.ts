/** The links a RecencyList keeps on its entries, so moving one allocates nothing. */
export interface RecencyNode<T> {
  older: T | undefined;
  younger: T | undefined;
}

/**
 * Entries from least to most recently placed, with O(1) append, removal and move to the young
 * end. Bounded maps evicted their oldest entry through a Map's insertion order instead
 * (`keys().next()` after deletes and re-inserts), but V8 keeps deleted slots until its next
 * rehash and iteration steps over each of them, so under churn every eviction cost O(size).
 */
export class RecencyList<T extends RecencyNode<T>> {
  private head: T | undefined;
  private tail: T | undefined;

  /** The least recently placed entry. */
  get oldest(): T | undefined {
    return this.head;
  }

  /** Adds `node` (not in the list) at the young end. */
  append(node: T): void {
    node.older = this.tail;
    node.younger = undefined;
    if (this.tail === undefined) this.head = node;
    else this.tail.younger = node;
    this.tail = node;
  }

  /** Takes `node` out; a node that is not in the list is left alone. */
  remove(node: T): void {
    if (node.older === undefined && this.head !== node) return;
    if (node.older === undefined) this.head = node.younger;
    else node.older.younger = node.younger;
    if (node.younger === undefined) this.tail = node.older;
    else node.younger.older = node.older;
    node.older = node.younger = undefined;
  }

  /** Moves `node` (in the list) to the young end. */
  touch(node: T): void {
    if (this.tail === node) return;
    this.remove(node);
    this.append(node);
  }

  clear(): void {
    // Entries keep stale links; they are dropped with the list, and `append` resets them.
    this.head = this.tail = undefined;
  }
}
