import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { addAddrHmac, dssChecksum, dssChecksumValid, joinHmac, keyToTokenAndIdsn } from '../../../engine/crypto.js';

// Values the Linux kernel (6.18) put on the wire, from
// test/fixtures/pcap/mptcp-lo.pcap: one MPTCP connection over ::1 in a
// network namespace, net.mptcp.checksum_enabled=1, endpoint 127.0.0.2
// "signal", so it holds MP_CAPABLE (keys, data + checksum), ADD_ADDR with
// HMAC both ways, an MP_JOIN over IPv4 and DSS checksums.
//
// The numbers were read with `tcpdump -nr mptcp-lo.pcap -v` and with a
// separate python3 struct parser of the file, and python3's hashlib/hmac
// reproduced every one of them from the keys and nonces before these tests
// were written — so they check this code against the kernel, not against
// itself. (test/unit/observe/pcap-mptcp.test.ts reads the same values from the
// file with the pcap reader.)

const CLIENT_KEY = 0x3cffc85e8d0fbf66n; // MP_CAPABLE ACK, sender key (::1.59820)
const SERVER_KEY = 0xf8c5dfa344189897n; // MP_CAPABLE SYN/ACK key (::1.5202)

describe('kernel capture: keys, tokens, IDSNs', () => {
  test('the MP_JOIN SYN to the server carries the token of the server key', () => {
    // packet 7: 127.0.0.1.49383 > 127.0.0.2.5202 mptcp join id 2 token 0x7a76cd25
    assert.equal(keyToTokenAndIdsn(SERVER_KEY).token, 0x7a76cd25);
  });
  test('the server PM join to the client address carries the client token', () => {
    // packet 13: 127.0.0.1.55629 > 127.0.0.2.59820 mptcp join token 0x53b06fe9
    assert.equal(keyToTokenAndIdsn(CLIENT_KEY).token, 0x53b06fe9);
  });
  test('first data sequence numbers are IDSN + 1', () => {
    // server's first DSS mapping (packet 15) seq 0x900c4d4414a83c5c
    assert.equal(keyToTokenAndIdsn(SERVER_KEY).idsn + 1n, 0x900c4d4414a83c5cn);
    // client: 11 bytes in the MP_CAPABLE, then "bye" mapped at 0x3b92950c9787875c (packet 17)
    assert.equal(keyToTokenAndIdsn(CLIENT_KEY).idsn + 1n + 11n, 0x3b92950c9787875cn);
  });
});

describe('kernel capture: MP_JOIN handshake', () => {
  const CLIENT_NONCE = 0x5acc3fac; // MP_JOIN SYN (packet 7)
  const SERVER_NONCE = 0xfe413f62; // MP_JOIN SYN/ACK (packet 8)
  test('SYN/ACK truncated HMAC = leftmost 64 bits of HMAC(KeyB||KeyA, RB||RA)', () => {
    // packet 8: mptcp join id 1 hmac 0x0e81581a692b52aa nonce 0xfe413f62
    assert.equal(joinHmac(SERVER_KEY, CLIENT_KEY, SERVER_NONCE, CLIENT_NONCE).truncated64, 0x0e81581a692b52aan);
  });
  test('third ACK HMAC = leftmost 160 bits of HMAC(KeyA||KeyB, RA||RB)', () => {
    // packet 9: mptcp join hmac 0xf4bc3854b23a5c397e1972e6271ccaca2379825e
    const h = joinHmac(CLIENT_KEY, SERVER_KEY, CLIENT_NONCE, SERVER_NONCE).truncated160;
    assert.equal(Buffer.from(h).toString('hex'), 'f4bc3854b23a5c397e1972e6271ccaca2379825e');
  });
});

describe('kernel capture: ADD_ADDR', () => {
  test('server announces 127.0.0.2 id 1 (no port): HMAC keyed server||client', () => {
    // packet 5: add-addr v1 id 1 127.0.0.2 hmac 0x5edb0986a49166eb
    assert.equal(addAddrHmac(SERVER_KEY, CLIENT_KEY, 1, '127.0.0.2'), 0x5edb0986a49166ebn);
  });
  test('client announces 127.0.0.2 id 1: HMAC keyed client||server', () => {
    // packet 11: add-addr v1 id 1 127.0.0.2 hmac 0xb16012a8282801cc
    assert.equal(addAddrHmac(CLIENT_KEY, SERVER_KEY, 1, '127.0.0.2'), 0xb16012a8282801ccn);
  });
});

describe('kernel capture: DSS checksums', () => {
  const clientIdsn = keyToTokenAndIdsn(CLIENT_KEY).idsn;
  test('MP_CAPABLE with data: DSN = IDSN + 1, subflow seq 1', () => {
    // packet 3: option 1e18 0181 <keys> 000b 7ab5, payload "hello mptcp"
    assert.equal(dssChecksum(clientIdsn + 1n, 1, 11, Buffer.from('hello mptcp')), 0x7ab5);
  });
  const cases: Array<[string, bigint, number, number, string, number]> = [
    // [what, dsn, subflow seq, data-level length, payload, checksum on the wire]
    ['server "world!" (packet 15)', 0x900c4d4414a83c5cn, 1, 6, 'world!', 0x83a6],
    ['client "bye" (packet 17)', 0x3b92950c9787875cn, 12, 3, 'bye', 0x48f4],
    ['client DATA_FIN, len 1, no data (packet 19)', 0x3b92950c9787875fn, 0, 1, '', 0x1079],
    ['server DATA_FIN (packet 23)', 0x900c4d4414a83c62n, 0, 1, '', 0xd1a3],
  ];
  for (const [what, dsn, ssn, len, payload, csum] of cases) {
    test(what, () => {
      assert.equal(dssChecksum(dsn, ssn, len, Buffer.from(payload)), csum);
      assert.equal(dssChecksumValid(dsn, ssn, len, Buffer.from(payload), csum), true);
    });
  }
});
