// Netlink messages of MPTCP events, built byte by byte as the kernel sends
// them (mptcp_event_* in net/mptcp/pm_netlink.c), rendered as iproute2 6.1's
// `ip mptcp monitor` prints them and parsed into the same PmEvent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTR, eventMessages as parseMessages, ipv6, monitorLine } from '../../../harness/observe/pm-netlink.js';
import { parseMonitorLine } from '../../../harness/observe/monitor.js';

const FAMILY = 0x1c;

function attr(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc((4 + value.length + 3) & ~3);
  out.writeUInt16LE(4 + value.length, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}
const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => Buffer.from(Uint16Array.of(n).buffer);
const be16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer);
const v4 = (s: string) => Buffer.from(s.split('.').map(Number));

function message(cmd: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat(attrs);
  const msg = Buffer.alloc(20 + body.length);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(FAMILY, 4);
  msg.writeUInt8(cmd, 16);
  msg.writeUInt8(1, 17);
  body.copy(msg, 20);
  return msg;
}

const CREATED_SERVER = message(1, [
  attr(ATTR.TOKEN, u32(0x89158242)),
  attr(ATTR.FAMILY, u16(2)),
  attr(ATTR.SADDR4, v4('198.18.0.1')),
  attr(ATTR.DADDR4, v4('198.18.0.2')),
  attr(ATTR.SPORT, be16(5000)),
  attr(ATTR.DPORT, be16(39100)),
  attr(ATTR.SERVER_SIDE, u8(1)),
  attr(ATTR.FLAGS, u16(2)),
  attr(ATTR.LOC_ID, u8(0)),
  attr(ATTR.REM_ID, u8(0)),
]);

test('a server-side CREATED prints as iproute2 6.1 prints it', () => {
  const [m] = parseMessages(CREATED_SERVER);
  assert.equal(m?.type, FAMILY);
  assert.equal(
    monitorLine(m!.cmd, m!.attrs),
    '[       CREATED] token=89158242 remid=0 locid=0 saddr4=198.18.0.1 daddr4=198.18.0.2 sport=5000 dport=39100 flags=2',
  );
  assert.deepEqual(parseMonitorLine(monitorLine(m!.cmd, m!.attrs), 5), {
    type: 'CREATED',
    atMs: 5,
    token: 0x89158242,
    remId: 0,
    locId: 0,
    saddr: '198.18.0.1',
    family: 4,
    daddr: '198.18.0.2',
    sport: 5000,
    dport: 39100,
    serverSide: true,
  });
});

test('SF_PRIORITY, SF_CLOSED with reset, LISTENER_* as iproute2 6.1 shows them', () => {
  const datagram = Buffer.concat([
    message(13, [attr(ATTR.TOKEN, u32(0x9bd1dbe9)), attr(ATTR.BACKUP, u8(1)), attr(ATTR.IF_IDX, u32(3))]),
    message(11, [attr(ATTR.TOKEN, u32(1)), attr(ATTR.ERROR, u8(104)), attr(ATTR.RESET_REASON, u32(1)), attr(ATTR.RESET_FLAGS, u32(0))]),
    message(15, [attr(ATTR.FAMILY, u16(2)), attr(ATTR.SPORT, be16(5000)), attr(ATTR.SADDR4, v4('0.0.0.0'))]),
    message(16, []),
  ]);
  const lines = parseMessages(datagram).map((m) => monitorLine(m.cmd, m.attrs));
  assert.deepEqual(lines, [
    '[       SF_PRIO] token=9bd1dbe9 backup=1 ifindex=3',
    '[     SF_CLOSED] token=00000001 error=104 reset_reason=1 reset_flags=0x0',
    '[UNKNOWN 15]',
    '[UNKNOWN 16]',
  ]);
  assert.deepEqual(parseMonitorLine(lines[2]!), { type: 'LISTENER_CREATED', atMs: 0, rawKind: 15 });
});

test('IPv6 addresses as inet_ntop writes them', () => {
  const hex = (s: string) => Buffer.from(s, 'hex');
  assert.equal(ipv6(hex('20010db8000000000000000000000001')), '2001:db8::1');
  assert.equal(ipv6(hex('00000000000000000000000000000001')), '::1');
  assert.equal(ipv6(hex('00000000000000000000ffffc6120001')), '::ffff:198.18.0.1');
  assert.equal(ipv6(hex('20010db8000100000001000000000001')), '2001:db8:1:0:1::1');
  assert.equal(ipv6(hex('20010db8000000010000000000000000')), '2001:db8:0:1::');
});

test('a netlink error is thrown, a truncated tail dropped', () => {
  const err = Buffer.alloc(36);
  err.writeUInt32LE(36, 0);
  err.writeUInt16LE(2, 4);
  err.writeInt32LE(-1, 16);
  assert.throws(() => parseMessages(err), /EPERM/);
  assert.equal(parseMessages(CREATED_SERVER.subarray(0, CREATED_SERVER.length - 4)).length, 0);
});
