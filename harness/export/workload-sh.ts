// The workload part of the exported script: the lab's server and client, with
// the parameters the netns backend gives its agents (agentSpecs), either as
// the embedded Python program (workload-py.ts) or as the kernel selftests'
// mptcp_connect (its flags are described in the script it writes). Each leaves
// VERIFIED=1 when the transfer checked out, 0 when not.
import type { ClientSpec, ServerSpec } from '../workload/spec.js';
import { hereDoc, nsVar, varRef, word } from './shell.js';
import { WORKLOAD_PY } from './workload-py.js';

export interface WorkloadParts {
  server: ServerSpec;
  client: ClientSpec;
  serverHost: string;
  clientHost: string;
  /** The lab has timed events: the client holds its first byte until events_now ran. */
  events: boolean;
}

function ns(host: string): string {
  return word(varRef(nsVar(host)));
}

function commonArgs(s: ServerSpec | ClientSpec): string[] {
  return [
    '--port', String(s.port),
    ...(s.mptcp ? [] : ['--tcp']),
    '--connections', String(s.connections),
    '--direction', s.direction,
    '--size', String(s.sizeBytes),
    '--seed', String(s.seed),
    '--chunk', String(s.write.chunkBytes),
    '--pause-ms', String(s.write.pauseMs),
    '--timeout', String(Math.ceil(s.timeoutMs / 1000)),
  ]; // prettier-ignore
}

/** Starts both sides with the Python program, runs the events around the first byte, waits for both. */
export function pythonWorkload(w: WorkloadParts): string {
  const { server, client } = w;
  const py = hereDoc(WORKLOAD_PY, 'PYTHON');
  const serverArgs = [
    ...commonArgs(server),
    '--family', String(server.family),
    '--ready', '$WORK/server.ready',
    ...(w.events ? ['--accepted', '$WORK/server.accepted'] : []),
    // The server tolerates the abort the client makes, and checks what came before it.
    ...(client.abortAfterBytes !== undefined ? ['--abort-after', String(client.abortAfterBytes)] : []),
  ]; // prettier-ignore
  const clientArgs = [
    ...commonArgs(client),
    '--address', client.address,
    ...(client.bind ? ['--bind', client.bind] : []),
    ...(client.abortAfterBytes !== undefined ? ['--abort-after', String(client.abortAfterBytes)] : []),
    ...(w.events ? ['--hold', '$WORK/hold'] : []),
  ]; // prettier-ignore
  const quote = (args: string[]): string => args.map((a) => (a.startsWith('$WORK/') ? `"${a}"` : word(a))).join(' ');
  return [
    '# The workload: the Python program below, one process per side (python3 workload.py --help).',
    `cat >"$WORK/workload.py" ${py.redirect}`,
    py.body,
    `ip netns exec ${ns(w.serverHost)} python3 "$WORK/workload.py" server ${quote(serverArgs)} &`,
    'SERVER=$!; PIDS="$PIDS $SERVER"',
    'wait_file "$WORK/server.ready" || fail "the server did not start listening"',
    `ip netns exec ${ns(w.clientHost)} python3 "$WORK/workload.py" client ${quote(clientArgs)} &`,
    'CLIENT=$!; PIDS="$PIDS $CLIENT"',
    ...(w.events
      ? [
          // As the harness: the events due at 0 ms once both ends have the connection (an impairment must not
          // reach the handshake's last packets), then the first byte, then the clock starts.
          'if wait_file "$WORK/hold.connected" && wait_file "$WORK/server.accepted"; then',
          '  events_now',
          '  : >"$WORK/hold.go"',
          '  events_later &',
          '  EVENTS=$!; PIDS="$PIDS $EVENTS"',
          'fi',
        ]
      : []),
    'wait "$CLIENT"; CLIENT_STATUS=$?',
    'wait "$SERVER"; SERVER_STATUS=$?',
    ...(w.events ? ['[ -z "${EVENTS:-}" ] || kill "$EVENTS" 2>/dev/null'] : []),
    'if [ "$CLIENT_STATUS" = 0 ] && [ "$SERVER_STATUS" = 0 ]; then VERIFIED=1; fi',
  ].join('\n');
}

