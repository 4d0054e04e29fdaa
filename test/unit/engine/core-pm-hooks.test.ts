// The seam for the path manager (engine/pm-hooks.ts): notifications in,
// createSubflow() and queued signals out. A toy PM here does what the
// in-kernel PM does for one `subflow` endpoint and one `signal` endpoint.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addAddrHmac } from '../../../engine/crypto.js';
import { OPTION_MPTCP_ADD_ADDR, type ReceivedOptions } from '../../../engine/protocol.js';
import type { PathManager } from '../../../engine/pm-hooks.js';
import type { MptcpOption } from '../../../engine/options.js';
import { concat, sameBytes, topology, transfer } from './core-sim.js';
import { be64Bytes } from '../../../engine/bytes.js';

describe('path manager hooks', () => {
  test('a subflow made on "established", an ADD_ADDR queued as a signal and carried by the option writer', () => {
    const log: string[] = [];
    const received: ReceivedOptions[] = [];
    const sent: MptcpOption[] = [];
    const clientPm: PathManager = {
      created: () => void log.push('client created'),
      established: (now, msk) => {
        log.push('client established');
        const r = msk.createSubflow(now, { localAddr: '198.18.1.1', remoteAddr: '198.18.1.2' });
        assert.notEqual(typeof r, 'string');
      },
      subflowEstablished: (_now, _msk, sf) => void log.push(`client sf ${sf.local.addr}`),
      options: (_now, _msk, _sf, rx) => void received.push(rx),
    };
    const serverPm: PathManager = {
      established: (_now, msk) => {
        log.push('server established');
        const addr = new Uint8Array([198, 18, 1, 2]);
        const hmac = addAddrHmac(msk.localKey, msk.remoteKey ?? 0n, 1, addr);
        msk.queueSignal({ kind: 'add_addr', echo: false, addressId: 1, address: { family: 4, bytes: addr }, hmac: be64Bytes(hmac) });
      },
      subflowEstablished: (_now, _msk, sf) => void log.push(`server sf ${sf.local.addr}`),
      signalSent: (_now, _msk, _sf, o) => void sent.push(o),
      allowNewSubflow: () => true,
    };
    const link = { delayMs: 5, rateBps: 40e6 };
    const t = topology([link, link], { client: { pm: clientPm }, server: { pm: serverPm } });
    const { conn, sconn, up, down } = transfer(t, { size: 300_000 });
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down));
    assert.deepEqual(log.slice(0, 2).sort(), ['client created', 'server established']);
    assert.ok(
      log.includes('client established') && log.includes('client sf 198.18.1.1') && log.includes('server sf 198.18.1.2'),
      log.join(', '),
    );
    assert.equal(sent.length, 1, 'the signal went out once');
    const add = received.find((rx) => rx.suboptions & OPTION_MPTCP_ADD_ADDR);
    assert.ok(add, 'the client PM saw the ADD_ADDR');
    const ci = t.client.ep.info(conn);
    // RFC 8684 §3.4.1: the receiver checks the HMAC with the announcer's key first.
    assert.deepEqual(add.ahmac, be64Bytes(addAddrHmac(ci.remoteKey ?? 0n, ci.localKey, 1, add.addr.bytes)));
    assert.equal(ci.subflowList.length, 2);
    assert.ok((ci.subflowList[1]?.bytesReceived ?? 0) > 0);
  });
});
