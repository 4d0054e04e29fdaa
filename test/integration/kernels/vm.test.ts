// The vm backend for real: fetch Debian's kernels (once, into the cache),
// build the initramfs, boot under qemu TCG with the host root over 9p, run a
// command and get its output back over virtio-serial. Skips with the reason
// when not root, when qemu-system-x86 / busybox-static are missing, or when
// the kernel cannot be fetched.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fetchKernel, type ResolvedKernel } from '../../../kernels/fetch.js';
import { listInitramfs } from '../../../kernels/initramfs.js';
import { parseKernelSpec } from '../../../kernels/spec.js';
import { buildVmInitramfs, runInVm } from '../../../kernels/vm/qemu.js';
import { missing, ourQemus } from './vm-host.js';

const why = missing();

for (const series of ['6.12', '6.1'] as const) {
  describe(`debian:${series} in a TCG guest`, { skip: why }, () => {
    let k: ResolvedKernel | undefined;
    let fetchError = '';
    before(async () => {
      try {
        k = await fetchKernel(parseKernelSpec(`debian:${series}`));
      } catch (e) {
        fetchError = e instanceof Error ? e.message : String(e);
      }
    });

    test('fetch once: the second fetch is a cache hit', async (t) => {
      if (!k) return t.skip(`cannot fetch debian:${series}: ${fetchError}`);
      const again = await fetchKernel(parseKernelSpec(`debian:${series}`));
      assert.equal(again.source, 'cache');
      assert.equal(again.release, k.release);
      assert.match(k.release, series === '6.1' ? /^6\.1\.0-\d+-amd64$/ : /^6\.12\.\d+\+deb\d+-amd64$/);
      assert.ok(existsSync(`${k.modulesDir}/modules.dep`));
      // The same files as a bzImage path with --modules: the release is read from the image header.
      const image = await fetchKernel(parseKernelSpec(k.kernel, { modules: k.modulesDir }));
      assert.deepEqual([image.source, image.release, image.modulesDir], ['local', k.release, k.modulesDir]);
    });

    test('uname -r inside comes back over the results port and matches the Debian release', async (t) => {
      if (!k) return t.skip(`cannot fetch debian:${series}: ${fetchError}`);
      const initramfs = await buildVmInitramfs({ release: k.release, modules: k.modulesDir });
      const names = listInitramfs(initramfs).map((e) => e.name);
      for (const n of [
        'init',
        'bin/busybox',
        'bin/sh',
        'lib/modules/9p.ko',
        'lib/modules/9pnet_virtio.ko',
        'lib/modules/overlay.ko',
        'lib/modules/veth.ko',
        'etc/modules.load',
      ])
        assert.ok(names.includes(n), n);
      const r = await runInVm({
        kernel: k.kernel,
        release: k.release,
        modules: k.modulesDir,
        initramfs,
        command: ['uname', '-r'],
        timeoutMs: 120_000,
      });
      assert.equal(r.exitCode, 0, `${r.initErrors.join('; ')}\n${r.console.slice(-3000)}`);
      assert.equal(r.stdout, `${k.release}\n`);
      assert.ok(!r.console.includes(`${k.release}\n`) || r.console.includes('Linux version'), 'stdout is not taken from the console');
      assert.deepEqual(r.trouble, []);
      // Debian builds with CONFIG_PVH: 6.1's xz payload is decompressed once on the host and booted as an ELF; 6.12's zstd one boots as shipped.
      assert.equal(r.bootImage, series === '6.1' ? join(k.kernel, '..', 'vmlinux.pvh') : k.kernel);
      assert.ok(r.bootMs !== undefined && r.bootMs > 0);
      assert.ok(r.guestBootMs !== undefined && r.guestBootMs > 0 && r.guestBootMs <= r.bootMs + 1000);
      t.diagnostic(
        `debian:${series} ${k.release}: boot-to-command ${r.bootMs} ms (host wall; guest uptime ${r.guestBootMs} ms); spawn→qemu exit ${r.wallMs} ms`,
      );
      assert.deepEqual(ourQemus(), []);
    });

    test('exit status, stderr, environment and cwd; the guest has MPTCP and its own modules', async (t) => {
      if (!k) return t.skip(`cannot fetch debian:${series}: ${fetchError}`);
      const script =
        'cat /proc/sys/net/mptcp/enabled; pwd; echo "$GREETING"; modprobe sch_netem && grep -c ^sch_netem /proc/modules; echo oops >&2; exit 7';
      const r = await runInVm({
        kernel: k.kernel,
        release: k.release,
        modules: k.modulesDir,
        command: ['sh', '-c', script],
        cwd: '/tmp',
        env: { GREETING: "it's here" },
        timeoutMs: 120_000,
      });
      assert.equal(r.exitCode, 7, r.console.slice(-2000));
      assert.equal(r.stdout, "1\n/tmp\nit's here\n1\n");
      assert.equal(r.stderr, 'oops\n');
    });
  });
}

