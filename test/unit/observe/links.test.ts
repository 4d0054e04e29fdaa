import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkStatsDelta, parseLinkStats } from '../../../harness/observe/links.js';

// `ip -n NS -j -s link show` (iproute2 6.1) after a little traffic over a veth pair.
const REAL =
  '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","stats64":{"rx":{"bytes":284,"packets":2,"errors":0,"dropped":0,"over_errors":0,"multicast":0},"tx":{"bytes":284,"packets":2,"errors":0,"dropped":0,"carrier_errors":0,"collisions":0}}},{"ifindex":2,"link":"va","ifname":"vb","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"f6:46:d8:e1:1f:2d","broadcast":"ff:ff:ff:ff:ff:ff","stats64":{"rx":{"bytes":468,"packets":6,"errors":0,"dropped":0,"over_errors":0,"multicast":0},"tx":{"bytes":516,"packets":6,"errors":0,"dropped":0,"carrier_errors":0,"collisions":0}}},{"ifindex":3,"link":"vb","ifname":"va","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"f6:0c:54:a8:8c:63","broadcast":"ff:ff:ff:ff:ff:ff","stats64":{"rx":{"bytes":516,"packets":6,"errors":0,"dropped":0,"over_errors":0,"multicast":0},"tx":{"bytes":468,"packets":6,"errors":0,"dropped":0,"carrier_errors":0,"collisions":0}}}]';

test('parses stats64 per interface', () => {
  const s = parseLinkStats(JSON.parse(REAL));
  assert.deepEqual(Object.keys(s), ['lo', 'vb', 'va']);
  assert.deepEqual(s.va, { ifindex: 3, rxBytes: 516, rxPackets: 6, txBytes: 468, txPackets: 6 });
  assert.equal(s.vb?.txBytes, 516);
});

test('falls back to stats, and zeros without either', () => {
  const s = parseLinkStats([
    { ifindex: 4, ifname: 'old', stats: { rx: { bytes: 10, packets: 1 }, tx: { bytes: 20, packets: 2 } } },
    { ifindex: 5, ifname: 'bare' },
    { nonsense: true },
  ]);
  assert.deepEqual(s.old, { ifindex: 4, rxBytes: 10, rxPackets: 1, txBytes: 20, txPackets: 2 });
  assert.deepEqual(s.bare, { ifindex: 5, rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0 });
  assert.throws(() => parseLinkStats({}), /expected a JSON array/);
});

test('delta per interface', () => {
  const before = parseLinkStats(JSON.parse(REAL));
  const after = parseLinkStats(JSON.parse(REAL.replace('"tx":{"bytes":468', '"tx":{"bytes":1468')));
  const d = linkStatsDelta(before, after);
  assert.equal(d.va?.txBytes, 1000);
  assert.equal(d.lo?.rxBytes, 0);
});
