// The MPTCP option codec against hand-written byte fixtures (RFC 8684 §3
// layouts), and the received-options record against the kernel's rules in
// net/mptcp/options.c (mptcp_parse_option, mptcp_get_options).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AREA_FIXTURES, OPTION_FIXTURES, fromHex } from './options-fixtures.js';
import {
  bufferLen,
  emitOption,
  emitTcpOptions,
  encodeOption,
  parseMptcpOptions,
  parseOption,
  type MptcpOption,
  type SegmentFlags,
} from '../../../engine/options.js';
import {
  OPTION_MPTCP_ADD_ADDR,
  OPTION_MPTCP_CSUMREQD,
  OPTION_MPTCP_DSS,
  OPTION_MPTCP_FASTCLOSE,
  OPTION_MPTCP_MPC_ACK,
  OPTION_MPTCP_MPC_SYN,
  OPTION_MPTCP_MPC_SYNACK,
  OPTION_MPTCP_PRIO,
  OPTION_MPTCP_RST,
  RESET_REASONS,
  hasSuboptions,
  resetReason,
  subtypeName,
} from '../../../engine/protocol.js';

const SYN: SegmentFlags = { syn: true, ack: false, rst: false, hasPayload: false };
const SYNACK: SegmentFlags = { syn: true, ack: true, rst: false, hasPayload: false };
const ACK: SegmentFlags = { syn: false, ack: true, rst: false, hasPayload: false };
const DATA: SegmentFlags = { syn: false, ack: true, rst: false, hasPayload: true };
const KEY_A = '8b 3e 1f 0c 2d 4a 59 67';
const KEY_B = 'f0 0d ca fe 12 34 56 78';

function parsed(hex: string): MptcpOption {
  const r = parseOption(fromHex(hex));
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.option;
}

function rx(hex: string, segment?: SegmentFlags) {
  return parseMptcpOptions(fromHex(hex), segment).received;
}

test('there are at least 25 option fixtures, with unique names, covering every subtype and form', () => {
  assert.ok(OPTION_FIXTURES.length >= 25, `${OPTION_FIXTURES.length} fixtures`);
  assert.equal(new Set(OPTION_FIXTURES.map((f) => f.name)).size, OPTION_FIXTURES.length);
  const forms = new Set(
    OPTION_FIXTURES.map((f) => {
      const o = f.option;
      if (o.kind === 'mp_capable') return `mpc/${bufferLen(o)}`;
      if (o.kind === 'mp_join') return `mpj/${o.form}`;
      if (o.kind === 'add_addr') return `add/v${o.address.family}/${o.echo}/${o.port !== undefined}`;
      return o.kind;
    }),
  );
  for (const want of [
    'mpc/4',
    'mpc/12',
    'mpc/20',
    'mpc/22',
    'mpc/24',
    'mpj/syn',
    'mpj/synack',
    'mpj/ack',
    'dss',
    'remove_addr',
    'mp_prio',
    'mp_fail',
    'mp_fastclose',
    'mp_tcprst',
    'unknown',
  ]) {
    assert.ok(forms.has(want), want);
  }
  for (const family of [4, 6])
    for (const echo of [true, false])
      for (const port of [true, false]) {
        assert.ok(forms.has(`add/v${family}/${echo}/${port}`), `ADD_ADDR v${family} echo=${echo} port=${port}`);
      }
});

for (const f of OPTION_FIXTURES) {
  test(`fixture ${f.name} (${f.rfc}): parse, emit, round trip`, () => {
    const bytes = fromHex(f.hex);
    assert.equal(bytes[1], bytes.length, 'the fixture length byte matches its size');
    assert.deepEqual(parseOption(bytes), { ok: true, option: f.option });
    assert.equal(bufferLen(f.option), bytes.length);
    assert.deepEqual(encodeOption(f.option), bytes);
    // Emitting at an offset writes only the option's bytes.
    const out = new Uint8Array(bytes.length + 5).fill(0xee);
    assert.equal(emitOption(f.option, out, 3), bytes.length);
    assert.deepEqual(out.subarray(3, 3 + bytes.length), bytes);
    assert.deepEqual([...out.subarray(0, 3), ...out.subarray(3 + bytes.length)], [0xee, 0xee, 0xee, 0xee, 0xee]);
  });
}

