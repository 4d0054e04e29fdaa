// The cpio "newc" format (what the kernel unpacks as an initramfs): per entry a
// 110-byte ASCII header ("070701" + 13 eight-digit hex fields), the name with
// its NUL padded to 4 bytes, the data padded to 4 bytes; ends with TRAILER!!!.
// Several archives concatenated (even gzipped separately) are one initramfs.
import { gunzipSync, gzipSync } from 'node:zlib';

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

export type CpioEntry =
  | { type: 'dir'; name: string; mode?: number }
  | { type: 'file'; name: string; data: Buffer | string; mode?: number }
  | { type: 'symlink'; name: string; target: string }
  | { type: 'chardev'; name: string; major: number; minor: number; mode?: number };

export interface CpioListing {
  name: string;
  mode: number;
  size: number;
  /** File contents or symlink target. */
  data: Buffer;
  devmajor: number;
  devminor: number;
  rdevmajor: number;
  rdevminor: number;
}

const MAGIC = '070701';
const TRAILER = 'TRAILER!!!';
const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio: field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

function header(ino: number, mode: number, size: number, nameLen: number, rdevmajor = 0, rdevminor = 0): string {
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const nlink = (mode & 0o170000) === S_IFDIR ? 2 : 1;
  return MAGIC + [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdevmajor, rdevminor, nameLen, 0].map(hex8).join('');
}

function normName(name: string): string {
  const n = name.replace(/^\/+/, '');
  if (n === '' || n.split('/').some((p) => p === '..')) throw new Error(`cpio: bad entry name ${JSON.stringify(name)}`);
  return n;
}

/** An uncompressed newc archive; owners root, mtime 0, so the output is reproducible. */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const push = (name: string, mode: number, data: Buffer, rmaj = 0, rmin = 0): void => {
    const nameBuf = Buffer.from(`${name}\0`, 'utf8');
    const h = Buffer.from(header(ino++, mode, data.length, nameBuf.length, rmaj, rmin), 'ascii');
    parts.push(h, nameBuf, Buffer.alloc(pad4(h.length + nameBuf.length)), data, Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const name = normName(e.name);
    switch (e.type) {
      case 'dir':
        push(name, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0));
        break;
      case 'file':
        push(name, S_IFREG | (e.mode ?? 0o644), typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data);
        break;
      case 'symlink':
        push(name, S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'));
        break;
      case 'chardev':
        push(name, S_IFCHR | (e.mode ?? 0o600), Buffer.alloc(0), e.major, e.minor);
        break;
    }
  }
  ino = 0;
  push(TRAILER, 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}

export function writeInitramfs(entries: readonly CpioEntry[]): Buffer {
  return gzipSync(writeCpio(entries), { level: 6 });
}

/** Reads one or more concatenated newc archives (stops at the end of the buffer). */
export function readCpio(buf: Buffer): CpioListing[] {
  const out: CpioListing[] = [];
  let off = 0;
  while (off + 110 <= buf.length) {
    // Zero padding between concatenated archives is allowed.
    if (buf[off] === 0) {
      off += 4;
      continue;
    }
    const magic = buf.toString('ascii', off, off + 6);
    if (magic !== MAGIC) throw new Error(`cpio: bad magic ${JSON.stringify(magic)} at offset ${off}`);
    const at = off;
    const field = (i: number): number => parseInt(buf.toString('ascii', at + 6 + i * 8, at + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const nameStart = off + 110;
    const name = buf.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = nameStart + nameSize + pad4(110 + nameSize);
    const data = buf.subarray(dataStart, dataStart + size);
    off = dataStart + size + pad4(size);
    if (name === TRAILER) continue;
    out.push({
      name,
      mode,
      size,
      data: Buffer.from(data),
      devmajor: field(7),
      devminor: field(8),
      rdevmajor: field(9),
      rdevminor: field(10),
    });
  }
  return out;
}

/** Lists a (possibly gzipped, possibly concatenated) initramfs. */
export function listInitramfs(buf: Buffer): CpioListing[] {
  const isGzip = buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  // gunzipSync decodes concatenated gzip members as one stream.
  return readCpio(isGzip ? gunzipSync(buf) : buf);
}
