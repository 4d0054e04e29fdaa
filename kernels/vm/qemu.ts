// Boot a kernel with qemu-system-x86_64 (TCG by default: nested KVM fails on
// the machines this runs on), the host's root shared read-only over
// virtio-9p, and run one command in it. stdout/stderr/status come back over
// virtio-serial ports written by qemu to files, separate from the console
// log. A timeout kills qemu by its PID; qemu never outlives the call.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnLong } from '../../lib/exec.js';
import { alive, forgetPid, registerPid } from '../../lib/pids.js';
import { cacheRoot } from '../cache.js';
import { writeCpio } from '../cpio.js';
import { buildInitramfs, BOOT_MODULES, LAB_MODULES } from '../initramfs.js';
import { CMD_PATH, commandScript, HOSTROOT_TAG, initScript, PORT_RESULTS, PORT_STATUS, PORT_STDERR } from './init-script.js';
import { chooseAccel, type Accel } from './accel.js';
import { findTrouble } from './trouble.js';
import { bootableKernel } from './vmlinux.js';

export const QEMU = 'qemu-system-x86_64';

/** Where 'auto' remembers whether KVM worked, for this boot of the machine. */
const ACCEL_MEMORY = join(dirname(cacheRoot()), 'accel.json');

// Callers name the accelerator with the VM options they pass here.
export type { Accel } from './accel.js';

export interface VmOptions {
  /** bzImage / vmlinuz */
  kernel: string;
  /** Guest release (uname -r); used to link lib/modules/<release> in the guest. */
  release: string;
  /** The guest's lib/modules/<release> (with modules.dep); undefined for a kernel without modules. */
  modules: string | undefined;
  /** argv run inside the guest, chrooted in the overlay root. */
  command: readonly string[];
  cwd?: string;
  env?: Record<string, string>;
  memoryMb?: number;
  cpus?: number;
  timeoutMs?: number;
  /** Default 'tcg'. 'auto' probes KVM with a short boot once per process (kernels/vm/accel.ts). */
  accel?: Accel | 'auto';
  /** Extra kernel command line words. */
  append?: readonly string[];
  /** Prebuilt base initramfs (see buildVmInitramfs) to skip rebuilding it. */
  initramfs?: Buffer;
  /** Boot the bzImage as it is, not its decompressed vmlinux (kernels/vm/vmlinux.ts). */
  compressed?: boolean;
  /** Keep the work dir (console log, port files) for inspection. */
  keepDir?: boolean;
}

export interface VmResult {
  /** What the command wrote to stdout (the "results" port). */
  stdout: string;
  /** What it wrote to stderr (the "stderr" port). */
  stderr: string;
  /** The serial console log. */
  console: string;
  /** Exit status of the command; undefined if it never finished (timeout, crash). */
  exitCode: number | undefined;
  /** Host wall time from spawning qemu until the command started in the guest (qemu start, kernel decompression, boot, module loads, mounts). */
  bootMs: number | undefined;
  /** Guest uptime when the command started, in ms (excludes qemu start-up and kernel decompression). */
  guestBootMs: number | undefined;
  /** Wall time of the whole call, from spawn to qemu's exit. */
  wallMs: number;
  timedOut: boolean;
  accel: Accel;
  /** Kernel trouble found in the console log. */
  trouble: string[];
  /** Init failures reported on the status port ("fail ..."). */
  initErrors: string[];
  qemuStderr: string;
  /** qemu's own exit status (0 after a guest power-off; undefined when killed). */
  qemuExitCode: number | undefined;
  /** What qemu booted: the image given, or its uncompressed vmlinux (kernels/vm/vmlinux.ts). */
  bootImage: string;
  /** Work dir, when keepDir. */
  dir?: string;
}

export async function buildVmInitramfs(o: Pick<VmOptions, 'release' | 'modules'>): Promise<Buffer> {
  const init = initScript({ release: o.release, modulesDir: o.modules });
  return (await buildInitramfs({ modulesDir: o.modules, modules: BOOT_MODULES, optionalModules: LAB_MODULES, init })).image;
}

