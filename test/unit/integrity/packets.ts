// Synthetic captured packets for the stream-rebuild tests: what the pcap reader
// would give for a TCP segment with MPTCP options (encoded by the engine's codec).
import { options, crypto } from '../../../engine/index.js';
import type { PcapPacket } from '../../../harness/observe/pcap.js';

export const CLIENT_KEY = 0x1111222233334444n;
/** Its IDSN's low 32 bits are 0xffff9c5a: a 32-bit DSN wraps 25509 bytes into the stream. */
export const SERVER_KEY = 14945n;
export const clientIdsn = crypto.keyToTokenAndIdsn(CLIENT_KEY).idsn;
export const serverIdsn = crypto.keyToTokenAndIdsn(SERVER_KEY).idsn;
export const serverToken = crypto.keyToTokenAndIdsn(SERVER_KEY).token;

export interface Seg {
  t: number; // µs
  src: string; // "addr:port"
  dst: string;
  seq: number;
  ack?: number;
  flags?: 'S' | 'SA' | 'A';
  opts?: options.MptcpOption[];
  payload?: Buffer;
}

const FLAGS = { S: 0x02, SA: 0x12, A: 0x10 } as const;

/** One packet as readPcap decodes it (no frame bytes: the rebuild reads only the decoded layers). */
export function packet(index: number, s: Seg): PcapPacket {
  const [saddr, sport] = s.src.split(':');
  const [daddr, dport] = s.dst.split(':');
  const optionBytes = Buffer.concat((s.opts ?? []).map((o) => Buffer.from(options.encodeOption(o))));
  const payload = s.payload ?? Buffer.alloc(0);
  const flags = FLAGS[s.flags ?? 'A'];
  return {
    index,
    tsSec: Math.floor(s.t / 1e6),
    tsNsec: (s.t % 1e6) * 1000,
    timestampNs: BigInt(s.t) * 1000n,
    capturedLength: 0,
    originalLength: 0,
    data: Buffer.alloc(0),
    ip: {
      version: 4,
      src: saddr!,
      dst: daddr!,
      protocol: 6,
      headerLength: 20,
      totalLength: 40 + optionBytes.length + payload.length,
      ttl: 64,
      fragment: false,
    },
    tcp: {
      srcPort: Number(sport),
      dstPort: Number(dport),
      seq: s.seq >>> 0,
      ack: (s.ack ?? 0) >>> 0,
      headerLength: 20 + optionBytes.length,
      flags,
      flagSet: {
        fin: false,
        syn: (flags & 0x02) !== 0,
        rst: false,
        psh: false,
        ack: (flags & 0x10) !== 0,
        urg: false,
        ece: false,
        cwr: false,
      },
      window: 1000,
      checksum: 0,
      urgentPointer: 0,
      options: optionBytes,
      optionsTruncated: false,
      payloadLength: payload.length,
      payload,
    },
  };
}

export const mpcSyn: options.MpCapable = { kind: 'mp_capable', version: 1, flags: 0x01 };
export const mpcSynAck: options.MpCapable = { kind: 'mp_capable', version: 1, flags: 0x01, senderKey: SERVER_KEY };
export const mpcAck: options.MpCapable = { kind: 'mp_capable', version: 1, flags: 0x01, senderKey: CLIENT_KEY, receiverKey: SERVER_KEY };

export function dss(m: { dsn?: bigint; bits?: 32 | 64; ssn?: number; len?: number; ack?: bigint; ackBits?: 32 | 64 }): options.Dss {
  return {
    kind: 'dss',
    dataFin: false,
    ...(m.ack !== undefined
      ? { dataAck: { value: m.ack & (m.ackBits === 32 ? 0xffffffffn : 0xffffffffffffffffn), bits: m.ackBits ?? 64 } }
      : {}),
    ...(m.dsn !== undefined
      ? {
          mapping: {
            dsn: { value: m.dsn & (m.bits === 32 ? 0xffffffffn : 0xffffffffffffffffn), bits: m.bits ?? 64 },
            subflowSeq: m.ssn ?? 1,
            dataLen: m.len ?? 0,
          },
        }
      : {}),
  };
}

export function joinSyn(token: number): options.MpJoinSyn {
  return { kind: 'mp_join', form: 'syn', backup: false, addressId: 1, token, nonce: 7 };
}

export const joinSynAck: options.MpJoinSynAck = {
  kind: 'mp_join',
  form: 'synack',
  backup: false,
  addressId: 0,
  hmac: new Uint8Array(8),
  nonce: 9,
};
export const joinAck: options.MpJoinAck = { kind: 'mp_join', form: 'ack', hmac: new Uint8Array(20) };
