// Labs with timed events in a TCG guest, where a new process takes up to a
// second to start: the link goes down and the loss starts when the lab says
// (relative to the first data byte), so the checks that depend on it pass,
// and each guest lab's log comes back under RESULTS/kernels/<kernel>/labs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunResult } from '../../../harness/result.js';
import { runCli } from '../host-state.js';
import { missing, ourQemus } from './vm-host.js';

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-vm-labs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** "event at A ms: WHAT (done at D ms)" → D for the event whose text starts with `what`. */
function doneAt(log: string, what: string): number | undefined {
  for (const m of log.matchAll(/event at -?\d+ ms: (.*) \(done at (\d+) ms\)/g)) if (m[1]!.startsWith(what)) return Number(m[2]);
  return undefined;
}

describe('timed events in a debian:6.12 guest', { skip: missing() }, () => {
  test('backup-used-after-link-failure and loss-moves-traffic pass; their logs come back', async () => {
    const out = join(dir, 'events');
    const labs = ['backup-used-after-link-failure', 'loss-moves-traffic'];
    const r = await runCli(['run', '--kernel', 'debian:6.12', '--engine', 'off', '--jobs', '1', '--seed', '3', '--results', out, ...labs]);
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    for (const lab of labs) {
      const res = run.results.find((x) => x.lab === lab && x.target.kind === 'kernel');
      assert.equal(res?.status, 'pass', `${lab}: ${res?.error ?? ''} ${JSON.stringify(res?.checks.filter((c) => !c.ok))}`);
      const file = join(out, 'kernels', 'debian_6.12', 'labs', lab, 'log.txt');
      assert.ok(existsSync(file), `${file} came back`);
    }
    const backupLog = readFileSync(join(out, 'kernels', 'debian_6.12', 'labs', 'backup-used-after-link-failure', 'log.txt'), 'utf8');
    const down = doneAt(backupLog, 'link-down l1');
    // Due at 300 ms; a new `ip` process under TCG made it 1155 ms before the batch process.
    assert.ok(down !== undefined && down < 800, `link-down l1 done at ${down} ms:\n${backupLog}`);
    // The loss is in place before the client's first byte: "started" comes after the impair event.
    const lossLog = readFileSync(join(out, 'kernels', 'debian_6.12', 'labs', 'loss-moves-traffic', 'log.txt'), 'utf8');
    assert.ok(lossLog.indexOf('impair l1') >= 0 && lossLog.indexOf('impair l1') < lossLog.indexOf('"kind":"started"'), lossLog);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(ourQemus(), []);
  });
});
