/**
 * The first `count` items in `compare` order, sorted, ties kept in iteration order: what
 * `[...items].sort(compare).slice(0, count)` gives, in O(n log count) through a bounded heap.
 * The store lists the newest 200 of tens of thousands of traces several times a second while
 * spans arrive, on the thread that answers the receiver's requests; a full sort there cost
 * tens of milliseconds.
 */
export function selectFirst<T>(items: Iterable<T>, count: number, compare: (a: T, b: T) => number): T[] {
  if (count <= 0) return [];
  // Max-heap on (compare, arrival): the root is the worst item kept, the one a better item evicts.
  const heap: { readonly item: T; readonly seq: number }[] = [];
  const worse = (a: { item: T; seq: number }, b: { item: T; seq: number }): boolean => {
    const order = compare(a.item, b.item);
    return order > 0 || (order === 0 && a.seq > b.seq);
  };
  let seq = 0;
  for (const item of items) {
    const root = heap[0];
    // Most items lose to the worst one kept; that check allocates nothing (a later item loses ties).
    if (heap.length >= count && root && compare(root.item, item) <= 0) {
      seq++;
      continue;
    }
    const node = { item, seq: seq++ };
    if (heap.length < count) {
      heap.push(node);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i] as typeof node, heap[parent] as typeof node)) break;
        [heap[i], heap[parent]] = [heap[parent] as typeof node, heap[i] as typeof node];
        i = parent;
      }
    } else {
      heap[0] = node;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let largest = i;
        if (left < heap.length && worse(heap[left] as typeof node, heap[largest] as typeof node)) largest = left;
        if (right < heap.length && worse(heap[right] as typeof node, heap[largest] as typeof node)) largest = right;
        if (largest === i) break;
        [heap[i], heap[largest]] = [heap[largest] as typeof node, heap[i] as typeof node];
        i = largest;
      }
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : -1)).map((node) => node.item);
}
