// The guest's initramfs, built here in TypeScript: /bin/busybox (static, from
// busybox-static) with applet links, /init (kernels/vm/init-script.ts), and
// the guest kernel's modules the boot needs with their dependencies from
// modules.dep.
//
// Modules are stored decompressed (.ko): Debian compresses them with xz and
// busybox insmod cannot be relied on to decompress (and the kernel's
// in-kernel decompression is a config option), so we run `xz -d` / `zstd -d`
// on the host once per build. /etc/modules.load lists them in load order.
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { run } from '../lib/exec.js';
import { writeInitramfs, type CpioEntry } from './cpio.js';
import { parseModulesDep, resolveModules, type ResolvedModule } from './modules.js';

export { listInitramfs } from './cpio.js';

/** What the boot itself needs: the 9p root, the overlay, the results port. */
export const BOOT_MODULES: readonly string[] = ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p', 'overlay'];
/** What labs need; loaded at boot when present (some kernels build them in). */
export const LAB_MODULES: readonly string[] = [
  'veth',
  'sch_netem',
  'sch_tbf',
  'sch_htb',
  'sch_ingress',
  'ifb',
  'nf_tables',
  'nft_numgen',
  'tun',
];

/** busybox applets the init script uses (links in /bin). */
export const APPLETS: readonly string[] = [
  'sh',
  'mount',
  'umount',
  'mkdir',
  'insmod',
  'cat',
  'echo',
  'sleep',
  'poweroff',
  'reboot',
  'chroot',
  'ln',
  'cp',
  'ls',
  'sync',
  'test',
  '[',
  'printf',
  'rm',
  'dmesg',
  'uname',
];

export interface InitramfsOptions {
  /** lib/modules/<release> of the guest kernel (with modules.dep); undefined = load nothing. */
  modulesDir: string | undefined;
  /** Module names that must load (default BOOT_MODULES; built-in ones are skipped). */
  modules?: readonly string[];
  /** Module names loaded if the kernel has them (default LAB_MODULES). */
  optionalModules?: readonly string[];
  /** The /init script text. */
  init: string;
  busybox?: string;
  /** Extra files (e.g. a per-run command); usually better appended as a second archive. */
  extra?: readonly CpioEntry[];
}

export interface BuiltInitramfs {
  image: Buffer;
  modules: ResolvedModule[];
}

async function decompressed(modulesDir: string, rel: string, tmp: string): Promise<Buffer> {
  const src = join(modulesDir, rel);
  if (rel.endsWith('.ko')) return readFile(src);
  if (rel.endsWith('.ko.gz')) return gunzipSync(await readFile(src));
  const copy = join(tmp, basename(rel));
  await copyFile(src, copy);
  if (rel.endsWith('.ko.xz')) await run(['xz', '-d', '-f', copy]);
  else if (rel.endsWith('.ko.zst')) await run(['zstd', '-d', '-q', '-f', '--rm', copy]);
  else throw new Error(`${src}: unknown module compression`);
  return readFile(copy.replace(/\.(xz|zst)$/, ''));
}

export async function resolveGuestModules(
  modulesDir: string,
  modules: readonly string[],
  optionalModules: readonly string[],
): Promise<ResolvedModule[]> {
  const dep = await readFile(join(modulesDir, 'modules.dep'), 'utf8').catch(() => {
    throw new Error(`${modulesDir}/modules.dep missing (run depmod -b <root> <release>)`);
  });
  const opt = async (name: string): Promise<string> => (existsSync(join(modulesDir, name)) ? readFile(join(modulesDir, name), 'utf8') : '');
  const index = parseModulesDep(dep, {
    builtin: await opt('modules.builtin'),
    softdep: await opt('modules.softdep'),
    alias: await opt('modules.alias'),
  });
  const present = optionalModules.filter((m) => index.path.has(m.replace(/-/g, '_')));
  return resolveModules(index, [...modules, ...present]);
}

export async function buildInitramfs(options: InitramfsOptions): Promise<BuiltInitramfs> {
  const busybox = options.busybox ?? '/bin/busybox';
  if (!existsSync(busybox)) throw new Error(`${busybox} missing: install busybox-static`);
  const entries: CpioEntry[] = [];
  for (const d of ['bin', 'sbin', 'dev', 'proc', 'sys', 'etc', 'lib', 'lib/modules', 'mnt', 'mnt/host', 'mnt/rw', 'newroot', 'tmp'])
    entries.push({ type: 'dir', name: d });
  entries.push({ type: 'chardev', name: 'dev/console', major: 5, minor: 1 });
  entries.push({ type: 'chardev', name: 'dev/null', major: 1, minor: 3, mode: 0o666 });
  entries.push({ type: 'file', name: 'bin/busybox', data: await readFile(busybox), mode: 0o755 });
  for (const a of APPLETS) entries.push({ type: 'symlink', name: `bin/${a}`, target: 'busybox' });
  entries.push({ type: 'file', name: 'init', data: options.init, mode: 0o755 });

  let modules: ResolvedModule[] = [];
  if (options.modulesDir) {
    modules = await resolveGuestModules(options.modulesDir, options.modules ?? BOOT_MODULES, options.optionalModules ?? LAB_MODULES);
    const tmp = await mkdtemp(join(tmpdir(), 'mptcp-lab-ko-'));
    try {
      for (const m of modules)
        entries.push({ type: 'file', name: `lib/modules/${m.name}.ko`, data: await decompressed(options.modulesDir, m.path, tmp) });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  entries.push({ type: 'file', name: 'etc/modules.load', data: modules.map((m) => `${m.name}\n`).join('') });
  entries.push(...(options.extra ?? []));
  return { image: writeInitramfs(entries), modules };
}
