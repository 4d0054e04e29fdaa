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

  test('reschedule moves an entry where a cancel and a new push would put it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 }), fc.nat()), {
          minLength: 1,
          maxLength: 200,
          size: 'large',
        }),
        (ops) => {
          // The same operations on two queues: one moves entries, the other cancels and pushes anew.
          const moved = new EventQueue<number>();
          const pushed = new EventQueue<number>();
          const m: ReturnType<EventQueue<number>['push']>[] = [];
          const p: ReturnType<EventQueue<number>['push']>[] = [];
          const order: [number[], number[]] = [[], []];
          let id = 0;
          for (const [op, time, pick] of ops) {
            if (op === 0 || m.length === 0) {
              m.push(moved.push(time, id));
              p.push(pushed.push(time, id));
              id += 1;
            } else if (op === 1) {
              const i = pick % m.length;
              const ok = moved.reschedule(m[i]!, time);
              assert.equal(ok, pushed.cancel(p[i]!));
              if (ok) p[i] = pushed.push(time, p[i]!.value);
            } else if (op === 2) {
              const i = pick % m.length;
              assert.equal(moved.cancel(m[i]!), pushed.cancel(p[i]!));
            } else {
              // Keep the two queues' insertion counters in step: a pop on each.
              order[0].push(moved.pop()?.value ?? -1);
              order[1].push(pushed.pop()?.value ?? -1);
            }
          }
          assert.equal(moved.size, pushed.size);
          assert.deepEqual([...order[0], ...drain(moved)], [...order[1], ...drain(pushed)]);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('reschedule of an entry that came out or was cancelled does nothing', () => {
    const q = new EventQueue<string>();
    const a = q.push(1, 'a');
    const b = q.push(2, 'b');
    q.cancel(b);
    assert.equal(q.pop(), a);
    assert.equal(q.reschedule(a, 5), false);
    assert.equal(q.reschedule(b, 5), false);
    assert.equal(q.size, 0);
    assert.throws(() => q.reschedule(q.push(1, 'c'), Number.NaN), RangeError);
  });
});
