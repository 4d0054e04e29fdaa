// The engine's shared MPTCP vocabulary, like Linux net/mptcp/protocol.h:
// option kind and subtypes, suboption lengths, flag bits, reset reasons and
// the received-options record. Names and values are the kernel's (from
// net/mptcp/protocol.h, include/net/mptcp.h and include/uapi/linux/mptcp.h)
// so that a kernel developer can grep for them; RFC 8684 sections are cited
// where the wire layout is defined.

/** TCP option kinds the options walker knows (RFC 9293 §3.2; RFC 8684 §8). */
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MPTCP = 30;

/** MPTCP v1 (RFC 8684). v0 (RFC 6824) is not spoken by Linux. */
export const MPTCP_SUPPORTED_VERSION = 1;

// --- Which suboptions a segment carried: bits of ReceivedOptions.suboptions.
// The kernel numbers these itself (they are not the subtype numbers).
export const OPTION_MPTCP_MPC_SYN = 1 << 0;
export const OPTION_MPTCP_MPC_SYNACK = 1 << 1;
export const OPTION_MPTCP_MPC_ACK = 1 << 2;
export const OPTION_MPTCP_MPJ_SYN = 1 << 3;
export const OPTION_MPTCP_MPJ_SYNACK = 1 << 4;
export const OPTION_MPTCP_MPJ_ACK = 1 << 5;
export const OPTION_MPTCP_ADD_ADDR = 1 << 6;
export const OPTION_MPTCP_RM_ADDR = 1 << 7;
export const OPTION_MPTCP_FASTCLOSE = 1 << 8;
export const OPTION_MPTCP_PRIO = 1 << 9;
export const OPTION_MPTCP_RST = 1 << 10;
export const OPTION_MPTCP_DSS = 1 << 11;
export const OPTION_MPTCP_FAIL = 1 << 12;
/** Not a suboption: set when an MP_CAPABLE had flag A or a mapping carried a checksum. */
export const OPTION_MPTCP_CSUMREQD = 1 << 13;
export const OPTIONS_MPTCP_MPC = OPTION_MPTCP_MPC_SYN | OPTION_MPTCP_MPC_SYNACK | OPTION_MPTCP_MPC_ACK;
export const OPTIONS_MPTCP_MPJ = OPTION_MPTCP_MPJ_SYN | OPTION_MPTCP_MPJ_SYNACK | OPTION_MPTCP_MPJ_ACK;

// --- Subtypes: the high nibble of the third option byte (RFC 8684 §3, §8).
export const MPTCPOPT_MP_CAPABLE = 0x0;
export const MPTCPOPT_MP_JOIN = 0x1;
export const MPTCPOPT_DSS = 0x2;
export const MPTCPOPT_ADD_ADDR = 0x3;
export const MPTCPOPT_RM_ADDR = 0x4;
export const MPTCPOPT_MP_PRIO = 0x5;
export const MPTCPOPT_MP_FAIL = 0x6;
export const MPTCPOPT_MP_FASTCLOSE = 0x7;
/** MP_TCPRST in the RFC; the kernel calls it MPTCPOPT_RST. */
export const MPTCPOPT_RST = 0x8;
/** MP_EXPERIMENTAL, reserved for private use (RFC 8684 §8); the kernel has no name for it. */
export const MPTCPOPT_MP_EXPERIMENTAL = 0xf;

const SUBTYPE_NAMES = [
  'MP_CAPABLE',
  'MP_JOIN',
  'DSS',
  'ADD_ADDR',
  'REMOVE_ADDR',
  'MP_PRIO',
  'MP_FAIL',
  'MP_FASTCLOSE',
  'MP_TCPRST',
] as const;

/** The RFC name of a subtype, for messages ("subtype 0x9" when unassigned). */
export function subtypeName(subtype: number): string {
  if (subtype === MPTCPOPT_MP_EXPERIMENTAL) return 'MP_EXPERIMENTAL';
  return SUBTYPE_NAMES[subtype] ?? `subtype 0x${subtype.toString(16)}`;
}

