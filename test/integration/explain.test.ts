// `mptcp-lab explain` as a user runs it, on the saved failing capture
// (test/fixtures/pcap/join-misplaced-mapping/): text, JSON, a StreamDiff found
// in results.json, and bad input (exit 2, the file and place named). Needs no
// root: it only reads files.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from './host-state.js';

const FIXTURE = join('test', 'fixtures', 'pcap', 'join-misplaced-mapping');
const LAB_DIR = join(FIXTURE, 'labs', 'join-misplaced-mapping.r127');
const RANGE = '1:upload:88752:15792:89560';
const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-explain-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('mptcp-lab explain', () => {
  test('--range on the failing capture: receiver at fault, subflow 2 first mapping, the DATA_ACK', async () => {
    const r = await runCli(['explain', LAB_DIR, '--range', RANGE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^connection 1 upload \(client → server\): 1000000 bytes sent, 1000000 received, 1 wrong range\(s\)$/m);
    assert.match(r.stdout, /sender ok: .* → the server \(receiver\) is at fault/);
    assert.match(
      r.stdout,
      /the wrong bytes were carried by subflow 2 \(198\.18\.2\.1:45467 → 198\.18\.1\.2:18807\), its first mapping: .*ssn 1, len 16600/,
    );
    assert.match(r.stdout, /acknowledged up to the range's end, 88752 \+ 15792: 104544/);
  });

  test('--json', async () => {
    const r = await runCli(['explain', LAB_DIR, '--range', RANGE, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [e] = JSON.parse(r.stdout) as { ranges: { fault: string; placement: { shift: number } }[] }[];
    assert.equal(e?.ranges[0]?.fault, 'receiver');
    assert.equal(e?.ranges[0]?.placement.shift, -808);
  });

  test("a StreamDiff in results.json is explained without --range, wherever the receiver's report put it (results moved, a pcap named)", async () => {
    const dir = join(scratch, 'with-diff');
    cpSync(FIXTURE, dir, { recursive: true });
    const doc = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      results: { checks: Record<string, unknown>[]; pcaps: string[]; log: string }[];
    };
    const failure = JSON.parse(readFileSync(join(FIXTURE, 'failure.json'), 'utf8')) as { diff: unknown };
    const entry = doc.results[0]!;
    entry.checks[0]!.streams = [failure.diff];
    // as a results folder moved from elsewhere names them
    entry.pcaps = entry.pcaps.map((p) => `/elsewhere/${p}`);
    entry.log = `/elsewhere/${entry.log}`;
    writeFileSync(join(dir, 'results.json'), JSON.stringify(doc));
    // a file inside the lab's folder names it too
    const r = await runCli(['explain', join(dir, 'labs', 'join-misplaced-mapping.r127', 'l2.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /range 88752–104543 \(15792 bytes\): misplaced: the stream's bytes 89560–105351/);
  });

  test('bad input: exit 2 with the file and what is wrong', async () => {
    const noDiff = await runCli(['explain', LAB_DIR]);
    assert.equal(noDiff.code, 2);
    assert.match(
      noDiff.stderr,
      /results\.json: results\[0\] \(join-misplaced-mapping\) holds no located integrity failure \(StreamDiff\): give --range/,
    );
    const badRange = await runCli(['explain', LAB_DIR, '--range', '1:sideways:0:10']);
    assert.equal(badRange.code, 2);
    assert.match(badRange.stderr, /--range: expected CONN:DIR:OFFSET:LEN\[:FROM\]/);
    const noConn = await runCli(['explain', LAB_DIR, '--range', '0:upload:0:10']);
    assert.equal(noConn.code, 2);
    assert.match(noConn.stderr, /hold 1 MPTCP connection\(s\), none of them connection 0/);
    const notResults = await runCli(['explain', scratch]);
    assert.equal(notResults.code, 2);
    assert.match(notResults.stderr, /no results\.json in it or up to 4 folders above/);
    const broken = join(scratch, 'broken');
    cpSync(FIXTURE, broken, { recursive: true });
    writeFileSync(join(broken, 'results.json'), '{ "run": ');
    const r = await runCli(['explain', join(broken, 'labs', 'join-misplaced-mapping.r127'), '--range', RANGE]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /broken\/results\.json: not JSON/);
  });
});