/** What the lab's direction makes each side send. */
function sends(direction: ServerSpec['direction']): { client: boolean; server: boolean } {
  return { client: direction !== 'download', server: direction !== 'upload' };
}

/** One server/client pair of mptcp_connect per connection; cmp checks each direction and says where it first differs. */
export function mptcpConnectWorkload(w: WorkloadParts, binary: string): string {
  const { server, client } = w;
  const dir = sends(server.direction);
  const timeout = String(Math.ceil(server.timeoutMs / 1000));
  const listen = server.family === 6 ? '::' : '0.0.0.0';
  const proto = (mptcp: boolean): string => (mptcp ? 'MPTCP' : 'TCP');
  const lines = [
    "# The workload: the kernel selftests' mptcp_connect (tools/testing/selftests/net/mptcp/mptcp_connect.c), one",
    '# listener and one client per connection, one after another. Flags: -l listen on the address given; -p port;',
    '# -s MPTCP|TCP the socket protocol; -t poll timeout in seconds; -j (the server only, as mptcp_join.sh passes it)',
    '# keeps the listener open for MP_JOINs (else it may close it after accept) and makes its first write at most 100',
    '# bytes followed by 200 ms. Each side sends its stdin and writes what it receives to stdout (poll mode: reads of',
    "# 8 KiB, writes of random size: not the lab's write pattern). The payload is random bytes, not the lab's stream;",
    '# cmp compares each direction and prints the first differing byte, counted from 1.',
    `MPTCP_CONNECT=${word(binary)}`,
    '[ -x "$MPTCP_CONNECT" ] || fail "$MPTCP_CONNECT: not an executable"',
    'VERIFIED=1',
    `i=0; while [ "$i" -lt ${server.connections} ]; do`,
    `  head -c ${dir.client ? server.sizeBytes : 0} /dev/urandom >"$WORK/up-$i"`,
    `  head -c ${dir.server ? server.sizeBytes : 0} /dev/urandom >"$WORK/down-$i"`,
    `  ip netns exec ${ns(w.serverHost)} "$MPTCP_CONNECT" -l -j -p ${server.port} -s ${proto(server.mptcp)} -t ${timeout} ${listen} <"$WORK/down-$i" >"$WORK/up-$i.received" &`,
    '  SERVER=$!; PIDS="$PIDS $SERVER"',
    `  wait_listen ${ns(w.serverHost)} ${server.port} || fail "mptcp_connect did not start listening"`,
    `  ip netns exec ${ns(w.clientHost)} "$MPTCP_CONNECT" -p ${client.port} -s ${proto(client.mptcp)} -t ${timeout} ${word(client.address)} <"$WORK/up-$i" >"$WORK/down-$i.received" &`,
    '  CLIENT=$!; PIDS="$PIDS $CLIENT"',
    ...(w.events ? ['  if [ "$i" = 0 ]; then events_now; events_later & EVENTS=$!; PIDS="$PIDS $EVENTS"; fi'] : []),
    '  wait "$CLIENT" || { echo "client: connection $i: mptcp_connect exited $?"; VERIFIED=0; }',
    '  wait "$SERVER" || { echo "server: connection $i: mptcp_connect exited $?"; VERIFIED=0; }',
    '  for d in up down; do',
    '    if cmp "$WORK/$d-$i" "$WORK/$d-$i.received"; then',
    '      echo "connection $i: $d: $(wc -c <"$WORK/$d-$i") bytes, intact"',
    '    else',
    '      echo "connection $i: $d: NOT intact (cmp above)"; VERIFIED=0',
    '    fi',
    '  done',
    '  i=$((i + 1))',
    'done',
    ...(w.events ? ['[ -z "${EVENTS:-}" ] || kill "$EVENTS" 2>/dev/null'] : []),
  ];
  return lines.join('\n');
}
