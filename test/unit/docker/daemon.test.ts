// Docker's failures as the one line the user reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDockerFailure, DockerError } from '../../../harness/docker/daemon.js';
import { formatImages } from '../../../harness/commands/image.js';

test('describeDockerFailure: no daemon, a refused socket, a missing image, anything else', () => {
  const at = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  assert.equal(
    describeDockerFailure({ code: 'ENOENT' }, 'run --docker x:1').message,
    `run --docker x:1: no Docker daemon answers at ${at} (ENOENT); start it (e.g. \`sudo systemctl start docker\`, or Docker Desktop) or set DOCKER_HOST`,
  );
  assert.match(describeDockerFailure({ code: 'ECONNREFUSED' }, 'image').message, /no Docker daemon answers/);
  assert.match(describeDockerFailure({ code: 'EACCES' }, 'image').message, /permission denied on .*; add yourself to the docker group/);
  assert.equal(
    describeDockerFailure({ statusCode: 404, json: { message: 'No such image: x:1' } }, 'run --docker x:1', 'x:1').message,
    'run --docker x:1: image x:1 not found; build it with `mptcp-lab image build --tag x:1`',
  );
  assert.equal(
    describeDockerFailure({ statusCode: 500, json: { message: 'boom\nmore' } }, 'image').message,
    'image: Docker: boom (HTTP 500)',
  );
  const e = new DockerError('as it was');
  assert.equal(describeDockerFailure(e, 'x'), e);
});

test('formatImages: a table, or how to build one when there is none', () => {
  assert.match(formatImages([]), /^no mptcp-lab image; build one with `mptcp-lab image build`/);
  const text = formatImages([
    { tags: ['mptcp-lab:0.1.0'], id: 'abc', created: '2026-12-07T00:00:00.000Z', sizeBytes: 1.3e9, version: '0.1.0' },
  ]);
  assert.deepEqual(text.split('\n')[0]!.split(/\s+/), ['TAG', 'ID', 'CREATED', 'SIZE', 'MPTCP-LAB']);
  assert.match(text, /mptcp-lab:0\.1\.0\s+abc\s+2026-12-07T00:00:00\.000Z\s+1300 MB\s+0\.1\.0/);
});
