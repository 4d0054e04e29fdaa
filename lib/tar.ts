// A small tar writer (POSIX ustar, with a pax header for long names): what a
// Docker build context is. Per entry a 512-byte header, the data padded to
// 512 bytes; two zero blocks end the archive. Entries are produced one by one
// so a large context (node_modules) streams without being held in memory.
import { Readable } from 'node:stream';

export type TarEntry =
  | { type: 'dir'; name: string; mode?: number }
  | { type: 'file'; name: string; data: Buffer | string; mode?: number }
  | { type: 'symlink'; name: string; target: string };

const BLOCK = 512;
const USTAR_NAME = 100;
const USTAR_PREFIX = 155;

function octal(n: number, width: number): string {
  // width - 1 digits and a NUL, as GNU tar writes them.
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** name split into ustar's prefix and name fields, or undefined when it does not fit (a pax header carries it then). */
export function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(name) <= USTAR_NAME) return { prefix: '', name };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= USTAR_PREFIX && Buffer.byteLength(rest) <= USTAR_NAME && rest) return { prefix, name: rest };
  }
  return undefined;
}

interface Header {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  /** '0' file, '2' symlink, '5' directory, 'x' pax extended header. */
  typeflag: string;
  linkname: string;
}

function header(h: Header): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, USTAR_NAME);
  b.write(octal(h.mode & 0o7777, 8), 100);
  b.write(octal(0, 8), 108); // uid: root, as Docker's own contexts
  b.write(octal(0, 8), 116); // gid
  b.write(octal(h.size, 12), 124);
  b.write(octal(0, 12), 136); // mtime 0: the same context gives the same layers
  b.write(' '.repeat(8), 148); // checksum field counts as spaces while summing
  b.write(h.typeflag, 156);
  b.write(h.linkname, 157, 100);
  b.write('ustar\0', 257);
  b.write('00', 263);
  b.write(h.prefix, 345, USTAR_PREFIX);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(octal(sum, 7) + ' ', 148);
  return b;
}

/** A pax record "LEN key=value\n", LEN counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** The blocks of one entry (with a pax header before it when its name or link target is too long). */
export function entryBlocks(e: TarEntry): Buffer[] {
  const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
  const data = e.type === 'file' ? (typeof e.data === 'string' ? Buffer.from(e.data) : e.data) : Buffer.alloc(0);
  const linkname = e.type === 'symlink' ? e.target : '';
  const split = splitUstarName(name);
  const out: Buffer[] = [];
  const pax = (split ? '' : paxRecord('path', name)) + (Buffer.byteLength(linkname) > 100 ? paxRecord('linkpath', linkname) : '');
  if (pax) {
    const body = Buffer.from(pax);
    out.push(
      header({ name: 'PaxHeader', prefix: '', mode: 0o644, size: body.length, typeflag: 'x', linkname: '' }),
      body,
      padding(body.length),
    );
  }
  const mode = e.type === 'symlink' ? 0o777 : (e.mode ?? (e.type === 'dir' ? 0o755 : 0o644));
  const typeflag = e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0';
  const fields = split ?? { prefix: '', name: name.slice(0, USTAR_NAME) };
  out.push(header({ ...fields, mode, size: data.length, typeflag, linkname: linkname.slice(0, 100) }));
  if (data.length) out.push(data, padding(data.length));
  return out;
}

/** The archive of `entries` as a stream, entries read as they are needed. */
export function tarStream(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): Readable {
  async function* blocks(): AsyncGenerator<Buffer> {
    for await (const e of entries) yield* entryBlocks(e);
    yield Buffer.alloc(2 * BLOCK);
  }
  return Readable.from(blocks());
}

/** The whole archive in memory (small archives, tests). */
export async function tarBuffer(entries: Iterable<TarEntry>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
