import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readPcap, splitTcpOptions, type PcapPacket } from '../../../harness/observe/pcap.js';
import { addAddrHmac, dssChecksumValid, joinHmac, keyToTokenAndIdsn } from '../../../engine/crypto.js';

// End to end: read the kernel's MPTCP handshake out of the capture with the
// pcap reader and check every cryptographic field the kernel wrote with
// engine/crypto. Option layouts from RFC 8684 §3 (kind 30, subtype in the
// high nibble of the third byte).

const buf = readFileSync(fileURLToPath(new URL('../../../../test/fixtures/pcap/mptcp-lo.pcap', import.meta.url)));
const { packets, error } = readPcap(buf);

interface Mptcp {
  p: PcapPacket;
  sub: number;
  o: Buffer;
}

const mptcp: Mptcp[] = packets.flatMap((p) =>
  splitTcpOptions(p.tcp?.options ?? Buffer.alloc(0))
    .filter((o) => o.kind === 30 && o.bytes.length >= 3)
    .map((o) => ({ p, sub: (o.bytes[2] ?? 0) >> 4, o: o.bytes })),
);

test('the capture reads cleanly and holds MPTCP options', () => {
  assert.equal(error, undefined);
  assert.ok(mptcp.length > 20);
});

// MP_CAPABLE third ACK: kind len subtype|ver flags, sender key, receiver key
const mpcAck = mptcp.find((m) => m.sub === 0 && m.o.length === 20);
assert.ok(mpcAck, 'MP_CAPABLE ACK present');
const clientKey = mpcAck.o.readBigUInt64BE(4);
const serverKey = mpcAck.o.readBigUInt64BE(12);
const clientPort = mpcAck.p.tcp?.srcPort;

test('MP_CAPABLE SYN/ACK carries the server key', () => {
  const synack = mptcp.find((m) => m.sub === 0 && m.o.length === 12);
  assert.equal(synack?.o.readBigUInt64BE(4), serverKey);
});

test('MP_JOIN: token, SYN/ACK truncated HMAC, third-ACK HMAC', () => {
  const syn = mptcp.find((m) => m.sub === 1 && m.o.length === 12 && m.p.tcp?.dstPort === 5202);
  assert.ok(syn?.p.tcp);
  assert.equal(syn.o.readUInt32BE(4), keyToTokenAndIdsn(serverKey).token);
  const clientNonce = syn.o.readUInt32BE(8);
  const flow = syn.p.tcp.srcPort;
  const synack = mptcp.find((m) => m.sub === 1 && m.o.length === 16 && m.p.tcp?.dstPort === flow);
  const ack = mptcp.find((m) => m.sub === 1 && m.o.length === 24 && m.p.tcp?.srcPort === flow);
  assert.ok(synack && ack);
  const serverNonce = synack.o.readUInt32BE(12);
  assert.equal(synack.o.readBigUInt64BE(4), joinHmac(serverKey, clientKey, serverNonce, clientNonce).truncated64);
  assert.deepEqual(ack.o.subarray(4, 24), Buffer.from(joinHmac(clientKey, serverKey, clientNonce, serverNonce).truncated160));
});

test('ADD_ADDR HMACs in both directions', () => {
  const adds = mptcp.filter((m) => m.sub === 3 && m.o.length === 16); // IPv4, no port, with HMAC
  assert.equal(adds.length, 2);
  for (const a of adds) {
    const fromClient = a.p.tcp?.srcPort === clientPort;
    const [k1, k2] = fromClient ? [clientKey, serverKey] : [serverKey, clientKey];
    const id = a.o[3] ?? 0;
    assert.equal(a.o.readBigUInt64BE(8), addAddrHmac(k1, k2, id, a.o.subarray(4, 8)));
  }
});

test('every DSS checksum in the capture is valid', () => {
  let checked = 0;
  for (const m of mptcp) {
    const t = m.p.tcp;
    assert.ok(t);
    if (m.sub === 0 && m.o.length === 24) {
      // MP_CAPABLE with data: DSN = sender IDSN + 1, subflow seq 1
      const dsn = keyToTokenAndIdsn(m.o.readBigUInt64BE(4)).idsn + 1n;
      assert.ok(dssChecksumValid(dsn, 1, m.o.readUInt16BE(20), t.payload, m.o.readUInt16BE(22)));
      checked++;
      continue;
    }
    if (m.sub !== 2) continue;
    const flags = m.o[3] ?? 0;
    if (!(flags & 0x04)) continue; // no mapping
    let off = 4;
    if (flags & 0x01) off += flags & 0x02 ? 8 : 4;
    assert.ok(flags & 0x08, 'Linux always sends 64-bit DSNs');
    const dsn = m.o.readBigUInt64BE(off);
    const ssn = m.o.readUInt32BE(off + 8);
    const len = m.o.readUInt16BE(off + 12);
    assert.equal(m.o.length, off + 16, 'checksum present');
    assert.ok(dssChecksumValid(dsn, ssn, len, t.payload, m.o.readUInt16BE(off + 14)), `packet ${m.p.index}`);
    checked++;
  }
  assert.ok(checked >= 8, `checked ${checked}`);
});
