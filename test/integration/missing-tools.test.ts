// Each program the host target runs, taken off PATH in turn (a folder of
// symlinks to everything on PATH but that one), with the real CLI as a child
// process: the labs that need it are a SKIP naming the program and its
// Debian package, the others still pass, nothing is left behind; and
// --capture without tcpdump exits 2 with one line before anything runs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cannotRun, hostSnapshot, labProcesses, namespacesOf, runCli } from './host-state.js';

const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-tools-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Small labs, machine-independent needs: ip only; + tc (rate) and stdbuf (a link event); + tc, nft, ethtool (rewrite). */
const LABS = ['plain-tcp-client', 'backup-used-after-link-failure', 'mp-fail-mp-rst'];
const CASES = [
  { tool: 'ip', pkg: 'iproute2', skips: LABS },
  { tool: 'tc', pkg: 'iproute2', skips: ['backup-used-after-link-failure', 'mp-fail-mp-rst'] },
  { tool: 'nft', pkg: 'nftables', skips: ['mp-fail-mp-rst'] },
  { tool: 'ethtool', pkg: 'ethtool', skips: ['mp-fail-mp-rst'] },
  { tool: 'stdbuf', pkg: 'coreutils', skips: ['backup-used-after-link-failure'] },
];

const PATH_DIRS = (process.env.PATH ?? '').split(delimiter).filter(Boolean);

function onPath(tool: string): boolean {
  return PATH_DIRS.some((d) => existsSync(join(d, tool)));
}

/** A folder standing for PATH without `tool`: a symlink to the first of every other name, as a PATH lookup finds it. */
function pathWithout(tool: string): string {
  const dir = join(scratch, `path-without-${tool}`);
  mkdirSync(dir);
  const seen = new Set<string>([tool]);
  for (const d of PATH_DIRS) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names.filter((x) => !seen.has(x))) {
      seen.add(n);
      symlinkSync(join(d, n), join(dir, n));
    }
  }
  return dir;
}

/** Why these tests cannot run here: as root, with every tool and what the labs need of the kernel. */
async function whyNot(): Promise<string | undefined> {
  const base = cannotRun();
  if (base) return base;
  const absent = [...CASES.map((c) => c.tool), 'tcpdump'].filter((t) => !onPath(t));
  if (absent.length) return `not on PATH here: ${absent.join(', ')}`;
  const doctor = await runCli(['doctor', '--json']);
  const caps = (JSON.parse(doctor.stdout) as { capabilities: Record<string, unknown> }).capabilities;
  const lacking = ['tbf', 'nftPayloadRewrite', 'offloadsOff', 'labNetwork'].filter((k) => caps[k] !== true);
  return lacking.length ? `this machine cannot run ${LABS.join(', ')} with every tool (${lacking.join(', ')})` : undefined;
}

interface Result {
  lab: string;
  status: string;
  skipReason?: string;
}

const skip = await whyNot();

describe('a program off PATH', { skip }, () => {
  for (const { tool, pkg, skips } of CASES) {
    test(`without ${tool}: ${skips.join(', ')} SKIP naming ${tool} (${pkg}), the others pass, nothing left`, async () => {
      const before = hostSnapshot();
      const out = join(scratch, `out-${tool}`);
      let pid = 0;
      const r = await runCli(['run', ...LABS, '--engine', 'off', '--jobs', '3', '--results', out], {
        env: { ...process.env, PATH: pathWithout(tool) },
        onSpawn: (c) => (pid = c.pid!),
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.stderr);
      const results = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: Result[] }).results;
      for (const lab of LABS) {
        const x = results.find((y) => y.lab === lab);
        assert.ok(x, `${lab}: no result`);
        if (skips.includes(lab)) {
          assert.equal(x.status, 'skip', `${lab} without ${tool}`);
          assert.match(x.skipReason ?? '', new RegExp(`needs ${tool} \\(Debian package ${pkg}\\)`));
        } else assert.equal(x.status, 'pass', `${lab} does not need ${tool}: ${x.skipReason ?? ''}`);
      }
      assert.deepEqual(namespacesOf(pid, true), [], 'namespaces left behind');
      assert.deepEqual(labProcesses(pid), [], 'processes left behind');
      assert.deepEqual(hostSnapshot(), before);
    });
  }

  let noTcpdump: string | undefined;
  for (const capture of [['--capture'], ['--capture', 'on-failure']])
    test(`${capture.join(' ')} without tcpdump: exit 2, one line naming tcpdump and its package, nothing created`, async () => {
      const out = join(scratch, `out-capture-${capture.length}`);
      const r = await runCli(['run', 'plain-tcp-client', ...capture, '--engine', 'off', '--results', out], {
        env: { ...process.env, PATH: (noTcpdump ??= pathWithout('tcpdump')) },
      });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^mptcp-lab: --capture needs tcpdump \(Debian package tcpdump\), which is not on PATH\n$/);
      assert.equal(existsSync(out), false);
    });
});
