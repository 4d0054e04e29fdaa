// The results port's framing: the guest's sh loop sends its pcaps after the
// logs, base64 behind a PCAP_MARK line, capped; the host splits the stream
// back into results.json, logs and byte-exact pcaps, a cut one trimmed to
// whole packet records.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readPcap } from '../../../../harness/observe/pcap.js';
import { LOG_MARK, PCAP_MARK, sendPcapsScript, splitGuestOutput, wholeRecords } from '../../../../harness/targets/vm/guest-stream.js';

/** A little-endian microsecond pcap (Ethernet) with `n` records of `len` bytes each. */
function pcap(n: number, len: number): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const records = Array.from({ length: n }, (_, i) => {
    const r = Buffer.alloc(16 + len, i + 1);
    r.writeUInt32LE(1000 + i, 0);
    r.writeUInt32LE(0, 4);
    r.writeUInt32LE(len, 8);
    r.writeUInt32LE(len, 12);
    return r;
  });
  return Buffer.concat([header, ...records]);
}

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-guest-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What the guest's loop writes for the files of `files` (relative path → bytes), with the cap. */
function sent(name: string, files: Record<string, Buffer>, maxBytes: number): string {
  const root = join(dir, name);
  for (const [f, bytes] of Object.entries(files)) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), bytes);
  }
  return execFileSync('sh', ['-c', sendPcapsScript(root, maxBytes)], { encoding: 'utf8' });
}

describe('the results port', () => {
  test('results.json, then logs, then pcaps: every pcap comes back byte for byte under the cap', () => {
    const a = pcap(3, 100);
    const b = pcap(50, 1400);
    const stream = `{"results":[]}\n${LOG_MARK}labs/x/log.txt\n1 ms built\n${sent('whole', { 'labs/x/l1.pcap': a, 'labs/x.r1/l2.pcap': b }, 1 << 20)}`;
    const out = splitGuestOutput(stream);
    assert.equal(out.json, '{"results":[]}');
    assert.equal(out.logs.get('labs/x/log.txt'), '1 ms built\n');
    assert.deepEqual([...out.pcaps.keys()].sort(), ['labs/x.r1/l2.pcap', 'labs/x/l1.pcap']);
    assert.ok(out.pcaps.get('labs/x/l1.pcap')!.data.equals(a));
    assert.ok(out.pcaps.get('labs/x.r1/l2.pcap')!.data.equals(b));
    assert.equal(out.pcaps.get('labs/x/l1.pcap')!.cut, undefined);
    assert.equal(readPcap(out.pcaps.get('labs/x.r1/l2.pcap')!.data).packets.length, 50);
  });

  test('past the cap a pcap is cut to its last whole packet and says so; what follows comes back empty', () => {
    const a = pcap(10, 1000);
    const cap = 24 + 3 * 1016 + 500;
    const out = splitGuestOutput(`{}${sent('cut', { 'labs/y/l1.pcap': a, 'labs/z/l1.pcap': pcap(2, 10) }, cap)}`);
    const y = out.pcaps.get('labs/y/l1.pcap')!;
    assert.equal(y.size, a.length);
    assert.ok(y.data.equals(a.subarray(0, 24 + 3 * 1016)));
    const read = readPcap(y.data);
    assert.equal(read.error, undefined);
    assert.equal(read.packets.length, 3);
    assert.match(y.cut ?? '', new RegExp(`^cut at ${cap} of ${a.length} bytes .*MiB.*; kept ${y.data.length} bytes`));
    const z = out.pcaps.get('labs/z/l1.pcap')!;
    assert.equal(z.data.length, 0);
    assert.match(z.cut ?? '', /^cut at 0 of 76 bytes/);
  });

  test('a stream that ends inside a pcap keeps its whole records; names leaving the folder are dropped', () => {
    const a = pcap(4, 200);
    const b64 = a.toString('base64');
    const short = `{}\n${PCAP_MARK}labs/w/l1.pcap ${a.length} ${a.length}\n${b64.slice(0, 4 * Math.floor((24 + 2 * 216 + 50) / 3))}`;
    const w = splitGuestOutput(short).pcaps.get('labs/w/l1.pcap')!;
    assert.equal(readPcap(w.data).packets.length, 2);
    assert.match(w.cut ?? '', /came back \(the stream ended early\)/);
    const bad = splitGuestOutput(
      `{}\n${PCAP_MARK}../x.pcap 4 4\nAAAA\n${PCAP_MARK}/abs.pcap 4 4\nAAAA\n${PCAP_MARK}labs/ok/l1.pcap 3 3\nAAAA\n`,
    );
    assert.deepEqual([...bad.pcaps.keys()], ['labs/ok/l1.pcap']);
    assert.equal(wholeRecords(Buffer.alloc(10)).length, 0);
  });
});
