// The mptcp-lab command a booted kernel runs inside the guest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalogue } from '../../../../harness/lab/catalogue.js';
import { LOG_MARK, PCAP_MARK } from '../../../../harness/targets/vm/guest-stream.js';
import { guestJobs, innerCommand } from '../../../../harness/targets/vm/run-labs.js';

describe('the run inside a guest', () => {
  test('gets the seed, the timeout and the retries of the outer run; the engine runs outside, not in the guest', async () => {
    const labs = (await loadCatalogue()).filter((l) => l.name === 'no-join');
    const [sh, c, script] = innerCommand(labs, { seed: 42, timeoutMs: 30_000, retries: 2 });
    assert.deepEqual([sh, c], ['sh', '-c']);
    assert.match(script!, / run '\/[^']*no-join\.lab\.yaml' --engine off --seed 42 --jobs \d+ --timeout 30000ms --retries 2 --results /);
    assert.doesNotMatch(innerCommand(labs, { seed: 1 })[2]!, /--retries|--timeout/);
    assert.match(innerCommand(labs, { seed: 1, repeat: 3 })[2]!, / --seed 1 --jobs \d+ --repeat 3 --results /);
    // --repeat 1 is passed on: it overrides a lab's own repeat: inside too; without --repeat the labs' own count.
    assert.match(innerCommand(labs, { seed: 1, repeat: 1 })[2]!, / --repeat 1 --results /);
    assert.doesNotMatch(innerCommand(labs, { seed: 1 })[2]!, /--repeat|--until-fail/);
    assert.match(innerCommand(labs, { seed: 1, repeat: 100, untilFail: true })[2]!, / --repeat 100 --until-fail --results /);
  });

  test('--capture and its mode go inside, and the kept pcaps come back after the logs', async () => {
    const labs = (await loadCatalogue()).filter((l) => l.name === 'no-join');
    const script = innerCommand(labs, { seed: 1, capture: 'on-failure' })[2]!;
    assert.match(script, / --capture on-failure --results /);
    assert.ok(script.indexOf(PCAP_MARK) > script.indexOf(LOG_MARK), 'pcaps after the logs');
    assert.match(innerCommand(labs, { seed: 1, capture: 'always' })[2]!, / --capture always /);
    assert.doesNotMatch(innerCommand(labs, { seed: 1 })[2]!, new RegExp(`--capture|${PCAP_MARK}`));
  });

  test('runs the --jobs it is given inside the guest', async () => {
    const labs = (await loadCatalogue()).filter((l) => l.name === 'no-join');
    assert.match(innerCommand(labs, { seed: 1, cpus: 3, jobs: 1 })[2]!, / --jobs 1 /);
    assert.match(innerCommand(labs, { seed: 1, jobs: 2 })[2]!, / --jobs 2 /);
  });

  test('one lab per vCPU while the host has a CPU to spare for each, else one at a time', () => {
    assert.equal(guestJobs(2, 2, 0.2), 2);
    assert.equal(guestJobs(2, 2, 1.2), 1);
    assert.equal(guestJobs(2, 2, 15), 1);
    assert.equal(guestJobs(4, 8, 1), 4);
    assert.equal(guestJobs(4, 4, 1), 3);
    assert.equal(guestJobs(1, 8, 0), 1);
  });
});
