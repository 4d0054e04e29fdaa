// `mptcp-lab kernels list|fetch|prune` through the real CLI: a throw-away
// cache (XDG_CACHE_HOME) for list and prune, the real cache for a fetch that
// must be a cache hit, and bad specs as exit 2 naming the argument.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { KernelListEntry } from '../../../harness/commands/kernels.js';
import { cacheRoot, entryPaths, list, writeManifest } from '../../../kernels/cache.js';
import { runCli } from '../host-state.js';

const home = mkdtempSync(join(tmpdir(), 'mptcp-lab-kernels-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** The real cache, read before XDG_CACHE_HOME is pointed elsewhere for the CLI children. */
const realRoot = cacheRoot();
const realCached = await list(realRoot);
const tempRoot = join(home, 'mptcp-lab', 'kernels');

async function fake(release: string): Promise<void> {
  const p = entryPaths(tempRoot, release);
  mkdirSync(p.modulesDir, { recursive: true });
  writeFileSync(p.kernel, Buffer.alloc(2048));
  await writeManifest(tempRoot, {
    release,
    package: `linux-image-${release}`,
    packageVersion: '6.1.0-test',
    debSha256: '0'.repeat(64),
    fetchedAt: new Date().toISOString(),
  });
}

describe('mptcp-lab kernels', () => {
  test('list and prune on a cache of its own', async () => {
    process.env.XDG_CACHE_HOME = home;
    try {
      const empty = await runCli(['kernels', 'list']);
      assert.equal(empty.code, 0, empty.stderr);
      assert.match(empty.stdout, /no kernels cached in .*mptcp-lab-kernels-cli-.*\/mptcp-lab\/kernels/);

      await fake('6.1.0-47-amd64');
      await fake('6.1.0-56-amd64');
      const json = await runCli(['kernels', 'list', '--json']);
      assert.equal(json.code, 0, json.stderr);
      const entries = JSON.parse(json.stdout) as KernelListEntry[];
      assert.deepEqual(entries.map((e) => e.spec).sort(), ['debian:6.1.0-47-amd64', 'debian:6.1.0-56-amd64']);
      assert.ok(entries.every((e) => e.sizeBytes >= 2048 && e.path.startsWith(tempRoot) && e.packageVersion === '6.1.0-test'));

      const dry = await runCli(['kernels', 'prune', '--keep', 'debian:6.1.0-47-amd64', '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(dry.stdout, 'would remove 6.1.0-56-amd64\n');
      assert.ok(existsSync(entryPaths(tempRoot, '6.1.0-56-amd64').kernel), '--dry-run removes nothing');

      const all = await runCli(['kernels', 'prune', '--all']);
      assert.equal(all.code, 0, all.stderr);
      assert.equal(all.stdout, 'removed 6.1.0-47-amd64\nremoved 6.1.0-56-amd64\n');
      assert.deepEqual(await list(tempRoot), []);
    } finally {
      delete process.env.XDG_CACHE_HOME;
    }
  });

  test('bad specs exit 2 and name the argument', async () => {
    for (const [args, re] of [
      [['kernels', 'fetch', 'host'], /kernels fetch: argument "host": .*nothing to fetch/],
      [['kernels', 'fetch', 'debian:5.4'], /argument "debian:5\.4": .*unknown Debian kernel/],
      [['kernels', 'fetch', '/etc/hostname'], /argument "\/etc\/hostname": .*not a bzImage/],
      [['kernels', 'prune', '--keep', './nowhere'], /--keep "\.\/nowhere": .*does not exist/],
      [['kernels', 'prune', '--all', '--keep', 'debian:6.1'], /--all and --keep exclude each other/],
    ] as const) {
      const r = await runCli([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
  });

  test(
    'fetch of a cached release is a cache hit and prints it',
    { skip: realCached.length ? undefined : `no kernel cached in ${realRoot} (mptcp-lab kernels fetch debian:6.12)` },
    async () => {
      const k = realCached[0]!;
      const r = await runCli(['kernels', 'fetch', `debian:${k.manifest.release}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `debian:${k.manifest.release} ${k.manifest.release} cache ${k.kernel}\n`);
    },
  );
});