export function qemuArgv(o: {
  kernel: string;
  initrd: string;
  consoleLog: string;
  results: string;
  stderr: string;
  status: string;
  memoryMb: number;
  cpus: number;
  accel: Accel;
  append: readonly string[];
}): string[] {
  const cmdline = ['console=ttyS0', 'panic=-1', 'rdinit=/init', 'reboot=t', 'tsc=reliable', 'no_timer_check', ...o.append].join(' ');
  return [
    QEMU,
    '-machine',
    'pc',
    // thread=multi: one host thread per vCPU under TCG (MTTCG; qemu's default for an x86_64 guest on an
    // x86_64 host, said here so a guest's labs can run side by side on the host's CPUs whatever the default).
    '-accel',
    o.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi',
    ...(o.accel === 'kvm' ? ['-cpu', 'host'] : ['-cpu', 'max']),
    '-m',
    String(o.memoryMb),
    '-smp',
    String(o.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    `file:${o.consoleLog}`,
    '-kernel',
    o.kernel,
    '-initrd',
    o.initrd,
    '-append',
    cmdline,
    '-fsdev',
    `local,id=fsroot,path=/,security_model=none,readonly=on,multidevs=remap`,
    '-device',
    `virtio-9p-pci,fsdev=fsroot,mount_tag=${HOSTROOT_TAG}`,
    '-device',
    'virtio-serial-pci',
    '-chardev',
    `file,id=results,path=${o.results}`,
    '-device',
    `virtserialport,chardev=results,name=${PORT_RESULTS}`,
    '-chardev',
    `file,id=stderr,path=${o.stderr}`,
    '-device',
    `virtserialport,chardev=stderr,name=${PORT_STDERR}`,
    '-chardev',
    `file,id=status,path=${o.status}`,
    '-device',
    `virtserialport,chardev=status,name=${PORT_STATUS}`,
    '-nic',
    'none',
  ];
}

const readOr = async (p: string): Promise<string> => (existsSync(p) ? readFile(p, 'utf8') : '');

export async function runInVm(o: VmOptions): Promise<VmResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mptcp-lab-vm-'));
  const f = {
    initrd: join(dir, 'initrd.gz'),
    consoleLog: join(dir, 'console.log'),
    results: join(dir, 'results'),
    stderr: join(dir, 'stderr'),
    status: join(dir, 'status'),
  };
  try {
    const base = o.initramfs ?? (await buildVmInitramfs(o));
    // The per-run command as a second archive: the kernel unpacks both.
    const cmd = gzipSync(
      writeCpio([{ type: 'file', name: CMD_PATH, data: commandScript({ argv: o.command, cwd: o.cwd, env: o.env }), mode: 0o755 }]),
    );
    await writeFile(f.initrd, Buffer.concat([base, cmd]));
    const accel =
      o.accel === 'auto'
        ? (
            await chooseAccel(
              'auto',
              async () =>
                (await runInVm({ ...o, initramfs: base, accel: 'kvm', command: ['true'], timeoutMs: 15_000, keepDir: false })).exitCode ===
                0,
              '/dev/kvm',
              ACCEL_MEMORY,
            )
          ).accel
        : (o.accel ?? 'tcg');
    const kernel = o.compressed ? o.kernel : await bootableKernel(o.kernel);
    const argv = qemuArgv({ ...f, kernel, memoryMb: o.memoryMb ?? 1024, cpus: o.cpus ?? 2, accel, append: o.append ?? [] });

    const started = performance.now();
    let commandStartedAt: number | undefined;
    const poll = setInterval(() => {
      if (commandStartedAt === undefined && existsSync(f.status) && readFileSync(f.status, 'utf8').includes('start '))
        commandStartedAt = performance.now() - started;
    }, 25);
    const child = spawnLong(argv);
    const pid = child.pid;
    registerPid(pid);
    let qemuStderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      qemuStderr += d.toString();
    });
    child.stdout?.resume();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, o.timeoutMs ?? 120_000);
    let qemuExitCode: number | undefined;
    try {
      const res = await child;
      qemuExitCode = res.exitCode;
      if (res.failed && res.exitCode === undefined && !timedOut && !res.signal) qemuStderr += `${res.message}\n`;
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      if (pid && alive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
        await child.catch(() => undefined);
      }
      forgetPid(pid);
    }
    const wallMs = performance.now() - started;

    const consoleText = await readOr(f.consoleLog);
    const status = (await readOr(f.status)).split('\n');
    const start = status.find((l) => l.startsWith('start '));
    const exit = status.find((l) => l.startsWith('exit '));
    const exitCode = exit ? Number(exit.split(' ')[1]) : undefined;
    const guestBootMs = start ? Math.round(Number(start.split(' ')[1]) * 1000) : undefined;
    const bootMs = commandStartedAt !== undefined ? Math.round(commandStartedAt) : undefined;
    return {
      stdout: await readOr(f.results),
      stderr: await readOr(f.stderr),
      console: consoleText,
      exitCode: exitCode !== undefined && Number.isFinite(exitCode) ? exitCode : undefined,
      bootMs,
      guestBootMs,
      wallMs: Math.round(wallMs),
      timedOut,
      accel,
      trouble: findTrouble(consoleText),
      initErrors: status.filter((l) => l.startsWith('fail ')).map((l) => l.slice(5)),
      qemuStderr,
      qemuExitCode,
      bootImage: kernel,
      ...(o.keepDir ? { dir } : {}),
    };
  } finally {
    if (!o.keepDir) await rm(dir, { recursive: true, force: true });
  }
}
