// A binary min-heap of events ordered by (time, insertion sequence): events
// at the same virtual time come out in the order they were pushed, so a run
// does not depend on heap internals (smoltcp's netsim, quinn's test pair).
// Cancelled entries stay in the heap and are skipped when they reach the top.
// A pending entry can be moved to another time (reschedule): it then comes
// out exactly where a cancel and a new push would have put it, without the
// new entry and the cancelled one left behind (a host's timer moves on most
// packets).

export interface QueueEntry<T> {
  /** Changed only by reschedule(). */
  readonly time: number;
  /** Insertion number, the tie-breaker between equal times (a reschedule takes a new one, as a push does). */
  readonly seq: number;
  readonly value: T;
  /** pending until it comes out of the queue (done) or is cancelled. */
  state: 'pending' | 'done' | 'cancelled';
}

/** An entry as the heap keeps it: where it sits, so that reschedule() can move it. */
interface HeapEntry<T> extends QueueEntry<T> {
  time: number;
  seq: number;
  index: number;
}

function before<T>(a: QueueEntry<T>, b: QueueEntry<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export class EventQueue<T> {
  private heap: HeapEntry<T>[] = [];
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
    const e: HeapEntry<T> = { time, seq: this.nextSeq++, value, state: 'pending', index: this.heap.length };
    this.heap.push(e);
    this.siftUp(e);
    this.live += 1;
    return e;
  }

  /**
   * Move a pending entry to `time`: it comes out as a cancel() and a push(time) of its value would
   * have it (after the entries already at that time). Returns whether it was still pending.
   */
  reschedule(entry: QueueEntry<T>, time: number): boolean {
    if (!Number.isFinite(time)) throw new RangeError(`EventQueue.reschedule: time must be finite, got ${time}`);
    const e = entry as HeapEntry<T>;
    if (e.state !== 'pending' || this.heap[e.index] !== e) return false;
    const earlier = time < e.time;
    e.time = time;
    e.seq = this.nextSeq++;
    if (earlier) this.siftUp(e);
    else this.siftDown(e);
    return true;
  }

  /** Move `e` up from its place to where it belongs. */
  private siftUp(e: HeapEntry<T>): void {
    const h = this.heap;
    let i = e.index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as HeapEntry<T>;
      if (!before(e, p)) break;
      h[i] = p;
      p.index = i;
      i = parent;
    }
    h[i] = e;
    e.index = i;
  }

  /** Move `e` down from its place to where it belongs. */
  private siftDown(e: HeapEntry<T>): void {
    const h = this.heap;
    const n = h.length;
    let i = e.index;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(h[r] as HeapEntry<T>, h[l] as HeapEntry<T>)) c = r;
      const child = h[c] as HeapEntry<T>;
      if (!before(child, e)) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = e;
    e.index = i;
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
    for (let i = 0; i < kept.length; i++) (kept[i] as HeapEntry<T>).index = i;
    this.heap = kept;
    this.stale = 0;
  }

  private removeTop(): QueueEntry<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined) return top;
    top.index = -1;
    if (h.length === 0) return top;
    // Sift `last` down from the root.
    last.index = 0;
    this.siftDown(last);
    return top;
  }
}
