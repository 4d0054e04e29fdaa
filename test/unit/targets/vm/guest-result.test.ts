// A guest's result as the host reports it: its log and the pcaps that came
// back named where the host wrote them, the guest's own paths never; what the
// run inside computed from its captures (the explanation) kept as it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GUEST_RESULTS, onTheHost } from '../../../../harness/targets/vm/run-labs.js';
import { labResult } from '../../report/fixture.js';

const inGuest = (f: string): string => `${GUEST_RESULTS}/${f}`;

test('a guest result names the host files that came back, and keeps its explanation', () => {
  const r = labResult({
    lab: 'x',
    status: 'fail',
    log: inGuest('labs/x.r2/log.txt'),
    pcaps: [inGuest('labs/x.r2/l1.pcap'), inGuest('labs/x.r2/l2.pcap')],
    explanation: ['connection 1 upload: bytes 14200–14575 misplaced'],
  });
  const back = onTheHost(r, '/res/kernels/debian_6.12', new Map([['labs/x.r2/log.txt', 'log']]), new Set(['labs/x.r2/l1.pcap']));
  assert.equal(back.log, '/res/kernels/debian_6.12/labs/x.r2/log.txt');
  // l2.pcap did not come back (cut at the cap to nothing): not named.
  assert.deepEqual(back.pcaps, ['/res/kernels/debian_6.12/labs/x.r2/l1.pcap']);
  assert.deepEqual(back.explanation, r.explanation);
});

test('without a results folder, or with nothing back, the guest paths are dropped', () => {
  const r = labResult({ lab: 'x', status: 'pass', log: inGuest('labs/x/log.txt'), pcaps: [inGuest('labs/x/l1.pcap')] });
  const none = onTheHost(r, undefined, new Map([['labs/x/log.txt', '']]), new Set(['labs/x/l1.pcap']));
  assert.equal('log' in none, false);
  assert.equal('pcaps' in none, false);
  const nothingBack = onTheHost(r, '/res/kernels/k', new Map(), new Set());
  assert.equal('log' in nothingBack, false);
  assert.equal('pcaps' in nothingBack, false);
});
