// The pure parts of the vm backend: the command script, the qemu argv, trouble in a console log.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { commandScript, initScript, shQuote } from '../../../kernels/vm/init-script.js';
import { qemuArgv } from '../../../kernels/vm/qemu.js';
import { findTrouble } from '../../../kernels/vm/trouble.js';

test('the command script quotes every argument and environment value', () => {
  assert.equal(shQuote("it's"), `'it'\\''s'`);
  const s = commandScript({ argv: ['printf', '%s|', 'a b', "c'd", '$HOME'], cwd: '/tmp', env: { X: 'y z' } });
  const r = spawnSync('sh', ['-c', s.replace(/^exec /m, '')]);
  assert.equal(String(r.stdout), "a b|c'd|$HOME|");
  assert.match(s, /export X='y z'/);
  assert.throws(() => commandScript({ argv: [] }), /empty command/);
  assert.throws(() => commandScript({ argv: ['true'], env: { 'A;B': '1' } }), /bad environment name/);
});

test('the init script is valid sh and links the guest modules', () => {
  const s = initScript({ release: '6.12.1+deb12-amd64', modulesDir: '/c/6.12.1+deb12-amd64/lib/modules/6.12.1+deb12-amd64' });
  assert.equal(spawnSync('sh', ['-n', '-c', s]).status, 0);
  assert.match(
    s,
    /ln -s '\/c\/6\.12\.1\+deb12-amd64\/lib\/modules\/6\.12\.1\+deb12-amd64' \/newroot\/lib\/modules\/'6\.12\.1\+deb12-amd64'/,
  );
  assert.match(s, /mount -t 9p -o trans=virtio,[^ ]*ro[^ ]* hostroot/);
});

/** The files and memory of a guest whose argv the tests read. */
const GUEST_FILES = { kernel: '/k', initrd: '/i', consoleLog: '/c', results: '/r', stderr: '/e', status: '/s', memoryMb: 512 };

test('qemu argv: multi-threaded TCG, read-only 9p root, three virtio-serial ports, console to a file', () => {
  const a = qemuArgv({ ...GUEST_FILES, cpus: 1, accel: 'tcg', append: ['x=1'] });
  assert.equal(a[0], 'qemu-system-x86_64');
  const j = a.join(' ');
  assert.match(j, /-machine pc -accel tcg,thread=multi/);
  assert.match(j, /-serial file:\/c/);
  assert.match(j, /local,id=fsroot,path=\/,security_model=none,readonly=on/);
  assert.match(j, /virtserialport,chardev=results,name=results/);
  assert.match(j, /virtserialport,chardev=status,name=status/);
  assert.match(a[a.indexOf('-append') + 1]!, /console=ttyS0 panic=-1 .* x=1$/);
  const kvm = qemuArgv({ ...GUEST_FILES, cpus: 2, accel: 'kvm', append: [] });
  assert.match(kvm.join(' '), /-machine pc -accel kvm -cpu host /);
});

const OOPS = `[    1.000000] ok
[    5.123456] BUG: kernel NULL pointer dereference, address: 0000000000000000
[    5.123457] #PF: supervisor read access in kernel mode
[    5.123458] Call Trace:
[    5.123459]  <TASK>
[    5.123460]  mptcp_subflow_create_socket+0x12/0x40
[    5.123461] ---[ end trace 0000000000000000 ]---
[    6.000000] fine again
[    7.000000] WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:123 __mptcp_clean_una+0x1/0x2
[    7.000001] Modules linked in: veth
[    7.000002]
[    8.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[    9.000000] Kernel panic - not syncing: Fatal exception
`;

test('trouble: oops, warning, kmemleak and panic reported with their lines; a clean log has none', () => {
  const t = findTrouble(OOPS);
  assert.equal(t.length, 4);
  assert.match(t[0]!, /^BUG: kernel NULL pointer dereference/);
  assert.match(t[0]!, /Call Trace:\n <TASK>\n mptcp_subflow_create_socket/);
  assert.match(t[0]!, /end trace/);
  assert.doesNotMatch(t[0]!, /fine again/);
  assert.match(t[1]!, /^WARNING: CPU: 1 PID: 42 at net\/mptcp\/protocol\.c:123/);
  assert.match(t[2]!, /kmemleak: 2 new suspected/);
  assert.match(t[3]!, /Kernel panic - not syncing/);
  assert.deepEqual(findTrouble('[ 0.1] Linux version 6.12\n[ 0.2] reboot: Power down\n'), []);
  assert.equal(findTrouble('[ 1.0] Call Trace:\n[ 1.1]  foo+0x1/0x2\n').length, 1, 'a bare Call Trace counts');
});
