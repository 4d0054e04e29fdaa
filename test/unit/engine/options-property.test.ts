// Property tests for the MPTCP option codec: every representation survives
// emit → parse unchanged, and no bytes, however hostile, make a parser throw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AREA_FIXTURES, OPTION_FIXTURES, fromHex } from './options-fixtures.js';
import {
  bufferLen,
  emitTcpOptions,
  encodeDss,
  encodeOption,
  parseMptcpOptions,
  parseOption,
  receiveMptcpOptions,
  type AddAddr,
  type Dss,
  type MpCapable,
  type MpFail,
  type MpFastclose,
  type MpJoin,
  type MpPrio,
  type MpTcpRst,
  type MptcpOption,
  type RemoveAddr,
  type SegmentFlags,
  type SeqNum,
  type TcpOption,
  type UnknownOption,
} from '../../../engine/options.js';

const RUNS = { numRuns: 300 };
// Records with Object.prototype, as the parser builds them (deepEqual compares prototypes).
const PLAIN = { noNullPrototype: true } as const;

// --- Arbitraries, one per option type.
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const seqNum: fc.Arbitrary<SeqNum> = fc.oneof(
  fc.record({ value: fc.bigInt({ min: 0n, max: 0xffffffffn }), bits: fc.constant(32 as const) }, PLAIN),
  fc.record({ value: u64, bits: fc.constant(64 as const) }, PLAIN),
);

const mpCapable: fc.Arbitrary<MpCapable> = fc
  .record({
    version: fc.integer({ min: 0, max: 15 }),
    flags: u8,
    fields: fc.integer({ min: 0, max: 4 }),
    senderKey: u64,
    receiverKey: u64,
    dataLen: u16,
    checksum: u16,
  })
  .map((r) => ({
    kind: 'mp_capable',
    version: r.version,
    flags: r.flags,
    ...(r.fields >= 1 ? { senderKey: r.senderKey } : {}),
    ...(r.fields >= 2 ? { receiverKey: r.receiverKey } : {}),
    ...(r.fields >= 3 ? { dataLen: r.dataLen } : {}),
    ...(r.fields >= 4 ? { checksum: r.checksum } : {}),
  }));

const mpJoin: fc.Arbitrary<MpJoin> = fc.oneof(
  fc.record(
    {
      kind: fc.constant('mp_join' as const),
      form: fc.constant('syn' as const),
      backup: fc.boolean(),
      addressId: u8,
      token: u32,
      nonce: u32,
    },
    PLAIN,
  ),
  fc.record(
    {
      kind: fc.constant('mp_join' as const),
      form: fc.constant('synack' as const),
      backup: fc.boolean(),
      addressId: u8,
      hmac: bytesOf(8),
      nonce: u32,
    },
    PLAIN,
  ),
  fc.record({ kind: fc.constant('mp_join' as const), form: fc.constant('ack' as const), hmac: bytesOf(20) }, PLAIN),
);

const dss: fc.Arbitrary<Dss> = fc
  .record(
    {
      dataAck: seqNum,
      mapping: fc.record(
        { dsn: seqNum, subflowSeq: u32, dataLen: u16, checksum: u16 },
        { requiredKeys: ['dsn', 'subflowSeq', 'dataLen'], noNullPrototype: true },
      ),
      dataFin: fc.boolean(),
      ignoredTrailer: u16,
    },
    { requiredKeys: ['dataFin'], noNullPrototype: true },
  )
  // The trailer exists only without a mapping (a mapping has its checksum there).
  .map(({ ignoredTrailer, ...rest }) => ({
    kind: 'dss',
    ...rest,
    ...(rest.mapping === undefined && ignoredTrailer !== undefined ? { ignoredTrailer } : {}),
  }));

const addAddr: fc.Arbitrary<AddAddr> = fc
  .record({
    echo: fc.boolean(),
    addressId: u8,
    v6: fc.boolean(),
    v4bytes: bytesOf(4),
    v6bytes: bytesOf(16),
    port: fc.option(u16, { nil: undefined }),
    hmac: bytesOf(8),
  })
  .map((r) => ({
    kind: 'add_addr',
    echo: r.echo,
    addressId: r.addressId,
    address: r.v6 ? { family: 6, bytes: r.v6bytes } : { family: 4, bytes: r.v4bytes },
    ...(r.port !== undefined ? { port: r.port } : {}),
    ...(r.echo ? {} : { hmac: r.hmac }),
  }));

