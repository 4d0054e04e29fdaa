import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMonitorLine, parseMonitorOutput } from '../../../harness/observe/monitor.js';

// Captured from `ip -n NS mptcp monitor` (iproute2 6.1, kernel 6.18): an IPv4
// connection over lo with a `signal` endpoint 198.18.0.2 id 5 (both ends in the
// same namespace, so both announce), `endpoint change id 5 backup`, `endpoint
// delete id 5`, then an IPv6 connection over ::1.
const REAL = `[UNKNOWN 15]
[       CREATED] token=9bd1dbe9 remid=0 locid=0 saddr4=198.18.0.1 daddr4=198.18.0.1 sport=39100 dport=5000
[       CREATED] token=89158242 remid=0 locid=0 saddr4=198.18.0.1 daddr4=198.18.0.1 sport=5000 dport=39100 flags=2
[   ESTABLISHED] token=89158242 remid=0 locid=0 saddr4=198.18.0.1 daddr4=198.18.0.1 sport=5000 dport=39100 flags=2
[   ESTABLISHED] token=9bd1dbe9 remid=0 locid=0 saddr4=198.18.0.1 daddr4=198.18.0.1 sport=39100 dport=5000
[     ANNOUNCED] token=9bd1dbe9 remid=5 daddr4=198.18.0.2 dport=5000
[SF_ESTABLISHED] token=9bd1dbe9 remid=5 locid=5 saddr4=198.18.0.2 daddr4=198.18.0.2 sport=38831 dport=5000 backup=0
[SF_ESTABLISHED] token=89158242 remid=5 locid=5 saddr4=198.18.0.2 daddr4=198.18.0.2 sport=5000 dport=38831 backup=0
[     ANNOUNCED] token=89158242 remid=5 daddr4=198.18.0.2 dport=39100
[       SF_PRIO] token=9bd1dbe9 remid=5 locid=5 saddr4=198.18.0.2 daddr4=198.18.0.2 sport=38831 dport=5000 backup=1
[       SF_PRIO] token=89158242 remid=5 locid=5 saddr4=198.18.0.2 daddr4=198.18.0.2 sport=5000 dport=38831 backup=1
[       REMOVED] token=9bd1dbe9 remid=5
[     SF_CLOSED] token=89158242 remid=5 locid=5 saddr4=198.18.0.2 daddr4=198.18.0.2 sport=5000 dport=38831 backup=1
[       REMOVED] token=89158242 remid=5
[     SF_CLOSED] token=9bd1dbe9 remid=5 locid=5 saddr4=198.18.0.2 daddr4=198.18.0.2 sport=38831 dport=5000 backup=1
[        CLOSED] token=9bd1dbe9
[        CLOSED] token=89158242
[UNKNOWN 16]
[UNKNOWN 15]
[       CREATED] token=ca6d82da remid=0 locid=0 saddr6=::1 daddr6=::1 sport=47580 dport=5001
[       CREATED] token=e8277af8 remid=0 locid=0 saddr6=::1 daddr6=::1 sport=5001 dport=47580 flags=2
[   ESTABLISHED] token=e8277af8 remid=0 locid=0 saddr6=::1 daddr6=::1 sport=5001 dport=47580 flags=2
[   ESTABLISHED] token=ca6d82da remid=0 locid=0 saddr6=::1 daddr6=::1 sport=47580 dport=5001
[        CLOSED] token=ca6d82da
[        CLOSED] token=e8277af8
[UNKNOWN 16]
`;

test('real capture: kinds in order', () => {
  const events = parseMonitorOutput(REAL);
  assert.deepEqual(
    events.map((e) => e.type),
    [
      'LISTENER_CREATED',
      'CREATED',
      'CREATED',
      'ESTABLISHED',
      'ESTABLISHED',
      'ANNOUNCED',
      'SF_ESTABLISHED',
      'SF_ESTABLISHED',
      'ANNOUNCED',
      'SF_PRIORITY',
      'SF_PRIORITY',
      'REMOVED',
      'SF_CLOSED',
      'REMOVED',
      'SF_CLOSED',
      'CLOSED',
      'CLOSED',
      'LISTENER_CLOSED',
      'LISTENER_CREATED',
      'CREATED',
      'CREATED',
      'ESTABLISHED',
      'ESTABLISHED',
      'CLOSED',
      'CLOSED',
      'LISTENER_CLOSED',
    ],
  );
});