test('a parsed option does not alias the input bytes', () => {
  const bytes = fromHex('1e 10 11 00 a1 a2 a3 a4 a5 a6 a7 a8 76 54 32 10');
  const r = parseOption(bytes);
  bytes[4] = 0;
  assert.ok(r.ok && r.option.kind === 'mp_join' && r.option.form === 'synack' && r.option.hmac[0] === 0xa1);
});

test('reserved bits are ignored on parse and written as zero', () => {
  const o = parsed('1e 0c 1e 02 de ad be ef 01 23 45 67'); // MP_JOIN SYN with (rsv) = 0b111, B = 0
  assert.deepEqual(o, { kind: 'mp_join', form: 'syn', backup: false, addressId: 2, token: 0xdeadbeef, nonce: 0x01234567 });
  assert.deepEqual(encodeOption(o), fromHex('1e 0c 10 02 de ad be ef 01 23 45 67'));
  assert.deepEqual(parsed('1e 04 8f 06'), { kind: 'mp_tcprst', transient: true, reason: 6 }); // U V W set
  assert.deepEqual(parsed('1e 08 20 e1 00 00 00 01'), { kind: 'dss', dataAck: { value: 1n, bits: 32 }, dataFin: false });
});

const BAD: readonly [string, string, RegExp][] = [
  ['empty', '', /needs at least 3/],
  ['kind and length only', '1e 02', /needs at least 3/],
  ['not kind 30', '02 04 05 b4', /kind 2 is not 30/],
  ['truncated MP_JOIN SYN', '1e 0c 10 02 de ad', /truncated/],
  ['length byte shorter than the bytes', '1e 03 51 00', /length byte says 3 but 4/],
  ['MP_CAPABLE of length 5', '1e 05 01 01 00', /MP_CAPABLE: length 5/],
  ['MP_CAPABLE of length 13', `1e 0d 01 01 ${KEY_A} 00`, /MP_CAPABLE: length 13/],
  ['MP_JOIN of length 13', '1e 0d 10 02 de ad be ef 01 23 45 67 00', /MP_JOIN: length 13/],
  ['DSS shorter than its base', '1e 03 20', /DSS: length 3/],
  ['DSS ack flag without the ack', '1e 04 20 01', /flags 0x01 call for length 8 \(or 10/],
  ['DSS 64-bit mapping cut short', `1e 10 20 0c 00 00 00 01 00 00 00 00 00 00 05 a1`, /call for length 18/],
  ['DSS one byte too long', '1e 09 20 01 00 00 00 01 00', /got 9/],
  ['ADD_ADDR with HMAC at an echo length', '1e 08 30 01 c6 12 01 02', /ADD_ADDR: length 8 is none of 16 or 18/],
  ['ADD_ADDR echo at an HMAC length', '1e 10 31 01 c6 12 01 02 c1 c2 c3 c4 c5 c6 c7 c8', /ADD_ADDR echo: length 16/],
  ['REMOVE_ADDR with no ID', '1e 03 40', /REMOVE_ADDR: length 3/],
  ['MP_PRIO of length 5', '1e 05 51 07 00', /MP_PRIO: length 5/],
  ['MP_FAIL of length 11', '1e 0b 60 00 00 00 00 00 00 00 01', /MP_FAIL: length 11/],
  ['MP_FASTCLOSE of length 13', `1e 0d 70 00 ${KEY_B} 00`, /MP_FASTCLOSE: length 13/],
  ['MP_TCPRST of length 5', '1e 05 80 01 00', /MP_TCPRST: length 5/],
];

for (const [name, hex, error] of BAD) {
  test(`parseOption refuses ${name}`, () => {
    const r = parseOption(fromHex(hex));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, error);
  });
}

