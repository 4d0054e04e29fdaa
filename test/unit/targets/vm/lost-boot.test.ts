// When a guest batch boots a second time: only a TCG guest that crashed or
// hung before the run's command started (nothing of the labs ran).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crashedWhileBootingUnderTcg } from '../../../../harness/targets/vm/run-labs.js';

const oops = ['Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\nRIP: 0010:sched_clock_cpu+0x9/0x190'];

test('a TCG guest that oopsed or hung before the command started boots again', () => {
  assert.equal(crashedWhileBootingUnderTcg({ accel: 'tcg', guestBootMs: undefined, trouble: oops, timedOut: false }), true);
  assert.equal(crashedWhileBootingUnderTcg({ accel: 'tcg', guestBootMs: undefined, trouble: [], timedOut: true }), true);
});

test('a crash during the labs, under KVM, or a boot without trouble is not booted again', () => {
  assert.equal(crashedWhileBootingUnderTcg({ accel: 'tcg', guestBootMs: 2100, trouble: oops, timedOut: false }), false);
  assert.equal(crashedWhileBootingUnderTcg({ accel: 'kvm', guestBootMs: undefined, trouble: oops, timedOut: false }), false);
  assert.equal(crashedWhileBootingUnderTcg({ accel: 'tcg', guestBootMs: undefined, trouble: [], timedOut: false }), false);
});
