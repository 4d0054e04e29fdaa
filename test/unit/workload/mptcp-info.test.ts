// The SOL_MPTCP decoders over fabricated kernel answers. Offsets are checked
// twice: against hand-written values here, and against koffi's C layout of
// the uapi structs (same alignment rules as the compiler).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import {
  FULL_INFO_HEADER_SIZE,
  FULL_INFO_SIZE,
  MPTCP_INFO_OFF,
  MPTCP_INFO_SIZE,
  SUBFLOW_ADDRS_SIZE,
  SUBFLOW_DATA_SIZE,
  SUBFLOW_INFO_SIZE,
  TCP_INFO_OFF,
  buildFullInfoRequest,
  buildSubflowDataRequest,
  decodeFullInfoHeader,
  decodeFullInfoSubflows,
  decodeMptcpInfo,
  decodeSockaddr,
  decodeSubflowAddrs,
  decodeSubflowData,
  decodeTcpInfo,
  decodeTcpSendQueue,
  formatIpv6,
} from '../../../harness/workload/mptcp-info.js';

function sockaddrIn(buf: Buffer, off: number, addr: [number, number, number, number], port: number): void {
  buf.writeUInt16LE(2, off);
  buf.writeUInt16BE(port, off + 2);
  Buffer.from(addr).copy(buf, off + 4);
}

function tcpInfo(size: number, rtt: number, acked: bigint, received: bigint): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(rtt, TCP_INFO_OFF.rtt);
  b.writeBigUInt64LE(acked, TCP_INFO_OFF.bytesAcked);
  b.writeBigUInt64LE(received, TCP_INFO_OFF.bytesReceived);
  return b;
}

function fabricatedMptcpInfo(): Buffer {
  const b = Buffer.alloc(MPTCP_INFO_SIZE);
  const o = MPTCP_INFO_OFF;
  [o.subflows, o.addAddrSignal, o.addAddrAccepted, o.subflowsMax, o.addAddrSignalMax, o.addAddrAcceptedMax].forEach((off, i) =>
    b.writeUInt8(i + 1, off),
  );
  b.writeUInt32LE(0b10, o.flags);
  b.writeUInt32LE(0xdeadbeef, o.token);
  b.writeBigUInt64LE(0xffff_ffff_ffff_fff0n, o.writeSeq);
  b.writeBigUInt64LE(0x1234_5678_9abc_def0n, o.sndUna);
  b.writeBigUInt64LE(42n, o.rcvNxt);
  b.writeUInt8(7, o.localAddrUsed);
  b.writeUInt8(8, o.localAddrMax);
  b.writeUInt8(1, o.csumEnabled);
  b.writeUInt32LE(9, o.retransmits);
  b.writeBigUInt64LE(10n, o.bytesRetrans);
  b.writeBigUInt64LE(11n, o.bytesSent);
  b.writeBigUInt64LE(12n, o.bytesReceived);
  b.writeBigUInt64LE(13n, o.bytesAcked);
  b.writeUInt8(14, o.subflowsTotal);
  return b;
}

test('offsets match the C layout of the uapi structs', () => {
  const u8 = 'uint8_t',
    u32 = 'uint32_t',
    u64 = 'uint64_t';
  const mptcpInfo = koffi.struct('test_mptcp_info', {
    subflows: u8,
    addAddrSignal: u8,
    addAddrAccepted: u8,
    subflowsMax: u8,
    addAddrSignalMax: u8,
    addAddrAcceptedMax: u8,
    flags: u32,
    token: u32,
    writeSeq: u64,
    sndUna: u64,
    rcvNxt: u64,
    localAddrUsed: u8,
    localAddrMax: u8,
    csumEnabled: u8,
    retransmits: u32,
    bytesRetrans: u64,
    bytesSent: u64,
    bytesReceived: u64,
    bytesAcked: u64,
    subflowsTotal: u8,
    reserved: koffi.array(u8, 3),
    lastDataSent: u32,
    lastDataRecv: u32,
    lastAckRecv: u32,
  });
  assert.equal(koffi.sizeof(mptcpInfo), MPTCP_INFO_SIZE);
  for (const [name, off] of Object.entries(MPTCP_INFO_OFF)) assert.equal(koffi.offsetof(mptcpInfo, name), off, name);
  // __kernel_sockaddr_storage: a union of {family, 126 bytes} and a pointer, for its alignment.
  const storage = koffi.union('test_ss', { ss: koffi.struct({ family: 'uint16_t', data: koffi.array('char', 126) }), align: 'void *' });
  assert.equal(koffi.sizeof(storage), 128);
  const addrs = koffi.struct('test_sf_addrs', { local: storage, remote: storage });
  assert.equal(koffi.sizeof(addrs), SUBFLOW_ADDRS_SIZE);
  const sfInfo = koffi.struct('test_sf_info', { id: u32, addrs });
  assert.equal(koffi.sizeof(sfInfo), SUBFLOW_INFO_SIZE);
  assert.equal(koffi.offsetof(sfInfo, 'addrs'), 8);
  const full = koffi.struct('test_full_info', {
    a: u32,
    b: u32,
    c: u32,
    d: u32,
    e: u32,
    f: u32,
    subflowInfo: u64,
    tcpInfo: u64,
    info: mptcpInfo,
  });
  assert.equal(koffi.offsetof(full, 'info'), FULL_INFO_HEADER_SIZE);
  assert.equal(koffi.sizeof(full), FULL_INFO_SIZE);
});

