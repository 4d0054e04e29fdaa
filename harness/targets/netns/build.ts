// The netns backend: realizes a normalized Lab on the running kernel as one
// network namespace per host, veth pairs for links, qdiscs and nft tables for
// impairments, sysctls and the MPTCP path manager, all inside the lab's own
// namespaces. Nothing touches the initial namespace.
// Few processes: one `ip -batch` makes the namespaces and links, then per host
// one `ip -n NS -batch` (addresses, routes, rules, path manager), one `tc -batch`
// and one `nft -f` when impaired, all at once under one `sh` (lib/concurrent.ts);
// sysctls are written from this thread entered into the namespace. Teardown
// queues the deletion (cleanup.ts).
import { writeFileSync } from 'node:fs';
import { keepShellsWarm, runConcurrently } from '../../../lib/concurrent.js';
import { run } from '../../../lib/exec.js';
import { NS_PREFIX, queueNamespaceDeletion, registerNamespace } from '../../cleanup.js';
import { forgetNamespaceHandle, inNamespace } from './enter.js';
import type { Capabilities } from '../../capabilities.js';
import type { Impairment, Lab } from '../../lab/model.js';
import { copyForEvents, linkEnds, planImpairmentChange, planSetup, sysctlPath } from './setup-plan.js';

export { linkEnds, sysctlPath };

let slotCounter = 0;

export interface BuiltLab {
  lab: Lab;
  /** Namespace of each host. */
  ns: Record<string, string>;
  caps: Capabilities;
  /** Set-up time in ms, for the benchmark. */
  setupMs: number;
  /** Where the set-up time went, for the lab's log: "namespaces+links 12.3 ms, ...". */
  setupSteps: string;
}

export function namespaceNames(lab: Lab): Record<string, string> {
  slotCounter += 1;
  const slot = `${process.pid}-${slotCounter}`;
  return Object.fromEntries(lab.hosts.map((h) => [h.name, `${NS_PREFIX}${slot}-${h.name}`]));
}

/** Written with the thread inside the namespace: /proc/sys/net there is the lab's own. */
function setSysctls(ns: string, sysctls: Record<string, string>): void {
  inNamespace(ns, () => {
    for (const [key, value] of Object.entries(sysctls)) {
      try {
        writeFileSync(sysctlPath(key), value);
      } catch (e) {
        throw new Error(`sysctl ${key}=${value} in ${ns}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  });
}

export async function buildLab(input: Lab, caps: Capabilities): Promise<BuiltLab> {
  // Events change impairments on the built copy; the lab itself stays as loaded.
  const lab = copyForEvents(input);
  const started = performance.now();
  const ns = namespaceNames(lab);
  const built: BuiltLab = { lab, ns, caps, setupMs: 0, setupSteps: '' };
  const steps: string[] = [];
  let stepStart = started;
  const step = (name: string): void => {
    const now = performance.now();
    steps.push(`${name} ${(now - stepStart).toFixed(1)} ms`);
    stepStart = now;
  };
  try {
    for (const name of Object.values(ns)) registerNamespace(name);
    const plan = planSetup(lab, ns, caps);
    // A host's ip lines, IPv6 rules and impairments touch different objects of links that exist
    // already (RTNL orders them in the kernel): once the namespaces and links are made and the
    // sysctls written, every host's commands run at once, all through one shell.
    await runConcurrently(plan.hosts, {
      command: { argv: ['ip', '-batch', '-'], input: plan.make.join('\n') + '\n' },
      then: () => {
        step('namespaces+links');
        for (const h of lab.hosts) setSysctls(ns[h.name]!, plan.sysctls[h.name]!);
        step('sysctls');
      },
    });
  } catch (e) {
    await teardownLab(built);
    throw e;
  }
  step('hosts');
  built.setupMs = performance.now() - started;
  built.setupSteps = steps.join(', ');
  return built;
}

/** Returns at once: the namespaces are deleted in the background (cleanupAll waits for them at exit). */
export function teardownLab(built: BuiltLab): Promise<void> {
  const names = Object.values(built.ns);
  for (const n of names) forgetNamespaceHandle(n);
  queueNamespaceDeletion(names);
  // The next lab's set-up shell starts now, after this lab's verdict, not on that lab's path.
  keepShellsWarm();
  return Promise.resolve();
}

export async function setLinkState(built: BuiltLab, link: string, up: boolean): Promise<void> {
  // ip -n, not ip netns exec: no mount namespace to set up, so the link changes sooner after the event is due.
  await Promise.all(
    linkEnds(built.lab, link).map((end) => run(['ip', '-n', built.ns[end.host]!, 'link', 'set', end.ifname, up ? 'up' : 'down'])),
  );
}

/** Change the impairment of a link (both senders, or only `from`), as a timed event does. */
export async function changeImpairment(built: BuiltLab, link: string, from: string | undefined, change: Impairment): Promise<void> {
  for (const c of planImpairmentChange(built.lab, built.ns, built.caps, link, from, change)) {
    await run(c.argv, { ...(c.netns ? { netns: c.netns } : {}), ...(c.input !== undefined ? { input: c.input } : {}), reject: !c.mayFail });
  }
}
