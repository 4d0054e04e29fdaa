// The run inside a container gets the outer's arguments minus --docker's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { dockerImageArg, runTokens, withoutDockerFlags } from '../../../harness/docker/args.js';
import { runRequest, type RunFlags } from '../../../harness/commands/run.js';

test('withoutDockerFlags drops --docker, its image, --docker=IMAGE and --docker-privileged, and nothing else', () => {
  assert.deepEqual(withoutDockerFlags(['no-join', '--docker', '--seed', '3'], true), ['no-join', '--seed', '3']);
  assert.deepEqual(withoutDockerFlags(['--docker', 'img:1', 'no-join', '--docker-privileged'], 'img:1'), ['no-join']);
  assert.deepEqual(withoutDockerFlags(['no-join', '--docker=img:1', '-j', '2'], 'img:1'), ['no-join', '-j', '2']);
  // After `--` every word is the run's.
  assert.deepEqual(withoutDockerFlags(['--docker', '--', '--docker'], true), ['--', '--docker']);
});

test('runTokens: what follows the run subcommand', () => {
  assert.deepEqual(runTokens(['node', 'cli.js', 'run', 'a', '--docker']), ['a', '--docker']);
  assert.deepEqual(runTokens(['node', 'cli.js', 'list']), []);
});

test('dockerImageArg takes image names and refuses a lab or a path (an optional value takes the next word)', () => {
  assert.equal(dockerImageArg('mptcp-lab:0.1.0'), 'mptcp-lab:0.1.0');
  assert.equal(dockerImageArg('ghcr.io/x/y'), 'ghcr.io/x/y');
  assert.throws(() => dockerImageArg('no-join'), InvalidArgumentError);
  assert.throws(() => dockerImageArg('signal'), /is a lab, not an image: put lab names before --docker, or write --docker=IMAGE/);
});

const FLAGS: RunFlags = {
  kernel: 'host',
  retries: 0,
  capture: false,
  tapVersion: 14,
  engine: 'sim',
  vmMemory: 2048,
  vmCpus: 2,
  accel: 'auto',
};

test('runRequest with --docker: the image, the inner arguments with a results folder, its absolute path', () => {
  const req = runRequest(['no-join'], { ...FLAGS, docker: true }, ['no-join', '--docker']);
  assert.ok(req.docker);
  assert.match(req.docker.image, /^mptcp-lab:\d/);
  assert.equal(req.docker.privileged, false);
  assert.deepEqual(req.docker.args.slice(0, 2), ['no-join', '--results']);
  assert.match(req.docker.args[2]!, /^mptcp-lab-results\/\d{4}-/);
  assert.equal(req.docker.paths.results, `${process.cwd()}/${req.docker.args[2]}`);
  const given = runRequest(['no-join'], { ...FLAGS, docker: 'img:2', dockerPrivileged: true, results: 'out' }, [
    'no-join',
    '--results',
    'out',
    '--docker=img:2',
    '--docker-privileged',
  ]);
  assert.deepEqual(given.docker, {
    image: 'img:2',
    privileged: true,
    args: ['no-join', '--results', 'out'],
    paths: { cwd: process.cwd(), labs: ['no-join'], kernels: ['host'], results: `${process.cwd()}/out` },
  });
  assert.equal(runRequest(['no-join'], FLAGS).docker, undefined);
  assert.throws(() => runRequest(['no-join'], { ...FLAGS, dockerPrivileged: true }), /--docker-privileged: only with --docker/);
});