test('decodeMptcpInfo reads every field; u64 as exact decimal strings', () => {
  const info = decodeMptcpInfo(fabricatedMptcpInfo());
  assert.deepEqual(info, {
    subflows: 1,
    addAddrSignal: 2,
    addAddrAccepted: 3,
    subflowsMax: 4,
    addAddrSignalMax: 5,
    addAddrAcceptedMax: 6,
    flags: 2,
    token: 0xdeadbeef,
    writeSeq: '18446744073709551600',
    sndUna: 0x1234_5678_9abc_def0n.toString(),
    rcvNxt: '42',
    localAddrUsed: 7,
    localAddrMax: 8,
    csumEnabled: true,
    retransmits: 9,
    bytesRetrans: '10',
    bytesSent: '11',
    bytesReceived: '12',
    bytesAcked: '13',
    subflowsTotal: 14,
  });
});

test('decodeMptcpInfo on a short answer (5.15 kernel: 43 bytes) leaves newer fields at 0', () => {
  const info = decodeMptcpInfo(fabricatedMptcpInfo().subarray(0, 43));
  assert.equal(info.csumEnabled, true);
  assert.equal(info.rcvNxt, '42');
  assert.equal(info.retransmits, 0);
  assert.equal(info.bytesAcked, '0');
  assert.equal(info.subflowsTotal, 0);
});

test('decodeTcpInfo: rtt, bytes_acked, bytes_received; missing when too short', () => {
  assert.deepEqual(decodeTcpInfo(tcpInfo(248, 1234, 5_000_001n, 7n)), { rttUs: 1234, bytesAcked: 5_000_001, bytesReceived: 7 });
  assert.deepEqual(decodeTcpInfo(tcpInfo(248, 1234, 1n, 2n).subarray(0, 104)), { rttUs: 1234 });
  const q = Buffer.alloc(248);
  q.writeUInt32LE(3, TCP_INFO_OFF.unacked);
  q.writeUInt32LE(4096, TCP_INFO_OFF.notsentBytes);
  assert.deepEqual(decodeTcpSendQueue(q), { unackedSegs: 3, notsentBytes: 4096 });
});

test('decodeSockaddr: IPv4, IPv6, IPv4-mapped, unknown family', () => {
  const b = Buffer.alloc(28);
  sockaddrIn(b, 0, [198, 18, 1, 2], 8080);
  assert.deepEqual(decodeSockaddr(b), { family: 2, address: '198.18.1.2', port: 8080 });
  const v6 = Buffer.alloc(28);
  v6.writeUInt16LE(10, 0);
  v6.writeUInt16BE(443, 2);
  Buffer.from('20010db8000000000000000000000001', 'hex').copy(v6, 8);
  assert.deepEqual(decodeSockaddr(v6), { family: 10, address: '2001:db8::1', port: 443 });
  assert.deepEqual(decodeSockaddr(Buffer.alloc(28)), { family: 0, address: '', port: 0 });
});

test('formatIpv6 follows RFC 5952', () => {
  const f = (hex: string): string => formatIpv6(Buffer.from(hex, 'hex'));
  assert.equal(f('00000000000000000000000000000001'), '::1');
  assert.equal(f('00000000000000000000000000000000'), '::');
  assert.equal(f('20010db8000000010000000000000001'), '2001:db8:0:1::1');
  assert.equal(f('20010db8000000010001000100010001'), '2001:db8:0:1:1:1:1:1'); // one zero group stays
  assert.equal(f('20010db8000000000001000000000001'), '2001:db8::1:0:0:1'); // first of equal runs
  assert.equal(f('00000000000000000000ffffc6120102'), '::ffff:198.18.1.2');
});

