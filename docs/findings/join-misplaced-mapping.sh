#!/bin/bash
# Reproducer of the mptcp-lab lab "join-misplaced-mapping" (labs/regressions/join-misplaced-mapping.lab.yaml), exported by mptcp-lab 0.1.0:
# mptcp-lab export join-misplaced-mapping --sh --seed 545772145
# A kernel bug found on the 6.18.44 host kernel, about 1 run in 5 there (19 of 100): the upload arrives with the right length but a wrong sha256. In the run analysed the server received exactly 1,000,000 bytes, but at stream offset 14200, 376 bytes were the same stream's bytes 65160-65535 (the tail of the client's first 64 KiB write), also correct at their own place. On the wire that tail was the first data on a freshly joined subflow (DSS mapping dsn 65160, ssn 1, len 376), and the server's next DATA_ACK was 14576 (14200 + 376) although nothing at 14200-14576 had been sent yet; the client's stream rebuilt from the captures by DSS mapping is correct: the receiver placed a mapping at the wrong data sequence number. It needs the server to send first and the joins to come up while the client's first write is in flight; 3 connections both ways with one subflow endpoint still fails (3 of 20); one connection, or upload only, did not fail in 20 runs; Debian's 6.12.118 in a guest did not fail in 30 runs.
#
# Run as root on a kernel with MPTCP: bash THIS_FILE. It builds the lab in its own network namespaces
# (never the initial one), runs the workload, checks every byte, and removes everything on exit.
# Exit status 0: the transfer verified; 1: it did not (or the set-up failed).
# Needs: ip, awk, sleep, mktemp, python3, tc.
# The seed 545772145 gives the same payload and port as `mptcp-lab run join-misplaced-mapping --seed 545772145`. Loss, when the lab has some, is made by nft (planned for a kernel without sch_netem).

LAB=join-misplaced-mapping

# One namespace per host; the random suffix lets two copies run at once (`mptcp-lab clean` knows the prefix).
SUFFIX=$(od -An -N3 -tx1 /dev/urandom | tr -d " \n")
NS_client="mptcplab-$$-sh$SUFFIX-client"
NS_server="mptcplab-$$-sh$SUFFIX-server"
NAMESPACES="$NS_client $NS_server"

set -eu
PIDS=""
VERIFIED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mptcp-lab-export.XXXXXX")

fail() { echo "$LAB: $*" >&2; exit 1; }