const removeAddr: fc.Arbitrary<RemoveAddr> = fc.array(u8, { minLength: 1, maxLength: 40 }).map((ids) => ({ kind: 'remove_addr', ids }));

const mpPrio: fc.Arbitrary<MpPrio> = fc
  .record({ backup: fc.boolean(), addressId: u8 }, { requiredKeys: ['backup'], noNullPrototype: true })
  .map((r) => ({ kind: 'mp_prio', ...r }));

const mpFail: fc.Arbitrary<MpFail> = u64.map((dsn) => ({ kind: 'mp_fail', dsn }));
const mpFastclose: fc.Arbitrary<MpFastclose> = u64.map((receiverKey) => ({ kind: 'mp_fastclose', receiverKey }));
const mpTcpRst: fc.Arbitrary<MpTcpRst> = fc.record({ transient: fc.boolean(), reason: u8 }).map((r) => ({ kind: 'mp_tcprst', ...r }));

const unknown: fc.Arbitrary<UnknownOption> = fc
  .record({ subtype: fc.integer({ min: 9, max: 15 }), low: fc.integer({ min: 0, max: 15 }), body: fc.uint8Array({ maxLength: 37 }) })
  .map(({ subtype, low, body }) => ({
    kind: 'unknown',
    subtype,
    bytes: Uint8Array.of(30, 3 + body.length, (subtype << 4) | low, ...body),
  }));

const anyOption: fc.Arbitrary<MptcpOption> = fc.oneof(
  mpCapable,
  mpJoin,
  dss,
  addAddr,
  removeAddr,
  mpPrio,
  mpFail,
  mpFastclose,
  mpTcpRst,
  unknown,
);

const segment: fc.Arbitrary<SegmentFlags | undefined> = fc.option(
  fc.record({ syn: fc.boolean(), ack: fc.boolean(), rst: fc.boolean(), hasPayload: fc.boolean() }, PLAIN),
  { nil: undefined },
);

/** Bytes that look like an MPTCP option: kind 30, a matching length, any subtype and body. */
const plausibleOption = fc
  .record({ subtypeByte: u8, body: fc.uint8Array({ maxLength: 40 }) })
  .map(({ subtypeByte, body }) => Uint8Array.of(30, 3 + body.length, subtypeByte, ...body));

/** parseOption must not throw, and what it accepts must re-emit to a stable, same-length form. */
function checkParse(bytes: Uint8Array): void {
  const first = parseOption(bytes);
  if (!first.ok) return;
  const again = encodeOption(first.option);
  assert.equal(again.length, bytes.length);
  assert.deepEqual(parseOption(again), first);
}

// --- Representation → bytes → representation.
for (const [name, arb] of [
  ['MP_CAPABLE', mpCapable],
  ['MP_JOIN', mpJoin],
  ['DSS', dss],
  ['ADD_ADDR', addAddr],
  ['REMOVE_ADDR', removeAddr],
  ['MP_PRIO', mpPrio],
  ['MP_FAIL', mpFail],
  ['MP_FASTCLOSE', mpFastclose],
  ['MP_TCPRST', mpTcpRst],
  ['unknown subtypes', unknown],
] as const) {
  test(`${name}: parse(emit(x)) deep-equals x`, () => {
    fc.assert(
      fc.property(arb as fc.Arbitrary<MptcpOption>, (o) => {
        const bytes = encodeOption(o);
        assert.equal(bytes.length, bufferLen(o));
        assert.equal(bytes[1], bytes.length);
        assert.deepEqual(parseOption(bytes), { ok: true, option: o });
      }),
      RUNS,
    );
  });
}

test('a list of options survives emitTcpOptions → parseMptcpOptions', () => {
  const other = fc
    .record({ kind: fc.integer({ min: 2, max: 255 }).filter((k) => k !== 30), data: fc.uint8Array({ maxLength: 10 }) })
    .map(({ kind, data }): TcpOption => ({ kind: 'other', bytes: Uint8Array.of(kind, 2 + data.length, ...data) }));
  const entry: fc.Arbitrary<TcpOption> = fc.oneof(
    { arbitrary: anyOption.map((option): TcpOption => ({ kind: 'mptcp', option })), weight: 3 },
    { arbitrary: fc.constant<TcpOption>({ kind: 'nop' }), weight: 1 },
    { arbitrary: other, weight: 1 },
  );
  const eol = fc.option(
    fc.nat({ max: 3 }).map((n): TcpOption => ({ kind: 'eol', padding: new Uint8Array(n) })),
    { nil: undefined },
  );
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 6 }), eol, segment, (list, end, seg) => {
      const options = end ? [...list, end] : list;
      assert.deepEqual(parseMptcpOptions(emitTcpOptions(options), seg).options, options);
    }),
    RUNS,
  );
});

