// The engine's codec and crypto checked against the running kernel: run a
// real lab with --capture, read the MPTCP options the kernel wrote with the
// engine's option parser, derive the tokens from the MP_CAPABLE keys and
// compare them with the tokens the kernel reported in `ip mptcp monitor`,
// then verify the kernel's MP_JOIN and ADD_ADDR HMACs with engine/crypto.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { addAddrHmac, joinHmac, keyToTokenAndIdsn } from '../../engine/crypto.js';
import { parseOption, type MptcpOption } from '../../engine/options.js';
import { readPcap, splitTcpOptions, type PcapPacket } from '../../harness/observe/pcap.js';
import type { Observations } from '../../harness/observations.js';
import { cannotRun, runCli } from './host-state.js';
import { toHex } from '../../engine/bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-kcrypto-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Seen {
  p: PcapPacket;
  o: MptcpOption;
}

function mptcpOptions(file: string): Seen[] {
  const { packets, error } = readPcap(readFileSync(file));
  assert.equal(error, undefined, `${file}: ${error}`);
  return packets.flatMap((p) =>
    splitTcpOptions(p.tcp?.options ?? new Uint8Array())
      .filter((o) => o.kind === 30)
      .flatMap((o) => {
        const r = parseOption(o.bytes);
        assert.ok(r.ok, `the engine parses every option the kernel wrote: ${r.ok ? '' : r.error}`);
        return r.ok ? [{ p, o: r.option }] : [];
      }),
  );
}

test('tokens, MP_JOIN HMACs and ADD_ADDR HMACs of a kernel lab match the engine', { skip: cannotRun() }, async () => {
  const r = await runCli(['run', 'signal-address', '--engine', 'off', '--capture', '--seed', '11', '--results', dir]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const labDir = join(dir, 'labs', 'signal-address');
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: { observations: Observations }[] };
  const events = results.results[0]!.observations.events;
  const monitorToken = (host: string) => events[host]!.find((e) => e.type === 'CREATED')?.token;

  const l1 = mptcpOptions(join(labDir, 'l1.pcap'));
  const l2 = mptcpOptions(join(labDir, 'l2.pcap'));

  // MP_CAPABLE third ACK (client → server): both keys.
  const third = l1.find(
    (s) => s.o.kind === 'mp_capable' && s.o.senderKey !== undefined && s.o.receiverKey !== undefined && s.p.ip?.src === '198.18.1.1',
  );
  assert.ok(third && third.o.kind === 'mp_capable');
  const clientKey = third.o.senderKey!;
  const serverKey = third.o.receiverKey!;
  assert.equal(keyToTokenAndIdsn(clientKey).token, monitorToken('client'), 'client token from its key = ip mptcp monitor');
  assert.equal(keyToTokenAndIdsn(serverKey).token, monitorToken('server'), 'server token from its key = ip mptcp monitor');

  // MP_JOIN on l2: the SYN names the server's token; the HMACs are the kernel's.
  const syn = l2.find((s) => s.o.kind === 'mp_join' && s.o.form === 'syn');
  const synack = l2.find((s) => s.o.kind === 'mp_join' && s.o.form === 'synack');
  const ack = l2.find((s) => s.o.kind === 'mp_join' && s.o.form === 'ack');
  assert.ok(syn?.o.kind === 'mp_join' && syn.o.form === 'syn');
  assert.ok(synack?.o.kind === 'mp_join' && synack.o.form === 'synack');
  assert.ok(ack?.o.kind === 'mp_join' && ack.o.form === 'ack');
  assert.equal(syn.o.token, keyToTokenAndIdsn(serverKey).token);
  assert.equal(toHex(synack.o.hmac), toHex(joinHmac(serverKey, clientKey, synack.o.nonce, syn.o.nonce).hmac.subarray(0, 8)));
  assert.equal(toHex(ack.o.hmac), toHex(joinHmac(clientKey, serverKey, syn.o.nonce, synack.o.nonce).truncated160));

  // ADD_ADDR from the server on l1, and its echo from the client.
  const announce = l1.find((s) => s.o.kind === 'add_addr' && !s.o.echo);
  assert.ok(announce?.o.kind === 'add_addr' && announce.o.hmac !== undefined);
  const a = announce.o;
  const expected = addAddrHmac(serverKey, clientKey, a.addressId, a.address.bytes, a.port);
  assert.equal(Buffer.from(a.hmac!).readBigUInt64BE(0), expected);
  assert.ok(
    l1.some((s) => s.o.kind === 'add_addr' && s.o.echo && s.p.ip?.src === '198.18.1.1'),
    'the client echoed it',
  );
});
