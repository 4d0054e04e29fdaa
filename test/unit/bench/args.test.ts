import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBenchArgs } from '../../bench/args.js';

describe('parseBenchArgs', () => {
  test('defaults: 10 rounds, kernel + catalogue + engine, bench.json, no comparison', () => {
    const a = parseBenchArgs([]);
    assert.equal(a.rounds, 10);
    assert.deepEqual([...a.parts].sort(), ['catalogue', 'engine', 'kernel']);
    assert.equal(a.out, 'bench.json');
    assert.equal(a.compare, undefined);
    assert.equal(a.baseBuild, undefined);
  });

  test('--only takes a comma list or repeats; --guest adds the guest', () => {
    assert.deepEqual([...parseBenchArgs(['--only', 'kernel,engine']).parts].sort(), ['engine', 'kernel']);
    assert.deepEqual([...parseBenchArgs(['--only', 'engine', '--only', 'guest']).parts].sort(), ['engine', 'guest']);
    assert.deepEqual([...parseBenchArgs(['--only', 'engine', '--guest']).parts].sort(), ['engine', 'guest']);
    assert.ok(parseBenchArgs(['--guest']).parts.has('kernel'));
  });

  test('--compare, --base-build, --out, --rounds are kept', () => {
    const a = parseBenchArgs(['--compare', 'b.json', '--base-build', '/x', '--out', '/tmp/o.json', '--rounds', '3']);
    assert.equal(a.compare, 'b.json');
    assert.equal(a.baseBuild, '/x');
    assert.equal(a.out, '/tmp/o.json');
    assert.equal(a.rounds, 3);
  });

  test('bad input is refused', () => {
    assert.throws(() => parseBenchArgs(['--only', 'kernels']), /unknown part kernels/);
    assert.throws(() => parseBenchArgs(['--rounds', '0']), /--rounds/);
    assert.throws(() => parseBenchArgs(['--rounds', 'x']), /--rounds/);
    assert.throws(() => parseBenchArgs(['--nope']));
  });
});
