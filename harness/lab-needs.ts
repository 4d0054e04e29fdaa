// What a lab needs of the machine, derived from the lab itself (its links'
// impairments, its events, its hosts) by the same rules the netns target
// builds it with (harness/targets/netns/build.ts, events.ts, workload.ts), so
// an author lists nothing: loss without sch_netem → nft and ethtool, a payload
// rewrite → nft allowed to write payloads, link up/down events → stdbuf, and so on.
// `requires:` names more (harness/requirements.ts checks both).
import type { Impairment, Lab } from './lab/model.js';
import { netemNeeds } from './lab/model.js';
import { isProgramName, type ProgramName } from './tools/programs.js';
import { compileQdiscs, lossByNft, type QdiscCaps } from './tools/tc.js';

/** A permission or kernel operation, probed by harness/capabilities.ts. */
export type Operation = 'nft-netdev' | 'nft-payload-rewrite' | 'offloads-off';

export type Need =
  | { kind: 'program'; program: ProgramName; for: string[] }
  | { kind: 'qdisc'; qdisc: 'netem' | 'tbf'; for: string[] }
  | { kind: 'operation'; operation: Operation; for: string[] }
  | { kind: 'namespaces'; count: number };

/** Collects needs, one per program, qdisc or operation, with everything it is for. */
class Needs {
  private readonly byKey = new Map<string, Need>();

  add(need: Need): void {
    const key = needKey(need);
    const had = this.byKey.get(key);
    if (!had) this.byKey.set(key, need);
    else if (had.kind !== 'namespaces' && need.kind !== 'namespaces') for (const f of need.for) if (!had.for.includes(f)) had.for.push(f);
  }
  program(program: ProgramName, use: string): void {
    this.add({ kind: 'program', program, for: [use] });
  }
  qdisc(qdisc: 'netem' | 'tbf', uses: string[]): void {
    this.add({ kind: 'qdisc', qdisc, for: uses });
  }
  operation(operation: Operation, use: string): void {
    this.add({ kind: 'operation', operation, for: [use] });
  }
  list(): Need[] {
    return [...this.byKey.values()];
  }
}

export function needKey(n: Need): string {
  switch (n.kind) {
    case 'program':
      return `program:${n.program}`;
    case 'qdisc':
      return `qdisc:${n.qdisc}`;
    case 'operation':
      return `operation:${n.operation}`;
    case 'namespaces':
      return 'namespaces';
  }
}

/** What the qdiscs of one impairment need (harness/tools/tc.ts compiles them). */
function qdiscNeeds(needs: Needs, i: Impairment, caps: QdiscCaps): void {
  const cmds = compileQdiscs('dev', i, caps);
  if (!cmds.length) return;
  const netemUses = [...netemNeeds(i), ...(caps.netem && i.lossPct ? ['loss'] : [])];
  if (netemUses.length) {
    needs.program('tc', netemUses.join(', '));
    needs.qdisc('netem', netemUses);
  }
  if (i.rateBps) {
    needs.program('tc', 'rate');
    needs.qdisc('tbf', ['rate']);
  }
}

/** A link's impairment from the start: offloads off where packets are dropped or rewritten, nft on the receiver. */
function linkNeeds(needs: Needs, i: Impairment, caps: QdiscCaps): void {
  qdiscNeeds(needs, i, caps);
  if (i.lossPct) lossOffloads(needs);
  if (lossByNft(i, caps)) {
    needs.program('nft', 'loss without sch_netem');
    needs.operation('nft-netdev', 'loss without sch_netem');
  }
  if (i.rewrite) rewriteNeeds(needs);
}

/** A veth hands its peer whole GSO super-packets: where packets are dropped, offloads go off (build.ts). */
function lossOffloads(needs: Needs): void {
  needs.program('ethtool', 'loss');
  needs.operation('offloads-off', 'loss');
}

function rewriteNeeds(needs: Needs): void {
  needs.program('ethtool', 'payload rewrite');
  needs.operation('offloads-off', 'payload rewrite');
  needs.program('nft', 'payload rewrite');
  needs.operation('nft-payload-rewrite', 'payload rewrite');
}

/** An `impair` event: build.ts's changeImpairment sets any loss (even 0) and rewrite anew. */
function impairEventNeeds(needs: Needs, change: Impairment, caps: QdiscCaps): void {
  qdiscNeeds(needs, change, caps);
  if (change.lossPct !== undefined) {
    lossOffloads(needs);
    if (!caps.netem) {
      needs.program('nft', 'loss without sch_netem');
      needs.operation('nft-netdev', 'loss without sch_netem');
    }
  }
  if (change.rewrite !== undefined) rewriteNeeds(needs);
}

/** Programs a shell step's command line starts with, among those the table knows (`ss -M`, `a && ping -c1 x`). */
export function shellPrograms(command: string): ProgramName[] {
  const found = new Set<ProgramName>();
  for (const part of command.split(/&&|\|\||[;|()\n`]|\$\(/)) {
    // Leading VAR=value assignments and `exec`/`sudo`-like words are not the program.
    const words = part
      .trim()
      .split(/\s+/)
      .filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
    const first = words[0] === 'exec' || words[0] === 'command' ? words[1] : words[0];
    if (first && isProgramName(first)) found.add(first);
  }
  return [...found];
}

/**
 * Everything a lab needs to run on the host's kernel through namespaces.
 * `caps` says which qdiscs exist: without sch_netem, loss goes to nft.
 */
export function labNeeds(lab: Lab, caps: QdiscCaps): Need[] {
  const needs = new Needs();
  needs.program('ip', 'namespaces and links');
  needs.add({ kind: 'namespaces', count: lab.hosts.length });
  const egress = lab.hosts.flatMap((h) => h.interfaces.map((i) => i.egress));
  for (const i of egress) linkNeeds(needs, i, caps);
  for (const e of lab.events) {
    if (e.action === 'impair') impairEventNeeds(needs, e.impairment, caps);
    else if (e.action === 'shell') {
      needs.program('sh', 'shell steps');
      if (typeof e.command === 'string') for (const p of shellPrograms(e.command)) needs.program(p, 'shell steps');
    } else if (e.action === 'link-down' || e.action === 'link-up') needs.program('stdbuf', `${e.action} events`);
    // Endpoint events go over a PM netlink socket (harness/netlink/mptcp-pm.ts): no program.
  }
  return needs.list();
}

/** What a `requires:` entry that names a program or a qdisc needs; undefined for the others (features, sysctls, versions). */
export function declaredNeeds(req: string): Need[] | undefined {
  if (req === 'netem')
    return [
      { kind: 'program', program: 'tc', for: ['netem'] },
      { kind: 'qdisc', qdisc: 'netem', for: [] },
    ];
  if (req === 'nft')
    return [
      { kind: 'program', program: 'nft', for: [] },
      { kind: 'operation', operation: 'nft-netdev', for: [] },
    ];
  if (isProgramName(req)) return [{ kind: 'program', program: req, for: [] }];
  return undefined;
}
