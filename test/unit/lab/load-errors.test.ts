// Bad input: every problem is a LabError whose message names the file, the
// line:column, the path inside the document and what was expected.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { labFromYaml, loadLabFile } from '../../../harness/lab/load.js';
import { LabError, type LabProblem } from '../../../harness/lab/errors.js';
import { minimal } from './fixtures.js';

const FILE = 'labs/bad/example.lab.yaml';

function reject(text: string): LabError {
  try {
    labFromYaml(text, FILE);
  } catch (e) {
    assert.ok(e instanceof LabError, `expected a LabError, got ${String(e)}`);
    assert.equal(e.name, 'LabError');
    assert.equal(e.file, FILE);
    return e;
  }
  assert.fail('expected labFromYaml to throw');
}

/** 1-based line of the first line of `text` that contains `needle`, and the 1-based column of `needle` in it. */
function where(text: string, needle: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `fixture has no ${needle}`);
  return `${i + 1}:${lines[i]!.indexOf(needle) + 1}`;
}

/** The one problem of the error with this path, and the line of the message that reports it. */
function problem(e: LabError, path: (string | number)[]): { p: LabProblem; line: string } {
  const k = e.problems.findIndex((p) => JSON.stringify(p.path) === JSON.stringify(path));
  assert.ok(k >= 0, `no problem at ${JSON.stringify(path)} in:\n${e.message}`);
  const p = e.problems[k]!;
  assert.equal(typeof p.line, 'number', 'problem has a line');
  assert.equal(typeof p.column, 'number', 'problem has a column');
  return { p, line: e.message.split('\n')[k]! };
}

