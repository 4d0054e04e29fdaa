// A binary min-heap of events ordered by (time, insertion sequence): events
// at the same virtual time come out in the order they were pushed, so a run
// does not depend on heap internals (smoltcp's netsim, quinn's test pair).
// Cancelled entries stay in the heap and are skipped when they reach the top.

export interface QueueEntry<T> {
  readonly time: number;
  /** Insertion number, the tie-breaker between equal times. */
  readonly seq: number;
  readonly value: T;
  /** pending until it comes out of the queue (done) or is cancelled. */
  state: 'pending' | 'done' | 'cancelled';
}

function before<T>(a: QueueEntry<T>, b: QueueEntry<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export class EventQueue<T> {
  private heap: QueueEntry<T>[] = [];
  private nextSeq = 0;
  private live = 0;
  /** Cancelled entries still sitting in the heap. */
  private stale = 0;

  /** Events pushed and neither popped nor cancelled. */
  get size(): number {
    return this.live;
  }

  /** Add an event at a finite time; the entry can be given to cancel(). */
  push(time: number, value: T): QueueEntry<T> {
    if (!Number.isFinite(time)) throw new RangeError(`EventQueue.push: time must be finite, got ${time}`);
    const e: QueueEntry<T> = { time, seq: this.nextSeq++, value, state: 'pending' };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as QueueEntry<T>;
      if (!before(e, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = e;
    this.live += 1;
    return e;
  }

  /** Forget an event that has not come out yet. Returns whether it was still pending. */
  cancel(e: QueueEntry<T>): boolean {
    if (e.state !== 'pending') return false;
    e.state = 'cancelled';
    this.live -= 1;
    this.stale += 1;
    // Timers re-armed on every packet leave many cancelled entries: rebuild
    // the heap when they are the majority, so it does not grow without bound.
    if (this.stale > 1024 && this.stale > this.heap.length / 2) this.compact();
    return true;
  }

  /** The earliest pending event, without removing it. */
  peek(): QueueEntry<T> | undefined {
    this.dropCancelledTop();
    return this.heap[0];
  }

  /** Time of the earliest pending event, or undefined when empty. */
  peekTime(): number | undefined {
    return this.peek()?.time;
  }

  /** Remove and return the earliest pending event. */
  pop(): QueueEntry<T> | undefined {
    this.dropCancelledTop();
    const top = this.removeTop();
    if (top) {
      top.state = 'done';
      this.live -= 1;
    }
    return top;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && (this.heap[0] as QueueEntry<T>).state === 'cancelled') {
      this.removeTop();
      this.stale -= 1;
    }
  }

  private compact(): void {
    const kept = this.heap.filter((e) => e.state === 'pending');
    // Sorted by (time, seq) is a valid heap.
    kept.sort((a, b) => a.time - b.time || a.seq - b.seq);
    this.heap = kept;
    this.stale = 0;
  }

  private removeTop(): QueueEntry<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    // Sift `last` down from the root.
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(h[r] as QueueEntry<T>, h[l] as QueueEntry<T>)) c = r;
      const child = h[c] as QueueEntry<T>;
      if (!before(child, last)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
