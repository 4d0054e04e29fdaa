// `run --docker` against the real daemon and the real image (built here by
// `mptcp-lab image build` on a base made from Debian's mirror): the same TAP
// test names and verdicts, exit status and results folder as the host run;
// files owned by the caller; SIGINT leaves no container and no namespace;
// Docker's failures are one line and exit 3; `clean` removes the container of
// a run that is gone; the README's "Only Docker installed" commands work.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { HOST_LABEL, RUN_LABEL, RUN_START_LABEL } from '../../../harness/docker/container-run.js';
import { VERSION } from '../../../harness/version.js';
import { CLI, ROOT, runCli, type CliResult } from '../host-state.js';
import { containersOfRun, DEFAULT_IMAGE, docker, dockerCannotRun, ensureImage } from './docker-host.js';

const skip = await dockerCannotRun();
const work = mkdtempSync(join(tmpdir(), 'mptcp-lab-docker-test-'));
let built: Awaited<ReturnType<typeof ensureImage>> | undefined;

before(async () => {
  if (skip) return;
  built = await ensureImage();
  process.stderr.write(
    `# base image (kept when there): ${(built.baseMs / 1000).toFixed(0)} s; image build: ${(built.ms / 1000).toFixed(0)} s\n`,
  );
});
after(() => rmSync(work, { recursive: true, force: true }));

/** TAP test points as "name: ok|not ok|skip". */
function verdicts(tap: string): string[] {
  return tap
    .split('\n')
    .map((l) => /^(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO)\b.*)?$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[2]}: ${m[3] ? m[3].toLowerCase() : m[1]}`);
}

function lmptcpNamespaces(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.startsWith('mptcplab-'));
}

function oneLine(r: CliResult): string {
  return r.stderr.trim();
}

test('image build: docker/Dockerfile on the debootstrapped base, listed by `mptcp-lab image`', { skip }, async () => {
  assert.equal(built?.code, 0, built?.stderr.slice(-3000));
  const list = await runCli(['image', '--json']);
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as { tags: string[]; version: string; sizeBytes: number }[];
  const mine = rows.find((r) => r.tags.includes(DEFAULT_IMAGE));
  assert.ok(mine, `${DEFAULT_IMAGE} listed: ${list.stdout}`);
  assert.equal(mine.version, VERSION);
  assert.ok(mine.sizeBytes > 100e6);
});

test(
  'run --docker: the same TAP test names, verdicts, exit status and results folder as the host',
  { skip, timeout: 600_000 },
  async () => {
    // A plain lab, one with a timed event (the endpoint removal), one with loss (nft, on the middle hop).
    const labs = ['no-join', 'remove-single-subflow', 'routed-chain'];
    const host = await runCli(['run', ...labs, '--results', join(work, 'host')]);
    const inside = await runCli(['run', ...labs, '--docker', '--results', join(work, 'docker')]);
    assert.equal(inside.code, host.code, inside.stderr.slice(-3000));
    assert.deepEqual(verdicts(inside.stdout), verdicts(host.stdout));
    assert.equal(verdicts(inside.stdout).length, labs.length * 3, inside.stdout);
    for (const file of ['results.json', 'results.tap', 'summary.md']) assert.ok(existsSync(join(work, 'docker', file)), file);
    const json = JSON.parse(readFileSync(join(work, 'docker', 'results.json'), 'utf8')) as { results: { lab: string }[] };
    assert.deepEqual([...new Set(json.results.map((r) => r.lab))].sort(), [...labs].sort());
    assert.deepEqual(readdirSync(join(work, 'docker', 'labs')).sort(), readdirSync(join(work, 'host', 'labs')).sort());
    assert.deepEqual(await containersOfRun(0), []);
  },
);

/** The gid that may open the daemon's socket (its group), or undefined. */
function socketGroup(): number | undefined {
  try {
    const st = statSync('/var/run/docker.sock');
    return st.mode & 0o060 ? st.gid : undefined;
  } catch {
    return undefined;
  }
}

test(
  'run --docker as a user who is not root: the results come back owned by that user',
  { skip: skip ?? (socketGroup() === undefined ? 'the Docker socket is not group-accessible' : false) },
  async () => {
    const gid = socketGroup()!;
    const uid = 65534; // nobody: no root, only the socket's group
    const dir = join(work, 'nobody');
    // The caller must reach its folder: the test's own is root's mkdtemp (0700).
    chmodSync(work, 0o755);
    mkdirSync(dir);
    chownSync(dir, uid, gid);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'run', 'no-join', '--engine', 'off', '--docker', '--results', join(dir, 'res')], {
        cwd: ROOT,
        uid,
        gid,
        env: { ...process.env, HOME: dir },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const owners = spawnSync('find', [join(dir, 'res'), '-printf', '%U:%G %p\n'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    assert.ok(owners.length >= 5, owners.join('\n'));
    assert.deepEqual(
      owners.filter((l) => !l.startsWith(`${uid}:${gid} `)),
      [],
      'every file and folder of the results is the caller’s',
    );
  },
);

test('run --docker, SIGINT mid-lab: exit 130, the container removed, no lab namespace left', { skip, timeout: 300_000 }, async () => {
  const child = spawn(
    process.execPath,
    [CLI, 'run', 'bandwidth-aggregation', '--repeat', '5', '--engine', 'off', '--docker', '--results', join(work, 'sigint')],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Mid-lab: once the container exists and the lab inside has started.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !(await containersOfRun(child.pid!)).length) await new Promise((r) => setTimeout(r, 200));
  assert.equal((await containersOfRun(child.pid!)).length, 1, `the run's container appeared: ${stderr}`);
  await new Promise((r) => setTimeout(r, 2500));
  child.kill('SIGINT');
  const code = await closed;
  assert.equal(code, 130, stderr.slice(-2000));
  assert.deepEqual(await containersOfRun(child.pid!), [], 'no container left');
  assert.deepEqual(lmptcpNamespaces(), [], 'no lab namespace left');
});

