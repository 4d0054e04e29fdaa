// An IPv6 join whose SYN-ACK leaves by another link than the SYN came in
// (the client's subflow endpoint without dev:). Before the lab interfaces
// skipped DAD of their link-local address, the SYN-ACK waited for a neighbour
// solicitation that was never sent, on every run on the 6.18 host:
// docs/findings/ipv6-join-link-local-dad.md.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cannotRun, runCli } from '../host-state.js';

const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-ipv6-join-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('IPv6 join from a second address without dev: the SYN-ACK gets out, every time', { skip: cannotRun() }, async () => {
  const r = await runCli(['run', 'test/fixtures/labs/ipv6-join-no-dev.lab.yaml', '--engine', 'off', '--repeat', '3', '--results', scratch]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((r.stdout.match(/^ {4}ok \d+ - join\.synack$/gm) ?? []).length, 3, r.stdout);
});
