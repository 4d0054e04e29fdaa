// --capture in a debian:6.12 guest: the run inside captures every link, and
// its pcaps come back over the results port into the host's results folder
// (RESULTS/kernels/<kernel>/labs/<lab>/<link>.pcap, beside the guest's log),
// named by results.json, whole, with the lab's MPTCP handshakes in them;
// `explain` finds the run there. One lab: a TCG boot and a lab take ~60 s.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readPcap } from '../../../harness/observe/pcap.js';
import { mpCapableOf, mpJoinOf, mptcpOptionsOf } from '../../../harness/observe/mptcp-options.js';
import type { RunResult } from '../../../harness/result.js';
import { runCli } from '../host-state.js';
import { missing, ourQemus } from './vm-host.js';

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-guest-capture-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('--capture in a debian:6.12 guest', { skip: missing() }, () => {
  test('the pcaps of the run inside come back into the results folder and parse', async () => {
    const out = join(dir, 'capture');
    const lab = 'signal-address';
    const r = await runCli([
      'run',
      '--kernel',
      'debian:6.12',
      '--engine',
      'off',
      '--jobs',
      '1',
      '--seed',
      '5',
      '--capture',
      '--results',
      out,
      lab,
    ]);
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    const res = run.results.find((x) => x.lab === lab && x.target.kind === 'kernel');
    assert.equal(res?.status, 'pass', `${res?.error ?? ''} ${JSON.stringify(res?.checks.filter((c) => !c.ok))}\n${r.stderr}`);
    const labDir = join(out, 'kernels', 'debian_6.12', 'labs', lab);
    const files = readdirSync(labDir)
      .filter((f) => f.endsWith('.pcap'))
      .sort();
    assert.deepEqual(files, ['l1.pcap', 'l2.pcap']);
    // results.json names the host's files, not the guest's.
    assert.deepEqual(
      res?.pcaps?.slice().sort(),
      files.map((f) => join(labDir, f)),
    );
    assert.equal(res?.log, join(labDir, 'log.txt'));
    assert.ok(existsSync(res.log));
    const kinds = new Set<string>();
    for (const f of files) {
      const read = readPcap(readFileSync(join(labDir, f)));
      assert.equal(read.error, undefined, `${f}: ${read.error}`);
      assert.ok(read.packets.length > 10, `${f}: ${read.packets.length} packets`);
      for (const p of read.packets) {
        if (!p.tcp) continue;
        const o = mptcpOptionsOf(p.tcp);
        if (mpCapableOf(o) && p.tcp.flagSet.syn) kinds.add(`${f} MP_CAPABLE SYN`);
        if (mpJoinOf(o) && p.tcp.flagSet.syn) kinds.add(`${f} MP_JOIN SYN`);
      }
    }
    // The connection starts on l1; the server's announced address is joined over l2.
    assert.ok(kinds.has('l1.pcap MP_CAPABLE SYN'), [...kinds].join(', '));
    assert.ok(kinds.has('l2.pcap MP_JOIN SYN'), [...kinds].join(', '));
    assert.equal(r.code, 0, r.stderr);
    // explain finds the run in the guest's folder (a passing run: no integrity failure to explain).
    const explain = await runCli(['explain', labDir]);
    assert.equal(explain.code, 2);
    assert.match(explain.stderr, /results\[0\] \(signal-address\) holds no located integrity failure/);
    assert.deepEqual(ourQemus(), []);
  });
});
