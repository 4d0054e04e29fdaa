import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InSelectionOrder, labKey } from '../../../harness/run/lab-order.js';

const keys = [labKey('a', 0), labKey('b', 0), labKey('c', 0)];

test('groups that finish out of order are released in selection order', () => {
  const out: string[] = [];
  const order = new InSelectionOrder<string>(keys, (items) => out.push(...items));
  order.add(labKey('b', 0), ['b-kernel', 'b-engine']);
  order.add(labKey('c', 0), ['c-kernel']);
  assert.deepEqual(out, [], 'b and c wait for a');
  order.add(labKey('a', 0), ['a-kernel']);
  assert.deepEqual(out, ['a-kernel', 'b-kernel', 'b-engine', 'c-kernel']);
});

test('flush releases what came, in order, skipping groups that never came', () => {
  const out: string[] = [];
  const order = new InSelectionOrder<string>(keys, (items) => out.push(...items));
  order.add(labKey('c', 0), ['c']);
  order.add(labKey('b', 0), ['b']);
  order.flush();
  assert.deepEqual(out, ['b', 'c']);
});

test('a group outside the selection, or a second one for a key, is released at once', () => {
  const out: string[] = [];
  const order = new InSelectionOrder<string>(keys, (items) => out.push(...items));
  order.add(labKey('z', 0), ['z']);
  order.add(labKey('a', 0), ['a1']);
  order.add(labKey('a', 0), ['a2']);
  assert.deepEqual(out, ['z', 'a1', 'a2']);
});

test('repeats of one lab are separate groups', () => {
  const out: string[] = [];
  const order = new InSelectionOrder<string>([labKey('a', 0), labKey('a', 1)], (items) => out.push(...items));
  order.add(labKey('a', 1), ['a#1']);
  order.add(labKey('a', 0), ['a#0']);
  assert.deepEqual(out, ['a#0', 'a#1']);
});
