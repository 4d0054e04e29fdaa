// `mptcp-lab selftests` flags made a request: default suites, --tree made absolute.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { selftestsRequest } from '../../../harness/commands/selftests.js';
import { DEFAULT_SUITES } from '../../../harness/run/selftests-run.js';

test('selftests: the small suites by default, the given ones otherwise; --tree absolute', () => {
  const d = selftestsRequest([], { kernel: 'host', tapVersion: '14' });
  assert.deepEqual(d.suites, ['diag.sh', 'pm_netlink.sh', 'mptcp_sockopt.sh']);
  assert.deepEqual(d.suites, [...DEFAULT_SUITES]);
  assert.equal(d.tree, undefined);
  assert.ok(d.jobs >= 1);
  const g = selftestsRequest(['mptcp_join.sh'], { kernel: 'host', tree: 'linux', jobs: 2, results: 'r', tapVersion: '13' });
  assert.deepEqual(g, { suites: ['mptcp_join.sh'], kernel: 'host', tree: resolve('linux'), jobs: 2, results: 'r', tapVersion: 13 });
});
