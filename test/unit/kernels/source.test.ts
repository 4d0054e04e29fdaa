// The pieces of the selftests' source fetch that need no download: where it
// goes, which tar members, and when a folder counts as complete.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { completeSource, SELFTEST_MEMBERS, SOURCE_MARKER, sourcePaths, sourcesRoot, tarMembers } from '../../../kernels/source.js';
import { installMptcpHeaders } from '../../../kernels/selftests-build.js';
import { tempDir } from './temp-dirs.js';

describe('selftests source', () => {
  test('sources live beside the kernels folder, one folder per series', () => {
    assert.equal(sourcesRoot('/c/mptcp-lab/kernels'), '/c/mptcp-lab/sources');
    assert.deepEqual(sourcePaths('/c/mptcp-lab/sources', '6.12'), {
      dir: '/c/mptcp-lab/sources/linux-source-6.12',
      marker: `/c/mptcp-lab/sources/linux-source-6.12/${SOURCE_MARKER}`,
    });
  });

  test('tar members: folders take everything below, files are exact, all under the top folder', () => {
    const m = tarMembers('linux-source-6.12', ['tools/testing/selftests/net/mptcp/', 'tools/testing/selftests/net/lib.sh']);
    assert.deepEqual(m, ['linux-source-6.12/tools/testing/selftests/net/mptcp/*', 'linux-source-6.12/tools/testing/selftests/net/lib.sh']);
    assert.ok(SELFTEST_MEMBERS.includes('include/uapi/linux/mptcp.h'));
  });

  test('a folder without its marker is partial; with a marker of the current members it is complete', async () => {
    const dir = tempDir('mptcp-lab-src-');
    assert.equal(await completeSource(dir), undefined);
    writeFileSync(join(dir, SOURCE_MARKER), '{ not json');
    assert.equal(await completeSource(dir), undefined);
    const marker = { package: 'linux-source-6.12', debSha256: 'x', members: ['tools/include/'], extractedAt: 'now' };
    writeFileSync(join(dir, SOURCE_MARKER), JSON.stringify(marker));
    assert.equal(await completeSource(dir), undefined, 'a marker of an older member list is not complete');
    writeFileSync(join(dir, SOURCE_MARKER), JSON.stringify({ ...marker, members: [...SELFTEST_MEMBERS] }));
    assert.equal((await completeSource(dir))?.package, 'linux-source-6.12');
  });

  test("the tree's MPTCP uapi headers go to usr/include/linux, unless headers_install put some there", async () => {
    const tree = tempDir('mptcp-lab-tree-');
    mkdirSync(join(tree, 'include/uapi/linux'), { recursive: true });
    for (const n of ['mptcp.h', 'mptcp_pm.h', 'tcp.h']) writeFileSync(join(tree, 'include/uapi/linux', n), `/* ${n} */\n`);
    assert.deepEqual((await installMptcpHeaders(tree)).sort(), ['mptcp.h', 'mptcp_pm.h']);
    assert.deepEqual((await installMptcpHeaders(tree)).sort(), ['mptcp.h', 'mptcp_pm.h'], 'ours are refreshed');
    const installed = tempDir('mptcp-lab-tree-');
    mkdirSync(join(installed, 'usr/include/linux'), { recursive: true });
    writeFileSync(join(installed, 'usr/include/linux/mptcp.h'), '/* installed */\n');
    assert.deepEqual(await installMptcpHeaders(installed), []);
  });
});