# Ends what this script started (by PID), then deletes its namespaces. Exit status: 0 verified, 1 not.
cleanup() {
  status=$?
  set +e
  trap - EXIT INT TERM
  for pid in $PIDS $SLEEP_PID; do kill "$pid" 2>/dev/null; done
  for pid in $PIDS $SLEEP_PID; do wait "$pid" 2>/dev/null; done
  for ns in $NAMESPACES; do
    # Anything a shell event left running inside is ours too.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$WORK"
  [ "$status" = 0 ] && [ "$VERIFIED" = 1 ] && exit 0
  exit 1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Sleeps in a child process the script can end: wait (unlike read -t, which crashed bash 5.2 on a signal) lets a trap run at once.
SLEEP_PID=""
sleep_s() { sleep "$1" & SLEEP_PID=$!; wait "$SLEEP_PID"; SLEEP_PID=""; }

# Waits up to 10 s for a file to appear.
wait_file() {
  n=0
  while [ ! -e "$1" ]; do
    n=$((n + 1)); [ "$n" -le 2000 ] || return 1
    sleep_s 0.005
  done
}

# Waits up to 10 s for a TCP listener on a port in a namespace.
wait_listen() {
  n=0
  while [ -z "$(ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ]; do
    n=$((n + 1)); [ "$n" -le 1000 ] || return 1
    sleep_s 0.01
  done
}

# Writes a sysctl inside a namespace (its /proc/sys/net is the namespace's own).
set_sysctl() { ip netns exec "$1" sh -c 'printf "%s\n" "$2" >"$1"' sh "$2" "$3"; }

# The id the kernel gave the MPTCP endpoint with this address.
endpoint_id() {
  ip -n "$1" mptcp endpoint show | awk -v a="$2" '$1 == a { for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1) }'
}

[ "$(id -u)" = 0 ] || fail "run as root (it makes network namespaces)"
[ -e /proc/sys/net/mptcp/enabled ] || fail "this kernel has no MPTCP (CONFIG_MPTCP)"
for p in ip awk sleep mktemp python3 tc; do command -v "$p" >/dev/null || fail "$p not found on PATH"; done

# The namespaces and the veth pairs.
ip -batch - <<EOF
netns add ${NS_client}
netns add ${NS_server}
link add eth0 index 100 netns ${NS_client} type veth peer name eth0 index 101 netns ${NS_server}
link add eth1 index 102 netns ${NS_client} type veth peer name eth1 index 103 netns ${NS_server}
link add eth2 index 104 netns ${NS_client} type veth peer name eth2 index 105 netns ${NS_server}
EOF
# Sysctls.
set_sysctl "${NS_client}" /proc/sys/net/ipv4/conf/all/rp_filter 0
set_sysctl "${NS_client}" /proc/sys/net/ipv4/conf/default/rp_filter 0
set_sysctl "${NS_server}" /proc/sys/net/ipv4/conf/all/rp_filter 0
set_sysctl "${NS_server}" /proc/sys/net/ipv4/conf/default/rp_filter 0
# Addresses, routes and rules (source routing), the MPTCP limits and endpoints, qdiscs, offloads, nft.
ip -n "${NS_client}" -batch - <<'EOF'
link set lo up
addr add 198.18.1.1/24 dev eth0
link set eth0 up
addr add 198.18.2.1/24 dev eth1
link set eth1 up
addr add 198.18.3.1/24 dev eth2
link set eth2 up
route add 198.18.1.0/24 dev eth0 table 101
route add 198.18.2.0/24 via 198.18.1.2 dev eth0 table 201
route add 198.18.3.0/24 via 198.18.1.2 dev eth0 table 201
route add 198.18.2.0/24 dev eth1 table 102
route add 198.18.1.0/24 via 198.18.2.2 dev eth1 table 202
route add 198.18.3.0/24 via 198.18.2.2 dev eth1 table 202
route add 198.18.3.0/24 dev eth2 table 103
route add 198.18.1.0/24 via 198.18.3.2 dev eth2 table 203
route add 198.18.2.0/24 via 198.18.3.2 dev eth2 table 203
rule add from 198.18.1.1 table 101
rule add from 198.18.1.1 table 201 pref 40000
rule add from 198.18.2.1 table 102
rule add from 198.18.2.1 table 202 pref 40000
rule add from 198.18.3.1 table 103
rule add from 198.18.3.1 table 203 pref 40000
mptcp limits set subflows 2 add_addr_accepted 0
mptcp endpoint add 198.18.2.1 subflow
mptcp endpoint add 198.18.3.1 subflow
EOF
tc -n "${NS_client}" -batch - <<'EOF'
qdisc add dev eth1 root handle 1: tbf rate 40000000bit burst 20000 limit 500000
qdisc add dev eth2 root handle 1: tbf rate 40000000bit burst 20000 limit 500000
EOF
ip -n "${NS_server}" -batch - <<'EOF'
link set lo up
addr add 198.18.1.2/24 dev eth0
link set eth0 up
addr add 198.18.2.2/24 dev eth1
link set eth1 up
addr add 198.18.3.2/24 dev eth2
link set eth2 up
route add 198.18.1.0/24 dev eth0 table 101
route add 198.18.2.0/24 via 198.18.1.1 dev eth0 table 201
route add 198.18.3.0/24 via 198.18.1.1 dev eth0 table 201
route add 198.18.2.0/24 dev eth1 table 102
route add 198.18.1.0/24 via 198.18.2.1 dev eth1 table 202
route add 198.18.3.0/24 via 198.18.2.1 dev eth1 table 202
route add 198.18.3.0/24 dev eth2 table 103
route add 198.18.1.0/24 via 198.18.3.1 dev eth2 table 203
route add 198.18.2.0/24 via 198.18.3.1 dev eth2 table 203
rule add from 198.18.1.2 table 101
rule add from 198.18.1.2 table 201 pref 40000
rule add from 198.18.2.2 table 102
rule add from 198.18.2.2 table 202 pref 40000
rule add from 198.18.3.2 table 103
rule add from 198.18.3.2 table 203 pref 40000
mptcp limits set subflows 2 add_addr_accepted 0
EOF
tc -n "${NS_server}" -batch - <<'EOF'
qdisc add dev eth1 root handle 1: tbf rate 40000000bit burst 20000 limit 500000
qdisc add dev eth2 root handle 1: tbf rate 40000000bit burst 20000 limit 500000
EOF

set +e

# The workload: the Python program below, one process per side (python3 workload.py --help).
cat >"$WORK/workload.py" <<'PYTHON'
#!/usr/bin/env python3
"""One side of an mptcp-lab workload (exported): python3 workload.py server|client [options]."""
import argparse
import array
import fcntl
import os
import signal
import socket
import struct
import sys
import threading
import time

IPPROTO_MPTCP = getattr(socket, "IPPROTO_MPTCP", 262)
SIOCOUTQ = 0x5411  # TIOCOUTQ: bytes written and not yet acked (the MPTCP level on an MPTCP socket)
M32 = 0xFFFFFFFF


def payload(seed, n):
    """The first n bytes of mptcp-lab's payload stream for seed (harness/workload/payload.ts)."""
    z = (seed + 0x9E3779B9) & M32
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
    x = (z ^ (z >> 16)) or 0x6D2B79F5
    words = array.array("I", bytes(4 * ((n + 3) // 4)))
    for i in range(len(words)):
        x ^= (x << 13) & M32
        x ^= x >> 17
        x ^= (x << 5) & M32
        words[i] = x
    if sys.byteorder != "little":
        words.byteswap()
    return words.tobytes()[:n]


def first_difference(a, b):
    """Index of the first byte where a and b differ (a is not longer than b)."""
    step = 4096
    k = 0
    while k < len(a) and a[k:k + step] == b[k:k + step]:
        k += step
    while k < len(a) and a[k] == b[k]:
        k += 1
    return k


class Receiver:
    """Counts what arrives and keeps the first offset where it is not the expected stream."""

    def __init__(self, stream, expect):
        self.stream = stream
        self.expect = expect
        self.got = 0
        self.first_bad = None
        self.bad = b""

    def feed(self, data):
        if self.first_bad is None:
            want = self.stream[self.got:min(self.got + len(data), self.expect)]
            if data != want:
                k = first_difference(data[:len(want)], want)
                self.first_bad = self.got + k
                self.bad = data[k:k + 16]
        self.got += len(data)

    def origin(self):
        if len(self.bad) < 8:
            return ""
        if self.bad == bytes(len(self.bad)):
            return "; they are zeros"
        at = self.stream.find(self.bad)
        if at >= 0:
            return "; they are the stream's bytes at offset %d (misplaced by %+d)" % (at, self.first_bad - at)
        return "; they are not found in the stream"

    def verdict(self, aborted):
        """(ok, text) of this direction."""
        if self.first_bad is not None and self.first_bad < self.expect:
            got = self.bad[:1].hex() or "nothing"
            want = self.stream[self.first_bad:self.first_bad + 1].hex()
            return False, "FIRST WRONG BYTE at offset %d (received 0x%s, expected 0x%s)%s; %d of %d bytes received" % (
                self.first_bad, got, want, self.origin(), self.got, self.expect)
        if self.got > self.expect:
            return False, "LONG: %d bytes received, %d expected (extra from offset %d)" % (self.got, self.expect, self.expect)
        if self.got < self.expect and not aborted:
            return False, "SHORT: the stream ends at offset %d, %d bytes expected" % (self.got, self.expect)
        return True, "%d of %d bytes received, intact" % (self.got, self.expect)


def wait_acked(sock):
    buf = bytearray(4)
    while True:
        try:
            fcntl.ioctl(sock.fileno(), SIOCOUTQ, buf)
        except OSError:
            return
        if struct.unpack("i", buf)[0] == 0:
            return
        time.sleep(0.002)


def transfer(sock, role, i, a):
    """One connection, the same on both sides; returns (ok, report line)."""
    client_sends = a.direction != "download"
    server_sends = a.direction != "upload"
    sends = client_sends if role == "client" else server_sends
    receives = server_sends if role == "client" else client_sends
    stream = payload((a.seed + i) & M32, a.size)
    abort = a.abort_after
    limit = a.size if sends else 0
    if abort is not None and role == "client" and sends:
        limit = min(abort, a.size)
    rx = Receiver(stream, a.size if receives else 0)
    errors = []
    sent = [0]

    def send():
        view = memoryview(stream)
        try:
            while sent[0] < limit:
                n = min(a.chunk, limit - sent[0])
                sock.sendall(view[sent[0]:sent[0] + n])
                sent[0] += n
                if a.pause_ms and sent[0] < limit:
                    time.sleep(a.pause_ms / 1000.0)
            if abort is None:
                wait_acked(sock)
        except OSError as e:
            if abort is None:
                errors.append("send: %s" % e)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    until = rx.expect
    if abort is not None and role == "client":
        # It aborts once it has sent its part, or (sending nothing) received abort-after bytes.
        until = 0 if sends else min(abort, rx.expect)
    try:
        while rx.got < until:
            data = sock.recv(65536)
            if not data:
                break
            rx.feed(data)
        sender.join()
        if abort is not None and role == "client":
            # SO_LINGER 0: close() sends a RST (MP_FASTCLOSE on an MPTCP socket), as the lab asks.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            sock.shutdown(socket.SHUT_WR)
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                rx.feed(data)
    except OSError as e:
        if abort is None:
            errors.append("receive: %s" % e)
    finally:
        sender.join(timeout=1)
        sock.close()
    ok, text = rx.verdict(abort is not None)
    if not receives:
        ok, text = True, "receives nothing"
    if sent[0] < limit and abort is None:
        ok = False
        errors.append("sent %d of %d bytes" % (sent[0], limit))
    line = "%s: connection %d: sent %d bytes; %s" % (role, i, sent[0], text)
    if abort is not None:
        line += " (aborted after %d bytes, as the lab asks)" % abort
    if errors:
        line += "; " + "; ".join(errors)
    return ok and not errors, line


def say(line):
    # One write per line: the two sides share the script's stdout.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def proto(a):
    return IPPROTO_MPTCP if a.mptcp else socket.IPPROTO_TCP


def serve(a):
    if a.family == 6:
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, proto(a))
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        where = ("::", a.port)
    else:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto(a))
        where = ("0.0.0.0", a.port)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # The wildcard address: MP_JOINs to the server's other addresses reach this listener.
    ls.bind(where)
    ls.listen(a.connections + 4)
    open(a.ready, "w").close()
    results = [None] * a.connections
    threads = []
    for i in range(a.connections):
        conn, _ = ls.accept()
        if a.accepted and i == 0:
            open(a.accepted, "w").close()

        def run(i=i, conn=conn):
            results[i] = transfer(conn, "server", i, a)

        t = threading.Thread(target=run)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    ls.close()
    return results


def wait_for(path):
    while not os.path.exists(path):
        time.sleep(0.001)


def connect_all(a):
    family = socket.AF_INET6 if ":" in a.address else socket.AF_INET
    results = []
    for i in range(a.connections):
        s = socket.socket(family, socket.SOCK_STREAM, proto(a))
        if a.bind:
            s.bind((a.bind, 0))
        s.connect((a.address, a.port))
        if a.hold and i == 0:
            # The script applies the events due at 0 ms, then lets the first byte go.
            open(a.hold + ".connected", "w").close()
            wait_for(a.hold + ".go")
        results.append(transfer(s, "client", i, a))
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("role", choices=["server", "client"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tcp", dest="mptcp", action="store_false", help="plain TCP instead of IPPROTO_MPTCP")
    p.add_argument("--connections", type=int, default=1)
    p.add_argument("--direction", choices=["upload", "download", "both"], default="upload")
    p.add_argument("--size", type=int, required=True, help="bytes each way the direction asks for, per connection")
    p.add_argument("--seed", type=int, required=True, help="payload seed; connection i uses seed + i")
    p.add_argument("--chunk", type=int, default=65536, help="bytes per write()")
    p.add_argument("--pause-ms", type=float, default=0, help="pause after each write but the last")
    p.add_argument("--abort-after", type=int, help="the client aborts (SO_LINGER 0) after this many bytes")
    p.add_argument("--timeout", type=float, default=60, help="seconds before giving up")
    p.add_argument("--family", type=int, choices=[4, 6], default=4, help="server: listen on this family's wildcard (6: dual-stack)")
    p.add_argument("--ready", help="server: file created once listening")
    p.add_argument("--accepted", help="server: file created once connection 0 is accepted")
    p.add_argument("--address", help="client: the server address")
    p.add_argument("--bind", help="client: local address to bind")
    p.add_argument("--hold", help="client: create HOLD.connected once connection 0 is up, send once HOLD.go exists")
    a = p.parse_args()

    def timeout(*_):
        say("%s: TIMEOUT after %g s" % (a.role, a.timeout))
        os._exit(1)

    signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, a.timeout)
    try:
        results = serve(a) if a.role == "server" else connect_all(a)
    except OSError as e:
        say("%s: %s" % (a.role, e))
        return 1
    for _, line in results:
        say(line)
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
PYTHON
ip netns exec "${NS_server}" python3 "$WORK/workload.py" server --port 13893 --connections 3 --direction both --size 1000000 --seed 3927919536 --chunk 65536 --pause-ms 0 --timeout 60 --family 4 --ready "$WORK/server.ready" &
SERVER=$!; PIDS="$PIDS $SERVER"
wait_file "$WORK/server.ready" || fail "the server did not start listening"
ip netns exec "${NS_client}" python3 "$WORK/workload.py" client --port 13893 --connections 3 --direction both --size 1000000 --seed 3927919536 --chunk 65536 --pause-ms 0 --timeout 60 --address 198.18.1.2 &
CLIENT=$!; PIDS="$PIDS $CLIENT"
wait "$CLIENT"; CLIENT_STATUS=$?
wait "$SERVER"; SERVER_STATUS=$?
if [ "$CLIENT_STATUS" = 0 ] && [ "$SERVER_STATUS" = 0 ]; then VERIFIED=1; fi

if [ "$VERIFIED" = 1 ]; then echo "VERIFIED: lab $LAB: 3 connection(s), both of 1000000 bytes each, intact"; else echo "NOT VERIFIED: lab $LAB: 3 connection(s), both of 1000000 bytes each"; fi

