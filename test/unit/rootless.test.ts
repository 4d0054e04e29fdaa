// Why an unprivileged user namespace cannot be had: the sysctl that forbids it, named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userNamespaceLimits } from '../../harness/rootless.js';

test('each sysctl that forbids a user namespace is named with its value', () => {
  const values: Record<string, string> = {
    '/proc/sys/user/max_user_namespaces': '0',
    '/proc/sys/user/max_net_namespaces': '0',
    '/proc/sys/kernel/unprivileged_userns_clone': '0',
    '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1',
  };
  assert.deepEqual(
    userNamespaceLimits((p) => values[p]),
    [
      'user.max_user_namespaces is 0',
      'user.max_net_namespaces is 0',
      'kernel.unprivileged_userns_clone is 0',
      'kernel.apparmor_restrict_unprivileged_userns is 1',
    ],
  );
});

test('allowed values, or sysctls this kernel does not have, name nothing', () => {
  const values: Record<string, string> = {
    '/proc/sys/user/max_user_namespaces': '63000',
    '/proc/sys/kernel/unprivileged_userns_clone': '1',
  };
  assert.deepEqual(
    userNamespaceLimits((p) => values[p]),
    [],
  );
});
