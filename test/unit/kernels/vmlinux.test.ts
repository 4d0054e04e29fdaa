// The uncompressed-kernel path (kernels/vm/vmlinux.ts) on hand-built images:
// a bzImage header pointing at a gzip/xz payload that holds a small ELF with
// or without the Xen PVH entry note qemu needs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { bootableKernel, bzImagePayload, hasPvhNote, vmlinuxPathFor } from '../../../kernels/vm/vmlinux.js';

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-vmlinux-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An ELF64 header, one PT_NOTE program header, and a note section with the given (name, type) notes. */
function elf(notes: [string, number][]): Buffer {
  const body = Buffer.concat(
    notes.map(([name, type]) => {
      const n = Buffer.alloc((name.length + 1 + 3) & ~3);
      n.write(name, 'latin1');
      const h = Buffer.alloc(12);
      h.writeUInt32LE(name.length + 1, 0);
      h.writeUInt32LE(4, 4);
      h.writeUInt32LE(type, 8);
      return Buffer.concat([h, n, Buffer.from([0, 0, 0x10, 0])]);
    }),
  );
  const head = Buffer.alloc(64 + 56);
  head.writeUInt32BE(0x7f454c46, 0);
  head[4] = 2; // ELFCLASS64
  head[5] = 1; // little endian
  head.writeBigUInt64LE(64n, 0x20); // e_phoff
  head.writeUInt16LE(56, 0x36);
  head.writeUInt16LE(1, 0x38);
  head.writeUInt32LE(4, 64); // PT_NOTE
  head.writeBigUInt64LE(BigInt(head.length), 64 + 8);
  head.writeBigUInt64LE(BigInt(body.length), 64 + 32);
  return Buffer.concat([head, body, Buffer.alloc(256, 0xcc)]);
}

/** A bzImage: setup sectors with the HdrS header, then the payload (plus its 4-byte size, as the build appends). */
function bzImage(payload: Buffer, setupSects = 3): Buffer {
  const setup = Buffer.alloc((setupSects + 1) * 512);
  setup.writeUInt8(setupSects, 0x1f1);
  setup.write('HdrS', 0x202, 'latin1');
  setup.writeUInt16LE(0x20f, 0x206);
  const lead = Buffer.alloc(100, 0x90); // the decompressor's code before the payload
  setup.writeUInt32LE(lead.length, 0x248);
  setup.writeUInt32LE(payload.length + 4, 0x24c);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(1234, 0);
  return Buffer.concat([setup, lead, payload, size, Buffer.alloc(64)]);
}

const pvh = elf([
  ['Xen', 6],
  ['Xen', 18],
  ['GNU', 3],
]);
const plain = elf([
  ['Xen', 6],
  ['GNU', 3],
]);

test('hasPvhNote finds the Xen PHYS32_ENTRY note, and only that', () => {
  assert.equal(hasPvhNote(pvh), true);
  assert.equal(hasPvhNote(plain), false);
  assert.equal(hasPvhNote(elf([['Xeno', 18]])), false);
  assert.equal(hasPvhNote(Buffer.from('not an elf at all, just some bytes that go on for a while......')), false);
  assert.equal(hasPvhNote(pvh.subarray(0, 100)), false, 'truncated');
});

test('bzImagePayload follows the setup header to the payload and names its format', () => {
  const gz = gzipSync(pvh);
  for (const sects of [0, 3, 27]) {
    const p = bzImagePayload(bzImage(gz, sects || 4).fill(sects, 0x1f1, 0x1f2));
    assert.ok(p, `setup_sects ${sects}`);
    assert.equal(p.format, 'gzip');
    assert.ok(p.data.equals(gz), 'payload without the trailing size');
  }
  assert.equal(bzImagePayload(bzImage(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])))?.format, 'other');
  assert.equal(bzImagePayload(Buffer.alloc(4096)), undefined, 'no HdrS');
  const old = bzImage(gz);
  old.writeUInt16LE(0x206, 0x206);
  assert.equal(bzImagePayload(old), undefined, 'boot protocol before 2.08 has no payload fields');
});

const xz = (b: Buffer): Buffer => execFileSync('xz', ['--stdout', '--check=crc32'], { input: b });

test(
  'bootableKernel decompresses an xz payload once, keeps the vmlinux beside a cached kernel, and reuses it',
  { skip: hasXz() ? false : 'no xz command' },
  async () => {
    const root = join(dir, 'cache', 'mptcp-lab', 'kernels');
    const entry = join(root, '9.9.9-test');
    mkdirSync(entry, { recursive: true });
    const kernel = join(entry, 'vmlinuz');
    writeFileSync(kernel, bzImage(xz(pvh)));
    const path = await bootableKernel(kernel, root);
    assert.equal(path, join(entry, 'vmlinux.pvh'));
    assert.ok(readFileSync(path).equals(pvh));
    writeFileSync(path, pvh.subarray(0, 200)); // a marker: a second call must not rewrite it
    assert.equal(await bootableKernel(kernel, root), path);
    assert.equal(readFileSync(path).length, 200);
  },
);

test(
  'an image elsewhere is kept under the cache by content hash; xz payloads too',
  { skip: hasXz() ? false : 'no xz command' },
  async () => {
    const root = join(dir, 'cache2', 'mptcp-lab', 'kernels');
    const kernel = join(dir, 'bzImage');
    const image = bzImage(xz(pvh));
    writeFileSync(kernel, image);
    const path = await bootableKernel(kernel, root);
    assert.equal(path, vmlinuxPathFor(kernel, image, root));
    assert.match(path, /\/mptcp-lab\/boot\/[0-9a-f]{24}\.vmlinux$/);
    assert.ok(readFileSync(path).equals(pvh));
  },
);

test(
  'without a PVH note, with a gzip/zstd payload, or an unknown one, the bzImage itself boots',
  { skip: hasXz() ? false : 'no xz command' },
  async () => {
    const root = join(dir, 'cache3', 'mptcp-lab', 'kernels');
    const noNote = join(dir, 'no-note.bzImage');
    writeFileSync(noNote, bzImage(xz(plain)));
    assert.equal(await bootableKernel(noNote, root), noNote);
    const gz = join(dir, 'gzip.bzImage');
    writeFileSync(gz, bzImage(gzipSync(pvh)));
    assert.equal(await bootableKernel(gz, root), gz, 'only xz payloads are worth decompressing');
    const other = join(dir, 'other.bzImage');
    writeFileSync(other, bzImage(Buffer.from('LZ4 or something else entirely')));
    assert.equal(await bootableKernel(other, root), other);
    assert.equal(existsSync(join(dir, 'cache3', 'mptcp-lab', 'boot')), false, 'nothing written');
  },
);

function hasXz(): boolean {
  try {
    execFileSync('xz', ['--version']);
    return true;
  } catch {
    return false;
  }
}
