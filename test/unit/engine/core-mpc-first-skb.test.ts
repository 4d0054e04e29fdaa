// MP_CAPABLE on the first data skb. The kernel's first data skb is a GSO
// skb: every segment cut from it carries its options, MP_CAPABLE with the
// data-level length (mptcp_established_options_mp: seq == snd_isn). So when
// the segment that completes the handshake is lost or overtaken, the next
// one still brings the keys and the server does not fall back to TCP.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseOption } from '../../../engine/options.js';
import { parseSegment, type TcpSegment } from '../../../engine/tcp/segment.js';
import { concat, pattern, sameBytes, topology, transfer } from './core-sim.js';

/** The MPTCP suboption kinds a segment carries. */
function mptcpKinds(seg: TcpSegment): string[] {
  return seg.options.flatMap((o) => {
    if (o.kind !== 'mptcp') return [];
    const r = parseOption(o.bytes);
    return r.ok ? [r.option.kind] : [];
  });
}

describe('MP_CAPABLE on every segment of the first data mapping', () => {
  test('the client data that goes before the server confirms carries MP_CAPABLE; later data only DSS', () => {
    const t = topology([{ rateBps: 20e6 }]);
    const seen: { seq: number; kinds: string[] }[] = [];
    t.server.tap = (p) => {
      const r = parseSegment(p.bytes);
      if (r.ok && r.segment.payload.length > 0) seen.push({ seq: r.segment.seq, kinds: mptcpKinds(r.segment) });
      return p.bytes;
    };
    transfer(t, { size: 200_000 });
    const first = seen.filter((s) => s.kinds.includes('mp_capable'));
    assert.ok(first.length >= 2, `more than the first data segment carries MP_CAPABLE (${first.length})`);
    assert.ok(first.length <= 10, `no more than the initial window does (${first.length})`);
    assert.ok(
      seen.slice(first.length).every((s) => !s.kinds.includes('mp_capable')),
      'after them, DSS only',
    );
  });

  test('the segment completing the handshake is lost: the next one brings the keys, no fallback', () => {
    const t = topology([{ rateBps: 20e6 }]);
    // The client writes before the handshake is over, so its third ACK is its first data segment.
    let dropped = false;
    t.server.tap = (p) => {
      const r = parseSegment(p.bytes);
      if (!dropped && r.ok && r.segment.payload.length > 0) {
        dropped = true;
        return undefined;
      }
      return p.bytes;
    };
    t.server.ep.listen(80, { mptcp: true });
    const conn = t.client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
    const data = pattern(100_000, 1);
    t.client.ep.write(conn, data);
    t.client.flush(0);
    const got = (): Uint8Array => concat(t.server.ep.connectionIds().flatMap((c) => t.server.received.get(c) ?? []));
    while (got().length < data.length && t.net.now < 10_000 && t.net.step()) {
      // run until the server has it all
    }
    assert.ok(dropped, 'the first data segment was dropped');
    assert.equal(t.server.ep.mib.get('MPCapableFallbackACK'), 0, 'the server did not fall back');
    const sconn = t.server.ep.connectionIds()[0] as number;
    assert.equal(t.server.ep.info(sconn).mptcp, true, 'still MPTCP');
    assert.ok(sameBytes(got(), data), 'upload intact');
  });
});