test('emit refuses representations with no wire form, and leaves the buffer alone', () => {
  const bad: [MptcpOption, RegExp][] = [
    [{ kind: 'mp_capable', version: 1, flags: 1, receiverKey: 1n }, /in that order/],
    [{ kind: 'mp_capable', version: 16, flags: 1 }, /version: 16/],
    [{ kind: 'mp_capable', version: 1, flags: 1, senderKey: 1n << 64n }, /senderKey/],
    [{ kind: 'mp_join', form: 'ack', hmac: new Uint8Array(8) }, /8 bytes, expected 20/],
    [{ kind: 'mp_join', form: 'syn', backup: false, addressId: 256, token: 0, nonce: 0 }, /addressId/],
    [{ kind: 'dss', dataAck: { value: 1n << 32n, bits: 32 }, dataFin: false }, /dataAck/],
    [
      { kind: 'dss', mapping: { dsn: { value: 0n, bits: 64 }, subflowSeq: 0, dataLen: 0 }, dataFin: false, ignoredTrailer: 0 },
      /ignoredTrailer/,
    ],
    [
      { kind: 'add_addr', echo: true, addressId: 1, address: { family: 4, bytes: new Uint8Array(4) }, hmac: new Uint8Array(8) },
      /echo carries no hmac/,
    ],
    [
      { kind: 'add_addr', echo: false, addressId: 1, address: { family: 6, bytes: new Uint8Array(4) }, hmac: new Uint8Array(8) },
      /IPv6 address: 4 bytes/,
    ],
    [{ kind: 'remove_addr', ids: [] }, /0 IDs/],
    [{ kind: 'mp_tcprst', transient: false, reason: 300 }, /reason/],
    [{ kind: 'unknown', subtype: 2, bytes: fromHex('1e 03 20') }, /DSS, not an unknown one/],
    [{ kind: 'unknown', subtype: 9, bytes: fromHex('1e 04 90') }, /whole option/],
  ];
  for (const [o, error] of bad) {
    const out = new Uint8Array(40).fill(0xee);
    assert.throws(
      () => emitOption(o, out),
      (e: unknown) => e instanceof RangeError && error.test(e.message),
      JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
    assert.ok(
      out.every((b) => b === 0xee),
      'out untouched',
    );
  }
  assert.throws(() => emitOption({ kind: 'mp_prio', backup: true }, new Uint8Array(4), 2), /do not fit at offset 2/);
});

for (const f of AREA_FIXTURES) {
  test(`options area: ${f.name}`, () => {
    const area = fromHex(f.hex);
    assert.ok(area.length <= 40, 'fits a TCP header');
    const { received, options } = parseMptcpOptions(area, f.segment);
    assert.equal(received.suboptions, f.suboptions);
    assert.deepEqual(emitTcpOptions(options), area);
    assert.ok(options.every((o) => o.kind !== 'mptcp-invalid' && o.kind !== 'unparsed'));
  });
}

test('the received record carries the fields, like struct mptcp_options_received', () => {
  const [syn, third, firstData, data, addAddr, rmAddr, prio, rst] = AREA_FIXTURES.map(
    (f) => parseMptcpOptions(fromHex(f.hex), f.segment).received,
  );
  assert.equal(syn.denyJoinId0, false);
  assert.equal(third.sndrKey, 0x8b3e1f0c2d4a5967n);
  assert.equal(third.rcvrKey, 0xf00dcafe12345678n);
  assert.deepEqual(
    [firstData.useMap, firstData.mpcMap, firstData.useAck, firstData.dataLen, firstData.csum],
    [true, true, false, 1500, 0xabcd],
  );
  assert.deepEqual(
    [
      data.useAck,
      data.ack64,
      data.dataAck,
      data.useMap,
      data.dsn64,
      data.dataSeq,
      data.subflowSeq,
      data.dataLen,
      data.mpcMap,
      data.dataFin,
    ],
    [true, true, 0x100001000n, true, true, 1n << 32n, 1, 1440, false, false],
  );
  assert.ok(!hasSuboptions(data, OPTION_MPTCP_CSUMREQD));
  assert.deepEqual(addAddr.addr, { id: 2, family: 4, bytes: fromHex('c6 12 02 02'), port: 8080 });
  assert.deepEqual([addAddr.echo, addAddr.ahmac], [false, fromHex('c1 c2 c3 c4 c5 c6 c7 c8')]);
  assert.deepEqual(rmAddr.rmList, [1, 2, 3]);
  assert.equal(prio.backup, true);
  assert.deepEqual([rst.rcvrKey, rst.resetReason, rst.resetTransient], [0xf00dcafe12345678n, 1, false]);
});

test('MP_CAPABLE: the TCP flags pick the one acceptable length', () => {
  const synAck = `1e 0c 01 01 ${KEY_A}`;
  assert.equal(rx(synAck, SYNACK).suboptions, OPTION_MPTCP_MPC_SYNACK);
  assert.equal(rx(synAck, SYN).suboptions, 0, 'a key on a SYN is MPTCP v0, ignored');
  assert.equal(rx(synAck).suboptions, OPTION_MPTCP_MPC_SYNACK, 'no segment: the length decides');
  const ackNoData = `1e 14 01 01 ${KEY_A} ${KEY_B}`;
  assert.equal(rx(ackNoData, ACK).suboptions, OPTION_MPTCP_MPC_ACK);
  assert.equal(rx(ackNoData, DATA).suboptions, 0, 'payload needs the data-level length');
  const ackData = `1e 16 01 01 ${KEY_A} ${KEY_B} 05 dc | 01 01`;
  assert.equal(rx(ackData, ACK).suboptions, 0);
  assert.equal(rx(ackData, DATA).suboptions, OPTION_MPTCP_MPC_ACK | OPTION_MPTCP_DSS);
});

test('MP_CAPABLE: version 1 only (>= 1 on a SYN), flag H, no B, no D..G', () => {
  assert.equal(rx('1e 04 00 01', SYN).suboptions, 0, 'v0 SYN');
  assert.equal(rx('1e 04 02 01', SYN).suboptions, OPTION_MPTCP_MPC_SYN, 'a future version on the SYN is let through');
  assert.equal(rx(`1e 0c 02 01 ${KEY_A}`, SYNACK).suboptions, 0, 'but not on the SYN/ACK');
  assert.equal(rx('1e 04 01 00', SYN).suboptions, 0, 'no H');
  assert.equal(rx('1e 04 01 41', SYN).suboptions, 0, 'B (extensibility)');
  assert.equal(rx('1e 04 01 11', SYN).suboptions, 0, 'D');
  const aAndC = rx('1e 04 01 a1', SYN);
  assert.equal(aAndC.suboptions, OPTION_MPTCP_MPC_SYN | OPTION_MPTCP_CSUMREQD);
  assert.equal(aAndC.denyJoinId0, true);
});

test('MP_TCPRST counts only on a RST; the reason keeps 4 bits', () => {
  assert.equal(rx('1e 04 80 01', ACK).suboptions, 0);
  assert.equal(rx('1e 04 80 01').suboptions, OPTION_MPTCP_RST);
  assert.equal(rx('1e 04 81 12', { ...ACK, rst: true }).resetReason, 0x2);
});

test('options the codec reads but the kernel ignores', () => {
  const nine = '1e 0c 40 01 02 03 04 05 06 07 08 09';
  assert.ok(parseOption(fromHex(nine)).ok, 'RFC: any number of IDs');
  assert.equal(rx(nine, ACK).suboptions, 0, 'kernel: at most MPTCP_RM_IDS_MAX');
  assert.ok(parseOption(fromHex('1e 04 51 07')).ok);
  assert.equal(rx('1e 04 51 07', ACK).suboptions, 0, 'kernel: MP_PRIO is length 3');
});

test('repeated suboptions: later fields win, bits add up, shared fields are shared', () => {
  const twoAcks = rx('1e 08 20 01 00 00 00 01 | 1e 08 20 01 00 00 00 02', ACK);
  assert.deepEqual([twoAcks.suboptions, twoAcks.dataAck], [OPTION_MPTCP_DSS, 2n]);

  const mpcThenDss = rx(`1e 16 01 01 ${KEY_A} ${KEY_B} 05 dc | 1e 08 20 01 00 00 00 07`, DATA);
  assert.deepEqual([mpcThenDss.mpcMap, mpcThenDss.useMap, mpcThenDss.useAck, mpcThenDss.dataAck], [false, false, true, 7n]);

  const dssThenMpc = rx(`1e 08 20 01 00 00 00 07 | 1e 16 01 01 ${KEY_A} ${KEY_B} 05 dc`, DATA);
  assert.deepEqual([dssThenMpc.mpcMap, dssThenMpc.useMap, dssThenMpc.useAck], [true, true, false]);

  const fastcloseKey = rx(`1e 14 01 01 ${KEY_A} ${KEY_B} | 1e 0c 70 00 00 00 00 00 00 00 00 2a`, ACK);
  assert.equal(fastcloseKey.suboptions, OPTION_MPTCP_MPC_ACK | OPTION_MPTCP_FASTCLOSE);
  assert.equal(fastcloseKey.rcvrKey, 42n);

  const joinThenPrio = rx('1e 0c 11 02 00 00 00 01 00 00 00 02 | 1e 03 50 01');
  assert.equal(joinThenPrio.backup, false, 'MP_PRIO overwrote the MP_JOIN backup bit');
});

test('a malformed DSS or ADD_ADDR still overwrites the flag fields (kernel parses them before the length check)', () => {
  const r = rx('1e 08 20 01 00 00 00 05 | 1e 05 20 04 00', ACK);
  assert.equal(r.suboptions, OPTION_MPTCP_DSS, 'the second DSS is not seen...');
  assert.deepEqual([r.useAck, r.useMap, r.dataAck], [false, true, 5n], "...but its flags replaced the first one's");

  const echo = rx('1e 10 30 01 c6 12 01 02 c1 c2 c3 c4 c5 c6 c7 c8 | 1e 05 31 00 00', ACK);
  assert.deepEqual([echo.suboptions, echo.echo], [OPTION_MPTCP_ADD_ADDR, true]);
});

test('the walk: NOPs, other options, EOL, silly and partial lengths', () => {
  const afterEol = parseMptcpOptions(fromHex('01 01 00 | 1e 03 51 00 00'));
  assert.equal(afterEol.received.suboptions, 0, 'nothing after EOL is read');
  assert.deepEqual(afterEol.options, [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'eol', padding: fromHex('1e 03 51 00 00') }]);

  const silly = parseMptcpOptions(fromHex('1e 03 51 | 08 01 1e 03 50'));
  assert.equal(silly.received.suboptions, OPTION_MPTCP_PRIO);
  assert.deepEqual(silly.options.at(-1), { kind: 'unparsed', bytes: fromHex('08 01 1e 03 50') });

  const partial = parseMptcpOptions(fromHex('1e 03 51 | 1e 0c 70 00 01 02'));
  assert.deepEqual(partial.options.at(-1), { kind: 'unparsed', bytes: fromHex('1e 0c 70 00 01 02') });

  const lone = parseMptcpOptions(fromHex('01 1e'));
  assert.deepEqual(lone.options, [{ kind: 'nop' }, { kind: 'unparsed', bytes: fromHex('1e') }]);

  const invalid = parseMptcpOptions(fromHex('1e 02 | 1e 05 51 00 00'));
  assert.equal(invalid.received.suboptions, 0);
  assert.deepEqual(
    invalid.options.map((o) => o.kind),
    ['mptcp-invalid', 'mptcp-invalid'],
  );
  for (const area of ['01 00 00 00', '1e 03 51 | 08 01 1e 03 50', '1e 02 | 1e 05 51 00 00', '02 04 05 b4 01 03 03 07']) {
    assert.deepEqual(emitTcpOptions(parseMptcpOptions(fromHex(area)).options), fromHex(area));
  }
});

test('protocol vocabulary: subtype names and reset reasons', () => {
  assert.deepEqual([0, 2, 4, 8, 0xf, 9].map(subtypeName), [
    'MP_CAPABLE',
    'DSS',
    'REMOVE_ADDR',
    'MP_TCPRST',
    'MP_EXPERIMENTAL',
    'subtype 0x9',
  ]);
  assert.deepEqual(
    RESET_REASONS.map((r) => r.code),
    [0, 1, 2, 3, 4, 5, 6],
  );
  assert.equal(resetReason(6)?.name, 'MPTCP_RST_EMIDDLEBOX');
  assert.equal(resetReason(4)?.meaning, 'Too much outstanding data');
  assert.equal(resetReason(7), undefined);
});