test('subflow data request and answer (MPTCP_SUBFLOW_ADDRS)', () => {
  const req = buildSubflowDataRequest(SUBFLOW_ADDRS_SIZE, 4);
  assert.equal(req.length, SUBFLOW_DATA_SIZE + 4 * SUBFLOW_ADDRS_SIZE);
  assert.deepEqual(
    [0, 4, 8, 12].map((o) => req.readUInt32LE(o)),
    [16, 0, 0, SUBFLOW_ADDRS_SIZE],
  );
  // The kernel: 3 subflows, but the buffer (optlen) only had room for 2.
  req.writeUInt32LE(3, 4);
  req.writeUInt32LE(SUBFLOW_ADDRS_SIZE, 8);
  sockaddrIn(req, 16, [198, 18, 1, 1], 1000);
  sockaddrIn(req, 16 + 128, [198, 18, 1, 2], 2000);
  sockaddrIn(req, 16 + 256, [198, 18, 2, 1], 1001);
  sockaddrIn(req, 16 + 256 + 128, [198, 18, 1, 2], 2000);
  const d = decodeSubflowData(req, 16 + 2 * SUBFLOW_ADDRS_SIZE);
  assert.equal(d.numSubflows, 3);
  assert.equal(d.elements.length, 2);
  const second = d.elements[1];
  assert.ok(second);
  assert.deepEqual(decodeSubflowAddrs(second), {
    local: { family: 2, address: '198.18.2.1', port: 1001 },
    remote: { family: 2, address: '198.18.1.2', port: 2000 },
  });
});

test('MPTCP_TCPINFO answer uses the stride the kernel returns in size_user', () => {
  const stride = 232; // an older kernel's struct tcp_info, smaller than asked
  const b = Buffer.alloc(SUBFLOW_DATA_SIZE + 2 * stride);
  b.writeUInt32LE(16, 0);
  b.writeUInt32LE(2, 4);
  b.writeUInt32LE(stride, 8);
  b.writeUInt32LE(stride, 12);
  tcpInfo(stride, 10, 100n, 200n).copy(b, 16);
  tcpInfo(stride, 20, 300n, 400n).copy(b, 16 + stride);
  const d = decodeSubflowData(b, b.length);
  assert.deepEqual(
    d.elements.map((e) => decodeTcpInfo(e)),
    [
      { rttUs: 10, bytesAcked: 100, bytesReceived: 200 },
      { rttUs: 20, bytesAcked: 300, bytesReceived: 400 },
    ],
  );
});

test('MPTCP_FULL_INFO: request layout, header, info and two subflows', () => {
  const req = buildFullInfoRequest({ max: 8, subflowInfoAddr: 0x7f00_1234_5000n, tcpInfoAddr: 0x7f00_1234_6000n, tcpInfoSize: 512 });
  assert.equal(req.length, FULL_INFO_SIZE);
  assert.deepEqual(
    [0, 4, 8, 12, 16, 20].map((o) => req.readUInt32LE(o)),
    [0, 512, 0, SUBFLOW_INFO_SIZE, 0, 8],
  );
  assert.equal(req.readBigUInt64LE(24), 0x7f00_1234_5000n);
  assert.equal(req.readBigUInt64LE(32), 0x7f00_1234_6000n);

  // What 6.18 writes back (measured): its sizes (tcp_info is 280 with AccECN), min(user, kernel), the count, mptcp_info.
  const tcpSize = 280;
  req.writeUInt32LE(280, 0);
  req.writeUInt32LE(tcpSize, 4);
  req.writeUInt32LE(SUBFLOW_INFO_SIZE, 8);
  req.writeUInt32LE(2, 16);
  fabricatedMptcpInfo().copy(req, FULL_INFO_HEADER_SIZE);
  const h = decodeFullInfoHeader(req, FULL_INFO_SIZE);
  assert.equal(h.numSubflows, 2);
  assert.equal(h.sizeTcpinfoKernel, 280);
  assert.equal(h.info?.token, 0xdeadbeef);
  assert.equal(decodeFullInfoHeader(req, FULL_INFO_HEADER_SIZE).info, undefined);

  const sf = Buffer.alloc(8 * SUBFLOW_INFO_SIZE);
  const ti = Buffer.alloc(8 * 512);
  for (const [i, local] of [
    [198, 18, 1, 1],
    [198, 18, 2, 1],
  ].entries()) {
    sf.writeUInt32LE(i + 1, i * SUBFLOW_INFO_SIZE);
    sockaddrIn(sf, i * SUBFLOW_INFO_SIZE + 8, local as [number, number, number, number], 40000 + i);
    sockaddrIn(sf, i * SUBFLOW_INFO_SIZE + 8 + 128, [198, 18, 1, 2], 5201);
    tcpInfo(tcpSize, 100 + i, BigInt(1000 * (i + 1)), BigInt(10 * (i + 1))).copy(ti, i * tcpSize);
  }
  assert.deepEqual(decodeFullInfoSubflows(h, sf, ti), [
    { saddr: '198.18.1.1', daddr: '198.18.1.2', sport: 40000, dport: 5201, rttUs: 100, bytesAcked: 1000, bytesReceived: 10, id: 1 },
    { saddr: '198.18.2.1', daddr: '198.18.1.2', sport: 40001, dport: 5201, rttUs: 101, bytesAcked: 2000, bytesReceived: 20, id: 2 },
  ]);
});
