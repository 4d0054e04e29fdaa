import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { clearQdiscs, compileQdiscs, lossByNft, netemArgs, sameQdiscShape } from '../../../harness/tools/tc.js';
import type { Impairment } from '../../../harness/lab/model.js';

const NO_NETEM = { netem: false, tbf: true };
const NETEM = { netem: true, tbf: true };
const MTU = 1514;

function tbfNumbers(argv: string[]): { rate: string; burst: number; limit: number } {
  const at = (w: string) => {
    const k = argv.indexOf(w);
    assert.ok(k > 0 && k + 1 < argv.length, `no ${w} in ${argv.join(' ')}`);
    return argv[k + 1]!;
  };
  assert.ok(argv.includes('tbf'), argv.join(' '));
  return { rate: at('rate'), burst: Number(at('burst')), limit: Number(at('limit')) };
}

describe('compileQdiscs without netem', () => {
  test('rate only: one tbf at the root', () => {
    assert.deepEqual(compileQdiscs('eth0', { rateBps: 10e6 }, NO_NETEM), [
      ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'tbf', 'rate', '10000000bit', 'burst', '5000', 'limit', '125000'],
    ]);
  });

  test('slow rate: burst floors at two MTUs, limit above the burst', () => {
    assert.deepEqual(compileQdiscs('eth1', { rateBps: 1e6 }, NO_NETEM), [
      ['tc', 'qdisc', 'add', 'dev', 'eth1', 'root', 'handle', '1:', 'tbf', 'rate', '1000000bit', 'burst', '3028', 'limit', '12500'],
    ]);
    assert.deepEqual(compileQdiscs('eth1', { rateBps: 8000 }, NO_NETEM), [
      ['tc', 'qdisc', 'add', 'dev', 'eth1', 'root', 'handle', '1:', 'tbf', 'rate', '8000bit', 'burst', '3028', 'limit', '4542'],
    ]);
  });

  test('a queue in packets sets the limit to packets × MTU', () => {
    assert.deepEqual(compileQdiscs('eth0', { rateBps: 10e6, queuePackets: 50 }, NO_NETEM), [
      [
        'tc',
        'qdisc',
        'add',
        'dev',
        'eth0',
        'root',
        'handle',
        '1:',
        'tbf',
        'rate',
        '10000000bit',
        'burst',
        '5000',
        'limit',
        String(50 * MTU),
      ],
    ]);
  });

  test('a fractional rate is rounded to whole bits', () => {
    const [argv] = compileQdiscs('eth0', { rateBps: 1.5 * 1024 ** 2 + 0.4 }, NO_NETEM);
    assert.equal(tbfNumbers(argv!).rate, '1572864bit');
  });

  test('loss alone: no qdisc (nft does it), and lossByNft says so', () => {
    assert.deepEqual(compileQdiscs('eth0', { lossPct: 1 }, NO_NETEM), []);
    assert.equal(lossByNft({ lossPct: 1 }, NO_NETEM), true);
    assert.equal(lossByNft({ lossPct: 1 }, NETEM), false);
    assert.equal(lossByNft({ lossPct: 0 }, NO_NETEM), false);
    assert.equal(lossByNft({ rateBps: 1e6 }, NO_NETEM), false);
  });

  test('rate + loss: tbf only, without a loss word', () => {
    const cmds = compileQdiscs('eth0', { rateBps: 20e6, lossPct: 2 }, NO_NETEM);
    assert.equal(cmds.length, 1);
    assert.deepEqual(cmds[0]!.slice(0, 9), ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'tbf']);
    assert.equal(cmds[0]!.includes('loss'), false);
  });

  test('no impairment: nothing', () => {
    assert.deepEqual(compileQdiscs('eth0', {}, NO_NETEM), []);
    assert.deepEqual(compileQdiscs('eth0', {}, NETEM), []);
  });

  test('replace verb for events', () => {
    assert.deepEqual(compileQdiscs('eth2', { rateBps: 10e6 }, NO_NETEM, 'replace'), [
      ['tc', 'qdisc', 'replace', 'dev', 'eth2', 'root', 'handle', '1:', 'tbf', 'rate', '10000000bit', 'burst', '5000', 'limit', '125000'],
    ]);
  });
});

describe('compileQdiscs with netem', () => {
  test('netem at the root, tbf as its child for the rate', () => {
    const i: Impairment = { rateBps: 10e6, delayMs: 20, jitterMs: 5, lossPct: 1 };
    assert.deepEqual(compileQdiscs('eth0', i, NETEM), [
      ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'netem', 'delay', '20ms', '5ms', 'loss', 'random', '1%'],
      [
        'tc',
        'qdisc',
        'add',
        'dev',
        'eth0',
        'parent',
        '1:1',
        'handle',
        '10:',
        'tbf',
        'rate',
        '10000000bit',
        'burst',
        '5000',
        'limit',
        '125000',
      ],
    ]);
  });

  test('the same with replace and a queue', () => {
    const i: Impairment = { rateBps: 10e6, delayMs: 20, jitterMs: 5, lossPct: 1, queuePackets: 50 };
    assert.deepEqual(compileQdiscs('eth0', i, NETEM, 'replace'), [
      [
        'tc',
        'qdisc',
        'replace',
        'dev',
        'eth0',
        'root',
        'handle',
        '1:',
        'netem',
        'limit',
        '50',
        'delay',
        '20ms',
        '5ms',
        'loss',
        'random',
        '1%',
      ],
      [
        'tc',
        'qdisc',
        'replace',
        'dev',
        'eth0',
        'parent',
        '1:1',
        'handle',
        '10:',
        'tbf',
        'rate',
        '10000000bit',
        'burst',
        '5000',
        'limit',
        String(50 * MTU),
      ],
    ]);
  });

  test('loss alone uses netem when it is there', () => {
    assert.deepEqual(compileQdiscs('eth1', { lossPct: 0.5 }, NETEM), [
      ['tc', 'qdisc', 'add', 'dev', 'eth1', 'root', 'handle', '1:', 'netem', 'loss', 'random', '0.5%'],
    ]);
  });

  test('delay without a rate: netem only', () => {
    assert.deepEqual(compileQdiscs('eth0', { delayMs: 10 }, NETEM), [
      ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'netem', 'delay', '10ms'],
    ]);
  });

  test('rate alone stays a root tbf even with netem available', () => {
    const cmds = compileQdiscs('eth0', { rateBps: 10e6 }, NETEM);
    assert.equal(cmds.length, 1);
    assert.deepEqual(cmds[0]!.slice(5, 9), ['root', 'handle', '1:', 'tbf']);
  });
});

