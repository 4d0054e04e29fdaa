import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN_MAX_RETRIES, TokenTable } from '../../../engine/token.js';
import { SplitMix64, Xoshiro256StarStar, type RandomSource } from '../../../engine/random.js';
import { keyToTokenAndIdsn } from '../../../engine/crypto.js';

/** A RandomSource that replays fixed keys, counting draws. */
function replay(keys: bigint[]): RandomSource & { draws: number } {
  const src = {
    draws: 0,
    nextU64(): bigint {
      const k = keys[src.draws % keys.length] ?? 1n;
      src.draws++;
      return k;
    },
    nextU32(): number {
      return 0;
    },
  };
  return src;
}

describe('random sources', () => {
  // Expected outputs from an independent python3 implementation of the
  // reference C code (splitmix64.c and xoshiro256starstar.c by Vigna), state
  // seeded with four splitmix64 outputs. splitmix64(0)'s first output
  // 0xe220a8397b1dcdaf is also the commonly published value.
  test('splitmix64, seed 0', () => {
    const g = new SplitMix64(0);
    assert.deepEqual([g.nextU64(), g.nextU64(), g.nextU64()], [0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn]);
  });
  test('xoshiro256**, seeds 0 and 42', () => {
    const a = new Xoshiro256StarStar(0);
    assert.deepEqual(
      [a.nextU64(), a.nextU64(), a.nextU64(), a.nextU64()],
      [0x99ec5f36cb75f2b4n, 0xbf6e1f784956452an, 0x1a5f849d4933e6e0n, 0x6aa594f1262d2d2cn],
    );
    const b = new Xoshiro256StarStar(42n);
    assert.deepEqual(
      [b.nextU64(), b.nextU64(), b.nextU64(), b.nextU64()],
      [0x15780b2e0c2ec716n, 0x6104d9866d113a7en, 0xae17533239e499a1n, 0xecb8ad4703b360a1n],
    );
  });
  test('nextU32 is the upper half of the next 64-bit output', () => {
    const g = new Xoshiro256StarStar(0);
    assert.equal(g.nextU32(), 0x99ec5f36);
    assert.equal(g.nextU32(), 0xbf6e1f78);
  });
  test('deterministic per seed; split() gives an independent stream', () => {
    const a = new Xoshiro256StarStar(7);
    const b = new Xoshiro256StarStar(7);
    const xs = Array.from({ length: 5 }, () => a.nextU64());
    assert.deepEqual(
      Array.from({ length: 5 }, () => b.nextU64()),
      xs,
    );
    const child = a.split();
    const c2 = b.split();
    assert.equal(child.nextU64(), c2.nextU64());
    assert.notEqual(new Xoshiro256StarStar(8).nextU64(), new Xoshiro256StarStar(7).nextU64());
  });
  test('rejects non-integer number seeds', () => {
    assert.throws(() => new Xoshiro256StarStar(1.5), RangeError);
  });
});

describe('TokenTable (net/mptcp/token.c)', () => {
  test('newConnect hands out key, token, IDSN and registers the connection', () => {
    const table = new TokenTable<string>(replay([0x0102030405060708n]));
    const r = table.newConnect('msk-a');
    // token/IDSN of this key: python3 hashlib, see crypto.test.ts
    assert.deepEqual(r, { ok: true, key: 0x0102030405060708n, token: 0x66840dda, idsn: 0xf5a101d3d29d6f72n });
    assert.equal(table.getSock(0x66840dda), 'msk-a');
    assert.equal(table.exists(0x66840dda), true);
    assert.equal(table.size, 1);
  });

  test('a busy token makes it draw another key', () => {
    const rnd = replay([1n, 1n, 2n]);
    const table = new TokenTable<string>(rnd);
    const a = table.newConnect('a');
    const b = table.newConnect('b');
    assert.ok(a.ok && b.ok);
    assert.equal(a.key, 1n);
    assert.equal(b.key, 2n);
    assert.equal(rnd.draws, 3);
    assert.equal(table.getSock(keyToTokenAndIdsn(2n).token), 'b');
  });

  test('gives up with EBUSY after TOKEN_MAX_RETRIES attempts', () => {
    const rnd = replay([5n]);
    const table = new TokenTable<string>(rnd);
    assert.equal(table.newConnect('first').ok, true);
    const before = rnd.draws;
    assert.deepEqual(table.newConnect('second'), { ok: false, error: 'EBUSY', attempts: TOKEN_MAX_RETRIES });
    assert.equal(rnd.draws - before, 4);
    assert.equal(table.size, 1);
  });

  test('requests hold tokens but are not found by MP_JOIN until accepted', () => {
    const rnd = replay([9n, 9n, 10n]);
    const table = new TokenTable<string, { id: number }>(rnd);
    const req = table.newRequest({ id: 1 });
    assert.ok(req.ok);
    assert.equal(table.getSock(req.token), undefined);
    assert.equal(table.exists(req.token), false);
    // the pending request's token is busy for a new connection too
    const c = table.newConnect('other');
    assert.ok(c.ok);
    assert.equal(c.key, 10n);
    assert.equal(table.accept(req.token, 'msk-from-req'), true);
    assert.equal(table.getSock(req.token), 'msk-from-req');
    assert.equal(table.accept(req.token, 'again'), false);
    assert.equal(table.size, 2);
  });

  test('destroy releases a token for reuse; destroyRequest drops a request', () => {
    const rnd = replay([3n]);
    const table = new TokenTable<string>(rnd);
    const a = table.newConnect('a');
    assert.ok(a.ok);
    assert.equal(table.newConnect('b').ok, false);
    assert.equal(table.destroy(a.token), true);
    assert.equal(table.destroy(a.token), false);
    assert.equal(table.getSock(a.token), undefined);
    const b = table.newConnect('b');
    assert.ok(b.ok);
    assert.equal(b.token, a.token);
    table.destroy(b.token);
    const r = table.newRequest('req');
    assert.ok(r.ok);
    assert.equal(table.destroyRequest(r.token), true);
    assert.equal(table.size, 0);
  });

  test('zero keys are never handed out', () => {
    const rnd = replay([0n, 0n, 4n]);
    const table = new TokenTable<string>(rnd);
    const r = table.newConnect('a');
    assert.ok(r.ok);
    assert.equal(r.key, 4n);
  });

  test('with a seeded generator, a run is reproducible', () => {
    const run = (): bigint[] => {
      const t = new TokenTable<number>(new Xoshiro256StarStar(2024));
      const keys: bigint[] = [];
      for (let i = 0; i < 20; i++) {
        const r = t.newConnect(i);
        assert.ok(r.ok);
        keys.push(r.key);
      }
      return keys;
    };
    const first = run();
    assert.deepEqual(run(), first);
    assert.equal(new Set(first).size, 20);
  });
});
