// The mptcp-lab command a booted kernel runs inside the guest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalogue } from '../../../../harness/lab/catalogue.js';
import { innerCommand } from '../../../../harness/targets/vm/run-labs.js';

describe('the run inside a guest', () => {
  test('gets the seed, the timeout and the retries of the outer run; the engine runs outside, not in the guest', async () => {
    const labs = (await loadCatalogue()).filter((l) => l.name === 'no-join');
    const [sh, c, script] = innerCommand(labs, { seed: 42, timeoutMs: 30_000, retries: 2 });
    assert.deepEqual([sh, c], ['sh', '-c']);
    assert.match(script!, / run '\/[^']*no-join\.lab\.yaml' --engine off --seed 42 --jobs 2 --timeout 30000ms --retries 2 --results /);
    assert.doesNotMatch(innerCommand(labs, { seed: 1 })[2]!, /--retries|--timeout/);
    assert.match(innerCommand(labs, { seed: 1, repeat: 3 })[2]!, / --seed 1 --jobs 2 --repeat 3 --results /);
    assert.doesNotMatch(innerCommand(labs, { seed: 1, repeat: 1 })[2]!, /--repeat/);
  });

  test('runs one lab per guest CPU at once unless told how many', async () => {
    const labs = (await loadCatalogue()).filter((l) => l.name === 'no-join');
    assert.match(innerCommand(labs, { seed: 1 })[2]!, / --jobs 2 /);
    assert.match(innerCommand(labs, { seed: 1, cpus: 3 })[2]!, / --jobs 3 /);
    assert.match(innerCommand(labs, { seed: 1, cpus: 3, jobs: 1 })[2]!, / --jobs 1 /);
  });
});