describe('LabError messages for bad lab files', () => {
  test('malformed YAML', () => {
    const text = 'hosts:\n  client: [\nlinks: x\n';
    const e = reject(text);
    assert.equal(e.problems.length >= 1, true);
    assert.match(e.message, /^labs\/bad\/example\.lab\.yaml:3:1: \(top level\): malformed YAML: .*end with a \]/);
  });

  test('duplicate keys are malformed YAML', () => {
    const text = minimal().replace('hosts:\n', 'hosts:\n  client:\n');
    const e = reject(text);
    assert.match(e.message, /^labs\/bad\/example\.lab\.yaml:\d+:\d+: \(top level\): malformed YAML: .*unique/i);
  });

  test('unknown key at the top level', () => {
    const text = `colour: red\n${minimal()}`;
    const e = reject(text);
    assert.equal(e.problems.length, 1);
    const { line } = problem(e, []);
    assert.equal(
      line,
      `${FILE}:1:1: (top level): unknown key "colour": expected one of name, description, group, tags, requires, timeout, repeat, hosts, links, workload, events, expect, compare, known-divergences, known-bugs`,
    );
  });

  test('repeat: a whole number from 1 to 50, the bound said', () => {
    const text = `repeat: 51\n${minimal()}`;
    const { line } = problem(reject(text), ['repeat']);
    assert.equal(line, `${FILE}:1:9: repeat: at most 50 runs (a default run must stay short); hunt longer with --repeat or --until-fail`);
    assert.match(problem(reject(`repeat: 0\n${minimal()}`), ['repeat']).line, /: repeat: at least 1 run$/);
    assert.match(problem(reject(`repeat: 2.5\n${minimal()}`), ['repeat']).line, /: repeat: a whole number of runs$/);
  });

  test('a comparison tolerance out of range', () => {
    const text = `${minimal()}compare:\n  link_share: 1.5\n`;
    const e = reject(text);
    const { line } = problem(e, ['compare', 'link_share']);
    assert.match(line, new RegExp(`^${FILE}:${where(text, '1.5')}: compare.link_share: `));
  });

  test('a known bug whose kernels are not a version range names the file, the place and the word', () => {
    const text = `${minimal()}known-bugs:\n  - { check: integrity, kernels: ['6.12', '>=6.18 <6.x'], description: d, reference: r }\n`;
    const e = reject(text);
    const { line } = problem(e, ['known-bugs', 0, 'kernels', 1]);
    assert.match(
      line,
      new RegExp(
        `^${FILE.replace(/\./g, '\\.')}:\\d+:\\d+: known-bugs\\[0\\]\\.kernels\\[1\\]: "<6\\.x" in kernel range ">=6\\.18 <6\\.x" is not a comparison`,
      ),
    );
  });

  test('a known bug without its description is refused', () => {
    const e = reject(`${minimal()}known-bugs:\n  - { check: integrity, kernels: '*', reference: r }\n`);
    problem(e, ['known-bugs', 0, 'description']);
  });

  test('unknown key nested in a link', () => {
    const text = minimal('', '  - between: [client, server]\n    bandwidth: 10mbit\n');
    const e = reject(text);
    const { line } = problem(e, ['links', 0]);
    assert.equal(
      line,
      `${FILE}:${where(text, 'bandwidth')}: links[0]: unknown key "bandwidth": expected one of name, between, ipv4, ipv6, addresses, from, rate, delay, jitter, loss, reorder, duplicate, corrupt, queue, rewrite`,
    );
  });

  test('unknown key nested in a host endpoint', () => {
    const text = minimal().replace('  client:\n', '  client:\n    endpoints:\n      - { link: l2, flags: [subflow], iface: eth1 }\n');
    const e = reject(text);
    const { line } = problem(e, ['hosts', 'client', 'endpoints', 0]);
    assert.match(
      line,
      new RegExp(
        `^${FILE.replace(/\./g, '\\.')}:${where(text, 'iface')}: hosts\\.client\\.endpoints\\[0\\]: unknown key "iface": expected one of link, address, family, id, flags, port, dev$`,
      ),
    );
  });

  test('unknown key: the message says which keys are allowed', () => {
    const e = reject(`colour: red\n${minimal()}`);
    assert.match(e.message, /unknown key "colour".*expected.*\bhosts\b/);
  });

  test('a link to a host that does not exist', () => {
    const text = minimal('', '  - between: [client, ghost]\n');
    const e = reject(text);
    const { line } = problem(e, ['links', 0, 'between', 1]);
    assert.equal(line, `${FILE}:${where(text, 'ghost')}: links[0].between[1]: no host "ghost": expected one of client, server`);
  });

  test('a link to a missing host reports only that problem', () => {
    const e = reject(minimal('', '  - between: [client, ghost]\n  - between: [server, client]\n'));
    assert.deepEqual(
      e.problems.map((p) => p.path),
      [['links', 0, 'between', 1]],
    );
  });

  test('explicit addresses of the two sides in different /24s', () => {
    const text = minimal(
      '',
      '  - between: [client, server]\n    addresses:\n      client: [198.18.7.1/24]\n      server: [198.18.8.2/24]\n',
    );
    const e = reject(text);
    assert.equal(e.problems.length, 1);
    const { line } = problem(e, ['links', 0, 'addresses']);
    assert.equal(
      line,
      `${FILE}:${where(text, 'client: [198')}: links[0].addresses: 198.18.7.1/24 and 198.18.8.2/24 are not in the same prefix`,
    );
  });

  test('an explicit address outside the lab ranges', () => {
    const text = minimal('', '  - between: [client, server]\n    addresses:\n      client: [10.0.0.1/24]\n      server: [198.18.1.2/24]\n');
    const e = reject(text);
    const { line } = problem(e, ['links', 0, 'addresses', 'client', 0]);
    assert.equal(
      line,
      `${FILE}:${where(text, '10.0.0.1')}: links[0].addresses.client[0]: 10.0.0.1 is outside the lab ranges 198.18.0.0/15 and 2001:db8::/32`,
    );
  });

  test('an explicit address without a prefix length', () => {
    const text = minimal('', '  - between: [client, server]\n    addresses:\n      client: [198.18.9.1]\n');
    const e = reject(text);
    const { line } = problem(e, ['links', 0, 'addresses', 'client', 0]);
    assert.match(
      line,
      /:\d+:\d+: links\[0\]\.addresses\.client\[0\]: "198\.18\.9\.1" is not an address with a prefix length, e\.g\. 198\.18\.7\.1\/24$/,
    );
  });

  test('the same explicit address on both sides of a link', () => {
    reject(minimal('', '  - between: [client, server]\n    addresses:\n      client: [198.18.7.1/24]\n      server: [198.18.7.1/24]\n'));
  });

  test('an explicit subnet that another link already uses', () => {
    reject(
      minimal(
        '',
        '  - between: [client, server]\n  - between: [client, server]\n    addresses: { client: [198.18.1.1/24], server: [198.18.1.2/24] }\n',
      ),
    );
  });

  test('a zero rate is refused by the schema', () => {
    const text = minimal('', '  - between: [client, server]\n    rate: 0mbit\n');
    const e = reject(text);
    const { line } = problem(e, ['links', 0, 'rate']);
    assert.equal(line, `${FILE}:${where(text, '0mbit')}: links[0].rate: a positive rate such as 20mbit, 500kbit or 1gbit`);
  });

  test('a rate above 100gbit is impossible', () => {
    const text = minimal('', '  - between: [client, server]\n    rate: 500gbit\n');
    const e = reject(text);
    const { line } = problem(e, ['links', 0, 'rate']);
    assert.equal(
      line,
      `${FILE}:${where(text, '500gbit')}: links[0].rate: rate 500gbit is impossible here: expected between 8kbit and 100gbit`,
    );
  });

  test('a rate below 8kbit is impossible, also in from:', () => {
    const text = minimal('', '  - between: [client, server]\n    from:\n      server: { rate: 1kbit }\n');
    const e = reject(text);
    const { line } = problem(e, ['links', 0, 'from', 'server', 'rate']);
    assert.match(line, /:\d+:\d+: links\[0\]\.from\.server\.rate: rate 1kbit is impossible here: expected between 8kbit and 100gbit$/);
    assert.ok(line.startsWith(`${FILE}:${where(text, '1kbit')}:`), line);
  });

  test('an endpoint on an interface the host does not have', () => {
    const text = minimal().replace('  client:\n', '  client:\n    endpoints:\n      - { link: l1, dev: eth7, flags: [subflow] }\n');
    const e = reject(text);
    assert.equal(e.problems.length, 1);
    const { line } = problem(e, ['hosts', 'client', 'endpoints', 0, 'dev']);
    assert.equal(
      line,
      `${FILE}:${where(text, 'eth7')}: hosts.client.endpoints[0].dev: host "client" has no interface "eth7": expected one of eth0, eth1`,
    );
  });

  test('an endpoint on a link the host is not on', () => {
    const text = `hosts:
  client:
  server:
  third:
    endpoints:
      - { link: l1, flags: [subflow] }
links:
  - between: [client, server]
  - between: [server, third]
workload: { client: client, server: server, connect: l1 }
`;
    const e = reject(text);
    assert.equal(e.problems.length, 1);
    const { line } = problem(e, ['hosts', 'third', 'endpoints', 0, 'link']);
    assert.equal(line, `${FILE}:${where(text, 'l1, flags')}: hosts.third.endpoints[0].link: host "third" has no address on link "l1"`);
  });

  test('an endpoint on a link that does not exist, and dev: true without a link', () => {
    const text = minimal().replace(
      '  client:\n',
      '  client:\n    endpoints:\n      - { link: l9, flags: [subflow] }\n      - { address: 198.18.1.1, dev: true, flags: [subflow] }\n',
    );
    const e = reject(text);
    assert.match(problem(e, ['hosts', 'client', 'endpoints', 0, 'link']).line, /: hosts\.client\.endpoints\[0\]\.link: no link "l9"$/);
    assert.match(
      problem(e, ['hosts', 'client', 'endpoints', 1, 'dev']).line,
      /: hosts\.client\.endpoints\[1\]\.dev: dev: true needs the endpoint to name a link of this host$/,
    );
  });

  test('endpoint flags the kernel refuses: fullmesh with signal, port without signal', () => {
    const text = minimal().replace(
      '  client:\n',
      '  client:\n    endpoints:\n      - { link: l1, flags: [signal, fullmesh] }\n      - { link: l2, flags: [subflow], port: 10000 }\n',
    );
    const e = reject(text);
    assert.match(problem(e, ['hosts', 'client', 'endpoints', 0, 'flags']).line, /fullmesh cannot be combined with signal/);
    assert.match(problem(e, ['hosts', 'client', 'endpoints', 1, 'port']).line, /a port is only valid on a signal endpoint/);
  });

  test('an event with two actions', () => {
    const text = minimal('events:\n  - at: 1s\n    link-down: l1\n    link-up: l2\n');
    const e = reject(text);
    const { line } = problem(e, ['events', 0]);
    assert.equal(
      line,
      `${FILE}:${where(text, 'at: 1s')}: events[0]: expected exactly one action of link-down, link-up, endpoint-add, endpoint-delete, endpoint-flush, backup, impair, shell; found link-down, link-up`,
    );
  });

  test('an event with no action', () => {
    const e = reject(minimal('events:\n  - at: 1s\n'));
    assert.match(problem(e, ['events', 0]).line, /: events\[0\]: expected exactly one action of .*; found none$/);
  });

  test('an event naming a missing link', () => {
    const text = minimal('events:\n  - at: 1s\n    link-down: l9\n');
    const e = reject(text);
    const { line } = problem(e, ['events', 0, 'link-down']);
    assert.equal(line, `${FILE}:${where(text, 'l9')}: events[0].link-down: no link "l9"`);
  });

  test('an impair event naming a missing link and host', () => {
    const text = minimal('events:\n  - at: 1s\n    impair: { link: l9, from: nobody, loss: 1% }\n');
    const e = reject(text);
    assert.match(problem(e, ['events', 0, 'impair', 'link']).line, /: events\[0\]\.impair\.link: no link "l9"$/);
    assert.match(
      problem(e, ['events', 0, 'impair', 'from']).line,
      /: events\[0\]\.impair\.from: no host "nobody": expected one of client, server$/,
    );
  });

  test('expect.duration.max: auto with no rates', () => {
    const text = minimal('expect:\n  duration: { max: auto }\n');
    const e = reject(text);
    assert.equal(e.problems.length, 1);
    const { line } = problem(e, ['expect', 'duration', 'max']);
    assert.equal(
      line,
      `${FILE}:${where(text, 'auto')}: expect.duration.max: auto needs a rate on every link of the client, in the direction of the transfer`,
    );
  });

  test('expect.duration.max: auto with a rate on only one of the client links', () => {
    const e = reject(
      minimal('expect:\n  duration: { max: auto }\n', '  - between: [client, server]\n    rate: 10mbit\n  - between: [client, server]\n'),
    );
    problem(e, ['expect', 'duration', 'max']);
  });

  test('the workload connecting to a host that is not defined', () => {
    const text = minimal().replace('  server: server\n  connect', '  server: ghost\n  connect');
    const e = reject(text);
    const { line } = problem(e, ['workload', 'server']);
    assert.equal(line, `${FILE}:${where(text, 'ghost')}: workload.server: no host "ghost": expected one of client, server`);
  });

  test('the workload connecting to a missing host reports only that problem', () => {
    const e = reject(minimal().replace('  server: server\n  connect', '  server: ghost\n  connect'));
    assert.doesNotMatch(e.message, /undefined/);
    assert.deepEqual(
      e.problems.map((p) => p.path),
      [['workload', 'server']],
    );
  });

  test('the workload connecting to a literal address that is not the server', () => {
    const text = minimal().replace('connect: l1', 'connect: 198.18.1.1');
    const e = reject(text);
    assert.match(problem(e, ['workload', 'connect']).line, /: workload\.connect: 198\.18\.1\.1 is not an address of host "server"$/);
  });

  test('the workload connecting over IPv6 on an IPv4-only link', () => {
    const e = reject(minimal().replace('connect: l1', 'connect: l1/6'));
    assert.match(problem(e, ['workload', 'connect', 'link']).line, /host "server" has no IPv6 address on link "l1"$/);
  });

  test('the workload with the same host on both ends', () => {
    const e = reject(minimal().replace('  server: server\n  connect', '  server: client\n  connect'));
    assert.match(problem(e, ['workload', 'server']).line, /client and server must be different hosts$/);
  });

  test('schema type errors say what was expected', () => {
    const text = minimal().replace('connect: l1', 'connect: l1\n  connections: 0\n  direction: sideways');
    const e = reject(text);
    assert.match(
      problem(e, ['workload', 'connections']).line,
      new RegExp(`^${FILE.replace(/\./g, '\\.')}:${where(text, 'connections: 0').split(':')[0]}:\\d+: workload\\.connections: .*>=1`),
    );
    assert.match(problem(e, ['workload', 'direction']).line, /workload\.direction: expected one of "upload", "download", "both"$/);
  });

  test('all problems of a normalize pass are reported together', () => {
    const text = minimal(
      'events:\n  - at: 1s\n    link-down: l9\n',
      '  - between: [client, server]\n    rate: 500gbit\n  - between: [client, server]\n',
    );
    const e = reject(text);
    assert.deepEqual(
      e.problems.map((p) => p.path),
      [
        ['links', 0, 'rate'],
        ['events', 0, 'link-down'],
      ],
    );
    const lines = e.message.split('\n');
    assert.equal(lines.length, 2);
    assert.equal(
      lines[0],
      `${FILE}:${where(text, '500gbit')}: links[0].rate: rate 500gbit is impossible here: expected between 8kbit and 100gbit`,
    );
    assert.equal(lines[1], `${FILE}:${where(text, 'l9')}: events[0].link-down: no link "l9"`);
  });

  test('all schema problems are reported together too', () => {
    const e = reject(`colour: red\n${minimal('', '  - between: [client, server]\n    rate: fast\n')}`);
    assert.equal(e.problems.length, 2);
    assert.match(e.message, /\(top level\): unknown key "colour"/);
    assert.match(e.message, /links\[0\]\.rate: a positive rate such as 20mbit/);
  });

  test('a missing file is a LabError too', async () => {
    await assert.rejects(loadLabFile('/nonexistent/mptcp-lab/none.lab.yaml'), (e: unknown) => {
      assert.ok(e instanceof LabError);
      assert.equal(e.message, '/nonexistent/mptcp-lab/none.lab.yaml: (top level): cannot read the file: ENOENT');
      return true;
    });
  });
});
