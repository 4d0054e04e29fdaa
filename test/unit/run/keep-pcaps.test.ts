// --capture on-failure: which repeats' pcaps are known not to be needed, and
// the keeper deleting them (and dropping them from the results) as runs finish.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { LabResult } from '../../../harness/result.js';
import { labResult } from '../report/fixture.js';
import { PcapKeeper, unneededRepeats, type RunOutcome } from '../../../harness/run/keep-pcaps.js';

describe('unneededRepeats', () => {
  const cases: [RunOutcome[], number[], string][] = [
    [['passed'], [0], 'a single pass: nothing fails after it'],
    [['passed', 'failed'], [], 'the pass before a failure is kept for comparison'],
    [['passed', 'passed', 'failed'], [0], 'only the last pass before the failure'],
    [['failed', 'passed', 'none', 'failed', 'passed'], [4], 'a skip between does not count; the pass after the last failure goes'],
    [['passed', 'none', 'failed'], [], 'the last pass before a failure, skips aside'],
    [['passed', 'pending', 'passed'], [2], 'a pass before a run still running waits: that run may fail'],
    [['pending', 'passed', 'pending'], [], 'nothing decided while the next run is pending'],
    [['none', 'passed', 'none'], [1], 'once what never ran is none (closed), the pass goes'],
    [['failed', 'failed'], [], 'failing runs keep their pcaps'],
  ];
  for (const [outcomes, expected, why] of cases)
    test(`${outcomes.join(', ')} → [${expected.join(', ')}]: ${why}`, () => assert.deepEqual(unneededRepeats(outcomes), expected));
});

describe('PcapKeeper', () => {
  async function runs(dir: string, statuses: LabResult['status'][]): Promise<LabResult[]> {
    return Promise.all(
      statuses.map(async (status, repeat) => {
        const pcaps = [join(dir, `r${repeat}-l1.pcap`), join(dir, `r${repeat}-l2.pcap`)];
        for (const f of pcaps) await writeFile(f, 'pcap');
        return labResult({ lab: 'hunt', status, repeat, pcaps });
      }),
    );
  }

  test('as runs finish out of order: failing runs and the pass before each keep their pcaps, the others are deleted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keep-pcaps-'));
    try {
      const rs = await runs(dir, ['pass', 'pass', 'fail', 'pass', 'flaky', 'pass']);
      const keeper = new PcapKeeper(() => 6);
      const files = (i: number) => [join(dir, `r${i}-l1.pcap`), join(dir, `r${i}-l2.pcap`)];
      await keeper.finished(rs[1]!);
      await keeper.finished(rs[0]!);
      assert.ok(!existsSync(files(0)[0]!) && rs[0]!.pcaps === undefined, 'repeat 0: repeat 1 passed after it');
      assert.ok(existsSync(files(1)[0]!), 'repeat 1 waits: repeat 2 is still running');
      await keeper.finished(rs[3]!);
      await keeper.finished(rs[2]!);
      assert.deepEqual(rs[1]!.pcaps, files(1), 'repeat 1 is the pass before the failure');
      assert.deepEqual(rs[2]!.pcaps, files(2));
      await keeper.finished(rs[5]!);
      assert.ok(existsSync(files(3)[0]!), 'repeat 3 waits for repeat 4');
      await keeper.finished(rs[4]!);
      assert.ok(existsSync(files(3)[0]!), 'repeat 3 is the pass before the flaky repeat 4 (it failed once)');
      assert.ok(!existsSync(files(5)[0]!) && rs[5]!.pcaps === undefined, 'repeat 5: no run after it');
      assert.deepEqual(
        rs.map((r) => r.pcaps !== undefined),
        [false, true, true, true, true, false],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('close: a pass whose next repeat never ran (--until-fail stopped the run) is deleted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keep-pcaps-'));
    try {
      const rs = await runs(dir, ['pass']);
      const keeper = new PcapKeeper(() => 100);
      await keeper.finished(rs[0]!);
      assert.ok(existsSync(join(dir, 'r0-l1.pcap')), 'repeat 1 might still come and fail');
      await keeper.close();
      assert.ok(!existsSync(join(dir, 'r0-l1.pcap')));
      assert.equal(rs[0]!.pcaps, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
