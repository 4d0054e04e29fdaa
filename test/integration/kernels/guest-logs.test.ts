// The guest's lab logs come back after results.json on the results port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_MARK, splitGuestOutput } from '../../../harness/targets/vm/guest-stream.js';

test('splitGuestOutput: results.json first, then each log by its relative path', () => {
  const json = JSON.stringify({ run: {}, results: [] }, null, 2);
  const out = `${json}\n${LOG_MARK}labs/a/log.txt\n1 ms built\n2 ms event\n\n${LOG_MARK}labs/b.a2/log.txt\nx\n`;
  const { json: back, logs } = splitGuestOutput(out);
  assert.deepEqual(JSON.parse(back), { run: {}, results: [] });
  assert.deepEqual([...logs.keys()], ['labs/a/log.txt', 'labs/b.a2/log.txt']);
  assert.equal(logs.get('labs/a/log.txt'), '1 ms built\n2 ms event\n');
  assert.equal(logs.get('labs/b.a2/log.txt'), 'x\n');
});

test('splitGuestOutput: no logs, and names that would leave the results folder are dropped', () => {
  assert.equal(splitGuestOutput('{"results":[]}').logs.size, 0);
  const { logs } = splitGuestOutput(`{}\n${LOG_MARK}../../etc/x\nbad\n${LOG_MARK}/abs\nbad\n${LOG_MARK}labs/ok/log.txt\ngood\n`);
  assert.deepEqual([...logs.keys()], ['labs/ok/log.txt']);
});
