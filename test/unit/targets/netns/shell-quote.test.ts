// shellQuote gives sh (dash here) back exactly the argument it was given,
// whatever characters it holds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { shellQuote } from '../../../../harness/targets/netns/events.js';

const echoed = (arg: string): string => execFileSync('sh', ['-c', `printf %s ${shellQuote(arg)}`], { encoding: 'utf8' });

test('plain words stay as they are; anything else is quoted', () => {
  assert.equal(shellQuote('198.18.2.1'), '198.18.2.1');
  assert.equal(shellQuote('eth1'), 'eth1');
  assert.equal(shellQuote('a b'), "'a b'");
  assert.equal(shellQuote(''), "''");
});

test('sh reads every quoted argument back as it was, quotes, spaces, $ and newlines included', () => {
  for (const s of ["it's", 'a b', '$(reboot)', '`id`', 'x\ny', '"q"', '*', ';', '\\', "''"]) assert.equal(echoed(s), s);
  fc.assert(
    fc.property(
      fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).filter((s) => !s.includes('\0')),
      (s) => echoed(s) === s,
    ),
    { numRuns: 60 },
  );
});
