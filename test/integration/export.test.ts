// `mptcp-lab export LAB --sh` as a kernel developer uses it, as root: the
// script builds the lab, transfers, verifies (exit 0, the VERIFIED line) or
// names the first wrong byte (exit 1), two copies run at once, and nothing is
// left behind: namespaces, processes, host state, its temporary folder.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cannotRun, hostSnapshot, runCli } from './host-state.js';

const skip = cannotRun();
const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-export-it-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface ScriptRun {
  code: number | null;
  out: string;
  pid: number;
}

/** The lab namespaces of a script (mptcplab-<its PID>-sh<suffix>-<host>). */
function scriptNamespaces(pid: number): string[] {
  const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return list.split('\n').filter((l) => l.startsWith(`mptcplab-${pid}-sh`));
}

/** Processes whose command line mentions this folder (the scripts' python3 and mptcp_connect run from files there). */
function processesUsing(folder: string): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(folder)) out.push(`${p}: ${cmd}`);
    } catch {
      continue;
    }
  }
  return out;
}

/** Runs a script with bash, its temporary files under `tmp`; `onStart` sees it running. */
function runScript(file: string, tmp: string, onStart?: (pid: number) => void): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [file], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, pid: child.pid! });
    });
    onStart?.(child.pid!);
  });
}

async function exportLab(lab: string, file: string, ...extra: string[]): Promise<void> {
  const r = await runCli(['export', lab, '--sh', '--seed', '3', '--out', file, ...extra]);
  assert.equal(r.code, 0, r.stderr);
}

/** A fresh folder for one script's TMPDIR: empty again after the script, whatever happened. */
function tmpFor(name: string): string {
  const d = join(scratch, `tmp-${name}`);
  mkdirSync(d);
  return d;
}

function assertLeftNothing(run: ScriptRun, tmp: string): void {
  assert.deepEqual(scriptNamespaces(run.pid), [], 'namespaces left behind');
  assert.deepEqual(processesUsing(tmp), [], 'processes left behind');
  assert.deepEqual(readdirSync(tmp), [], 'temporary files left behind');
}

describe('export --sh, run with bash', { skip }, () => {
  for (const lab of ['no-join', 'signal-address', 'link-failure']) {
    test(`${lab}: builds, transfers, verifies, and leaves nothing`, async () => {
      const file = join(scratch, `${lab}.sh`);
      await exportLab(lab, file);
      const before = hostSnapshot();
      const tmp = tmpFor(lab);
      const run = await runScript(file, tmp);
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, new RegExp(`^VERIFIED: lab ${lab}: 1 connection\\(s\\), upload of \\d+ bytes each, intact$`, 'm'));
      assert.match(run.out, /^server: connection 0: sent 0 bytes; (\d+) of \1 bytes received, intact$/m);
      if (lab === 'link-failure') assert.match(run.out, /^event at 250 ms: link-down l2: applied$/m);
      assertLeftNothing(run, tmp);
      assert.deepEqual(hostSnapshot(), before);
    });
  }

  test('two copies of one script run at once, each in its own namespaces', async () => {
    const file = join(scratch, 'twice.sh');
    await exportLab('no-join', file);
    const tmps = [tmpFor('twice-a'), tmpFor('twice-b')];
    const runs = await Promise.all(tmps.map((t) => runScript(file, t)));
    for (const [k, run] of runs.entries()) {
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, /^VERIFIED: lab no-join/m);
      assertLeftNothing(run, tmps[k]!);
    }
  });

  test('a corrupted stream: exit 1, the first wrong offset named', async () => {
    // One link whose middlebox inverts a payload byte TCP does not check (nft at ingress), no DSS checksum.
    const labFile = join(scratch, 'corrupt.lab.yaml');
    writeFileSync(
      labFile,
      [
        'description: a middlebox corrupts one byte, nothing detects it',
        'hosts: { client: {}, server: {} }',
        'links:',
        '  - between: [client, server]',
        '    from: { client: { rewrite: { packet: 5, offset: 100 } } }',
        'workload: { client: client, server: server, connect: l1, size: 1MB }',
        '',
      ].join('\n'),
    );
    const file = join(scratch, 'corrupt.sh');
    await exportLab(labFile, file);
    const tmp = tmpFor('corrupt');
    const run = await runScript(file, tmp);
    assert.equal(run.code, 1, run.out);
    assert.match(
      run.out,
      /^server: connection 0: sent 0 bytes; FIRST WRONG BYTE at offset \d+ \(received 0x[0-9a-f]{2}, expected 0x[0-9a-f]{2}\)/m,
    );
    assert.match(run.out, /^NOT VERIFIED: lab corrupt/m);
    assertLeftNothing(run, tmp);
  });

  test('SIGTERM during the transfer: exit 1, and everything removed', async () => {
    const file = join(scratch, 'term.sh');
    await exportLab('link-failure', file);
    const tmp = tmpFor('term');
    let started = false;
    const run = await runScript(file, tmp, (pid) => {
      // Once the client python runs, the transfer is under way.
      const poll = setInterval(() => {
        if (processesUsing(tmp).some((p) => p.includes(' client '))) {
          started = true;
          clearInterval(poll);
          process.kill(pid, 'SIGTERM');
        }
      }, 20);
      setTimeout(() => clearInterval(poll), 30_000);
    });
    assert.ok(started, 'the client never started');
    assert.equal(run.code, 1, run.out);
    assert.doesNotMatch(run.out, /^VERIFIED/m);
    assertLeftNothing(run, tmp);
  });
});

test('export of an unknown lab: exit 2 and a message naming it', async () => {
  const r = await runCli(['export', 'no-such-lab', '--sh']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no lab or group "no-such-lab"/);
});