// --- Hostile bytes.
test('parseOption never throws on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 48 }), (b) => checkParse(b)),
    RUNS,
  );
});

test('parseOption never throws on plausible-looking MPTCP options', () => {
  fc.assert(
    fc.property(plausibleOption, (b) => checkParse(b)),
    RUNS,
  );
});

test('truncated and mutated fixtures never make parseOption throw', () => {
  const fixture = fc.constantFrom(...OPTION_FIXTURES.map((f) => fromHex(f.hex)));
  fc.assert(
    fc.property(fixture, fc.nat(), (b, cut) => {
      const short = b.subarray(0, cut % b.length);
      const r = parseOption(short);
      assert.equal(r.ok, false, 'a cut option is refused');
    }),
    RUNS,
  );
  fc.assert(
    fc.property(fixture, fc.nat(), u8, (b, at, value) => {
      const mutated = Uint8Array.from(b);
      mutated[at % b.length] = value;
      checkParse(mutated);
    }),
    RUNS,
  );
});

/** Options areas: random bytes, plausible MPTCP options with NOPs and EOLs, and mutations of real areas. */
function optionAreas(): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 60 }),
    // Areas made of plausible MPTCP options, NOPs and EOLs hit the deeper paths.
    fc
      .array(fc.oneof(plausibleOption, fc.constant(Uint8Array.of(1)), fc.constant(Uint8Array.of(0))), { maxLength: 5 })
      .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p]))),
    // Mutations of real areas.
    fc.tuple(fc.constantFrom(...AREA_FIXTURES.map((f) => fromHex(f.hex))), fc.nat(), u8).map(([b, at, v]) => {
      const m = Uint8Array.from(b);
      m[at % m.length] = v;
      return m;
    }),
  );
}

test('parseMptcpOptions never throws, keeps every byte, and is stable', () => {
  fc.assert(
    fc.property(optionAreas(), segment, (bytes, seg) => {
      const { options } = parseMptcpOptions(bytes, seg);
      const again = emitTcpOptions(options);
      assert.equal(again.length, bytes.length);
      assert.deepEqual(parseMptcpOptions(again, seg).options, options);
    }),
    RUNS,
  );
});

test('receiveMptcpOptions (the receive path, no option list) fills the same record as parseMptcpOptions', () => {
  for (const f of AREA_FIXTURES) {
    assert.deepEqual(receiveMptcpOptions(fromHex(f.hex), f.segment), parseMptcpOptions(fromHex(f.hex), f.segment).received, f.name);
  }
  fc.assert(
    fc.property(optionAreas(), segment, (bytes, seg) => {
      assert.deepEqual(receiveMptcpOptions(bytes, seg), parseMptcpOptions(bytes, seg).received);
    }),
    RUNS,
  );
});

test('receiveMptcpOptions fills the same record as parseMptcpOptions for well-formed options of every kind, DSS flags bent', () => {
  // Encoded options (the DSS read straight into the record among them), some with a DSS flags byte
  // changed so that its length no longer matches: both paths must then ignore the DSS alike.
  const area = fc.array(fc.tuple(anyOption, fc.option(u8, { nil: undefined })), { minLength: 1, maxLength: 3 }).map((list) =>
    Uint8Array.from(
      list.flatMap(([o, flags]) => {
        const b = encodeOption(o);
        if (flags !== undefined && o.kind === 'dss') b[3] = flags;
        return [...b];
      }),
    ),
  );
  fc.assert(
    fc.property(area, segment, (bytes, seg) => {
      assert.deepEqual(receiveMptcpOptions(bytes, seg), parseMptcpOptions(bytes, seg).received);
    }),
    { numRuns: 1000 },
  );
});

test('encodeDss gives the bytes encodeOption gives for the same DSS', () => {
  fc.assert(
    fc.property(
      dss.filter((o) => o.ignoredTrailer === undefined),
      (o) => {
        const m = o.mapping;
        const b = encodeDss(
          o.dataAck?.value,
          o.dataAck?.bits === 64,
          m?.dsn.value,
          m?.dsn.bits === 64,
          m?.subflowSeq ?? 0,
          m?.dataLen ?? 0,
          m?.checksum,
          o.dataFin,
        );
        assert.deepEqual(b, encodeOption(o));
      },
    ),
    { numRuns: 1000 },
  );
});
