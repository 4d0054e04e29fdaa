// The README's full lab example must be a valid lab: documentation that
// stops matching the schema fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { labFromYaml } from '../../harness/lab/load.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('the README lab example loads and normalizes', () => {
  const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has a yaml block');
  const lab = labFromYaml(block, 'README.md');
  assert.equal(lab.links.length, 3);
  assert.equal(lab.workload.connect, '198.18.1.2');
  assert.deepEqual(lab.hosts.find((h) => h.name === 'client')?.endpoints[0], { address: '198.18.3.1', id: undefined, flags: ['subflow'], port: undefined, dev: 'eth2' });
  assert.equal(lab.events.length, 2);
  assert.ok(lab.expect.durationMaxMs && lab.expect.durationMaxMs > 0);
});
