// Fetches Debian's linux-source-6.12 for real into a fresh cache root,
// extracts the selftests' part once, and builds the C helpers with the
// tree's MPTCP headers. SKIP with the reason when apt cannot download.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildSelftests, BUILT_MARKER, MPTCP_SELFTESTS_DIR } from '../../../kernels/selftests-build.js';
import { fetchSelftestSource, SOURCE_MARKER } from '../../../kernels/source.js';

function cannot(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (apt-get download)';
  const policy = spawnSync('apt-cache', ['policy', 'linux-source-6.12'], { encoding: 'utf8' });
  if (policy.status !== 0 || !/Candidate: \d/.test(policy.stdout))
    return 'apt knows no linux-source-6.12 (add Debian bookworm-security or trixie)';
  for (const p of ['make', 'gcc']) if (spawnSync(p, ['--version']).status !== 0) return `${p} missing (apt-get install gcc make libc6-dev)`;
  return undefined;
}

const root = mkdtempSync(join(tmpdir(), 'mptcp-lab-sources-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('selftests source (integration)', { skip: cannot() }, () => {
  test('fetch once, extract the selftests, build the helpers once', { timeout: 300_000 }, async (t) => {
    let first;
    try {
      first = await fetchSelftestSource('6.12', root);
    } catch (e) {
      // The network or the mirror, not mptcp-lab: SKIP with apt's own words.
      if (e instanceof Error && /apt-get download/.test(e.message)) return t.skip(`apt cannot download: ${e.message.split('\n')[0]}`);
      throw e;
    }
    assert.equal(first.source, 'fetched');
    assert.ok(existsSync(join(first.dir, SOURCE_MARKER)));
    for (const f of ['tools/testing/selftests/net/mptcp/mptcp_join.sh', 'tools/testing/selftests/net/lib.sh', 'include/uapi/linux/mptcp.h'])
      assert.ok(existsSync(join(first.dir, f)), f);
    assert.ok(!existsSync(join(first.dir, 'net/mptcp/protocol.c')), 'only the selftests part is extracted');
    const again = await fetchSelftestSource('6.12', root);
    assert.equal(again.source, 'cache');

    const built = await buildSelftests(first.dir);
    assert.equal(built.built, true);
    for (const helper of ['mptcp_connect', 'pm_nl_ctl', 'mptcp_sockopt', 'mptcp_inq'])
      assert.ok(existsSync(join(built.dir, helper)), helper);
    assert.equal((await buildSelftests(first.dir)).built, false, 'built once');

    // A partial extraction (no marker) is redone.
    unlinkSync(join(first.dir, SOURCE_MARKER));
    const redone = await fetchSelftestSource('6.12', root);
    assert.equal(redone.source, 'fetched');
    assert.ok(!existsSync(join(redone.dir, MPTCP_SELFTESTS_DIR, BUILT_MARKER)), 'a fresh extraction is built again');
  });
});
