import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseSysctls } from '../../../../harness/targets/netns/setup-plan.js';
import { host, lab, minimal } from '../../lab/fixtures.js';

const IPV6_ON_L2 = minimal('', '  - between: [client, server]\n  - { between: [client, server], ipv4: false, ipv6: true }\n');

test('every interface with an IPv6 address skips DAD of its link-local address; IPv4-only ones are left alone', () => {
  const client = host(lab(IPV6_ON_L2), 'client');
  const sysctls = baseSysctls(client);
  const v6 = client.interfaces.filter((i) => i.addresses.some((a) => a.family === 6)).map((i) => i.name);
  assert.equal(v6.length, 1);
  assert.equal(sysctls[`net.ipv6.conf.${v6[0]}.accept_dad`], '0');
  assert.deepEqual(
    Object.keys(sysctls).filter((k) => k.startsWith('net.ipv6.')),
    [`net.ipv6.conf.${v6[0]}.accept_dad`],
  );
});

test("a lab's own sysctl wins over the base one", () => {
  const text = IPV6_ON_L2.replace('  client:\n', '  client:\n    sysctls: { net.ipv6.conf.eth1.accept_dad: 1 }\n');
  assert.equal(baseSysctls(host(lab(text), 'client'))['net.ipv6.conf.eth1.accept_dad'], '1');
});