test('real capture: attributes', () => {
  const events = parseMonitorOutput(REAL);
  assert.deepEqual(events[0], { type: 'LISTENER_CREATED', atMs: 0, rawKind: 15 });
  assert.deepEqual(events[2], {
    type: 'CREATED',
    atMs: 0,
    token: 0x89158242,
    remId: 0,
    locId: 0,
    family: 4,
    saddr: '198.18.0.1',
    daddr: '198.18.0.1',
    sport: 5000,
    dport: 39100,
    serverSide: true,
  });
  assert.equal(events[1]?.serverSide, undefined);
  assert.deepEqual(events[5], { type: 'ANNOUNCED', atMs: 0, token: 0x9bd1dbe9, remId: 5, family: 4, daddr: '198.18.0.2', dport: 5000 });
  assert.equal(events[6]?.backup, false);
  assert.equal(events[9]?.backup, true);
  assert.deepEqual(events[15], { type: 'CLOSED', atMs: 0, token: 0x9bd1dbe9 });
  assert.equal(events[17]?.rawKind, 16);
  assert.equal(events[19]?.family, 6);
  assert.equal(events[19]?.saddr, '::1');
});

test('newer iproute2 format (width 16, bare words, 0x flags)', () => {
  assert.deepEqual(parseMonitorLine('[LISTENER_CREATED] saddr4=0.0.0.0 sport=5000', 12.5), {
    type: 'LISTENER_CREATED',
    atMs: 12.5,
    family: 4,
    saddr: '0.0.0.0',
    sport: 5000,
  });
  const created = parseMonitorLine(
    '[         CREATED] token=0000002a remid=0 locid=0 saddr4=198.18.0.1 daddr4=198.18.0.2 sport=5000 dport=40000 server_side deny_join_id0',
  );
  assert.equal(created?.token, 42);
  assert.equal(created?.serverSide, true);
  assert.equal(parseMonitorLine('[     ESTABLISHED] token=1a2b3c4d flags=0x2')?.serverSide, true);
  assert.equal(parseMonitorLine('[     ESTABLISHED] token=1a2b3c4d flags=0x1')?.serverSide, undefined);
});

test('reset, error and ifindex attributes', () => {
  const ev = parseMonitorLine(
    '[       SF_CLOSED] token=1a2b3c4d remid=1 locid=2 saddr6=2001:db8::1 daddr6=2001:db8::2 sport=1 dport=2 backup=0 error=111 ifindex=3 reset_reason=1 reset_flags=0x4',
  );
  assert.deepEqual(ev, {
    type: 'SF_CLOSED',
    atMs: 0,
    token: 0x1a2b3c4d,
    remId: 1,
    locId: 2,
    family: 6,
    saddr: '2001:db8::1',
    daddr: '2001:db8::2',
    sport: 1,
    dport: 2,
    backup: false,
    error: 111,
    ifindex: 3,
    resetReason: 1,
    resetFlags: 4,
  });
});

test('garbage never throws', () => {
  assert.equal(parseMonitorLine('   '), null);
  assert.deepEqual(parseMonitorLine('Timestamp: Mon Jan 1 2024', 3), { type: 'UNKNOWN', atMs: 3 });
  assert.deepEqual(parseMonitorLine('[UNKNOWN 99]'), { type: 'UNKNOWN', atMs: 0, rawKind: 99 });
  assert.deepEqual(parseMonitorLine('[UNKNOWN x]'), { type: 'UNKNOWN', atMs: 0 });
  assert.deepEqual(parseMonitorLine('[   SOMETHING_NEW] token=zz sport=abc'), { type: 'UNKNOWN', atMs: 0 });
  assert.deepEqual(parseMonitorLine('[unterminated token=1'), { type: 'UNKNOWN', atMs: 0 });
});
