import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileLossRuleset,
  compileLossUpdate,
  compileRewrite,
  lossThreshold,
  NFT_TABLE,
  rewriteRules,
} from '../../../harness/tools/nft.js';

describe('lossThreshold (out of 10000)', () => {
  test('scaling', () => {
    assert.equal(lossThreshold(1), 100);
    assert.equal(lossThreshold(0.5), 50);
    assert.equal(lossThreshold(0.01), 1);
    assert.equal(lossThreshold(2.5), 250);
    assert.equal(lossThreshold(100), 10_000);
    assert.equal(lossThreshold(0), 0);
    assert.equal(lossThreshold(0.004), 0);
    assert.equal(lossThreshold(0.006), 1);
  });
});

describe('compileLossRuleset', () => {
  test('one chain per device in one netdev table', () => {
    assert.equal(NFT_TABLE, 'mptcplab');
    assert.equal(
      compileLossRuleset([
        { dev: 'eth0', lossPct: 1 },
        { dev: 'eth1', lossPct: 0.5 },
      ]),
      [
        'table netdev mptcplab {',
        '  chain loss_eth0 {',
        '    type filter hook ingress device "eth0" priority 0; policy accept;',
        '    numgen random mod 10000 < 100 counter drop',
        '  }',
        '  chain loss_eth1 {',
        '    type filter hook ingress device "eth1" priority 0; policy accept;',
        '    numgen random mod 10000 < 50 counter drop',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('no devices: an empty table', () => {
    assert.equal(compileLossRuleset([]), 'table netdev mptcplab {\n}\n');
  });
});

describe('compileLossUpdate', () => {
  test('creates the table and chain if needed, flushes, adds the new rule', () => {
    assert.equal(
      compileLossUpdate('eth1', 0.5),
      [
        'add table netdev mptcplab',
        'add chain netdev mptcplab loss_eth1 { type filter hook ingress device "eth1" priority 0; policy accept; }',
        'flush chain netdev mptcplab loss_eth1',
        'add rule netdev mptcplab loss_eth1 numgen random mod 10000 < 50 counter drop',
        '',
      ].join('\n'),
    );
  });

  test('loss 0 only flushes', () => {
    assert.equal(
      compileLossUpdate('eth0', 0),
      [
        'add table netdev mptcplab',
        'add chain netdev mptcplab loss_eth0 { type filter hook ingress device "eth0" priority 0; policy accept; }',
        'flush chain netdev mptcplab loss_eth0',
        '',
      ].join('\n'),
    );
  });
});

describe('compileRewrite (the lab rewrite: a middlebox TCP does not see)', () => {
  test('a chain before the loss chain on the receiving device: the Nth long enough segment per family gets one byte inverted', () => {
    assert.equal(
      compileRewrite('eth1', { packet: 20, offset: 100 }),
      [
        'add table netdev mptcplab',
        'add chain netdev mptcplab rewrite_eth1 { type filter hook ingress device "eth1" priority -10; policy accept; }',
        'flush chain netdev mptcplab rewrite_eth1',
        'add rule netdev mptcplab rewrite_eth1 ip protocol tcp ip length > 181 numgen inc mod 1000000 19 @ih,800,16 set @ih,800,16 ^ 0xff00 counter',
        'add rule netdev mptcplab rewrite_eth1 ip6 nexthdr tcp ip6 length > 161 numgen inc mod 1000000 19 @ih,800,16 set @ih,800,16 ^ 0xff00 counter',
        '',
      ].join('\n'),
    );
  });

  test('offset 0, first packet: bits 0, count 0; cleared by an event: the chain is emptied', () => {
    assert.deepEqual(
      rewriteRules({ dev: 'eth0', packet: 1, offset: 0 }).map((l) => l.match(/> (\d+) numgen inc mod \d+ (\d+) @ih,(\d+),16/)?.slice(1)),
      [
        ['81', '0', '0'],
        ['61', '0', '0'],
      ],
    );
    assert.equal(
      compileRewrite('eth0', undefined)
        .split('\n')
        .filter((l) => l.startsWith('add rule')).length,
      0,
    );
  });
});
