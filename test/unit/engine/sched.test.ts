// The scheduler's choice, against the rule written out the long way (filters): selectSend runs
// allocation-free in one pass, and must pick the same subflow for every mix of states.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectRetransmit, selectSend, type SchedCandidate } from '../../../engine/sched.js';

type C = SchedCandidate & { readonly n: number };

/** mptcp_subflow_get_send as the rule reads: non-backup active subflows if any, else all active; lowest SRTT with room. */
function reference(subflows: readonly C[]): C | undefined {
  const active = subflows.filter((s) => s.active);
  const nonBackup = active.filter((s) => !s.backup);
  const pool = nonBackup.length > 0 ? nonBackup : active;
  let best: C | undefined;
  for (const s of pool) {
    if (s.sendSpace <= 0) continue;
    if (best === undefined || (s.srttMs ?? 0) < (best.srttMs ?? 0)) best = s;
  }
  return best;
}

test('selectSend picks what the rule picks, over every small mix of active, backup, room and SRTT', () => {
  let x = 12345;
  const rand = (k: number): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x % k);
  let checked = 0;
  for (let round = 0; round < 5000; round++) {
    const subflows: C[] = Array.from({ length: rand(5) }, (_, n) => ({
      n,
      active: rand(4) !== 0,
      backup: rand(3) === 0,
      srttMs: rand(5) === 0 ? undefined : rand(4) * 10,
      sendSpace: rand(3) === 0 ? 0 : 1000,
      unacked: 0,
    }));
    assert.equal(selectSend(subflows)?.n, reference(subflows)?.n, JSON.stringify(subflows));
    checked += 1;
  }
  assert.equal(checked, 5000);
});

test('selectSend: an active non-backup subflow without room keeps the backups out; selectRetransmit prefers non-backup', () => {
  const full: C = { n: 0, active: true, backup: false, srttMs: 10, sendSpace: 0, unacked: 5 };
  const backup: C = { n: 1, active: true, backup: true, srttMs: 1, sendSpace: 1000, unacked: 0 };
  assert.equal(selectSend([full, backup]), undefined);
  assert.equal(selectSend([{ ...full, active: false }, backup])?.n, 1);
  assert.equal(selectRetransmit([backup, { ...full, unacked: 0 }])?.n, 0);
  assert.equal(selectRetransmit([backup, full], false), undefined);
});
