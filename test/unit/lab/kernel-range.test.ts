import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inKernelRange, kernelMatches, parseKernelRange, type KernelRange } from '../../../harness/lab/kernel-range.js';

function range(text: string): KernelRange {
  const r = parseKernelRange(text);
  assert.ok(!('error' in r), `"${text}" should parse`);
  return r;
}

describe('kernel version ranges', () => {
  test('a range of two comparisons holds only between them', () => {
    const r = range('>=6.18 <6.19');
    assert.equal(inKernelRange('6.18', r), true);
    assert.equal(inKernelRange('6.18.44', r), true);
    assert.equal(inKernelRange('6.18.44-fc-v1300', r), true);
    assert.equal(inKernelRange('6.19', r), false);
    assert.equal(inKernelRange('6.17.9', r), false);
    assert.equal(inKernelRange('6.12.118+deb12-amd64', r), false);
  });

  test('a bare version is that version and its point releases', () => {
    assert.equal(inKernelRange('6.12.118+deb12-amd64', range('6.12')), true);
    assert.equal(inKernelRange('6.12.118+deb12-amd64', range('=6.12.118')), true);
    assert.equal(inKernelRange('6.12.117', range('6.12.118')), false);
    assert.equal(inKernelRange('6.1.0', range('6.12')), false);
    assert.equal(inKernelRange('6.18.44', range('6')), true);
  });

  test('> and <= compare the whole release', () => {
    assert.equal(inKernelRange('6.18', range('>6.18')), false);
    assert.equal(inKernelRange('6.18.1', range('>6.18')), true);
    assert.equal(inKernelRange('6.18.44', range('<=6.18')), false);
    assert.equal(inKernelRange('6.18.0', range('<=6.18')), true);
  });

  test('* is every kernel, a release that is no version is none', () => {
    assert.equal(inKernelRange('2.6.32', range('*')), true);
    assert.equal(inKernelRange('', range('*')), false);
    assert.equal(inKernelRange('unknown', range('>=1')), false);
  });

  test('a list matches when any of its ranges does', () => {
    assert.equal(kernelMatches('6.12.118+deb12-amd64', ['6.1', '>=6.12 <6.13']), true);
    assert.equal(kernelMatches('6.18.44', ['6.1', '>=6.12 <6.13']), false);
  });

  test('what is not a range says which word and what to write', () => {
    for (const bad of ['', '  ', '>=6.18 <', '~6.18', '6.x', '>= 6.18', '6.18.1.2', '>=6.18,<6.19']) {
      const r = parseKernelRange(bad);
      assert.ok('error' in r, `"${bad}" should not parse`);
      assert.match(r.error, /range/);
    }
    const r = parseKernelRange('>=6.18 <6.x');
    assert.ok('error' in r);
    assert.match(r.error, /"<6\.x" in kernel range ">=6\.18 <6\.x" is not a comparison/);
  });
});
