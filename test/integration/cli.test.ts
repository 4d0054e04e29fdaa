// The CLI as a user runs it, as root on this machine: exit codes, TAP on
// stdout, bad input rejected before anything exists, hung labs reported,
// and nothing left behind after SIGINT/SIGTERM.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Parser } from 'tap-parser';
import { cannotRun, hostSnapshot, labProcesses, namespacesOf, ROOT, runCli } from './host-state.js';

const skip = cannotRun();
const fixtures = join(ROOT, 'test', 'fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A connection of the lab's client is established: its agent (a thread of the run) is transferring. */
function transferring(clientNs: string | undefined): boolean {
  if (!clientNs) return false;
  try {
    return execFileSync('ss', ['-N', clientNs, '-Htn', 'state', 'established'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false; // the namespace went away meanwhile
  }
}

function netnsList(): string {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
}

function parseTap(text: string): Promise<{ ok: boolean; pass: number; fail: number; skip: number; failures: string[] }> {
  return new Promise((resolve) => {
    const p = new Parser({ strict: false }, (r) =>
      resolve({ ok: r.ok, pass: r.pass, fail: r.fail, skip: r.skip, failures: r.failures.map((f) => f.name) }),
    );
    p.end(text);
  });
}

describe('bad input', { skip }, () => {
  const bad = readdirSync(join(fixtures, 'bad')).filter((f) => f.endsWith('.lab.yaml'));
  const expectations: Record<string, RegExp> = {
    'malformed.lab.yaml': /malformed\.lab\.yaml:\d+:\d+: .*malformed YAML/,
    'unknown-key.lab.yaml': /unknown-key\.lab\.yaml:6:\d+: links\[0\]: unknown key "bandwidth"/,
    'missing-host.lab.yaml': /missing-host\.lab\.yaml:5:\d+: links\[0\]\.between\[1\]: no host "router"/,
    'address-outside-prefix.lab.yaml': /address-outside-prefix\.lab\.yaml:\d+:\d+: links\[0\]\.addresses: .*not in the same prefix/,
    'impossible-rate.lab.yaml': /impossible-rate\.lab\.yaml:6:\d+: links\[0\]\.rate: rate 900gbit is impossible/,
    'endpoint-missing-interface.lab.yaml':
      /endpoint-missing-interface\.lab\.yaml:\d+:\d+: hosts\.client\.endpoints\[0\]\.dev: host "client" has no interface "eth5"/,
    'outside-lab-range.lab.yaml': /outside-lab-range\.lab\.yaml:\d+:\d+: .*10\.0\.1\.1 is outside the lab ranges/,
  };
  test('every bad fixture has an expectation', () => assert.deepEqual(bad.sort(), Object.keys(expectations).sort()));
  for (const file of bad) {
    test(`${file}: exit 2, the file, place and reason, nothing created`, async () => {
      const created = new Set<string>();
      const r = await runCli(['run', join('test', 'fixtures', 'bad', file), '--results', join(scratch, file)], {
        onSpawn: (child) => {
          const poll = setInterval(() => namespacesOf(child.pid!, true).forEach((n) => created.add(n)), 5);
          child.on('close', () => clearInterval(poll));
        },
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expectations[file]!);
      assert.equal(r.stdout, '', 'nothing on stdout: no TAP for a run that never started');
      assert.deepEqual([...created], [], 'no namespace was ever created');
      assert.equal(existsSync(join(scratch, file)), false, 'no results folder either');
    });
  }
  test('unknown option and unknown lab are usage errors (exit 2)', async () => {
    assert.equal((await runCli(['run', '--jobs', 'zero'])).code, 2);
    const r = await runCli(['run', 'no-such-lab']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no lab or group "no-such-lab"/);
  });
});

describe('results', { skip }, () => {
  test('a failing lab: exit 1, TAP not ok with expected vs actual, results folder complete', async () => {
    const dir = join(scratch, 'fails');
    const r = await runCli([
      'run',
      'test/fixtures/labs/fails.lab.yaml',
      '--seed',
      '7',
      '--results',
      dir,
      '--junit',
      join(dir, 'junit.xml'),
    ]);
    assert.equal(r.code, 1, r.stderr);
    const tap = await parseTap(r.stdout);
    // The kernel and the engine (on by default) both fail the lab's check; their comparison agrees.
    assert.equal(tap.fail, 2);
    assert.match(
      r.stdout,
      /^not ok 1 - fails \[kernel host [^\]]+\]\n[^]*^not ok 2 - fails \[engine sim [^\]]+\]\n[^]*^ok 3 - fails \[kernel host vs engine sim\]$/m,
    );
    assert.match(r.stdout, /not ok 1 - join\.syn\n\s+---\n\s+expected: "1"\n\s+actual: "0"\n\s+source: server MPTcpExtMPJoinSynRx/);
    assert.match(r.stdout, /seed: 7/);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      run: { seed: number };
      results: { status: string; observations: { counters: Record<string, Record<string, number>> } }[];
    };
    assert.equal(results.run.seed, 7);
    assert.equal(results.results[0]!.status, 'fail');
    assert.equal(results.results[0]!.observations.counters.server!.MPTcpExtMPCapableSYNRX, 1);
    assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /\| fails \| kernel host .*\| \*\*FAIL\*\* \|/);
    assert.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), /<failure/);
    assert.match(readFileSync(join(dir, 'labs', 'fails', 'log.txt'), 'utf8'), /built in/);
  });

  test('--tap-version 13 prints the same points under TAP version 13', async () => {
    const r = await runCli(['run', 'test/fixtures/labs/quick.lab.yaml', '--tap-version', '13', '--results', join(scratch, 'v13')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^TAP version 13\n/);
    assert.equal((await parseTap(r.stdout)).pass, 3, 'kernel, engine, comparison');
    const off = await runCli(['run', 'test/fixtures/labs/quick.lab.yaml', '--engine', 'off', '--results', join(scratch, 'v13-off')]);
    assert.equal((await parseTap(off.stdout)).pass, 1, '--engine off: the kernel point only');
  });

  test('--capture writes one pcap per link and stops tcpdump', async () => {
    const dir = join(scratch, 'capture');
    let pid = 0;
    const r = await runCli(['run', 'test/fixtures/labs/quick.lab.yaml', '--capture', '--results', dir], { onSpawn: (c) => (pid = c.pid!) });
    assert.equal(r.code, 0, r.stderr);
    const pcap = readFileSync(join(dir, 'labs', 'quick', 'l1.pcap'));
    assert.ok(pcap.length > 24 + 16 * 6, `pcap has packets (${pcap.length} bytes)`);
    assert.ok([0xa1b2c3d4, 0xa1b23c4d].includes(pcap.readUInt32LE(0)), 'pcap magic');
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: { pcaps?: string[] }[] };
    assert.deepEqual(results.results[0]!.pcaps, [join(dir, 'labs', 'quick', 'l1.pcap')]);
    assert.deepEqual(labProcesses(pid), []);
  });

  test('a TypeScript lab: its step runs with $ scoped to the host; a failing step fails the lab', async () => {
    const ok = await runCli(['run', 'dist/test/fixtures/labs/shell-step.lab.js', '--results', join(scratch, 'step')]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /ok \d+ - join\.ack/);
    assert.match(ok.stdout, /ok \d+ - timed_events/);
    const bad = await runCli(['run', 'test/fixtures/labs/bad-step.lab.yaml', '--results', join(scratch, 'bad-step')]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stdout,
      /not ok \d+ - timed_events\n\s+---\n\s+expected: 2?1 applied\n\s+actual: ["']?shell client: ip link set eth9 down: /,
    );
  });

  test('a hung lab is killed at its timeout, reported, and the run goes on', async () => {
    let pid = 0;
    const r = await runCli(
      ['run', 'test/fixtures/labs/slow-hang.lab.yaml', 'test/fixtures/labs/quick.lab.yaml', '--results', join(scratch, 'hang')],
      { onSpawn: (c) => (pid = c.pid!) },
    );
    assert.equal(r.code, 1);
    assert.match(r.stdout, /not ok \d+ - slow-hang/);
    assert.match(r.stdout, /timed out after 2000 ms/);
    assert.match(r.stdout, /\nok \d+ - quick /);
    assert.deepEqual(labProcesses(pid), []);
    assert.deepEqual(namespacesOf(pid), []);
  });
});

