// Results reported in block order (a block per target of --kernel) whatever
// order the targets finish in.

/**
 * Writes items block by block in block order: the current block streams as
 * its items arrive; later blocks wait (buffered) until every block before
 * them is closed. A finished block closes with its tail items, which may
 * have to wait too (`tail` answers undefined until they can be made).
 */
export class OrderedBlocks<T> {
  private readonly items: T[][];
  private readonly done: boolean[];
  private current = 0;
  private written = 0;

  constructor(
    count: number,
    private readonly emit: (item: T) => void,
    private readonly tail: (block: number) => readonly T[] | undefined,
  ) {
    this.items = Array.from({ length: count }, () => []);
    this.done = Array.from({ length: count }, () => false);
  }

  add(block: number, item: T): void {
    this.items[block]!.push(item);
    this.pump();
  }

  finish(block: number): void {
    this.done[block] = true;
    this.pump();
  }

  isDone(block: number): boolean {
    return this.done[block] === true;
  }

  /** Every block written, tails included. */
  get complete(): boolean {
    return this.current === this.items.length;
  }

  private pump(): void {
    while (this.current < this.items.length) {
      const block = this.items[this.current]!;
      while (this.written < block.length) this.emit(block[this.written++]!);
      if (!this.done[this.current]) return;
      const tail = this.tail(this.current);
      if (tail === undefined) return;
      for (const item of tail) this.emit(item);
      this.current += 1;
      this.written = 0;
    }
  }
}
