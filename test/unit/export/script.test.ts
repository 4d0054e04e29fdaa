// The exported script's text: the netns plan's own commands, the namespaces
// with their random suffix, qdiscs, nft, endpoints, events, and what is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { exportScript, unsupportedFeatures, type ExportOptions } from '../../../harness/export/script.js';
import { commandText, nsVar, varRef } from '../../../harness/export/shell.js';
import type { Lab } from '../../../harness/lab/model.js';
import { planSetup } from '../../../harness/targets/netns/setup-plan.js';
import { lab, minimal, TWO_HOST } from '../lab/fixtures.js';

const OPTS: ExportOptions = { seed: 42, caps: { netem: false, tbf: true }, version: 'test' };

function script(l: Lab, opts: Partial<ExportOptions> = {}): string {
  return exportScript(l, { ...OPTS, ...opts });
}

/** bash -n: the text parses as a bash script. */
function bashParses(text: string): void {
  execFileSync('bash', ['-n'], { input: text });
}

describe('export --sh', () => {
  const twoHost = lab(TWO_HOST);
  const text = script(twoHost);

  test('is a bash script that parses', () => {
    assert.match(text, /^#!\/bin\/bash\n/);
    bashParses(text);
  });

  test('names each namespace with the project prefix, the shell PID and a random suffix', () => {
    assert.match(text, /^SUFFIX=\$\(od -An -N3 -tx1 \/dev\/urandom/m);
    assert.match(text, /^NS_client="mptcplab-\$\$-sh\$SUFFIX-client"$/m);
    assert.match(text, /^NS_server="mptcplab-\$\$-sh\$SUFFIX-server"$/m);
    assert.match(text, /^netns add \$\{NS_client\}$/m);
    assert.match(text, /^link add eth0 index 100 netns \$\{NS_client\} type veth peer name eth0 index 101 netns \$\{NS_server\}$/m);
  });

  test('holds every set-up command the netns backend plans, word for word', () => {
    const ns = Object.fromEntries(twoHost.hosts.map((h) => [h.name, varRef(nsVar(h.name))]));
    const plan = planSetup(twoHost, ns, OPTS.caps);
    assert.ok(plan.hosts.length >= 4);
    for (const c of plan.hosts) assert.ok(text.includes(commandText(c)), `missing: ${commandText(c)}`);
  });

  test('has the qdiscs, the nft loss table, the endpoints, the limits and the sysctls', () => {
    assert.match(text, /^qdisc add dev eth0 root handle 1: tbf rate 20000000bit /m);
    assert.match(text, /^qdisc add dev eth1 root handle 1: netem limit 50 delay 10ms$/m);
    assert.match(text, /numgen random mod 10000 < 100 counter drop/);
    assert.match(text, /^mptcp limits set subflows 2 add_addr_accepted 1$/m);
    assert.match(text, /^mptcp endpoint add 198\.18\.2\.1 id 2 dev eth1 subflow$/m);
    assert.match(text, /^mptcp endpoint add 198\.18\.1\.2 id 9 signal backup$/m);
    assert.match(text, /^set_sysctl "\$\{NS_client\}" \/proc\/sys\/net\/ipv4\/tcp_congestion_control reno$/m);
    assert.match(text, /^set_sysctl "\$\{NS_server\}" \/proc\/sys\/net\/ipv4\/conf\/all\/rp_filter 0$/m);
  });

  test('with netem, loss is a netem argument and there is no nft loss table', () => {
    const t = script(twoHost, { caps: { netem: true, tbf: true } });
    assert.match(t, /netem loss random 1%/);
    assert.doesNotMatch(t, /numgen random/);
  });

  test('timed events: ip and tc commands, sleeps between them, the endpoint id looked up by address', () => {
    assert.match(text, /^events_later\(\) \{\n {2}trap .* TERM\n {2}sleep_s 0\.005\n/m);
    assert.match(text, /^ {2}ip -n "\$\{NS_client\}" link set dev eth0 down$/m);
    // Two events at 3 s: no sleep between them.
    assert.doesNotMatch(text, /sleep_s 0\.000/);
    assert.match(text, /^ {2}id=\$\(endpoint_id "\$\{NS_client\}" 198\.18\.2\.1\)$/m);
    assert.match(text, /^ {2}ip -n "\$\{NS_client\}" mptcp endpoint change id "\$\{id\}" backup$/m);
    assert.match(text, /^ {2}ip netns exec "\$\{NS_server\}" sh -c 'ip -s link'$/m);
    // The loss change at 4 s replaces the client's tbf in place (same shape) and the server's nft chain.
    assert.match(text, /^ {2}tc -n "\$\{NS_client\}" qdisc replace dev eth0 root handle 1: tbf rate 20000000bit /m);
    assert.match(text, /numgen random mod 10000 < 500 counter drop/);
  });

  test('the workload: the Python program with the lab parameters, the client held for the events due at 0 ms', () => {
    assert.match(text, /^cat >"\$WORK\/workload\.py" <<'PYTHON'$/m);
    assert.match(text, /IPPROTO_MPTCP = getattr\(socket, "IPPROTO_MPTCP", 262\)/);
    assert.match(text, / server --port \d+ --connections 1 --direction upload --size 4000000 --seed \d+ --chunk 65536 --pause-ms 0 /);
    assert.match(text, / client .* --address 198\.18\.2\.2 --bind 198\.18\.1\.1 --hold "\$WORK\/hold" &$/m);
    assert.match(text, / server .* --accepted "\$WORK\/server\.accepted" &$/m);
    assert.match(text, /^if wait_file "\$WORK\/hold\.connected" && wait_file "\$WORK\/server\.accepted"; then$/m);
    assert.match(text, /^if \[ "\$VERIFIED" = 1 \]; then echo "VERIFIED: lab /m);
  });

  test('cleans up on exit, INT and TERM: processes by PID, then the namespaces', () => {
    assert.match(text, /^trap cleanup EXIT$/m);
    assert.match(text, /^trap 'exit 1' INT TERM$/m);
    assert.match(text, /for pid in \$PIDS \$SLEEP_PID; do kill "\$pid"/);
    assert.match(text, /ip netns del "\$ns"/);
  });

  test('the same seed gives the same script but for nothing; another seed another payload', () => {
    assert.equal(script(twoHost), text);
    const seedOf = (t: string): string | undefined => / server .*--seed (\d+)/.exec(t)?.[1];
    assert.notEqual(seedOf(script(twoHost, { seed: 43 })), seedOf(text));
  });

  test('with mptcp_connect: one listener and one client per connection, cmp for the check', () => {
    const l = lab(minimal('  direction: both\n  connections: 2\n'));
    const t = script(l, { mptcpConnect: '/opt/selftests/mptcp_connect' });
    bashParses(t);
    assert.match(t, /^MPTCP_CONNECT=\/opt\/selftests\/mptcp_connect$/m);
    assert.match(t, /"\$MPTCP_CONNECT" -l -j -p \d+ -s MPTCP -t 60 0\.0\.0\.0 </);
    assert.match(t, /"\$MPTCP_CONNECT" -p \d+ -s MPTCP -t 60 198\.18\.1\.2 </);
    assert.match(t, /while \[ "\$i" -lt 2 \]/);
    assert.match(t, /cmp "\$WORK\/\$d-\$i"/);
    assert.doesNotMatch(t, /python3/);
  });
});

describe('what export refuses', () => {
  test('a TypeScript step in an event, naming it', () => {
    const l = lab(minimal());
    const withStep: Lab = { ...l, events: [{ atMs: 100, action: 'shell', host: 'client', command: async () => undefined }] };
    const refused = unsupportedFeatures(withStep, {});
    assert.equal(refused.length, 1);
    assert.match(refused[0]!, /event at 100 ms is a TypeScript step/);
    assert.throws(() => script(withStep), /cannot be exported: the event at 100 ms/);
  });

  test('bind and abort-after with mptcp_connect, not with Python', () => {
    const l = lab(minimal('  bind: l1\n  abort-after: 100KB\n'));
    assert.deepEqual(unsupportedFeatures(l, {}), []);
    const refused = unsupportedFeatures(l, { mptcpConnect: '/x/mptcp_connect' });
    assert.equal(refused.length, 2);
    assert.match(refused.join('\n'), /workload\.bind/);
    assert.match(refused.join('\n'), /workload\.abort-after/);
  });
});
