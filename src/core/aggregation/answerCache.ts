import type { KeyAggregate } from './keyAggregate';

/**
 * One answer and what it was computed from; it holds while none of these moved. Updated in
 * place when the query is answered again: a CodeLens pass should allocate little but its answers.
 */
export interface CachedAnswer<T> {
  generation: number;
  membership: number;
  keys: readonly KeyAggregate[];
  /**
   * The keys' versions added up. Every version only grows and the membership stamp pins the set
   * of keys, so the sum changes exactly when one of them does.
   */
  versionSum: number;
  value: T | undefined;
}

/**
 * Answers of one kind. Function queries are kept by file, then by the name asked for, because a
 * CodeLens pass asks one per function of a file and should not build a key string per call.
 */
export class AnswerCache<T> {
  private readonly byKey = new Map<string, CachedAnswer<T>>();
  private readonly byFunction = new Map<string, Map<string, CachedAnswer<T>>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): CachedAnswer<T> | undefined {
    return this.byKey.get(key);
  }

  set(key: string, answer: CachedAnswer<T>): void {
    this.byKey.set(key, answer);
    this.count++;
  }

  getFunction(file: string, functionName: string): CachedAnswer<T> | undefined {
    return this.byFunction.get(file)?.get(functionName);
  }

  setFunction(file: string, functionName: string, answer: CachedAnswer<T>): void {
    let byName = this.byFunction.get(file);
    if (byName === undefined) this.byFunction.set(file, (byName = new Map<string, CachedAnswer<T>>()));
    byName.set(functionName, answer);
    this.count++;
  }

  clear(): void {
    this.byKey.clear();
    this.byFunction.clear();
    this.count = 0;
  }
}
