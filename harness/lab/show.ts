// `mptcp-lab show LAB`: hosts, links, addresses, impairments and the
// workload at a glance.
import type { Impairment, Lab } from './model.js';
import { formatBytes, formatRate } from './units.js';

export function formatImpairment(i: Impairment): string {
  const parts: string[] = [];
  if (i.rateBps) parts.push(`rate ${formatRate(i.rateBps)}`);
  if (i.delayMs) parts.push(`delay ${i.delayMs}ms${i.jitterMs ? ` ±${i.jitterMs}ms` : ''}`);
  if (i.lossPct) parts.push(`loss ${i.lossPct}%`);
  if (i.reorderPct) parts.push(`reorder ${i.reorderPct}%`);
  if (i.duplicatePct) parts.push(`duplicate ${i.duplicatePct}%`);
  if (i.corruptPct) parts.push(`corrupt ${i.corruptPct}%`);
  if (i.queuePackets) parts.push(`queue ${i.queuePackets}p`);
  return parts.join(', ') || '-';
}

export function formatLab(lab: Lab): string {
  const out: string[] = [
    `${lab.name} (${lab.group})${lab.tags.length ? ` [${lab.tags.join(', ')}]` : ''}`,
    `  ${lab.description}`,
    `  file: ${lab.file}`,
    '',
    'hosts:',
  ];
  for (const h of lab.hosts) {
    out.push(`  ${h.name}${h.forward ? ' (router)' : ''}`);
    for (const i of h.interfaces)
      out.push(
        `    ${i.name} on ${i.link} → ${i.peer.host}: ${i.addresses.map((a) => `${a.address}/${a.prefixLen}`).join(' ')}  egress: ${formatImpairment(i.egress)}`,
      );
    if (h.limits) out.push(`    limits: subflows ${h.limits.subflows ?? '-'} add_addr_accepted ${h.limits.addAddrAccepted ?? '-'}`);
    for (const e of h.endpoints)
      out.push(
        `    endpoint ${e.address}${e.port ? ` port ${e.port}` : ''}${e.id ? ` id ${e.id}` : ''}${e.dev ? ` dev ${e.dev}` : ''} ${e.flags.join(',')}`,
      );
    for (const [k, v] of Object.entries(h.sysctls)) out.push(`    sysctl ${k}=${v}`);
  }
  const w = lab.workload;
  out.push(
    '',
    `workload: ${w.client} → ${w.server} (${w.connect}), ${w.direction} ${formatBytes(w.sizeBytes)} × ${w.connections}${w.clientMptcp ? '' : ', client plain TCP'}${w.serverMptcp ? '' : ', server plain TCP'}`,
  );
  for (const e of lab.events) out.push(`  at ${e.atMs} ms: ${e.action} ${JSON.stringify({ ...e, action: undefined, atMs: undefined })}`);
  if (lab.requires.length) out.push(`requires: ${lab.requires.join(', ')}`);
  return out.join('\n') + '\n';
}
