import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventQueue } from '../../../../engine/sim/event-queue.js';

function drain<T>(q: EventQueue<T>): T[] {
  const out: T[] = [];
  for (let e = q.pop(); e; e = q.pop()) out.push(e.value);
  return out;
}

describe('EventQueue', () => {
  test('earliest time first; equal times in insertion order', () => {
    const q = new EventQueue<string>();
    q.push(5, 'e');
    q.push(1, 'a');
    q.push(3, 'c1');
    q.push(3, 'c2');
    q.push(1, 'b');
    q.push(3, 'c3');
    assert.equal(q.size, 6);
    assert.equal(q.peekTime(), 1);
    assert.deepEqual(drain(q), ['a', 'b', 'c1', 'c2', 'c3', 'e']);
    assert.equal(q.size, 0);
    assert.equal(q.pop(), undefined);
    assert.equal(q.peekTime(), undefined);
  });

  test('cancel removes an event; cancelling twice or after it came out does nothing', () => {
    const q = new EventQueue<string>();
    const a = q.push(1, 'a');
    const b = q.push(2, 'b');
    q.push(3, 'c');
    assert.equal(q.cancel(a), true);
    assert.equal(q.cancel(a), false);
    assert.equal(q.size, 2);
    assert.equal(q.peekTime(), 2);
    assert.equal(q.pop()?.value, 'b');
    assert.equal(b.state, 'done');
    assert.equal(q.cancel(b), false);
    assert.equal(q.size, 1);
    assert.deepEqual(drain(q), ['c']);
  });

  test('times must be finite', () => {
    const q = new EventQueue<number>();
    assert.throws(() => q.push(Number.NaN, 1), /finite/);
    assert.throws(() => q.push(Infinity, 1), /finite/);
  });

  test('property: pops come out as a stable sort by time, whatever was cancelled', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 300 }), (items) => {
        const q = new EventQueue<number>();
        const entries = items.map(([t], i) => q.push(t, i));
        items.forEach(([, cancel], i) => {
          if (cancel) q.cancel(entries[i]!);
        });
        const expected = items
          .map(([t, cancel], i) => ({ t, i, cancel }))
          .filter((x) => !x.cancel)
          .sort((x, y) => x.t - y.t || x.i - y.i)
          .map((x) => x.i);
        assert.equal(q.size, expected.length);
        assert.deepEqual(drain(q), expected);
      }),
    );
  });

  test('many cancelled timers: the heap is rebuilt and order still holds', () => {
    const q = new EventQueue<number>();
    const keep: number[] = [];
    for (let i = 0; i < 10_000; i += 1) {
      const e = q.push((i * 7919) % 1000, i);
      if (i % 10 === 0) keep.push(i);
      else q.cancel(e);
    }
    assert.equal(q.size, keep.length);
    const out = drain(q);
    const expected = keep.slice().sort((a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000) || a - b);
    assert.deepEqual(out, expected);
  });
});
