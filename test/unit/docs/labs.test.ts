// Every lab in the documentation is a lab the loader accepts: ```yaml blocks
// are whole labs, ```yaml fragment blocks are top-level keys that must
// validate on a small two-host lab. Documentation that stops matching the
// schema fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { LabError } from '../../../harness/lab/errors.js';
import { labFromObject, labFromYaml } from '../../../harness/lab/load.js';
import { blocksOf } from './markdown.js';

/** What a fragment's keys are put on: hosts client and server, links l1 and l2. */
const BASE_LAB = {
  hosts: { client: { limits: { subflows: 2, add_addr_accepted: 2 } }, server: { limits: { subflows: 2, add_addr_accepted: 2 } } },
  links: [
    { between: ['client', 'server'], rate: '20mbit' },
    { between: ['client', 'server'], rate: '20mbit' },
  ],
  workload: { client: 'client', server: 'server', connect: 'l1', size: '1MB' },
};

function why(e: unknown): string {
  return e instanceof LabError ? e.message : String(e);
}

test('every ```yaml block of the documentation is a valid lab', () => {
  const blocks = blocksOf('yaml');
  assert.ok(blocks.length >= 2, 'README.md and docs/labs.md have yaml labs');
  for (const b of blocks) {
    try {
      labFromYaml(b.body, b.where);
    } catch (e) {
      assert.fail(`${b.where}: ${why(e)}`);
    }
  }
});

test('every ```yaml fragment block validates on a two-host lab', () => {
  const blocks = blocksOf('yaml fragment');
  assert.ok(blocks.length >= 3, 'docs/labs.md and docs/differential.md have fragments');
  for (const b of blocks) {
    const keys: unknown = parse(b.body);
    assert.ok(keys !== null && typeof keys === 'object' && !Array.isArray(keys), `${b.where}: a fragment is a map of top-level lab keys`);
    try {
      labFromObject({ ...BASE_LAB, ...keys }, b.where);
    } catch (e) {
      assert.fail(`${b.where}: ${why(e)}`);
    }
  }
});

test('a fragment the schema rejects is caught (the check can fail)', () => {
  assert.throws(() => labFromObject({ ...BASE_LAB, events: [{ at: '1s', 'link-down': 'l9' }] }, 'probe'), /no link "l9"/);
});
