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
  return [
    `add table netdev ${NFT_TABLE}`,
    `add chain netdev ${NFT_TABLE} ${chain} { type filter hook ingress device "${dev}" priority 0; policy accept; }`,
    `flush chain netdev ${NFT_TABLE} ${chain}`,
    ...(lossPct > 0 ? [`add rule netdev ${NFT_TABLE} ${chain} numgen random mod ${SCALE} < ${lossThreshold(lossPct)} counter drop`] : []),
  ].join('\n') + '\n';
}
