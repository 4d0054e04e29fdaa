// Capability, not assumption: what a lab needs (declared, or derived from the
// lab by harness/lab-needs.ts) against what the machine has (probed once per
// run by harness/capabilities.ts). Unmet needs become a SKIP with the exact
// reason: the program and its package, the kernel option, or the privilege.
import type { Capabilities } from './capabilities.js';
import { sysctlExists } from './capabilities.js';
import { featureByName, versionAtLeast } from '../kernels/features.js';
import type { Lab } from './lab/model.js';
import { declaredNeeds, labNeeds, needKey, type Need, type Operation } from './lab-needs.js';
import { programWithPackage } from './tools/programs.js';

export interface Unmet {
  need: string;
  reason: string;
}

/** Declared requirements that are not a kernel feature name, a sysctl, a version or a program of harness/tools/programs.ts. */
export const KNOWN_REQUIREMENTS = ['netem', 'ipv6', 'nft'] as const;

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
  if (req === 'ipv6') return caps.ipv6 ? undefined : { need: req, reason: 'IPv6 is disabled on this kernel' };
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

function uses(what: readonly string[]): string {
  return what.length ? ` for ${what.join(', ')}` : '';
}

const OPERATIONS: Record<Operation, string> = {
  'nft-netdev': 'nft netdev ingress chains are',
  'nft-payload-rewrite': 'nft payload rewriting is',
  'offloads-off': 'turning segmentation offloads off (ethtool -K) is',
};

/** Why an operation the probe saw refused is missing; in a user namespace, running as root is the way. */
function operationReason(op: Operation, what: readonly string[], caps: Capabilities): string {
  // A rewrite is what it is for: no need to say so.
  const uses = op === 'nft-payload-rewrite' ? [] : what.map((w) => `for ${w}`);
  const paren = (items: string[]) => (items.length ? ` (${items.join('; ')})` : '');
  if (caps.userNamespace) return `run as root: ${OPERATIONS[op]} not permitted in a user namespace${paren(uses)}`;
  const config = op === 'offloads-off' ? [] : ['CONFIG_NF_TABLES_NETDEV'];
  return `${OPERATIONS[op]} refused by ${kernelName(caps)}${paren([...uses, ...config])}`;
}

/** One need against what the machine has. A qdisc or operation whose program is missing is left to the program's reason. */
export function checkNeed(n: Need, caps: Capabilities): Unmet | undefined {
  switch (n.kind) {
    case 'program':
      return caps.programs[n.program] ? undefined : { need: n.program, reason: `needs ${programWithPackage(n.program)}${uses(n.for)}` };
    case 'qdisc': {
      if (!caps.programs.tc || (n.qdisc === 'netem' ? caps.netem : caps.tbf)) return undefined;
      const config = n.qdisc === 'netem' ? 'CONFIG_NET_SCH_NETEM' : 'CONFIG_NET_SCH_TBF';
      const what = n.for.length ? `${n.for.join(', ')} ${n.for.length > 1 ? 'need' : 'needs'} ` : 'needs ';
      return { need: n.qdisc, reason: `${what}sch_${n.qdisc}, which ${kernelName(caps)} does not have (${config})` };
    }
    case 'operation': {
      const program = n.operation === 'offloads-off' ? 'ethtool' : 'nft';
      const ok = { 'nft-netdev': caps.nftNetdev, 'nft-payload-rewrite': caps.nftPayloadRewrite, 'offloads-off': caps.offloadsOff }[
        n.operation
      ];
      return ok || !caps.programs[program] ? undefined : { need: n.operation, reason: operationReason(n.operation, n.for, caps) };
    }
    case 'namespaces':
      if (!caps.programs.ip) return undefined;
      if (!caps.labNetwork)
        return {
          need: 'namespaces',
          reason: `cannot make a network namespace with a veth pair here: ${caps.labNetworkError ?? 'unknown error'}`,
        };
      if (caps.maxNetNamespaces !== undefined && n.count > caps.maxNetNamespaces)
        return {
          need: 'namespaces',
          reason: `needs ${n.count} network namespaces; user.max_net_namespaces is ${caps.maxNetNamespaces}${caps.userNamespace ? ' in this user namespace: run as root' : ''}`,
        };
      return undefined;
  }
}

async function sysctlsUnmet(lab: Lab, caps: Capabilities): Promise<Unmet[]> {
  const out: Unmet[] = [];
  for (const h of lab.hosts) {
    for (const name of Object.keys(h.sysctls)) {
      if (!(await sysctlExists(name)))
        out.push({ need: `sysctl:${name}`, reason: `sysctl ${name} does not exist on kernel ${caps.kernelRelease}` });
    }
  }
  return out;
}

/** Needs from the lab itself first (they say what they are for), then those only `requires:` names, each once. */
function allNeeds(lab: Lab, caps: Capabilities): { needs: Need[]; otherDeclared: string[] } {
  const needs = labNeeds(lab, caps);
  const otherDeclared: string[] = [];
  for (const req of lab.requires) {
    const declared = declaredNeeds(req);
    if (!declared) otherDeclared.push(req);
    for (const d of declared ?? []) if (!needs.some((n) => needKey(n) === needKey(d))) needs.push(d);
  }
  return { needs, otherDeclared };
}

export async function unmetRequirements(lab: Lab, caps: Capabilities): Promise<Unmet[]> {
  const { needs, otherDeclared } = allNeeds(lab, caps);
  const fromNeeds = needs.map((n) => checkNeed(n, caps)).filter((u): u is Unmet => u !== undefined);
  const declared = (await Promise.all(otherDeclared.map((r) => checkDeclared(r, caps)))).filter((u): u is Unmet => u !== undefined);
  return [...fromNeeds, ...declared, ...(await sysctlsUnmet(lab, caps))];
}
