// The feature table (which MPTCP feature arrived in which kernel) against
// the MPTCP ChangeLog, and how a too-old kernel's SKIP reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalogue } from '../../../harness/lab/catalogue.js';
import { featureTooNew } from '../../../harness/requirements.js';
import { FEATURES, featureByName, versionAtLeast } from '../../../kernels/features.js';

describe('feature table', () => {
  test('matches the MPTCP ChangeLog', () => {
    const since = Object.fromEntries(FEATURES.map((f) => [f.name, f.since]));
    assert.deepEqual(
      {
        'multiple-subflows': since['multiple-subflows'],
        'mp-prio': since['mp-prio'],
        'fastclose-rx': since['fastclose-rx'],
        fastclose: since.fastclose,
        checksum: since.checksum,
        fullmesh: since.fullmesh,
        'mptcp-info': since['mptcp-info'],
        'userspace-pm': since['userspace-pm'],
        'mixed-v4v6': since['mixed-v4v6'],
        'full-info': since['full-info'],
      },
      {
        'multiple-subflows': '5.10',
        'mp-prio': '5.12',
        'fastclose-rx': '5.13',
        fastclose: '5.17',
        checksum: '5.14',
        fullmesh: '5.15',
        'mptcp-info': '5.16',
        'userspace-pm': '5.19',
        'mixed-v4v6': '6.3',
        'full-info': '6.5',
      },
    );
    assert.equal(new Set(FEATURES.map((f) => f.name)).size, FEATURES.length, 'names are unique');
  });

  test('versions compare numerically, releases by their version part', () => {
    assert.equal(versionAtLeast('6.1.0', '6.3'), false);
    assert.equal(versionAtLeast('6.12.117', '6.3'), true, '12 > 3, not "1" < "3"');
    assert.equal(versionAtLeast('5.10', '5.10'), true);
  });

  test('a guest too old for a feature: the reason names the feature, the version it arrived in and the guest release', () => {
    const guest61 = { kernelRelease: '6.1.0-56-amd64', kernelVersion: '6.1.0', guest: true };
    const mixed = featureTooNew('mixed-v4v6', guest61);
    assert.equal(
      mixed?.reason,
      "needs mixed-v4v6 (IPv4 subflows on IPv6 connections and vice versa), which arrived in Linux 6.3; the guest's kernel 6.1.0-56-amd64 is 6.1.0",
    );
    assert.match(featureTooNew('full-info', guest61)?.reason ?? '', /needs full-info .*Linux 6\.5; the guest's kernel 6\.1\.0-56-amd64/);
    assert.equal(featureTooNew('fullmesh', guest61), undefined);
    assert.equal(featureTooNew('mixed-v4v6', { kernelRelease: '6.12.117+deb12-amd64', kernelVersion: '6.12.117', guest: true }), undefined);
    assert.match(
      featureTooNew('laminar', { kernelRelease: '6.12.117+deb12-amd64', kernelVersion: '6.12.117', guest: false })?.reason ?? '',
      /Linux 6\.18; kernel 6\.12\.117\+deb12-amd64 is/,
    );
  });

  test('every feature a catalogue lab requires is in the table or a known probe', async () => {
    const known = new Set(['netem', 'ipv6', 'tcpdump', 'nft', ...FEATURES.map((f) => f.name)]);
    for (const lab of await loadCatalogue()) {
      for (const req of lab.requires) {
        if (req.startsWith('sysctl:') || req.startsWith('kernel>=')) continue;
        assert.ok(known.has(req), `${lab.name} requires ${req}`);
      }
    }
    assert.ok(featureByName('mixed-v4v6'));
  });
});
