import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { LINKTYPE, decodeFrame, parsePcapHeader, readPcap, splitTcpOptions, type PcapReadResult } from '../../../harness/observe/pcap.js';
import { toHex } from '../../../engine/index.js';

// Fixtures (test/fixtures/pcap/), captured once with tcpdump 4.99.3 /
// libpcap 1.10.3 on kernel 6.18 in a throwaway namespace; expected values
// below were read with `tcpdump -nr FILE -v` / `-e` and a python3 struct parser:
//   mptcp-lo.pcap         `tcpdump -i lo -w`: Ethernet, µs, 34 packets, an MPTCP
//                         connection over ::1 plus an MP_JOIN subflow over IPv4
//   any-sll2-snap64.pcap  `tcpdump -i any -s 64 -c 4`: Linux cooked v2, cut at 64 bytes
//   any-sll-nano.pcap     `tcpdump -i any -y LINUX_SLL --time-stamp-precision=nano -c 4`
const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/pcap/${name}`, import.meta.url)));

const LO = fixture('mptcp-lo.pcap');
const SLL2 = fixture('any-sll2-snap64.pcap');
const SLL = fixture('any-sll-nano.pcap');

describe('mptcp-lo.pcap (tcpdump -i lo)', () => {
  const r = readPcap(LO);

  test('file header: little-endian microsecond pcap 2.4, Ethernet', () => {
    assert.equal(r.error, undefined);
    assert.deepEqual(r.header, {
      byteOrder: 'little',
      precision: 'micro',
      versionMajor: 2,
      versionMinor: 4,
      snaplen: 262144,
      linkType: LINKTYPE.ETHERNET,
      fcsBytes: 0,
    });
    assert.equal(r.packets.length, 34);
  });

  test('every packet decodes to TCP', () => {
    for (const p of r.packets) {
      assert.ok(p.tcp, `packet ${p.index}: ${p.note ?? ''}`);
      assert.equal(p.note, undefined);
      assert.equal(p.link?.kind, 'ethernet');
      assert.equal(p.link?.srcMac, '00:00:00:00:00:00');
    }
  });

  test('packet 0: IPv6 MP_CAPABLE SYN', () => {
    const p = r.packets[0];
    assert.ok(p?.ip && p.tcp);
    assert.equal(p.tsSec, 1795616107);
    assert.equal(p.tsNsec, 74071000);
    assert.equal(p.timestampNs, 1795616107074071000n);
    assert.equal(p.capturedLength, 98);
    assert.equal(p.originalLength, 98);
    assert.equal(p.link?.etherType, 0x86dd);
    assert.deepEqual(
      { ...p.ip },
      { version: 6, src: '::1', dst: '::1', protocol: 6, headerLength: 40, totalLength: 84, ttl: 64, fragment: false },
    );
    const t = p.tcp;
    assert.equal(t.srcPort, 59820);
    assert.equal(t.dstPort, 5202);
    assert.equal(t.seq, 3364231043);
    assert.equal(t.ack, 0);
    assert.equal(t.flags, 0x02);
    assert.equal(t.flagSet.syn, true);
    assert.equal(t.flagSet.ack, false);
    assert.equal(t.window, 65476);
    assert.equal(t.headerLength, 44);
    // mss 65476, sackOK, TS val 3218120074 ecr 0, nop, wscale 10, mptcp capable v1 (flags A|H)
    assert.equal(toHex(t.options), '0204ffc40402080abfd09d8a000000000103030a1e040181');
    assert.equal(t.optionsTruncated, false);
    assert.equal(t.payloadLength, 0);
    assert.deepEqual(
      splitTcpOptions(t.options).map((o) => o.kind),
      [2, 4, 8, 1, 3, 30],
    );
  });

  test('packet 3: MP_CAPABLE ACK with 11 bytes of data', () => {
    const t = r.packets[3]?.tcp;
    assert.ok(t);
    assert.equal(t.seq, 3364231044);
    assert.equal(t.ack, 4246761665);
    assert.equal(t.flags, 0x18);
    assert.equal(t.flagSet.psh && t.flagSet.ack, true);
    assert.equal(t.payloadLength, 11);
    assert.equal(t.payload.toString(), 'hello mptcp');
    const mptcp = splitTcpOptions(t.options).find((o) => o.kind === 30);
    assert.equal(mptcp && toHex(mptcp.bytes), '1e1801813cffc85e8d0fbf66f8c5dfa344189897000b7ab5');
  });

  test('packet 7: IPv4 MP_JOIN SYN', () => {
    const p = r.packets[7];
    assert.ok(p?.ip && p.tcp);
    assert.equal(p.ip.version, 4);
    assert.equal(p.ip.src, '127.0.0.1');
    assert.equal(p.ip.dst, '127.0.0.2');
    assert.equal(p.ip.headerLength, 20);
    assert.equal(p.ip.totalLength, 72);
    assert.equal(p.tcp.srcPort, 49383);
    assert.equal(p.tcp.seq, 805923012);
    assert.equal(p.tcp.window, 65495);
    assert.equal(p.tcp.checksum, 65085);
    assert.equal(toHex(splitTcpOptions(p.tcp.options).at(-1)?.bytes ?? Buffer.alloc(0)), '1e0c10027a76cd255acc3fac');
  });

  test('packet 14: RST/ACK without options', () => {
    const t = r.packets[14]?.tcp;
    assert.ok(t);
    assert.deepEqual([t.srcPort, t.dstPort, t.seq, t.ack, t.window], [59820, 55629, 0, 3736168823, 0]);
    assert.equal(t.flagSet.rst && t.flagSet.ack, true);
    assert.equal(t.headerLength, 20);
    assert.equal(t.options.length, 0);
  });

  test('last packet: timestamp and a plain ACK', () => {
    const p = r.packets[33];
    assert.ok(p?.tcp);
    assert.equal(p.tsSec, 1795616107);
    assert.equal(p.tsNsec, 477892000);
    assert.equal(p.tcp.flags, 0x10);
    assert.equal(toHex(p.tcp.options), '0101080ab2e8b67077a792ab');
  });
});

describe('any-sll2-snap64.pcap (tcpdump -i any -s 64)', () => {
  const r = readPcap(SLL2);
  test('Linux cooked v2 with records cut by the snaplen', () => {
    assert.equal(r.error, undefined);
    assert.equal(r.header?.linkType, LINKTYPE.LINUX_SLL2);
    assert.equal(r.header?.snaplen, 64);
    assert.deepEqual(
      r.packets.map((p) => [p.capturedLength, p.originalLength]),
      [
        [64, 84],
        [64, 92],
        [64, 92],
        [64, 88],
      ],
    );
    const p = r.packets[0];
    assert.ok(p?.ip && p.tcp);
    assert.deepEqual(p.link, {
      kind: 'sll2',
      headerLength: 20,
      etherType: 0x0800,
      ifindex: 1,
      packetType: 0,
      srcMac: '00:00:00:00:00:00',
    });
    assert.equal(p.ip.totalLength, 64);
    assert.deepEqual([p.tcp.srcPort, p.tcp.dstPort, p.tcp.seq, p.tcp.window], [35302, 5203, 170000091, 65495]);
    // 24 of the 44 header bytes were captured: the options stop after the MSS
    assert.equal(p.tcp.headerLength, 44);
    assert.equal(toHex(p.tcp.options), '0204ffd7');
    assert.equal(p.tcp.optionsTruncated, true);
    assert.equal(p.tcp.payloadLength, 0);
    assert.equal(r.packets[2]?.tcp?.flags, 0x10);
  });
});

describe('any-sll-nano.pcap (tcpdump -i any -y LINUX_SLL --time-stamp-precision=nano)', () => {
  const r = readPcap(SLL);
  test('nanosecond magic and Linux cooked v1', () => {
    assert.equal(r.error, undefined);
    assert.equal(r.header?.precision, 'nano');
    assert.equal(r.header?.linkType, LINKTYPE.LINUX_SLL);
    assert.equal(r.packets.length, 4);
    const p = r.packets[0];
    assert.ok(p?.tcp);
    assert.equal(p.tsSec, 1795616173);
    assert.equal(p.tsNsec, 77637767);
    assert.equal(p.timestampNs, 1795616173077637767n);
    assert.deepEqual(p.link, { kind: 'sll', headerLength: 16, packetType: 0, srcMac: '00:00:00:00:00:00', etherType: 0x0800 });
    assert.deepEqual([p.tcp.srcPort, p.tcp.dstPort, p.tcp.seq, p.tcp.flags], [36774, 5204, 1465077028, 0x02]);
    assert.equal(r.packets[1]?.tcp?.flags, 0x12);
  });
});

/** The same file written big-endian (byte-swapped header fields). */
function toBigEndian(le: Buffer): Buffer {
  const out = Buffer.from(le);
  out.writeUInt32BE(le.readUInt32LE(0), 0);
  out.writeUInt16BE(le.readUInt16LE(4), 4);
  out.writeUInt16BE(le.readUInt16LE(6), 6);
  for (const o of [8, 12, 16, 20]) out.writeUInt32BE(le.readUInt32LE(o), o);
  let off = 24;
  while (off < le.length) {
    const cap = le.readUInt32LE(off + 8);
    for (let i = 0; i < 4; i++) out.writeUInt32BE(le.readUInt32LE(off + 4 * i), off + 4 * i);
    off += 16 + cap;
  }
  return out;
}

function strip(r: PcapReadResult): unknown {
  return { header: r.header ? { ...r.header, byteOrder: 'x' } : undefined, packets: r.packets, error: r.error };
}

describe('robustness', () => {
  test('big-endian files read the same', () => {
    const be = readPcap(toBigEndian(LO));
    assert.equal(be.header?.byteOrder, 'big');
    assert.deepEqual(strip(be), strip(readPcap(LO)));
  });

  test('every truncation returns the complete packets before it plus an error', () => {
    const full = readPcap(LO).packets;
    const boundaries = new Set<number>([24]);
    let off = 24;
    for (const p of full) {
      off += 16 + p.capturedLength;
      boundaries.add(off);
    }
    for (let len = 0; len < LO.length; len++) {
      const r = readPcap(LO.subarray(0, len));
      if (len < 24) {
        assert.match(r.error ?? '', /not a pcap file/);
        continue;
      }
      assert.equal(r.error === undefined, boundaries.has(len), `length ${len}: ${r.error ?? 'no error'}`);
      assert.deepEqual(r.packets, full.slice(0, r.packets.length));
      if (r.error) assert.match(r.error, new RegExp(`truncated file: packet ${r.packets.length} at offset`));
    }
  });

  test('pcapng, unknown magic and empty input are errors, not exceptions', () => {
    const ng = Buffer.alloc(28);
    ng.writeUInt32BE(0x0a0d0d0a, 0);
    assert.match(readPcap(ng).error ?? '', /pcapng is not supported/);
    assert.match(readPcap(Buffer.alloc(24, 0x41)).error ?? '', /magic 41414141/);
    assert.deepEqual(readPcap(new Uint8Array(0)), { packets: [], error: 'not a pcap file: 0 bytes, the file header alone is 24' });
  });

  test('a record claiming an absurd length stops the read', () => {
    const bad = Buffer.concat([LO.subarray(0, 24), Buffer.alloc(16)]);
    bad.writeUInt32LE(0x7fffffff, 24 + 8);
    const r = readPcap(bad);
    assert.equal(r.packets.length, 0);
    assert.match(r.error ?? '', /corrupt file: packet 0/);
  });

  test('random bytes after a valid header never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(1, 0, 101, 113, 276, 228, 229, 9999), (body, lt) => {
        const head = Buffer.from(LO.subarray(0, 24));
        head.writeUInt32LE(lt, 20);
        const r = readPcap(Buffer.concat([head, body]));
        assert.ok(Array.isArray(r.packets));
      }),
      { numRuns: 500 },
    );
  });

  test('random frames decode without throwing under every link type', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(0, 1, 101, 108, 113, 228, 229, 276), (frame, lt) => {
        const d = decodeFrame(lt, Buffer.from(frame), frame.length + 10);
        assert.ok(d.tcp !== undefined || d.note !== undefined);
      }),
      { numRuns: 2000 },
    );
  });

  test('mutated fixture packets decode without throwing', () => {
    const r = readPcap(LO);
    fc.assert(
      fc.property(fc.nat(33), fc.nat(200), fc.integer({ min: 0, max: 255 }), (i, pos, byte) => {
        const frame = Buffer.from(r.packets[i]?.data ?? Buffer.alloc(0));
        if (frame.length > 0) frame[pos % frame.length] = byte;
        decodeFrame(LINKTYPE.ETHERNET, frame);
      }),
      { numRuns: 2000 },
    );
  });
});

// Hand-built frames for what the fixtures do not contain.
function ipv4Tcp(opts: { payload?: number; ihl?: number; frag?: number; proto?: number; pad?: number } = {}): Buffer {
  const payload = opts.payload ?? 0;
  const ihl = opts.ihl ?? 20;
  const ip = Buffer.alloc(ihl);
  ip[0] = 0x40 | (ihl / 4);
  ip.writeUInt16BE(ihl + 20 + payload, 2);
  ip.writeUInt16BE(opts.frag ?? 0x4000, 6);
  ip[8] = 63;
  ip[9] = opts.proto ?? 6;
  Buffer.from([198, 18, 0, 1, 198, 18, 1, 1]).copy(ip, 12);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(1234, 0);
  tcp.writeUInt16BE(80, 2);
  tcp.writeUInt32BE(0xfffffffe, 4);
  tcp[12] = 5 << 4;
  tcp[13] = 0x18;
  return Buffer.concat([ip, tcp, Buffer.alloc(payload, 0x61), Buffer.alloc(opts.pad ?? 0)]);
}

function ether(etherType: number, body: Buffer, vlans: number[] = []): Buffer {
  const h = Buffer.alloc(12, 0x02);
  const tags = vlans.map((v) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(0x8100, 0);
    t.writeUInt16BE(v, 2);
    return t;
  });
  const et = Buffer.alloc(2);
  et.writeUInt16BE(etherType, 0);
  return Buffer.concat([h, ...tags, et, body]);
}

describe('decodeFrame on hand-built frames', () => {
  test('Ethernet padding does not count as payload', () => {
    // 14 + 40 = 54 bytes, padded to the 60-byte Ethernet minimum
    const f = ether(0x0800, ipv4Tcp({ pad: 6 }));
    const d = decodeFrame(LINKTYPE.ETHERNET, f);
    assert.equal(d.tcp?.payloadLength, 0);
    assert.equal(d.tcp?.payload.length, 0);
    assert.equal(d.tcp?.seq, 0xfffffffe);
    assert.equal(d.ip?.ttl, 63);
    assert.equal(d.link?.srcMac, '02:02:02:02:02:02');
  });

  test('802.1Q tags are skipped', () => {
    const d = decodeFrame(LINKTYPE.ETHERNET, ether(0x0800, ipv4Tcp({ payload: 3 }), [10, 20]));
    assert.deepEqual(d.link?.vlans, [10, 20]);
    assert.equal(d.link?.headerLength, 22);
    assert.equal(d.tcp?.payload.toString(), 'aaa');
  });

  test('payload length comes from the IP header even when the capture is cut', () => {
    const f = ether(0x0800, ipv4Tcp({ payload: 1000 }));
    const d = decodeFrame(LINKTYPE.ETHERNET, f.subarray(0, 80), f.length);
    assert.equal(d.tcp?.payloadLength, 1000);
    assert.equal(d.tcp?.payload.length, 80 - 54);
  });

  test('IPv4 total length 0 (TSO / BIG TCP) falls back to the frame length', () => {
    const ip = ipv4Tcp({ payload: 100 });
    ip.writeUInt16BE(0, 2);
    const d = decodeFrame(LINKTYPE.RAW, ip);
    assert.equal(d.ip?.totalLength, 140);
    assert.equal(d.tcp?.payloadLength, 100);
  });

  test('IPv4 options, fragments, other protocols', () => {
    assert.equal(decodeFrame(LINKTYPE.RAW, ipv4Tcp({ ihl: 24, payload: 2 })).tcp?.payloadLength, 2);
    const frag = decodeFrame(LINKTYPE.RAW, ipv4Tcp({ frag: 0x0010 }));
    assert.equal(frag.ip?.fragment, true);
    assert.equal(frag.tcp, undefined);
    assert.match(frag.note ?? '', /fragment/);
    const udp = decodeFrame(LINKTYPE.RAW, ipv4Tcp({ proto: 17 }));
    assert.equal(udp.tcp, undefined);
    assert.equal(udp.note, 'IP protocol 17 is not TCP');
    assert.match(decodeFrame(LINKTYPE.ETHERNET, ether(0x0806, Buffer.alloc(28))).note ?? '', /ethertype 0x0806/);
    assert.match(decodeFrame(12345, Buffer.alloc(40)).note ?? '', /link type 12345/);
  });

  test('IPv6 with a hop-by-hop and a destination-options header', () => {
    const tcp = ipv4Tcp({ payload: 4 }).subarray(20);
    const ext = Buffer.alloc(16);
    ext[0] = 60; // next: destination options
    ext[1] = 0; // 8 bytes
    ext[8] = 6; // next: TCP
    ext[9] = 0;
    const h = Buffer.alloc(40);
    h[0] = 0x60;
    h.writeUInt16BE(ext.length + tcp.length, 4);
    h[6] = 0; // hop-by-hop
    h[7] = 255;
    h[8] = 0x20;
    h[9] = 0x01;
    h[10] = 0x0d;
    h[11] = 0xb8;
    h[23] = 1;
    h[24] = 0xfe;
    h[25] = 0x80;
    h[39] = 2;
    const d = decodeFrame(LINKTYPE.ETHERNET, ether(0x86dd, Buffer.concat([h, ext, tcp])));
    assert.deepEqual(d.ip, {
      version: 6,
      src: '2001:db8::1',
      dst: 'fe80::2',
      protocol: 6,
      headerLength: 56,
      totalLength: 40 + 16 + 24,
      ttl: 255,
      fragment: false,
    });
    assert.equal(d.tcp?.payload.toString(), 'aaaa');
  });

  test('cut headers give a note, never an exception', () => {
    const f = ether(0x0800, ipv4Tcp());
    for (let len = 0; len < f.length; len++) {
      const d = decodeFrame(LINKTYPE.ETHERNET, f.subarray(0, len));
      assert.equal(d.tcp, undefined);
      assert.ok(d.note, `length ${len}`);
    }
  });
});

describe('helpers', () => {
  test('parsePcapHeader reads the FCS flag', () => {
    const h = Buffer.from(LO.subarray(0, 24));
    h.writeUInt32LE(0x14000000 | 1, 20); // FCS present, 1 × 16 bits
    const r = parsePcapHeader(h);
    assert.ok('header' in r);
    assert.equal(r.header.linkType, 1);
    assert.equal(r.header.fcsBytes, 2);
  });

  test('splitTcpOptions stops at EOL and at malformed lengths', () => {
    assert.deepEqual(
      splitTcpOptions(Buffer.from('0101000204ffff', 'hex')).map((o) => o.kind),
      [1, 1],
    );
    assert.deepEqual(splitTcpOptions(Buffer.from('020104', 'hex')), []);
    assert.deepEqual(splitTcpOptions(Buffer.from('0204ff', 'hex')), []);
    assert.deepEqual(splitTcpOptions(Buffer.from('1e', 'hex')), []);
  });
});
