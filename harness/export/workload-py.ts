// The workload of an exported lab as a Python 3 program (standard library
// only), written into the script: one side of the lab's transfer over
// IPPROTO_MPTCP sockets, with the harness's write pattern and payload.
// - payload: harness/workload/payload.ts exactly (xorshift32 words, little
//   endian, after the same seed mix); connection i uses seed + i, both
//   directions the same stream (harness/workload/plan.ts);
// - writes: `--chunk` bytes per write, `--pause-ms` after every write but the
//   last, sending and receiving at once; the sender waits until SIOCOUTQ is 0
//   (all acked) before its FIN, as harness/workload/transfer.ts does;
// - the server accepts `--connections` connections and serves them at once;
//   the client makes them one after another (harness/workload/agent.ts);
// - every received byte is compared with the stream: the first wrong offset
//   is printed, with where the wrong bytes come from when they are the
//   stream's own bytes at another offset, or zeros.
// Kept free of backquotes and dollar-brace so it sits in a template literal as is.

export const WORKLOAD_PY = String.raw`#!/usr/bin/env python3
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
`;
