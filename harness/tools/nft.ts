// Random loss without sch_netem: an nft netdev ingress chain on the
// receiving interface drops N percent of packets (numgen random). Scaled to
// 1/10000 so fractional percentages work. The table lives only in the lab
// namespace and disappears with it.

export const NFT_TABLE = 'mptcplab';
const SCALE = 10_000;

export function lossThreshold(lossPct: number): number {
  return Math.round((lossPct / 100) * SCALE);
}

function chainName(dev: string): string {
  return `loss_${dev}`;
}

/** An nft script (fed on stdin to `nft -f -`) for loss on ingress of each device. */
export function compileLossRuleset(losses: { dev: string; lossPct: number }[]): string {
  const lines = [`table netdev ${NFT_TABLE} {`];
  for (const { dev, lossPct } of losses) {
    lines.push(
      `  chain ${chainName(dev)} {`,
      `    type filter hook ingress device "${dev}" priority 0; policy accept;`,
      `    numgen random mod ${SCALE} < ${lossThreshold(lossPct)} counter drop`,
      '  }',
    );
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Replace the loss of one device (events that change an impairment). */
export function compileLossUpdate(dev: string, lossPct: number): string {
  const chain = chainName(dev);
  return (
    [
      `add table netdev ${NFT_TABLE}`,
      `add chain netdev ${NFT_TABLE} ${chain} { type filter hook ingress device "${dev}" priority 0; policy accept; }`,
      `flush chain netdev ${NFT_TABLE} ${chain}`,
      ...(lossPct > 0 ? [`add rule netdev ${NFT_TABLE} ${chain} numgen random mod ${SCALE} < ${lossThreshold(lossPct)} counter drop`] : []),
    ].join('\n') + '\n'
  );
}

// A payload rewrite (the lab's `rewrite:`): a middlebox that inverts one byte
// of one TCP segment's payload. On the receiving interface's ingress the
// segment is still CHECKSUM_PARTIAL from the veth, which the receiver's TCP
// trusts, so TCP takes it and only MPTCP's DSS checksum, computed in
// software, can tell (RFC 8684 §3.7), as mptcp_join.sh's tc pedit + csum.
// The segment is the Nth one longer than 61 + offset bytes of TCP (per
// family; a TCP header is at most 60 bytes and the write takes two): the
// length test comes first, so numgen counts only those. nft 1.0.6 cannot
// xor a single byte ("Left shift of 8 bits is undefined"), so the rule
// xors the 16-bit word that starts at the byte with 0xff00.
// engine/sim/link.ts (setPayloadRewrite) counts the same way.

/** numgen's modulus: far more packets than a lab sends, so the count never wraps. */
const REWRITE_MODULUS = 1_000_000;
/** The longest TCP header, plus the second byte the 16-bit write takes. */
const TCP_MAX_HEADER_AND_WORD = 61;

function rewriteChain(dev: string): string {
  return `rewrite_${dev}`;
}

export interface RewriteRule {
  readonly dev: string;
  /** 1-based. */
  readonly packet: number;
  /** Byte of the TCP payload. */
  readonly offset: number;
}

/** The two rules (IPv4, IPv6) that invert the byte: bits at the inner (transport payload) header. */
export function rewriteRules(r: RewriteRule): string[] {
  const bits = r.offset * 8;
  const action = `numgen inc mod ${REWRITE_MODULUS} ${r.packet - 1} @ih,${bits},16 set @ih,${bits},16 ^ 0xff00 counter`;
  return [
    `ip protocol tcp ip length > ${20 + TCP_MAX_HEADER_AND_WORD + r.offset} ${action}`,
    `ip6 nexthdr tcp ip6 length > ${TCP_MAX_HEADER_AND_WORD + r.offset} ${action}`,
  ];
}

/** An nft script that sets (or, with `rule` undefined, clears) the rewrite on one device's ingress. */
export function compileRewrite(dev: string, rule: Omit<RewriteRule, 'dev'> | undefined): string {
  const chain = rewriteChain(dev);
  return (
    [
      `add table netdev ${NFT_TABLE}`,
      // Before the loss chain (priority 0): the rewrite counts what the link carried.
      `add chain netdev ${NFT_TABLE} ${chain} { type filter hook ingress device "${dev}" priority -10; policy accept; }`,
      `flush chain netdev ${NFT_TABLE} ${chain}`,
      ...(rule ? rewriteRules({ dev, ...rule }).map((l) => `add rule netdev ${NFT_TABLE} ${chain} ${l}`) : []),
    ].join('\n') + '\n'
  );
}