describe('leave no trace', { skip }, () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} during a transfer: namespaces, agents and monitors all gone`, async () => {
      const before = hostSnapshot();
      let seen: string[] = [];
      let pid = 0;
      const r = await runCli(['run', 'test/fixtures/labs/long-transfer.lab.yaml', '--results', join(scratch, signal)], {
        onSpawn: (child) => {
          pid = child.pid!;
          const poll = setInterval(() => {
            const ns = namespacesOf(child.pid!);
            if (ns.length === 2 && transferring(ns.find((n) => n.endsWith('-client')))) {
              seen = ns;
              clearInterval(poll);
              setTimeout(() => child.kill(signal), 500);
            }
          }, 50);
          child.on('close', () => clearInterval(poll));
        },
      });
      assert.equal(seen.length, 2, 'the lab was running when the signal came');
      assert.equal(r.code, signal === 'SIGINT' ? 130 : 143, r.stderr);
      const left = netnsList();
      for (const ns of seen) assert.ok(!left.includes(ns), `${ns} is left`);
      assert.deepEqual(labProcesses(pid), []);
      assert.deepEqual(hostSnapshot(), before);
    });
  }

  test('clean removes namespaces of dead runs only', async () => {
    const dead = 'mptcplab-999999-1-client';
    const live = `mptcplab-${process.pid}-1-client`;
    execFileSync('ip', ['netns', 'add', dead]);
    execFileSync('ip', ['netns', 'add', live]);
    try {
      const r = await runCli(['clean']);
      assert.equal(r.code, 0);
      const left = netnsList();
      assert.ok(!left.includes(dead), 'dead run namespace removed');
      assert.ok(left.includes(live), 'namespace of a live process kept');
    } finally {
      for (const ns of [dead, live]) if (netnsList().includes(ns)) execFileSync('ip', ['netns', 'del', ns]);
    }
  });
});

describe('other commands', () => {
  test('list --json lists the catalogue with groups', async () => {
    const r = await runCli(['list', '--json']);
    assert.equal(r.code, 0);
    const labs = JSON.parse(r.stdout) as { name: string; group: string }[];
    assert.ok(labs.length >= 20, `${labs.length} labs`);
    assert.ok(labs.some((l) => l.name === 'signal-address' && l.group === 'signal'));
  });
  test('show prints hosts, addresses and impairments', async () => {
    const r = await runCli(['show', 'test/fixtures/labs/long-transfer.lab.yaml']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /eth1 on l2 → server: 198\.18\.2\.1\/24 {2}egress: rate 2mbit/);
    assert.match(r.stdout, /endpoint 198\.18\.2\.1 subflow/);
  });
  test('validate accepts the catalogue', async () => {
    const r = await runCli(['validate']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.split('\n').filter((l) => l.startsWith('ok ')).length >= 20);
  });
  test('doctor --json reports MPTCP and the impairments that work', { skip }, async () => {
    const r = await runCli(['doctor', '--json']);
    assert.equal(r.code, 0);
    const d = JSON.parse(r.stdout) as { capabilities: { mptcp: boolean; tbf: boolean }; items: { name: string; status: string }[] };
    assert.equal(d.capabilities.mptcp, true);
    assert.ok(d.items.some((i) => i.name === 'sch_netem'));
  });
});