// --- Suboption lengths, kind and length bytes included (MPTCP v1).
export const TCPOLEN_MPTCP_MPC_SYN = 4;
export const TCPOLEN_MPTCP_MPC_SYNACK = 12;
export const TCPOLEN_MPTCP_MPC_ACK = 20;
export const TCPOLEN_MPTCP_MPC_ACK_DATA = 22;
export const TCPOLEN_MPTCP_MPJ_SYN = 12;
export const TCPOLEN_MPTCP_MPJ_SYNACK = 16;
export const TCPOLEN_MPTCP_MPJ_ACK = 24;
export const TCPOLEN_MPTCP_DSS_BASE = 4;
export const TCPOLEN_MPTCP_DSS_ACK32 = 4;
export const TCPOLEN_MPTCP_DSS_ACK64 = 8;
export const TCPOLEN_MPTCP_DSS_MAP32 = 10;
export const TCPOLEN_MPTCP_DSS_MAP64 = 14;
export const TCPOLEN_MPTCP_DSS_CHECKSUM = 2;
export const TCPOLEN_MPTCP_MPC_ACK_DATA_CSUM = TCPOLEN_MPTCP_MPC_ACK_DATA + TCPOLEN_MPTCP_DSS_CHECKSUM;
/** ADD_ADDR: IPv4 with HMAC, then with port; "BASE" is the echo (no HMAC). */
export const TCPOLEN_MPTCP_ADD_ADDR = 16;
export const TCPOLEN_MPTCP_ADD_ADDR_PORT = 18;
export const TCPOLEN_MPTCP_ADD_ADDR_BASE = 8;
export const TCPOLEN_MPTCP_ADD_ADDR_BASE_PORT = 10;
export const TCPOLEN_MPTCP_ADD_ADDR6 = 28;
export const TCPOLEN_MPTCP_ADD_ADDR6_PORT = 30;
export const TCPOLEN_MPTCP_ADD_ADDR6_BASE = 20;
export const TCPOLEN_MPTCP_ADD_ADDR6_BASE_PORT = 22;
export const TCPOLEN_MPTCP_PORT_LEN = 2;
/** ADD_ADDR truncated HMAC: the rightmost 64 bits of HMAC-SHA256 (RFC 8684 §3.4.1). */
export const TCPOLEN_MPTCP_ADD_ADDR_HMAC = 8;
/** REMOVE_ADDR without its list of address IDs (one byte each). */
export const TCPOLEN_MPTCP_RM_ADDR_BASE = 3;
export const TCPOLEN_MPTCP_PRIO = 3;
/**
 * MP_PRIO with the AddrID byte that RFC 6824 §3.3.8 allowed and RFC 8684
 * dropped. Not a kernel constant: Linux only accepts TCPOLEN_MPTCP_PRIO. (The
 * kernel's TCPOLEN_MPTCP_PRIO_ALIGN is also 4, but that is MP_PRIO + a NOP.)
 */
export const TCPOLEN_MPTCP_PRIO_ADDR = 4;
export const TCPOLEN_MPTCP_PRIO_ALIGN = 4;
export const TCPOLEN_MPTCP_FASTCLOSE = 12;
export const TCPOLEN_MPTCP_RST = 4;
export const TCPOLEN_MPTCP_FAIL = 12;

// --- Sizes of fields.
/** MP_JOIN SYN/ACK carries the leftmost 64 bits of the HMAC (RFC 8684 §3.2). */
export const MPTCPOPT_THMAC_LEN = 8;
/** MP_JOIN third ACK carries the full 160 bits (RFC 8684 §3.2: SHA-256 truncated to 160). */
export const MPTCPOPT_HMAC_LEN = 20;
/** The most IDs the kernel takes from one REMOVE_ADDR; a longer one is ignored. */
export const MPTCP_RM_IDS_MAX = 8;

// --- MP_JOIN flags (RFC 8684 §3.2).
export const MPTCPOPT_BACKUP = 0x01; // B

// --- MP_CAPABLE: version nibble and flags byte "A B C D E F G H" (RFC 8684 §3.1).
export const MPTCP_VERSION_MASK = 0x0f;
export const MPTCP_CAP_CHECKSUM_REQD = 0x80; // A
export const MPTCP_CAP_EXTENSIBILITY = 0x40; // B
export const MPTCP_CAP_DENY_JOIN_ID0 = 0x20; // C: do not join to the source address
export const MPTCP_CAP_HMAC_SHA256 = 0x01; // H
/** D..H: the crypto negotiation bits; v1 defines only H. */
export const MPTCP_CAP_FLAG_MASK = 0x1f;

// --- DSS flags byte "reserved F m M a A" (RFC 8684 §3.3).
export const MPTCP_DSS_DATA_FIN = 0x10; // F
export const MPTCP_DSS_DSN64 = 0x08; // m: DSN is 8 octets
export const MPTCP_DSS_HAS_MAP = 0x04; // M: DSN, SSN, data-level length (and checksum) present
export const MPTCP_DSS_ACK64 = 0x02; // a: Data ACK is 8 octets
export const MPTCP_DSS_HAS_ACK = 0x01; // A: Data ACK present
export const MPTCP_DSS_FLAG_MASK = 0x1f;

export const MPTCP_ADDR_ECHO = 0x01; // ADD_ADDR E (RFC 8684 §3.4.1)
export const MPTCP_PRIO_BKUP = 0x01; // MP_PRIO B (RFC 8684 §3.3.8)
export const MPTCP_RST_TRANSIENT = 0x01; // MP_TCPRST T (RFC 8684 §3.6)

