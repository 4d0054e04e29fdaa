import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterDelta, filterCounters, isRelevantCounter, parseNstatJson } from '../../../harness/observe/nstat.js';

// Trimmed from `ip netns exec NS nstat -asz --json` (iproute2 6.1, kernel 6.18).
const REAL =
  '{"kernel":{"IpInReceives":2,"IpInHdrErrors":0,"TcpActiveOpens":0,"TcpRetransSegs":0,' +
  '"TcpExtSyncookiesSent":0,"TcpExtTCPDelivered":0,"MPTcpExtMPCapableSYNRX":0,"MPTcpExtMPJoinSynRx":0,' +
  '"MPTcpExtAddAddr":0,"UdpOutDatagrams":2}}\n';

test('parses the kernel-object layout', () => {
  const c = parseNstatJson(REAL);
  assert.equal(c.IpInReceives, 2);
  assert.equal(c.MPTcpExtMPJoinSynRx, 0);
  assert.equal(Object.keys(c).length, 10);
});

test('parses a flat layout and ignores non-numbers', () => {
  const c = parseNstatJson('{"TcpActiveOpens":3,"MPTcpExtAddAddr":"4","note":"x","nested":{"a":1}}');
  assert.deepEqual(c, { TcpActiveOpens: 3, MPTcpExtAddAddr: 4 });
});

test('rejects non-object JSON', () => {
  assert.throws(() => parseNstatJson('[1,2]'), /expected a JSON object/);
  assert.deepEqual(parseNstatJson(''), {});
});

test('delta: after - before, missing counts as 0', () => {
  const d = counterDelta({ A: 5, B: 2 }, { A: 8, C: 4 });
  assert.deepEqual(d, { A: 3, B: -2, C: 4 });
});

test('filter keeps MPTcpExt* and the named TCP counters only', () => {
  const f = filterCounters(parseNstatJson(REAL));
  assert.deepEqual(Object.keys(f).sort(), [
    'MPTcpExtAddAddr',
    'MPTcpExtMPCapableSYNRX',
    'MPTcpExtMPJoinSynRx',
    'TcpActiveOpens',
    'TcpExtSyncookiesSent',
    'TcpRetransSegs',
  ]);
  assert.equal(isRelevantCounter('TcpExtTCPDelivered'), false);
  assert.equal(isRelevantCounter('TcpExtTCPTimeouts'), true);
});
