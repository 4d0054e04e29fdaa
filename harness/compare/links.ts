// How the workload's bytes split over the links of its ends. For each link of
// the client (or, for a link the client is not on, of the server), the share
// of the bytes that host's links carried in the transfer's direction (as the
// link_share expectation reads it), compared within an absolute tolerance.
import type { Lab } from '../lab/model.js';
import type { LinkBytes, Observations } from '../observations.js';
import { DEFAULT_LINK_SHARE_TOLERANCE, type ComparedSide, type ComparisonItem, type Tolerances } from './types.js';

interface Group {
  host: string;
  links: string[];
}

/** Links grouped by the workload end they are seen from: the client's, then the server's other ones. */
export function shareGroups(lab: Lab): Group[] {
  const { client, server } = lab.workload;
  const onHost = (h: string) => lab.links.filter((l) => l.a.host === h || l.b.host === h).map((l) => l.name);
  const clientLinks = onHost(client);
  const serverLinks = onHost(server).filter((l) => !clientLinks.includes(l));
  return [
    { host: client, links: clientLinks },
    { host: server, links: serverLinks },
  ].filter((g) => g.links.length >= 2);
}

/** Bytes on a link in the direction that carries the payload, seen from `host`. */
function payloadBytes(lab: Lab, link: string, counts: LinkBytes, host: string): number {
  const l = lab.links.find((x) => x.name === link)!;
  const fromHost = l.a.host === host ? counts.aToB : counts.bToA;
  const toHost = l.a.host === host ? counts.bToA : counts.aToB;
  const sending = (lab.workload.direction === 'upload') === (host === lab.workload.client);
  if (lab.workload.direction === 'both') return fromHost + toHost;
  return sending ? fromHost : toHost;
}

/** Share of each link of the group, or undefined when a link has no counts in the observation. */
export function linkShares(lab: Lab, obs: Observations, group: Group): Map<string, number> | undefined {
  const bytes = new Map<string, number>();
  for (const link of group.links) {
    const counts = obs.links[link];
    if (!counts) return undefined;
    bytes.set(link, payloadBytes(lab, link, counts, group.host));
  }
  const total = [...bytes.values()].reduce((x, y) => x + y, 0);
  return new Map([...bytes].map(([k, v]) => [k, total > 0 ? v / total : 0]));
}

export function compareLinkShares(lab: Lab, a: ComparedSide, b: ComparedSide, tolerances: Tolerances): ComparisonItem[] {
  const tol = tolerances.linkShare === undefined ? DEFAULT_LINK_SHARE_TOLERANCE : tolerances.linkShare;
  if (tol === null) return [];
  const items: ComparisonItem[] = [];
  for (const group of shareGroups(lab)) {
    const sa = linkShares(lab, a.obs, group);
    const sb = linkShares(lab, b.obs, group);
    if (!sa || !sb) continue;
    for (const link of group.links) {
      const va = sa.get(link) ?? 0;
      const vb = sb.get(link) ?? 0;
      items.push({
        name: `link_share.${link}`,
        kind: 'link_share',
        nature: 'timing',
        values: { a: va, b: vb },
        a: va.toFixed(3),
        b: vb.toFixed(3),
        ok: Math.abs(va - vb) <= tol + 1e-9,
        detail: `share of ${group.host}'s ${lab.workload.direction} bytes, allowed ±${tol}`,
      });
    }
  }
  return items;
}
