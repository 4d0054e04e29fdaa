// The /proc MIB reader against text of this kernel's files (6.18, trimmed to a
// few fields per table but in the files' own layout), named as nstat names them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNameValueLines, parseTwoLineTables } from '../../../harness/observe/nstat.js';
import { parseProcNetDev } from '../../../harness/observe/links.js';

const SNMP = [
  'Ip: Forwarding DefaultTTL InReceives InHdrErrors',
  'Ip: 2 64 17 0',
  'IcmpMsg: InType3 OutType3',
  'IcmpMsg: 2 2',
  'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens CurrEstab InSegs',
  'Tcp: 1 200 120000 -1 3 2 1 41',
  'Udp: InDatagrams NoPorts',
  'Udp: 5 0',
  '',
].join('\n');

const NETSTAT = [
  'TcpExt: SyncookiesSent TCPSynRetrans TCPOrigDataSent',
  'TcpExt: 0 1 700',
  'MPTcpExt: MPCapableSYNRX MPJoinSynRx AddAddr',
  'MPTcpExt: 1 2 1',
  '',
].join('\n');

const SNMP6 = [
  'Ip6InReceives                   \t12',
  'Ip6OutRequests                  \t4',
  'Icmp6InMsgs                     \t0',
  '',
].join('\n');

test('two-line tables: Proto + field, nstat names', () => {
  const c = parseTwoLineTables(NETSTAT);
  assert.deepEqual(c, {
    TcpExtSyncookiesSent: 0,
    TcpExtTCPSynRetrans: 1,
    TcpExtTCPOrigDataSent: 700,
    MPTcpExtMPCapableSYNRX: 1,
    MPTcpExtMPJoinSynRx: 2,
    MPTcpExtAddAddr: 1,
  });
});

test('snmp: settings and gauges nstat leaves out are left out, IcmpMsg kept', () => {
  const c = parseTwoLineTables(SNMP);
  for (const gone of ['IpForwarding', 'IpDefaultTTL', 'TcpRtoAlgorithm', 'TcpRtoMin', 'TcpRtoMax', 'TcpMaxConn', 'TcpCurrEstab']) {
    assert.equal(gone in c, false, gone);
  }
  assert.deepEqual(c, {
    IpInReceives: 17,
    IpInHdrErrors: 0,
    IcmpMsgInType3: 2,
    IcmpMsgOutType3: 2,
    TcpActiveOpens: 3,
    TcpPassiveOpens: 2,
    TcpInSegs: 41,
    UdpInDatagrams: 5,
    UdpNoPorts: 0,
  });
});

test('snmp6: names as they are, tabs and padding ignored', () => {
  assert.deepEqual(parseNameValueLines(SNMP6), { Ip6InReceives: 12, Ip6OutRequests: 4, Icmp6InMsgs: 0 });
});

test('a names line without its values line is an error', () => {
  assert.throws(() => parseTwoLineTables('TcpExt: A B\nMPTcpExt: C\nMPTcpExt: 1\n'), /TcpExt:/);
});

const DEV = [
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  '    lo:     284       2    0    0    0     0          0         0      284       2    0    0    0     0       0          0',
  '    c1: 1058220     648    0    0    0     0          0         0    29652     380    0    0    0     0       0          0',
  '',
].join('\n');

test('/proc/net/dev: receive and transmit bytes and packets per interface', () => {
  const s = parseProcNetDev(DEV, (name) => (name === 'lo' ? 1 : 7));
  assert.deepEqual(s, {
    lo: { ifindex: 1, rxBytes: 284, rxPackets: 2, txBytes: 284, txPackets: 2 },
    c1: { ifindex: 7, rxBytes: 1058220, rxPackets: 648, txBytes: 29652, txPackets: 380 },
  });
  assert.throws(() => parseProcNetDev(`${DEV}   bad: 1 2 3\n`), /cannot read/);
});
