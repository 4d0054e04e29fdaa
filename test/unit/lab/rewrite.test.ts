// The lab's `rewrite:` impairment (a middlebox that inverts one payload byte, RFC 8684 §3.7 labs):
// parsed into the sending interface's egress, per host with `from:`, and refused with the place
// and what was expected when malformed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { labFromYaml } from '../../../harness/lab/load.js';
import { LabError } from '../../../harness/lab/errors.js';
import { host, lab } from './fixtures.js';

const BASE = `hosts:
  client:
  server:
links:
  - between: [client, server]
    from:
      client: { rewrite: REWRITE }
workload:
  client: client
  server: server
  connect: l1
`;

describe('rewrite', () => {
  test("on the sender's egress only, with packet and offset as written", () => {
    const l = lab(BASE.replace('REWRITE', '{ packet: 20, offset: 100 }'));
    const client = host(l, 'client').interfaces[0]!;
    const server = host(l, 'server').interfaces[0]!;
    assert.deepEqual(client.egress.rewrite, { packet: 20, offset: 100 });
    assert.equal(server.egress.rewrite, undefined);
  });

  test('on the link itself: both directions', () => {
    const l = lab(BASE.replace('    from:\n      client: { rewrite: REWRITE }\n', '    rewrite: { packet: 3, offset: 0 }\n'));
    assert.deepEqual(host(l, 'client').interfaces[0]!.egress.rewrite, { packet: 3, offset: 0 });
    assert.deepEqual(host(l, 'server').interfaces[0]!.egress.rewrite, { packet: 3, offset: 0 });
  });

  for (const [bad, path, why] of [
    ['{ packet: 0, offset: 100 }', 'packet', 'packet 0 (counts from 1)'],
    ['{ packet: 2.5, offset: 100 }', 'packet', 'a fraction'],
    ['{ packet: 5, offset: -1 }', 'offset', 'a negative offset'],
    ['{ packet: 5 }', 'offset', 'no offset'],
    ['{ packet: 5, offset: 1, byte: 3 }', '', 'an unknown key'],
  ] as const) {
    test(`refused: ${why}, named by its place`, () => {
      const text = BASE.replace('REWRITE', bad);
      try {
        labFromYaml(text, 'labs/bad/rewrite.lab.yaml');
      } catch (e) {
        assert.ok(e instanceof LabError);
        const where = ['links', 0, 'from', 'client', 'rewrite', ...(path ? [path] : [])];
        assert.ok(
          e.problems.some((p) => JSON.stringify(p.path) === JSON.stringify(where)),
          `a problem at ${JSON.stringify(where)} in:\n${e.message}`,
        );
        assert.match(e.message, /labs\/bad\/rewrite\.lab\.yaml/);
        return;
      }
      assert.fail('expected the lab to be refused');
    });
  }
});