// --- MP_TCPRST reason codes (RFC 8684 §3.6; uapi/linux/mptcp.h).
export const MPTCP_RST_EUNSPEC = 0;
export const MPTCP_RST_EMPTCP = 1;
export const MPTCP_RST_ERESOURCE = 2;
export const MPTCP_RST_EPROHIBIT = 3;
export const MPTCP_RST_EWQ2BIG = 4;
export const MPTCP_RST_EBADPERF = 5;
export const MPTCP_RST_EMIDDLEBOX = 6;

export interface ResetReason {
  readonly code: number;
  /** The kernel's name. */
  readonly name: string;
  /** The RFC's meaning (RFC 8684 §3.6). */
  readonly meaning: string;
}

export const RESET_REASONS: readonly ResetReason[] = [
  { code: MPTCP_RST_EUNSPEC, name: 'MPTCP_RST_EUNSPEC', meaning: 'Unspecified error' },
  { code: MPTCP_RST_EMPTCP, name: 'MPTCP_RST_EMPTCP', meaning: 'MPTCP-specific error' },
  { code: MPTCP_RST_ERESOURCE, name: 'MPTCP_RST_ERESOURCE', meaning: 'Lack of resources' },
  { code: MPTCP_RST_EPROHIBIT, name: 'MPTCP_RST_EPROHIBIT', meaning: 'Administratively prohibited' },
  { code: MPTCP_RST_EWQ2BIG, name: 'MPTCP_RST_EWQ2BIG', meaning: 'Too much outstanding data' },
  { code: MPTCP_RST_EBADPERF, name: 'MPTCP_RST_EBADPERF', meaning: 'Unacceptable performance' },
  { code: MPTCP_RST_EMIDDLEBOX, name: 'MPTCP_RST_EMIDDLEBOX', meaning: 'Middlebox interference' },
];

/** The reason's entry, or undefined for a code the RFC does not assign. */
export function resetReason(code: number): ResetReason | undefined {
  return RESET_REASONS[code];
}

// --- The received-options record.

/** An IP address as the option carries it: 4 or 16 bytes, network order. */
export interface AddressBytes {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** mptcp_addr_info as filled from an ADD_ADDR; family 0 until one is seen. */
export interface ReceivedAddr {
  readonly id: number;
  readonly family: 0 | 4 | 6;
  readonly bytes: Uint8Array;
  /** 0 when the option had no port (as in the kernel, a port of 0 reads as none). */
  readonly port: number;
}

/**
 * What one segment's MPTCP options said, like the kernel's
 * `struct mptcp_options_received`. `suboptions` tells which fields mean
 * something: a field is only valid when its suboption bit is set, and when a
 * segment repeats a suboption the later one overwrites the fields (several
 * suboptions also share fields, e.g. rcvrKey for MP_CAPABLE and MP_FASTCLOSE,
 * backup for MP_JOIN and MP_PRIO, dataLen for MP_CAPABLE and DSS).
 * Checks that need connection state (keys, HMACs, checksum negotiation,
 * RFC 8684 §3.3.0) belong to the engine, not here.
 */
export interface ReceivedOptions {
  /** OPTION_MPTCP_* bits. */
  readonly suboptions: number;
  readonly sndrKey: bigint;
  readonly rcvrKey: bigint;
  /** 32 or 64 bits as received; see ack64. */
  readonly dataAck: bigint;
  /** 32 or 64 bits as received; see dsn64. */
  readonly dataSeq: bigint;
  readonly subflowSeq: number;
  readonly dataLen: number;
  /** The DSS checksum as it was on the wire (valid with OPTION_MPTCP_CSUMREQD and a mapping). */
  readonly csum: number;
  readonly useMap: boolean;
  readonly dsn64: boolean;
  readonly dataFin: boolean;
  readonly useAck: boolean;
  readonly ack64: boolean;
  /** The mapping came from an MP_CAPABLE with data, not from a DSS. */
  readonly mpcMap: boolean;
  /** 4 bits wide, as in the kernel's bitfield. */
  readonly resetReason: number;
  readonly resetTransient: boolean;
  readonly echo: boolean;
  readonly backup: boolean;
  readonly denyJoinId0: boolean;
  readonly joinId: number;
  readonly token: number;
  readonly nonce: number;
  /** MP_JOIN SYN/ACK truncated HMAC (8 bytes). */
  readonly thmac: Uint8Array;
  /** MP_JOIN ACK HMAC (20 bytes). */
  readonly hmac: Uint8Array;
  readonly addr: ReceivedAddr;
  readonly rmList: readonly number[];
  /** ADD_ADDR truncated HMAC (8 bytes, zero for an echo). */
  readonly ahmac: Uint8Array;
  readonly failSeq: bigint;
}

/** True when `rx` carried every suboption bit in `bits`. */
export function hasSuboptions(rx: ReceivedOptions, bits: number): boolean {
  return (rx.suboptions & bits) === bits;
}
