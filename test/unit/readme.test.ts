// The README's lab must be a valid lab and say what its comments say:
// documentation that stops matching the loader fails here. (Every other
// example of the documentation is checked by test/unit/docs/.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { labFromYaml } from '../../harness/lab/load.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('the README lab example loads and normalizes as its comments say', () => {
  const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has a yaml block');
  const lab = labFromYaml(block, 'README.md');
  assert.equal(lab.links.length, 2);
  assert.deepEqual(
    lab.links.map((l) => l.v4),
    ['198.18.1.0/24', '198.18.2.0/24'],
  );
  // connect: l1 is the server's address on l1.
  assert.equal(lab.workload.connect, '198.18.1.2');
  // The signal endpoint is the server's address on l2.
  assert.deepEqual(lab.hosts.find((h) => h.name === 'server')?.endpoints, [
    { address: '198.18.2.2', id: undefined, flags: ['signal'], port: undefined, dev: undefined },
  ]);
  assert.deepEqual(
    lab.events.map((e) => [e.atMs, e.action]),
    [[500, 'link-down']],
  );
  assert.deepEqual(lab.expect.join, { syn: 1, synack: 1, ack: 1 });
  assert.equal(lab.knownDivergences.length, 1);
});