describe('vm failure handling', { skip: why }, () => {
  let k: ResolvedKernel | undefined;
  before(async () => {
    k = await fetchKernel(parseKernelSpec('debian:6.12')).catch(() => undefined);
  });

  test("qemu's own errors come back, not a hang", async () => {
    const r = await runInVm({ kernel: '/nonexistent/bzImage', release: 'x', modules: undefined, command: ['true'], timeoutMs: 30_000 });
    assert.equal(r.exitCode, undefined);
    assert.equal(r.qemuExitCode, 1);
    assert.match(r.qemuStderr, /could not open kernel file '\/nonexistent\/bzImage'/);
    assert.deepEqual(ourQemus(), []);
  });

  test('a timeout kills qemu by its PID and no qemu outlives the call', async (t) => {
    if (!k) return t.skip('cannot fetch debian:6.12');
    const started = Date.now();
    const r = await runInVm({ kernel: k.kernel, release: k.release, modules: k.modulesDir, command: ['sleep', '600'], timeoutMs: 15_000 });
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, undefined);
    assert.ok(Date.now() - started < 30_000);
    assert.deepEqual(ourQemus(), []);
  });

  test('the bzImage itself still boots when asked (compressed: true)', async (t) => {
    const k = await fetchKernel(parseKernelSpec('debian:6.12')).catch(() => undefined);
    if (!k) return t.skip('cannot fetch debian:6.12');
    const r = await runInVm({
      kernel: k.kernel,
      release: k.release,
      modules: k.modulesDir,
      command: ['uname', '-r'],
      compressed: true,
      timeoutMs: 120_000,
    });
    assert.equal(r.bootImage, k.kernel);
    assert.equal(r.stdout, `${k.release}\n`);
  });

  test('a kernel crash is reported as trouble with its console lines', async (t) => {
    if (!k) return t.skip('cannot fetch debian:6.12');
    const r = await runInVm({
      kernel: k.kernel,
      release: k.release,
      modules: k.modulesDir,
      command: ['sh', '-c', 'echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger'],
      timeoutMs: 60_000,
    });
    assert.equal(r.timedOut, false, 'panic=-1 and -no-reboot end qemu');
    assert.equal(r.exitCode, undefined);
    assert.ok(r.trouble.length > 0, r.console.slice(-2000));
    assert.ok(
      r.trouble.some((x) => /Kernel panic - not syncing|sysrq|Call Trace/.test(x)),
      r.trouble.join('\n---\n'),
    );
    assert.deepEqual(ourQemus(), []);
  });
});

describe('a lab inside the guest', { skip: why }, () => {
  test('the quick lab runs on debian:6.12 via the CLI inside the VM; TAP comes back over the results port', async (t) => {
    const k = await fetchKernel(parseKernelSpec('debian:6.12')).catch(() => undefined);
    if (!k) return t.skip('cannot fetch debian:6.12');
    const cli = join(process.cwd(), 'dist', 'harness', 'cli.js');
    if (!existsSync(cli)) return t.skip(`${cli} missing (npm run build)`);
    const lab = join(process.cwd(), 'test', 'fixtures', 'labs', 'quick.lab.yaml');
    const r = await runInVm({
      kernel: k.kernel,
      release: k.release,
      modules: k.modulesDir,
      command: ['node', cli, 'run', lab],
      cwd: process.cwd(),
      memoryMb: 2048,
      cpus: 2,
      timeoutMs: 300_000,
    });
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}\n${r.console.slice(-2000)}`);
    assert.match(r.stdout, /^TAP version 14$/m);
    assert.match(r.stdout, new RegExp(`kernel ${k.release.replace(/[.+]/g, '\\$&')}`));
    assert.match(r.stdout, /^ok 1 - quick/m);
    assert.deepEqual(r.trouble, []);
    t.diagnostic(`lab in guest: boot-to-command ${r.bootMs} ms, total ${r.wallMs} ms`);
    assert.deepEqual(ourQemus(), []);
  });
});
