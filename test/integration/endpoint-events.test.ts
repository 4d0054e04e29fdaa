// The catalogue's labs with timed endpoint events (add, delete, flush, backup
// flag), which send them over the PM netlink socket: each passes on this
// kernel, every event is logged as done, and the host is as it was.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cannotRun, hostSnapshot, runCli } from './host-state.js';

const LABS = [
  'switch-to-backup',
  'fullmesh-1x1',
  'fullmesh-2x1',
  'delete-and-readd',
  'flush-endpoints',
  'remove-single-address',
  'remove-single-subflow',
];

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-endpoint-events-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('labs with endpoint events pass, each event done and logged', { skip: cannotRun() }, async () => {
  const before = hostSnapshot();
  const r = await runCli(['run', ...LABS, '--engine', 'off', '--retries', '1', '--results', dir]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`mptcp-lab: ${LABS.length} passed|^1\\.\\.${LABS.length}$`, 'm'));
  const logs = readdirSync(join(dir, 'labs')).map((d) => readFileSync(join(dir, 'labs', d, 'log.txt'), 'utf8'));
  const endpointEvents = logs.flatMap((l) =>
    l.split('\n').filter((x) => /event at \d+ ms: (endpoint-(add|delete|flush)|backup|nobackup) /.test(x)),
  );
  // delete-and-readd and flush-endpoints have two each, the others one.
  assert.equal(endpointEvents.length, LABS.length + 2, `endpoint events logged:\n${endpointEvents.join('\n')}`);
  assert.ok(
    endpointEvents.some((l) => l.includes('nobackup client id 2')),
    'switch-to-backup changed the backup flag',
  );
  for (const line of endpointEvents) assert.match(line, /\(done at \d+ ms\)$/, line);
  assert.deepEqual(hostSnapshot(), before);
});