test('Docker failures are one line and exit 3: no daemon, an unknown image; a lab given as the image is exit 2', { skip }, async () => {
  const noDaemon = await runCli(['run', 'no-join', '--docker'], {
    env: { ...process.env, DOCKER_HOST: `unix://${join(work, 'no.sock')}` },
  });
  assert.equal(noDaemon.code, 3, noDaemon.stderr);
  assert.match(
    oneLine(noDaemon),
    /^mptcp-lab: run --docker mptcp-lab:\S+: no Docker daemon answers at unix:\/\/\S+no\.sock \(ENOENT\); start it/,
  );
  assert.equal(oneLine(noDaemon).split('\n').length, 1, noDaemon.stderr);
  const listNoDaemon = await runCli(['image'], { env: { ...process.env, DOCKER_HOST: `unix://${join(work, 'no.sock')}` } });
  assert.equal(listNoDaemon.code, 3, listNoDaemon.stderr);
  const unknown = await runCli(['run', 'no-join', '--docker=mptcp-lab-no-such-image:0', '--results', join(work, 'unknown')]);
  assert.equal(unknown.code, 3, unknown.stderr);
  assert.equal(
    oneLine(unknown),
    'mptcp-lab: run --docker mptcp-lab-no-such-image:0: image mptcp-lab-no-such-image:0 not found; build it with `mptcp-lab image build --tag mptcp-lab-no-such-image:0`',
  );
  assert.ok(!existsSync(join(work, 'unknown')), 'a run that cannot start leaves no results folder');
  const labAsImage = await runCli(['run', '--docker', 'no-join']);
  assert.equal(labAsImage.code, 2, labAsImage.stderr);
  assert.match(labAsImage.stderr, /"no-join" is a lab, not an image: put lab names before --docker, or write --docker=IMAGE/);
});

test('clean removes the container of a run that is gone, and keeps that of a live one', { skip }, async () => {
  const gone = spawnSync('true').pid!;
  const make = (pid: number) =>
    docker().createContainer({
      Image: DEFAULT_IMAGE,
      Cmd: ['--version'],
      Labels: { [RUN_LABEL]: String(pid), [RUN_START_LABEL]: '', [HOST_LABEL]: hostname() },
    });
  const orphan = await make(gone);
  const live = await make(process.pid);
  try {
    const r = await runCli(['clean']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`removed container ${orphan.id.slice(0, 12)} \\(run ${gone} is gone\\)`));
    assert.deepEqual(await containersOfRun(gone), []);
    assert.equal((await containersOfRun(process.pid)).length, 1, 'the live run’s container is kept');
  } finally {
    await live.remove({ force: true });
    await orphan.remove({ force: true }).catch(() => undefined);
  }
});

test('README "Only Docker installed": its mptcp-lab commands work as written', { skip, timeout: 900_000 }, async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Only Docker installed'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the section has a sh block');
  const commands = block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('mptcp-lab '));
  assert.ok(commands.length >= 3, block);
  for (const c of commands) {
    const r = await runCli(c.split(/\s+/).slice(1));
    // A run without --results writes below the clone: not left there.
    const results = /results in (\S+)\n/.exec(r.stderr)?.[1];
    if (results) {
      rmSync(join(ROOT, results), { recursive: true, force: true });
      // Its parent too when the run made it (empty now).
      try {
        rmdirSync(dirname(join(ROOT, results)));
      } catch {
        /* other results there, or none */
      }
    }
    assert.equal(r.code, 0, `${c}: ${r.stderr.slice(-2000)}`);
  }
});
