// write() takes a copy, as the kernel copies from user space: the
// application may reuse its buffer (a Node Buffer included, whose own slice()
// would only be a view) without changing what is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, firstConn, pattern, sameBytes, topology } from './core-sim.js';

for (const mptcp of [true, false]) {
  test(`write() copies (${mptcp ? 'MPTCP' : 'plain TCP'}): reusing the buffer afterwards changes nothing sent`, () => {
    const t = topology([{ delayMs: 5, rateBps: 10e6 }], { records: true });
    const { net, client, server } = t;
    server.ep.listen(80, { mptcp });
    const conn = client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp });
    client.flush(0);
    net.drive(100);
    const data = pattern(200_000, 3);
    const buf = Buffer.from(data);
    assert.equal(client.ep.write(conn, buf), buf.length);
    buf.fill(0); // the application reuses its buffer at once
    client.flush(net.now);
    net.drive(5_000);
    assert.ok(sameBytes(concat(server.received.get(firstConn(server))), data));
  });
}

test('readChunks() gives what read() would, in the pieces the data arrived in (losses: a hole filled releases several)', () => {
  const t = topology([{ delayMs: 5, rateBps: 20e6, lossPct: 3 }], { records: true, seed: 3 });
  const { net, client, server } = t;
  server.autoRead = false;
  server.ep.listen(80, { mptcp: true });
  const conn = client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
  client.flush(0);
  net.drive(100);
  const data = pattern(300_000, 4);
  client.ep.write(conn, data);
  client.flush(net.now);
  const sconn = firstConn(server);
  const pieces: Uint8Array[] = [];
  let most = 0;
  for (let at = 100; at < 10_000; at += 5) {
    net.drive(at);
    const got = server.ep.readChunks(sconn);
    most = Math.max(most, got.length);
    pieces.push(...got);
    server.flush(net.now);
  }
  assert.ok(most > 1, 'some reads had several pieces');
  assert.ok(sameBytes(concat(pieces), data));
});
