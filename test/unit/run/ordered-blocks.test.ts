// Reporting target by target in --kernel order whatever order they finish in.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrderedBlocks } from '../../../harness/run/ordered-blocks.js';

describe('OrderedBlocks', () => {
  test('streams the first block, holds later ones until the blocks before them close', () => {
    const out: string[] = [];
    const b = new OrderedBlocks<string>(
      3,
      (x) => out.push(x),
      (i) => [`end ${i}`],
    );
    b.add(2, 'c1');
    b.add(0, 'a1');
    b.add(1, 'b1');
    assert.deepEqual(out, ['a1'], 'block 0 streams, 1 and 2 wait');
    b.finish(2);
    b.add(0, 'a2');
    assert.deepEqual(out, ['a1', 'a2']);
    b.finish(0);
    assert.deepEqual(out, ['a1', 'a2', 'end 0', 'b1'], 'block 1 now streams what it had');
    assert.equal(b.complete, false);
    b.finish(1);
    assert.deepEqual(out, ['a1', 'a2', 'end 0', 'b1', 'end 1', 'c1', 'end 2']);
    assert.equal(b.complete, true);
  });

  test('a tail that cannot be made yet holds its block until it can', () => {
    const out: string[] = [];
    let refDone = false;
    const b = new OrderedBlocks<string>(
      2,
      (x) => out.push(x),
      (i) => (i === 0 && !refDone ? undefined : [`tail ${i}`]),
    );
    b.add(0, 'vm');
    b.finish(0);
    b.add(1, 'host');
    assert.deepEqual(out, ['vm'], 'block 0 is done but its comparison waits for the reference (block 1)');
    refDone = true;
    b.finish(1);
    assert.deepEqual(out, ['vm', 'tail 0', 'host', 'tail 1']);
  });
});
