// The exported Python workload: its payload is the harness's byte for byte,
// and its integrity check names the first wrong offset and where the wrong
// bytes come from.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { WORKLOAD_PY } from '../../../harness/export/workload-py.js';
import { payloadBytes } from '../../../harness/workload/payload.js';

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-export-test-'));
const module = join(dir, 'workload.py');
writeFileSync(module, WORKLOAD_PY);
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs Python code with the workload imported as `w`; returns its stdout as bytes. */
function python(code: string): Buffer {
  const prelude = `import importlib.util, sys\nspec = importlib.util.spec_from_file_location("w", ${JSON.stringify(module)})\nw = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(w)\n`;
  return execFileSync('python3', ['-c', prelude + code], { maxBuffer: 64 * 1024 * 1024 });
}

describe('exported workload (Python)', { skip: hasPython() ? false : 'python3 not found' }, () => {
  test('the payload is the harness payload, byte for byte', () => {
    for (const [seed, n] of [
      [0, 1],
      [1, 4099],
      [123, 200_003],
      [0xffffffff, 70_000],
      [794553233, 1_000_000],
    ] as const) {
      const py = python(`sys.stdout.buffer.write(w.payload(${seed}, ${n}))`);
      assert.equal(py.length, n);
      assert.ok(py.equals(payloadBytes(seed, n)), `seed ${seed}, ${n} bytes differ`);
    }
  });

  test('a misplaced range is reported at its first wrong offset, with where its bytes come from', () => {
    // The corruption: at 14200, 376 bytes that are the stream's bytes 65160-65535.
    const out = python(`
s = w.payload(7, 1000000)
r = w.Receiver(s, len(s))
got = s[:14200] + s[65160:65536] + s[14576:]
for k in range(0, len(got), 1000):
    r.feed(got[k:k + 1000])
print(r.verdict(False))
`).toString();
    assert.match(
      out,
      /^\(False, "FIRST WRONG BYTE at offset 14200 \(received 0x[0-9a-f]{2}, expected 0x[0-9a-f]{2}\); they are the stream's bytes at offset 65160 \(misplaced by -50960\); 1000000 of 1000000 bytes received"\)/,
    );
  });

  test('zeros, a short and a long stream, and an intact one', () => {
    const out = python(`
s = w.payload(9, 100000)
def check(data, aborted=False):
    r = w.Receiver(s, len(s))
    r.feed(data)
    print(r.verdict(aborted)[1])
check(s[:500] + bytes(64) + s[564:])
check(s[:4000])
check(s[:4000], True)
check(s + b"xx")
check(s)
`)
      .toString()
      .split('\n');
    assert.match(out[0]!, /^FIRST WRONG BYTE at offset 500 .*; they are zeros;/);
    assert.equal(out[1], 'SHORT: the stream ends at offset 4000, 100000 bytes expected');
    assert.equal(out[2], '4000 of 100000 bytes received, intact');
    assert.equal(out[3], 'LONG: 100002 bytes received, 100000 expected (extra from offset 100000)');
    assert.equal(out[4], '100000 of 100000 bytes received, intact');
  });
});
