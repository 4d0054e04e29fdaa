// The MPTCP options of captured segments, decoded with the engine's codec.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { dssOf, mpCapableOf, mpJoinOf, mptcpOptionsOf } from '../../../harness/observe/mptcp-options.js';
import { readPcap } from '../../../harness/observe/pcap.js';

const { packets } = readPcap(readFileSync(fileURLToPath(new URL('../../../../test/fixtures/pcap/mptcp-lo.pcap', import.meta.url))));
const decoded = packets.map((p) => mptcpOptionsOf(p.tcp!));

test('mptcp-lo.pcap: every MPTCP option decodes; the handshake keys, the join token and DSS mappings are there', () => {
  assert.deepEqual(
    decoded.flatMap((d) => d.errors),
    [],
  );
  const ack = decoded.map(mpCapableOf).find((o) => o?.receiverKey !== undefined);
  assert.ok(ack?.senderKey !== undefined);
  assert.equal(decoded.map(mpJoinOf).find((o) => o?.form === 'syn')?.form, 'syn');
  const mappings = decoded.map(dssOf).filter((o) => o?.mapping);
  assert.ok(mappings.length > 0);
  assert.ok(mappings.every((o) => (o?.mapping?.dataLen ?? 0) > 0));
});

test('a malformed MPTCP option is reported, the other options kept', () => {
  // NOP, a DSS whose length does not match its flags (A set: needs 8), MSS
  const area = Buffer.from([1, 30, 5, 0x20, 0x01, 0, 2, 4, 0x05, 0xb4]);
  const d = mptcpOptionsOf({ options: area });
  assert.equal(d.options.length, 0);
  assert.equal(d.errors.length, 1);
  assert.match(d.errors[0]!, /DSS/);
  // a well-formed Data ACK alone: kind 30, length 8, DSS, flags A, 32-bit ack
  const ok = mptcpOptionsOf({ options: Buffer.from([30, 8, 0x20, 0x01, 0, 0, 0x10, 0]) });
  assert.deepEqual(dssOf(ok)?.dataAck, { value: 4096n, bits: 32 });
});
