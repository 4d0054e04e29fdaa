// Capability, not assumption: what a lab needs (declared, or implied by its
// impairments and sysctls) against what the machine has. Unmet needs become
// a SKIP with the exact reason and the way to get it.
import type { Capabilities } from './capabilities.js';
import { sysctlExists } from './capabilities.js';
import { featureByName, versionAtLeast } from '../kernels/features.js';
import { netemNeeds, type Lab } from './lab/model.js';

export interface Unmet {
  need: string;
  reason: string;
}

/** A declared requirement that is not a kernel feature name, a sysctl or a version. */
export const KNOWN_REQUIREMENTS = ['netem', 'ipv6', 'tcpdump', 'nft'] as const;

/** "kernel 6.1.0-56-amd64" or "the guest's kernel 6.1.0-56-amd64": which kernel said no. */
export function kernelName(caps: Pick<Capabilities, 'kernelRelease' | 'guest'>): string {
  return `${caps.guest ? "the guest's kernel" : 'kernel'} ${caps.kernelRelease}`;
}

/** A feature from the table that the running kernel is too old for, or undefined. */
export function featureTooNew(name: string, caps: Pick<Capabilities, 'kernelRelease' | 'kernelVersion' | 'guest'>): Unmet | undefined {
  const f = featureByName(name);
  if (!f || versionAtLeast(caps.kernelVersion, f.since)) return undefined;
  return {
    need: name,
    reason: `needs ${f.name} (${f.what}), which arrived in Linux ${f.since}; ${kernelName(caps)} is ${caps.kernelVersion}`,
  };
}

async function checkDeclared(req: string, caps: Capabilities): Promise<Unmet | undefined> {
  if (req.startsWith('sysctl:')) {
    const name = req.slice('sysctl:'.length);
    return (await sysctlExists(name)) ? undefined : { need: req, reason: `sysctl ${name} does not exist on kernel ${caps.kernelRelease}` };
  }
  const version = /^kernel>=([0-9.]+)$/.exec(req)?.[1];
  if (version)
    return versionAtLeast(caps.kernelVersion, version)
      ? undefined
      : { need: req, reason: `needs Linux ${version} or later; ${kernelName(caps)} is ${caps.kernelVersion}` };
  if (req === 'netem')
    return caps.netem
      ? undefined
      : { need: req, reason: `sch_netem is not available on kernel ${caps.kernelRelease} (CONFIG_NET_SCH_NETEM)` };
  if (req === 'ipv6') return caps.ipv6 ? undefined : { need: req, reason: 'IPv6 is disabled on this kernel' };
  if (req === 'tcpdump') return caps.tcpdump ? undefined : { need: req, reason: 'tcpdump is not installed (apt-get install tcpdump)' };
  if (req === 'nft')
    return caps.nftNetdev
      ? undefined
      : { need: req, reason: 'nft netdev ingress chains are not available (apt-get install nftables; CONFIG_NF_TABLES_NETDEV)' };
  // The version says no before a probe can say yes (a backport is not assumed).
  const tooNew = featureTooNew(req, caps);
  if (tooNew) return tooNew;
  if (req === 'userspace-pm' && !caps.pathManagers.includes('userspace'))
    return {
      need: req,
      reason: `the userspace path manager is not available on ${kernelName(caps)} (net.mptcp.pm_type / available_path_managers)`,
    };
  if (featureByName(req)) return undefined;
  return { need: req, reason: `unknown requirement "${req}"` };
}

/** Needs implied by the lab itself: netem-only impairments, loss without netem, sysctls. */
async function implied(lab: Lab, caps: Capabilities): Promise<Unmet[]> {
  const out: Unmet[] = [];
  const impairments = [
    ...lab.hosts.flatMap((h) => h.interfaces.map((i) => i.egress)),
    ...lab.events.flatMap((e) => (e.action === 'impair' ? [e.impairment] : [])),
  ];
  const netem = [...new Set(impairments.flatMap(netemNeeds))];
  if (netem.length && !caps.netem)
    out.push({
      need: 'netem',
      reason: `${netem.join(', ')} ${netem.length > 1 ? 'need' : 'needs'} sch_netem, which kernel ${caps.kernelRelease} does not have (CONFIG_NET_SCH_NETEM)`,
    });
  if (impairments.some((i) => i.rateBps) && !caps.tbf && !caps.netem)
    out.push({ need: 'tbf', reason: `rate needs sch_tbf, which kernel ${caps.kernelRelease} does not have` });
  if (impairments.some((i) => i.lossPct) && !caps.netem && (!caps.nftNetdev || !caps.ethtool)) {
    out.push({
      need: 'loss',
      reason: 'loss without sch_netem needs nft netdev ingress chains and ethtool (apt-get install nftables ethtool)',
    });
  }
  for (const h of lab.hosts) {
    for (const name of Object.keys(h.sysctls)) {
      if (!(await sysctlExists(name)))
        out.push({ need: `sysctl:${name}`, reason: `sysctl ${name} does not exist on kernel ${caps.kernelRelease}` });
    }
  }
  return out;
}

export async function unmetRequirements(lab: Lab, caps: Capabilities): Promise<Unmet[]> {
  const declared = (await Promise.all(lab.requires.map((r) => checkDeclared(r, caps)))).filter((u): u is Unmet => u !== undefined);
  const fromLab = await implied(lab, caps);
  // The implied reason names what the lab uses (delay, loss...): it wins over the bare declaration.
  return [...declared.filter((d) => !fromLab.some((i) => i.need === d.need)), ...fromLab];
}