describe('netemArgs', () => {
  test('argument order: limit, delay [jitter], loss random, reorder, duplicate, corrupt', () => {
    const all: Impairment = { queuePackets: 100, delayMs: 50, jitterMs: 10, lossPct: 1, reorderPct: 25, duplicatePct: 2, corruptPct: 0.1 };
    assert.deepEqual(netemArgs(all, true), [
      'netem',
      'limit',
      '100',
      'delay',
      '50ms',
      '10ms',
      'loss',
      'random',
      '1%',
      'reorder',
      '25%',
      'duplicate',
      '2%',
      'corrupt',
      '0.1%',
    ]);
  });

  test('withLoss false leaves loss out', () => {
    assert.deepEqual(netemArgs({ delayMs: 5, lossPct: 3 }, false), ['netem', 'delay', '5ms']);
  });

  test('jitter without delay is ignored; zeros are left out', () => {
    assert.deepEqual(netemArgs({ jitterMs: 5 }, true), ['netem']);
    assert.deepEqual(netemArgs({ delayMs: 0, lossPct: 0, reorderPct: 0 }, true), ['netem']);
  });

  test('percentages keep at most four decimals', () => {
    assert.deepEqual(netemArgs({ lossPct: 1 / 3 }, true), ['netem', 'loss', 'random', '0.3333%']);
    assert.deepEqual(netemArgs({ duplicatePct: 0.00001 }, true), ['netem', 'duplicate', '0%']);
  });
});

describe('tbf burst and limit are sane', () => {
  test('default queue: burst >= 2 MTU, limit > burst, for any rate from 8kbit to 100gbit', () => {
    fc.assert(
      fc.property(fc.double({ min: 8000, max: 100e9, noNaN: true }), (rate) => {
        const [argv] = compileQdiscs('eth0', { rateBps: rate }, NO_NETEM);
        const t = tbfNumbers(argv!);
        assert.ok(t.burst >= 2 * MTU, `${rate}: burst ${t.burst}`);
        assert.ok(t.limit > t.burst, `${rate}: limit ${t.limit} <= burst ${t.burst}`);
        assert.ok(Number.isInteger(t.burst) && Number.isInteger(t.limit));
      }),
    );
  });

  test('burst grows with the rate: 4 ms worth at high rates', () => {
    const t = tbfNumbers(compileQdiscs('eth0', { rateBps: 1e9 }, NO_NETEM)[0]!);
    assert.equal(t.burst, 500_000);
    assert.equal(t.limit, 12_500_000);
  });

  test('with a queue in packets, limit > burst still holds', () => {
    fc.assert(
      fc.property(fc.double({ min: 8000, max: 100e9, noNaN: true }), fc.integer({ min: 1, max: 1000 }), (rate, queue) => {
        const t = tbfNumbers(compileQdiscs('eth0', { rateBps: rate, queuePackets: queue }, NO_NETEM)[0]!);
        assert.ok(t.limit > t.burst, `${rate} bit/s, queue ${queue}: limit ${t.limit} <= burst ${t.burst}`);
      }),
    );
  });
});

test('clearQdiscs deletes the root qdisc', () => {
  assert.deepEqual(clearQdiscs('eth3'), ['tc', 'qdisc', 'del', 'dev', 'eth3', 'root']);
});

describe('sameQdiscShape: an impairment change made in place (the queued packets kept)', () => {
  test('the same qdiscs with other parameters change in place', () => {
    assert.equal(sameQdiscShape({ delayMs: 10 }, { delayMs: 10, reorderPct: 25 }, NETEM), true);
    assert.equal(sameQdiscShape({ rateBps: 20e6 }, { rateBps: 10e6 }, NO_NETEM), true);
    assert.equal(sameQdiscShape({ rateBps: 20e6, delayMs: 5 }, { rateBps: 20e6, delayMs: 5, lossPct: 1 }, NETEM), true);
  });
  test('another set of qdiscs, none, or netem losing its reordering or corruption needs new ones', () => {
    assert.equal(sameQdiscShape({ rateBps: 20e6 }, { rateBps: 20e6, delayMs: 10 }, NETEM), false);
    assert.equal(sameQdiscShape({ delayMs: 10 }, { delayMs: 10, rateBps: 20e6 }, NETEM), false);
    assert.equal(sameQdiscShape({}, { lossPct: 5 }, NO_NETEM), false);
    assert.equal(sameQdiscShape({ delayMs: 10, reorderPct: 25 }, { delayMs: 10, reorderPct: 0 }, NETEM), false);
    assert.equal(sameQdiscShape({ delayMs: 10, corruptPct: 1 }, { delayMs: 10, corruptPct: 0 }, NETEM), false);
  });
});
