// The run's shared job slots: FIFO, a failing job gives its slot back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Slots } from '../../../harness/targets/slots.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Slots', () => {
  test('at most size jobs at once, granted first come first served', async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const job = (name: string) =>
      slots.run(
        () =>
          new Promise<void>((resolve) => {
            order.push(`start ${name}`);
            gates.set(name, () => {
              order.push(`end ${name}`);
              resolve();
            });
          }),
      );
    const all = ['a', 'b', 'c', 'd'].map(job);
    await tick();
    assert.deepEqual(order, ['start a', 'start b']);
    assert.equal(slots.busy, 2);
    gates.get('b')!();
    await tick();
    await tick();
    assert.deepEqual(order, ['start a', 'start b', 'end b', 'start c'], 'c asked before d, so c gets the slot b freed');
    gates.get('a')!();
    await tick();
    await tick();
    assert.deepEqual(order.slice(-2), ['end a', 'start d']);
    gates.get('c')!();
    gates.get('d')!();
    await Promise.all(all);
    assert.equal(slots.busy, 0);
  });

  test('a failing job gives its slot back; a release is counted once', async () => {
    const slots = new Slots(1);
    await assert.rejects(
      slots.run(() => Promise.reject(new Error('boom'))),
      /boom/,
    );
    const release = await slots.acquire();
    release();
    release();
    assert.equal(slots.busy, 0);
    assert.throws(() => new Slots(0), /integer >= 1/);
  });
});
