// Which qemu processes `mptcp-lab clean` may end: parsers over /proc text
// (recorded shapes, not a live process list) and the orphan rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orphanReason, parseOurQemu, parseStartTicks, workDirFromArgv } from '../../../../harness/targets/vm/clean-qemu.js';

// /proc/PID/stat of a qemu (fields 1..22 matter; the name may hold spaces and parentheses).
const STAT = '4242 (qemu-system-x86) S 4200 4242 4200 0 -1 4194560 1000 0 0 0 50 10 0 0 20 0 3 0 987654 1234567 890 18446744073709551615\n';
const ARGV = [
  'qemu-system-x86_64',
  '-machine',
  'pc,accel=tcg',
  '-serial',
  'file:/tmp/mptcp-lab-vm-Ab12Cd/console.log',
  '-chardev',
  'file,id=results,path=/tmp/mptcp-lab-vm-Ab12Cd/results',
];

test('start time is field 22 of /proc/PID/stat, even with odd command names', () => {
  assert.equal(parseStartTicks(STAT), 987654);
  assert.equal(parseStartTicks(STAT.replace('(qemu-system-x86)', '(a) b (c)')), 987654);
  assert.equal(parseStartTicks('garbage'), undefined);
});

test('the work dir comes from the argv marker', () => {
  assert.equal(workDirFromArgv(ARGV), '/tmp/mptcp-lab-vm-Ab12Cd');
  assert.equal(
    workDirFromArgv(['qemu-system-x86_64', '-chardev', 'file,id=results,path=/var/tmp/mptcp-lab-vm-x/results']),
    '/var/tmp/mptcp-lab-vm-x',
  );
  assert.equal(workDirFromArgv(['qemu-system-x86_64', '-name', 'other']), undefined);
});

test('a qemu is ours only with the argv marker and the run mark in its environment', () => {
  const env = 'PATH=/usr/bin\0MPTCP_LAB_RUN=777\0HOME=/root\0';
  assert.deepEqual(parseOurQemu(4242, ARGV.join('\0') + '\0', env, STAT), {
    pid: 4242,
    runPid: 777,
    workDir: '/tmp/mptcp-lab-vm-Ab12Cd',
    startTicks: 987654,
  });
  assert.equal(parseOurQemu(4242, ARGV.join('\0'), 'PATH=/usr/bin\0', STAT), undefined, 'no MPTCP_LAB_RUN: not ours to judge');
  assert.equal(parseOurQemu(4242, ['qemu-system-x86_64', '-m', '512'].join('\0'), env, STAT), undefined, 'no mptcp-lab-vm- marker');
  assert.equal(parseOurQemu(4242, ['/bin/sh', '-c', 'echo /tmp/mptcp-lab-vm-x'].join('\0'), env, STAT), undefined, 'not a qemu');
  assert.equal(parseOurQemu(4242, ARGV.join('\0'), 'MPTCP_LAB_RUN=abc\0', STAT), undefined);
});

test('an orphan: its run is gone, or its run PID now names a younger process', () => {
  const q = { pid: 4242, runPid: 777, workDir: undefined, startTicks: 1000 };
  assert.equal(orphanReason(q, false, undefined), 'run 777 is gone');
  assert.equal(orphanReason(q, true, 900), undefined, 'the run started before its qemu: alive, kept');
  assert.match(orphanReason(q, true, 1500) ?? '', /PID 777 now belongs to another process/);
  assert.equal(orphanReason(q, true, undefined), undefined, 'alive but unreadable: kept');
});
