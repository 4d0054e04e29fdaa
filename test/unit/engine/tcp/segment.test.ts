import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  emitSegment,
  flagsFromByte,
  flagsToByte,
  NO_FLAGS,
  optionsLen,
  parseSegment,
  segmentLen,
  tcpFlags,
  TcpHeaderView,
  type TcpOption,
  type TcpSegment,
} from '../../../../engine/tcp/segment.js';
import { setTcpChecksum } from '../../../../engine/tcp/segment-checksum.js';
import { CAPTURED, hex, LINUX_DSS_FIN_V4, LINUX_MPC_ACK_DATA_V4, LINUX_SYN_V4, ODD_OPTIONS, SACK_ACK } from './fixtures.js';

function parsed(bytes: Uint8Array): TcpSegment {
  const r = parseSegment(bytes);
  assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.error}`);
  return r.segment;
}

/** The bytes with the checksum field zeroed (what emitSegment writes). */
function zeroChecksum(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  b[16] = 0;
  b[17] = 0;
  return b;
}

const empty = new Uint8Array(0);

describe('parseSegment / emitSegment: fixtures', () => {
  test('Linux SYN with MSS, SACK-permitted, timestamps, window scale and MP_CAPABLE', () => {
    const seg = parsed(LINUX_SYN_V4);
    assert.deepEqual(seg, {
      srcPort: 50054,
      dstPort: 5556,
      seq: 1320786137,
      ack: 0,
      flags: tcpFlags({ syn: true }),
      window: 64240,
      options: [
        { kind: 'mss', mss: 1460 },
        { kind: 'sackPermitted' },
        { kind: 'timestamps', tsVal: 1441495466, tsEcr: 0 },
        { kind: 'wscale', shift: 10 },
        { kind: 'mptcp', bytes: hex('1e04 0101') },
      ],
      payload: empty,
    });
    const out = emitSegment(seg);
    assert.deepEqual(out, zeroChecksum(LINUX_SYN_V4), 'same bytes, checksum left zero');
    setTcpChecksum('198.18.1.1', '198.18.1.2', out);
    assert.deepEqual(out, LINUX_SYN_V4, 'and with the checksum filled, exactly what Linux sent');
    assert.equal(segmentLen(seg), 44);
  });

  test('MP_CAPABLE ACK with data: MPTCP option padded after, payload kept', () => {
    const seg = parsed(LINUX_MPC_ACK_DATA_V4);
    assert.deepEqual(seg.flags, tcpFlags({ ack: true, psh: true }));
    assert.deepEqual(seg.options, [
      { kind: 'timestamps', tsVal: 0x55eb79aa, tsEcr: 0x5f48f58a },
      { kind: 'mptcp', bytes: hex('1e16 0101 35806d1e37c021d3 da4584a648352cb9 0005') },
    ]);
    assert.equal(new TextDecoder().decode(seg.payload), 'hello');
    assert.deepEqual(emitSegment(seg), zeroChecksum(LINUX_MPC_ACK_DATA_V4));
  });

  test('every captured Linux segment comes back byte for byte', () => {
    for (const c of CAPTURED) {
      const out = emitSegment(parsed(c.bytes));
      setTcpChecksum(c.src, c.dst, out);
      assert.deepEqual(out, c.bytes, c.what);
    }
    assert.deepEqual(emitSegment(parsed(LINUX_DSS_FIN_V4)), zeroChecksum(LINUX_DSS_FIN_V4));
  });

  test('ACK with three SACK blocks (40 bytes of options), one across the wrap', () => {
    const seg = parsed(SACK_ACK);
    assert.deepEqual(seg.options, [
      { kind: 'timestamps', tsVal: 0x5f48f58a, tsEcr: 0x55eb79aa },
      {
        kind: 'sack',
        blocks: [
          { left: 0x4eb99a00, right: 0x4eb99c00 },
          { left: 0xffffff00, right: 0x00000100 },
          { left: 0x4eb9a000, right: 0x4eb9a100 },
        ],
      },
    ]);
    assert.equal(optionsLen(seg.options), 40);
    assert.deepEqual(emitSegment(seg), SACK_ACK);
  });

  test('a known option with a wrong length and an unknown option are kept raw; URG pointer kept', () => {
    const seg = parsed(ODD_OPTIONS);
    assert.deepEqual(seg, {
      srcPort: 80,
      dstPort: 8080,
      seq: 1,
      ack: 2,
      flags: tcpFlags({ urg: true, ack: true, psh: true, fin: true }),
      window: 0xffff,
      urgentPointer: 7,
      options: [
        { kind: 'unknown', bytes: hex('020305') },
        { kind: 'unknown', bytes: hex('fd04abcd') },
      ],
      payload: hex('6869'),
    });
    // Not the canonical layout, so the bytes differ, but the meaning survives.
    const again = emitSegment(seg);
    assert.deepEqual(again, hex('0050 1f90 00000001 00000002 7039 ffff 0000 0007 01 020305 fd04abcd 6869'));
    assert.deepEqual(parsed(again), seg);
  });

  test('the checked view reads the fixed header without parsing options', () => {
    const r = TcpHeaderView.check(SACK_ACK);
    assert.ok(r.ok);
    const v = r.view;
    assert.equal(v.srcPort, 5556);
    assert.equal(v.headerLen, 60);
    assert.equal(v.flagsByte, 0x10);
    assert.equal(v.optionsBytes.length, 40);
    assert.equal(v.payload.length, 0);
    assert.equal(v.reserved, 0);
  });

  test('payload and raw options are views into the input (no copy)', () => {
    const bytes = LINUX_MPC_ACK_DATA_V4.slice();
    const seg = parsed(bytes);
    assert.equal(seg.payload.buffer, bytes.buffer);
  });
});

describe('parseSegment: malformed bytes are errors, not exceptions', () => {
  const header = (doffByte: number, options: number[], total?: number): Uint8Array => {
    const b = new Uint8Array(total ?? 20 + options.length);
    b[12] = doffByte;
    b.set(options, 20);
    return b;
  };
  const cases: { name: string; bytes: Uint8Array; code: string; message: RegExp }[] = [
    { name: 'shorter than a header', bytes: new Uint8Array(19), code: 'truncated', message: /needs 20 bytes, got 19/ },
    { name: 'data offset below 5', bytes: header(0x40, []), code: 'bad-data-offset', message: /data offset 4 words/ },
    { name: 'data offset past the end', bytes: header(0x60, []), code: 'bad-data-offset', message: /runs past the 20 bytes/ },
    { name: 'option length 1', bytes: header(0x60, [2, 1, 0, 0]), code: 'bad-option-length', message: /length 1 \(at least 2\)/ },
    { name: 'option length 0', bytes: header(0x60, [1, 8, 0, 0]), code: 'bad-option-length', message: /kind 8 at byte 21 has length 0/ },
    {
      name: 'option past the header',
      bytes: header(0x60, [1, 1, 8, 10], 40),
      code: 'option-past-header',
      message: /length 10, past the end of the header at byte 24/,
    },
    { name: 'kind without a length byte', bytes: header(0x60, [1, 1, 1, 2]), code: 'option-past-header', message: /no length byte/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = parseSegment(c.bytes);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.code, c.code);
      assert.match(r.error, c.message);
    });
  }

  test('bytes after EOL are padding, whatever they hold', () => {
    const seg = parsed(header(0x70, [2, 4, 5, 0xb4, 0, 0xff, 0x13, 0x01]));
    assert.deepEqual(seg.options, [{ kind: 'mss', mss: 1460 }]);
  });
});

describe('emitSegment: programming errors throw', () => {
  const base: TcpSegment = { srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: NO_FLAGS, window: 5, options: [], payload: empty };

  test('more than 40 bytes of options', () => {
    const sack: TcpOption = { kind: 'sack', blocks: [1, 2, 3, 4, 5].map((i) => ({ left: i, right: i + 1 })) };
    assert.throws(() => emitSegment({ ...base, options: [sack] }), /44 bytes of TCP options \(padded to 4\); at most 40 fit in the header/);
    const tooMuch: TcpOption[] = [
      { kind: 'mss', mss: 1460 },
      { kind: 'timestamps', tsVal: 1, tsEcr: 2 },
      { kind: 'wscale', shift: 7 },
      { kind: 'sack', blocks: [1, 2, 3].map((i) => ({ left: i, right: i + 1 })) },
    ];
    assert.throws(() => emitSegment({ ...base, options: tooMuch }), RangeError);
    assert.throws(() => segmentLen({ ...base, options: tooMuch }), /at most 40/);
  });

  test('out-of-range fields and impossible options', () => {
    assert.throws(() => emitSegment({ ...base, srcPort: 65536 }), /source port must be an integer in \[0, 65535\], got 65536/);
    assert.throws(() => emitSegment({ ...base, seq: -1 }), /sequence number/);
    assert.throws(() => emitSegment({ ...base, seq: 2 ** 32 }), /sequence number/);
    assert.throws(() => emitSegment({ ...base, window: 1.5 }), /window/);
    assert.throws(() => emitSegment({ ...base, options: [{ kind: 'sack', blocks: [] }] }), /at least one block/);
    assert.throws(() => emitSegment({ ...base, options: [{ kind: 'unknown', bytes: hex('0102') }] }), /EOL\/NOP/);
    assert.throws(() => emitSegment({ ...base, options: [{ kind: 'unknown', bytes: hex('fd05abcd') }] }), /length byte 5 but 4 bytes/);
    assert.throws(() => emitSegment({ ...base, options: [{ kind: 'mptcp', bytes: hex('1f04 0101') }] }), /must start with kind 30, got 31/);
    assert.throws(() => emitSegment({ ...base, options: [{ kind: 'mptcp', bytes: hex('1e') }] }), /2 to 255 bytes, got 1/);
    assert.throws(() => emitSegment({ ...base, options: [{ kind: 'mss', mss: 70000 }] }), /MSS/);
  });

  test('into a buffer: too small throws, big enough gets a view', () => {
    const seg: TcpSegment = { ...base, payload: hex('0102 0304') };
    assert.throws(() => emitSegment(seg, new Uint8Array(23)), /output buffer has 23 bytes, the segment needs 24/);
    const buf = new Uint8Array(64).fill(0xee);
    const out = emitSegment(seg, buf);
    assert.equal(out.buffer, buf.buffer);
    assert.equal(out.length, 24);
    assert.deepEqual(out, emitSegment(seg));
  });

  test('options that only fit packed are packed, with EOL padding at the end', () => {
    const options: TcpOption[] = [
      { kind: 'mss', mss: 1460 },
      { kind: 'wscale', shift: 7 },
      { kind: 'mptcp', bytes: Uint8Array.of(30, 21, ...new Uint8Array(19).fill(0x11)) },
      { kind: 'timestamps', tsVal: 1, tsEcr: 2 },
    ];
    const seg: TcpSegment = { ...base, options };
    const out = emitSegment(seg);
    assert.equal(out.length, 60);
    assert.deepEqual(out.subarray(20, 27), hex('0204 05b4 030307'));
    assert.equal(out[27], 30);
    assert.deepEqual(out.subarray(58, 60), hex('0000'));
    assert.deepEqual(parsed(out), seg);
  });
});

// --- properties ---

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
/** Records with Object.prototype, like the parser's output (deepStrictEqual compares prototypes). */
const plain = { noNullPrototype: true } as const;
const u16 = fc.integer({ min: 0, max: 0xffff });

/** kind, length = 2 + data.length, data: a raw option's bytes. */
function rawOption(kind: number, data: Uint8Array): Uint8Array {
  return Uint8Array.of(kind, data.length + 2, ...data);
}

/** A raw option that parse would not turn into a known one. */
const unknownOption: fc.Arbitrary<TcpOption> = fc
  .tuple(fc.integer({ min: 2, max: 255 }), fc.uint8Array({ maxLength: 20 }))
  .filter(([type, data]) => {
    const n = data.length;
    if (type === 30) return false;
    if (type === 2) return n !== 2;
    if (type === 3) return n !== 1;
    if (type === 4) return n !== 0;
    if (type === 5) return n === 0 || n % 8 !== 0;
    if (type === 8) return n !== 8;
    return true;
  })
  .map(([type, data]) => ({ kind: 'unknown' as const, bytes: rawOption(type, data) }));

const option: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.record({ kind: fc.constant('mss' as const), mss: u16 }, plain),
  fc.record({ kind: fc.constant('wscale' as const), shift: fc.integer({ min: 0, max: 255 }) }, plain),
  fc.constant({ kind: 'sackPermitted' as const }),
  fc.record(
    { kind: fc.constant('sack' as const), blocks: fc.array(fc.record({ left: u32, right: u32 }, plain), { minLength: 1, maxLength: 4 }) },
    plain,
  ),
  fc.record({ kind: fc.constant('timestamps' as const), tsVal: u32, tsEcr: u32 }, plain),
  fc.uint8Array({ maxLength: 30 }).map((data) => ({ kind: 'mptcp' as const, bytes: rawOption(30, data) })),
  unknownOption,
);

const flags = fc.record(
  {
    syn: fc.boolean(),
    ack: fc.boolean(),
    fin: fc.boolean(),
    rst: fc.boolean(),
    psh: fc.boolean(),
    urg: fc.boolean(),
    ece: fc.boolean(),
    cwr: fc.boolean(),
  },
  plain,
);

function fits(options: readonly TcpOption[]): boolean {
  try {
    optionsLen(options);
    return true;
  } catch {
    return false;
  }
}

const segment: fc.Arbitrary<TcpSegment> = fc.record(
  {
    srcPort: u16,
    dstPort: u16,
    seq: u32,
    ack: u32,
    flags,
    window: u16,
    urgentPointer: fc.integer({ min: 1, max: 0xffff }),
    options: fc.array(option, { maxLength: 6 }).filter(fits),
    payload: fc.uint8Array({ maxLength: 64 }),
  },
  { requiredKeys: ['srcPort', 'dstPort', 'seq', 'ack', 'flags', 'window', 'options', 'payload'], noNullPrototype: true },
);

describe('properties', () => {
  test('parse(emit(x)) = x, and segmentLen is the emitted length', () => {
    fc.assert(
      fc.property(segment, (seg) => {
        const bytes = emitSegment(seg);
        assert.equal(bytes.length, segmentLen(seg));
        assert.deepEqual(parsed(bytes), seg);
      }),
      { numRuns: 2000 },
    );
  });

  test('emit is stable: emit(parse(emit(x))) = emit(x)', () => {
    fc.assert(
      fc.property(segment, (seg) => {
        const bytes = emitSegment(seg);
        assert.deepEqual(emitSegment(parsed(bytes)), bytes);
      }),
    );
  });

  test('arbitrary bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const r = parseSegment(bytes);
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 5000 },
    );
  });

  test('hostile headers (any data offset, random option bytes) never throw; what parses re-emits to the same meaning', () => {
    const hostile = fc
      .tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 0, max: 15 }), fc.uint8Array({ maxLength: 60 }))
      .map(([h, doff, rest]) => {
        const b = new Uint8Array(20 + rest.length);
        b.set(h);
        b[12] = (doff << 4) | (h[12] & 0x0f);
        b.set(rest, 20);
        return b;
      });
    let ok = 0;
    fc.assert(
      fc.property(hostile, (bytes) => {
        const r = parseSegment(bytes);
        if (!r.ok) return;
        ok += 1;
        const again = emitSegment(r.segment);
        assert.deepEqual(parsed(again), r.segment);
        assert.equal(again.length - r.segment.payload.length <= 60, true);
      }),
      { numRuns: 5000 },
    );
    assert.ok(ok > 100, `only ${ok} hostile inputs parsed; the generator should reach the option parser`);
  });
});

describe('tcpFlags', () => {
  test('a full record of the flags given, the others clear; one shared frozen record per combination', () => {
    const synAck = tcpFlags({ syn: true, ack: true });
    assert.deepEqual(synAck, { ...NO_FLAGS, syn: true, ack: true });
    assert.ok(Object.isFrozen(synAck));
    assert.equal(tcpFlags({ ack: true, syn: true }), synAck);
    assert.equal(flagsFromByte(0x12), synAck);
    assert.deepEqual(tcpFlags({}), NO_FLAGS);
  });

  test('header byte 13 round-trips through the records', () => {
    for (let b = 0; b < 256; b += 1) assert.equal(flagsToByte(flagsFromByte(b)), b);
  });
});
