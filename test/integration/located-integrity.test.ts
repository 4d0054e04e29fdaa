// An integrity failure located on a real lab (root): a middlebox inverts one
// payload byte past the capture point with DSS checksums off, so the server
// takes it. The check names the byte; with --capture on-failure under
// --until-fail the run stops at that failure, keeps its pcap, and the
// diagnostics tie the byte to the wire (the sender put the right one there).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunResult } from '../../harness/result.js';
import { cannotRun, runCli } from './host-state.js';

const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-located-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('a located integrity failure', { skip: cannotRun() }, () => {
  test('the wrong byte in the check, its trace on the wire in the diagnostics, the pcap kept', async () => {
    const dir = join(scratch, 'r');
    const r = await runCli([
      'run',
      'test/fixtures/labs/corrupt-on-path.lab.yaml',
      '--engine',
      'off',
      '--repeat',
      '3',
      '--until-fail',
      '--jobs',
      '1',
      '--capture',
      'on-failure',
      '--results',
      dir,
    ]);
    assert.equal(r.code, 1, r.stderr);
    const run = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    assert.equal(run.results.length, 1, 'stopped at the first failing run');
    const res = run.results[0]!;
    const integrity = res.checks.find((c) => c.name === 'integrity');
    assert.match(integrity?.actual ?? '', /^connection 0 upload: 200000 of 200000 bytes; wrong at \d+ \(1 byte\)/);
    assert.equal(res.pcaps?.length, 1, 'the failing run keeps its pcap');
    const explanation = (res.explanation ?? []).join('\n');
    assert.match(explanation, /sender ok: the client put the right bytes on the wire .* → the server \(receiver\) is at fault/);
    assert.match(explanation, /by subflow 1 \(198\.18\.1\.1:\d+ → 198\.18\.1\.2:\d+\), its first mapping: dsn \d+/);
    assert.match(r.stdout, /explanation:\n\s+- "connection 0 upload \(client → server\)/);
  });
});
