/**
 * "Have I seen this span?" for the last few hundred thousand spans, in fixed memory. A span
 * fed twice (the receiver's copy and an opened trace's) must not count twice, but a Map of id
 * strings costs a string hash and an entry object per span; here each id is folded into two
 * 32-bit hashes in open-addressed typed arrays. Two generations: when the young table fills,
 * it becomes the old one and the previous old one is forgotten. A false "seen" needs a 64-bit
 * collision (about 1e-9 at this size).
 */
export class RecentSpanIds {
  private young: Int32Array;
  private old: Int32Array;
  private youngCount = 0;
  private readonly mask: number;
  private readonly limit: number;

  constructor(capacity: number) {
    let slots = 1024;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.limit = capacity;
    // Two int32 per slot (hash pair); (0, 0) marks an empty slot.
    this.young = new Int32Array(slots * 2);
    this.old = new Int32Array(slots * 2);
  }

  /** Records the id and says whether it was already there. */
  checkAndAdd(traceId: string, spanId: string): boolean {
    let h1 = 0x811c9dc5 | 0;
    let h2 = 0x01000193 | 0;
    for (let i = 0; i < spanId.length; i++) {
      const c = spanId.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    // The low end of the trace id varies most (64-bit ids are left-padded with zeros).
    for (let i = Math.max(0, traceId.length - 16); i < traceId.length; i++) {
      const c = traceId.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    if (h1 === 0 && h2 === 0) h2 = 1;
    if (this.find(this.old, h1, h2) || this.find(this.young, h1, h2)) return true;
    this.insert(h1, h2);
    return false;
  }

  clear(): void {
    this.young.fill(0);
    this.old.fill(0);
    this.youngCount = 0;
  }

  private find(table: Int32Array, h1: number, h2: number): boolean {
    let slot = (h1 ^ (h2 >>> 7)) & this.mask;
    for (;;) {
      const a = table[slot * 2] as number;
      const b = table[slot * 2 + 1] as number;
      if (a === 0 && b === 0) return false;
      if (a === h1 && b === h2) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  private insert(h1: number, h2: number): void {
    if (this.youngCount >= this.limit) {
      const recycled = this.old;
      recycled.fill(0);
      this.old = this.young;
      this.young = recycled;
      this.youngCount = 0;
    }
    const table = this.young;
    let slot = (h1 ^ (h2 >>> 7)) & this.mask;
    while ((table[slot * 2] as number) !== 0 || (table[slot * 2 + 1] as number) !== 0) slot = (slot + 1) & this.mask;
    table[slot * 2] = h1;
    table[slot * 2 + 1] = h2;
    this.youngCount++;
  }
}
