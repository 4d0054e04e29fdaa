// PM commands byte by byte, against layouts written out from the uapi headers:
// struct nlmsghdr (len u32, type u16, flags u16, seq u32, pid u32), struct
// genlmsghdr (cmd u8, version u8, reserved u16), then attributes (len u16,
// type u16, value, padded to 4) — include/uapi/linux/{netlink,genetlink}.h;
// command and attribute numbers from include/uapi/linux/mptcp_pm.h; values
// as net/mptcp/pm_netlink.c reads them (port in host order, addresses in
// network order). And acks and errors as the kernel writes them (netlink_ack).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MptcpPmClient,
  PM_CMD,
  addrAttribute,
  parseEndpoint,
  subflowAttributes,
  tokenAttribute,
} from '../../../harness/netlink/mptcp-pm.js';
import { addressBytes } from '../../../harness/netlink/address.js';
import { parseMessages } from '../../../harness/netlink/genl.js';

const FAMILY = 0x1c;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('ADD_ADDR 198.18.2.1 id 2 dev (ifindex 3) subflow backup: header, then the nested address in iproute2 order', () => {
  const req = MptcpPmClient.request(FAMILY, 7, PM_CMD.ADD_ADDR, [
    addrAttribute({ address: '198.18.2.1', id: 2, flags: 2 | 4, ifIndex: 3 }),
  ]);
  const want = hex(`
    40000000 1c00 0500 07000000 00000000
    01 01 0000
    2c00 0180
      0500 0200 02000000
      0800 0600 06000000
      0800 0700 03000000
      0600 0100 0200 0000
      0800 0300 c6120201`);
  assert.equal(req.toString('hex'), want.toString('hex'));
});

test('ADD_ADDR with a port and an IPv6 address; the port is host order (nla_get_u16, then htons in the kernel)', () => {
  const attr = addrAttribute({ address: '2001:db8::2', port: 1234, flags: 1 });
  const want = hex(`
    3000 0180
      0800 0600 01000000
      0600 0500 d204 0000
      0600 0100 0a00 0000
      1400 0400 20010db8000000000000000000000002`);
  assert.equal(attr.toString('hex'), want.toString('hex'));
});

test('DEL_ADDR by id, FLUSH_ADDRS, SET_FLAGS nobackup: only what is given', () => {
  assert.equal(addrAttribute({ id: 9 }).toString('hex'), hex('0c00 0180 0500 0200 09000000').toString('hex'));
  const flush = MptcpPmClient.request(FAMILY, 1, PM_CMD.FLUSH_ADDRS, []);
  assert.equal(flush.toString('hex'), hex('14000000 1c00 0500 01000000 00000000 04 01 0000').toString('hex'));
  assert.equal(addrAttribute({ id: 9, flags: 0 }).toString('hex'), hex('0c00 0180 0500 0200 09000000').toString('hex'));
});

test('GET_ADDR is a dump (NLM_F_REQUEST | NLM_F_DUMP), without NLM_F_ACK', () => {
  const req = MptcpPmClient.request(FAMILY, 3, PM_CMD.GET_ADDR, [], true);
  assert.equal(req.readUInt16LE(6), 0x301);
  assert.equal(req.readUInt8(16), 3);
});

test('IPv6 text to bytes: ::, a dotted tail, a full address', () => {
  assert.equal(addressBytes('::1').bytes.toString('hex'), '00000000000000000000000000000001');
  assert.equal(addressBytes('::ffff:198.18.0.1').bytes.toString('hex'), '00000000000000000000ffffc6120001');
  assert.equal(addressBytes('2001:db8:1:2:3:4:5:6').bytes.toString('hex'), '20010db8000100020003000400050006');
  assert.equal(addressBytes('2001:db8::').bytes.toString('hex'), '20010db8000000000000000000000000');
  assert.throws(() => addressBytes('eth0'), /not an IP address: eth0/);
});

test('a GET_ADDR answer is read back as the endpoint it describes', () => {
  const attr = addrAttribute({ address: '2001:db8::2', id: 6, port: 1234, flags: 1, ifIndex: 4 });
  const msg = Buffer.concat([hex('00000000 1c00 0200 05000000 00000000 03 01 0000'), attr]);
  msg.writeUInt32LE(msg.length, 0);
  const [m] = parseMessages(msg);
  assert.deepEqual(parseEndpoint(m!), { id: 6, address: '2001:db8::2', port: 1234, flags: 1, ifIndex: 4 });
});

test('an error ack carries the errno and the extended-ack message (NLM_F_CAPPED | NLM_F_ACK_TLVS)', () => {
  // nlmsghdr(type NLMSG_ERROR, flags 0x300), error -22, the request's header echoed, NLMSGERR_ATTR_MSG.
  const text = Buffer.from('address not found\0');
  const tlv = Buffer.alloc((4 + text.length + 3) & ~3);
  tlv.writeUInt16LE(4 + text.length, 0);
  tlv.writeUInt16LE(1, 2);
  text.copy(tlv, 4);
  const msg = Buffer.concat([
    hex('00000000 0200 0003 05000000 00000000'),
    hex('eaffffff'),
    hex('1c000000 1c00 0500 05000000 00000000'),
    tlv,
  ]);
  msg.writeUInt32LE(msg.length, 0);
  const [m] = parseMessages(msg);
  assert.equal(m!.errno, 22);
  assert.equal(m!.seq, 5);
  assert.equal(m!.errorMessage, 'address not found');
  // A plain ack: errno 0, no message.
  const ack = Buffer.concat([hex('24000000 0200 0001 06000000 00000000 00000000'), hex('14000000 1c00 0500 06000000 00000000')]);
  assert.deepEqual(parseMessages(ack)[0], { type: 2, seq: 6, cmd: 0, attrs: new Map(), errno: 0 });
});

test('userspace PM: the token is a u32 in host order; SUBFLOW_CREATE nests the remote address in ADDR_REMOTE (6)', () => {
  assert.equal(tokenAttribute(0x12345678).toString('hex'), hex('0800 0400 78563412').toString('hex'));
  const attrs = subflowAttributes(0x12345678, { id: 3, address: '198.18.1.1' }, { address: '198.18.1.2', port: 10_300 });
  assert.equal(
    Buffer.concat(attrs).toString('hex'),
    hex(`
      0800 0400 78563412
      1c00 0180 0500 0200 03000000 0600 0100 0200 0000 0800 0300 c6120101
      1c00 0680 0600 0500 3c28 0000 0600 0100 0200 0000 0800 0300 c6120102`).toString('hex'),
  );
  assert.equal(MptcpPmClient.request(FAMILY, 2, PM_CMD.SUBFLOW_DESTROY, attrs).readUInt8(16), 11);
});
