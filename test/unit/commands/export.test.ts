// `mptcp-lab export`: its flags and errors, without running a script.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CommanderError } from 'commander';
import { buildProgram } from '../../../harness/commands/program.js';
import { UsageError } from '../../../harness/exit.js';
import { LabError } from '../../../harness/lab/errors.js';

async function exportCli(...args: string[]): Promise<number | undefined> {
  let exit: number | undefined;
  const program = buildProgram({ setExit: (c) => (exit = c), output: { writeOut: () => undefined, writeErr: () => undefined } });
  await program.parseAsync(['node', 'mptcp-lab', 'export', ...args]);
  return exit;
}

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-export-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('mptcp-lab export', () => {
  test('an unknown lab is a lab error (exit 2)', async () => {
    await assert.rejects(
      exportCli('no-such-lab', '--sh'),
      (e: unknown) => e instanceof LabError && /no lab or group "no-such-lab"/.test(e.message),
    );
  });

  test('without a format, or with a group of labs, a usage error (exit 2)', async () => {
    await assert.rejects(exportCli('no-join'), (e: unknown) => e instanceof UsageError && /--sh/.test(e.message));
    await assert.rejects(exportCli('basic', '--sh'), (e: unknown) => e instanceof UsageError && /one lab at a time/.test(e.message));
  });

  test('a bad option value is refused by the parser', async () => {
    await assert.rejects(exportCli('no-join', '--sh', '--netem', 'maybe'), CommanderError);
    await assert.rejects(exportCli('no-join', '--sh', '--seed', '-1'), CommanderError);
  });

  test('bind or abort-after with mptcp_connect are refused, naming the feature', async () => {
    await assert.rejects(
      exportCli('fastclose-client', '--sh', '--mptcp-connect', '/x/mptcp_connect'),
      (e: unknown) => e instanceof UsageError && /workload\.abort-after/.test(e.message),
    );
  });

  test('--out writes an executable script with the seed given', async () => {
    const out = join(dir, 'no-join.sh');
    assert.equal(await exportCli('no-join', '--sh', '--seed', '5', '--out', out), 0);
    assert.equal(statSync(out).mode & 0o777, 0o755);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^# mptcp-lab export no-join --sh --seed 5$/m);
    assert.match(text, /^mptcp limits set|^ip -n "\$\{NS_client\}" -batch - <<'EOF'$/m);
  });
});
