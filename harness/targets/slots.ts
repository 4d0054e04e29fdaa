// The run's job slots (--jobs): every target takes its jobs from one
// shared Slots, so host labs and booted kernels never exceed --jobs together.

/**
 * A FIFO counting semaphore: at most `size` jobs at once, granted in the
 * order they asked (so a kernel queued behind host labs is not starved).
 */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots: expected an integer >= 1, got ${size}`);
    this.free = size;
  }

  /** Jobs running now. */
  get busy(): number {
    return this.size - this.free;
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so nobody can jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await job();
    } finally {
      release();
    }
  }
}
