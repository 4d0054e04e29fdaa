// The MPTCP options of a captured TCP segment, decoded with the engine's
// option codec (engine/options): the pcap reader keeps raw option bytes,
// this gives them their RFC 8684 meaning (MP_CAPABLE keys, MP_JOIN tokens,
// DSS mappings and DATA_ACKs) without a second parser.
import { options } from '../../engine/index.js';
import { splitTcpOptions, type TcpInfo } from './pcap.js';

/** TCP option kind 30 (RFC 8684 §3). */
const TCPOPT_MPTCP = 30;

export interface SegmentMptcpOptions {
  options: options.MptcpOption[];
  /** Why an MPTCP option of the segment could not be decoded (the kernel ignores such an option). */
  errors: string[];
}

/** Every MPTCP option of the segment, in the order they appear. Never throws. */
export function mptcpOptionsOf(tcp: Pick<TcpInfo, 'options'>): SegmentMptcpOptions {
  const out: SegmentMptcpOptions = { options: [], errors: [] };
  for (const o of splitTcpOptions(tcp.options)) {
    if (o.kind !== TCPOPT_MPTCP) continue;
    const parsed = options.parseOption(o.bytes);
    if (parsed.ok) out.options.push(parsed.option);
    else out.errors.push(parsed.error);
  }
  return out;
}

/** The DSS option of the segment, if any. */
export function dssOf(o: SegmentMptcpOptions): options.Dss | undefined {
  return o.options.find((x): x is options.Dss => x.kind === 'dss');
}

/** The MP_CAPABLE option of the segment, if any. */
export function mpCapableOf(o: SegmentMptcpOptions): options.MpCapable | undefined {
  return o.options.find((x): x is options.MpCapable => x.kind === 'mp_capable');
}

/** The MP_JOIN option of the segment, if any. */
export function mpJoinOf(o: SegmentMptcpOptions): options.MpJoin | undefined {
  return o.options.find((x): x is options.MpJoin => x.kind === 'mp_join');
}
