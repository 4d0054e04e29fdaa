// Results of one target in the order of the selection, whatever order its
// labs finish in: with --jobs above 1 a short lab overtakes a long one, and
// the TAP stream, results.json and merged reports must not depend on that.

/** The key of one (lab, repeat) group of results. */
export function labKey(lab: string, repeat: number): string {
  return `${lab}\u0000${repeat}`;
}

/**
 * Releases groups of items in the order of `keys`: a group that arrives early
 * waits until every group before it was released. `flush` releases what is
 * left in order (a group that never came is skipped).
 */
export class InSelectionOrder<T> {
  private readonly waiting = new Map<string, readonly T[]>();
  private next = 0;

  constructor(
    private readonly keys: readonly string[],
    private readonly release: (items: readonly T[]) => void,
  ) {}

  add(key: string, items: readonly T[]): void {
    // A key outside the selection (or a second group for one) is not held back.
    if (!this.keys.includes(key) || this.waiting.has(key) || this.keys.indexOf(key) < this.next) return this.release(items);
    this.waiting.set(key, items);
    this.pump();
  }

  flush(): void {
    for (; this.next < this.keys.length; this.next += 1) this.take(this.keys[this.next]!);
  }

  private pump(): void {
    while (this.next < this.keys.length && this.waiting.has(this.keys[this.next]!)) {
      this.take(this.keys[this.next]!);
      this.next += 1;
    }
  }

  private take(key: string): void {
    const items = this.waiting.get(key);
    if (items === undefined) return;
    this.waiting.delete(key);
    this.release(items);
  }
}
