// Boot the uncompressed kernel when we can. Under TCG, a bzImage spends
// seconds decompressing itself (Debian 6.1's xz payload: ~2.5 s of a 6 s
// boot). qemu loads an ELF vmlinux that carries a PVH entry note directly
// (CONFIG_PVH, set in Debian's kernels), so we decompress the payload once on
// the host, keep it next to the cached kernel, and boot that.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runBinary } from '../../lib/exec.js';
import { cacheRoot } from '../cache.js';

export type PayloadFormat = 'gzip' | 'xz' | 'zstd';

export interface BzImagePayload {
  format: PayloadFormat | 'other';
  /** The compressed kernel, without the 4-byte decompressed size the build appends. */
  data: Buffer;
}

/** The compressed payload of a bzImage, located by its setup header (boot protocol 2.08+: payload_offset/payload_length). */
export function bzImagePayload(image: Buffer): BzImagePayload | undefined {
  if (image.length < 0x250 || image.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
  if (image.readUInt16LE(0x206) < 0x208) return undefined;
  const setupSects = image.readUInt8(0x1f1) || 4;
  const protectedModeStart = (setupSects + 1) * 512;
  const offset = protectedModeStart + image.readUInt32LE(0x248);
  const length = image.readUInt32LE(0x24c);
  if (length < 8 || offset + length > image.length) return undefined;
  const data = image.subarray(offset, offset + length - 4);
  return { format: payloadFormat(data), data };
}

function payloadFormat(data: Buffer): PayloadFormat | 'other' {
  if (data[0] === 0x1f && data[1] === 0x8b) return 'gzip';
  if (data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (data.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'other';
}

const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/** Whether an ELF64 image has the Xen PVH entry note qemu's -kernel needs to boot it directly. */
export function hasPvhNote(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 56 > elf.length || elf.readUInt32LE(ph) !== 4 /* PT_NOTE */) continue;
    const start = Number(elf.readBigUInt64LE(ph + 8));
    const size = Number(elf.readBigUInt64LE(ph + 32));
    if (notesHavePvh(elf.subarray(start, Math.min(elf.length, start + size)))) return true;
  }
  return false;
}

function notesHavePvh(notes: Buffer): boolean {
  const align4 = (n: number) => (n + 3) & ~3;
  for (let at = 0; at + 12 <= notes.length;) {
    const namesz = notes.readUInt32LE(at);
    const descsz = notes.readUInt32LE(at + 4);
    const type = notes.readUInt32LE(at + 8);
    const name = notes.toString('latin1', at + 12, at + 12 + Math.max(0, namesz - 1));
    if (name === 'Xen' && type === XEN_ELFNOTE_PHYS32_ENTRY) return true;
    at += 12 + align4(namesz) + align4(descsz);
  }
  return false;
}

async function decompress(p: BzImagePayload): Promise<Buffer | undefined> {
  switch (p.format) {
    case 'gzip':
      return gunzipSync(p.data);
    case 'xz':
      return tool('xz', ['--decompress', '--stdout', '--single-stream'], p.data);
    case 'zstd':
      return tool('zstd', ['--decompress', '--stdout', '-q'], p.data);
    default:
      return undefined;
  }
}

/** A decompressor's output, or undefined when it is missing or fails (then the bzImage boots as it is). */
async function tool(cmd: string, args: string[], input: Buffer): Promise<Buffer | undefined> {
  // No time limit: decompressing a kernel on an emulated or loaded CPU takes what it takes.
  const r = await runBinary([cmd, ...args], { input, reject: false, timeoutMs: 0, maxBytes: 512 * 1024 * 1024 });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** Where the uncompressed kernel of this image is kept: beside it in the kernel cache, else under the cache by content hash. */
export function vmlinuxPathFor(kernel: string, image: Buffer, root: string = cacheRoot()): string {
  const rel = relative(root, kernel);
  if (!rel.startsWith('..') && !rel.startsWith('/')) return join(dirname(kernel), 'vmlinux.pvh');
  const hash = createHash('sha256').update(image).digest('hex').slice(0, 24);
  return join(dirname(root), 'boot', `${hash}.vmlinux`);
}

/**
 * The file to give qemu's -kernel: for an xz-compressed bzImage whose kernel
 * has a PVH note, its payload decompressed once; else the image itself.
 */
export async function bootableKernel(kernel: string, root: string = cacheRoot()): Promise<string> {
  try {
    return await uncompressedKernel(kernel, root);
  } catch {
    // Unreadable image, full disk...: qemu gets the image and reports its own error.
    return kernel;
  }
}

async function uncompressedKernel(kernel: string, root: string): Promise<string> {
  const image = readFileSync(kernel);
  const payload = bzImagePayload(image);
  // Only an xz payload is worth it (debian:6.1: 5.9 s -> 3.2 s). A zstd one decompresses fast
  // (debian:6.12: 3.9 s -> 3.5 s), and 6.12 booted through PVH under TCG panicked now and then
  // in early boot (sched_clock_cpu from cpu_latency_qos_init), so it boots as shipped.
  if (payload?.format !== 'xz') return kernel;
  const target = vmlinuxPathFor(kernel, image, root);
  if (existsSync(target)) return target;
  const elf = await decompress(payload);
  if (!elf || !hasPvhNote(elf)) return kernel;
  await mkdir(dirname(target), { recursive: true });
  // Written under a private name and renamed: kernels boot in parallel.
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, elf);
    await rename(tmp, target);
  } catch {
    await rm(tmp, { force: true });
    return kernel;
  }
  return target;
}
