// `mptcp-lab clean [--all]`: namespaces, qemu guests and containers that
// crashed runs left behind, only mptcp-lab's own, never a live run's qemu or
// container.
import type { Command } from 'commander';
import { alive } from '../../lib/pids.js';
import { cleanOrphanContainers } from '../docker/clean-containers.js';
import { deleteNamespace, leftoverNamespaces, NS_PREFIX } from '../cleanup.js';
import { EXIT } from '../exit.js';
import { cleanOrphanQemus } from '../targets/vm/clean-qemu.js';

async function clean(all: boolean): Promise<number> {
  const names = await leftoverNamespaces();
  const stale = names.filter((n) => {
    const pid = Number(/^mptcplab-(\d+)-/.exec(n)?.[1]);
    if (all) return true;
    // Only namespaces of runs that are gone; a live run still owns its own.
    return Number.isInteger(pid) && pid > 0 && !alive(pid);
  });
  for (const n of stale) {
    await deleteNamespace(n);
    process.stderr.write(`removed namespace ${n}\n`);
  }
  process.stderr.write(
    `mptcp-lab clean: ${stale.length} namespace(s) removed${names.length > stale.length ? `; ${names.length - stale.length} kept (a live run or a test owns them; --all removes every ${NS_PREFIX}*)` : ''}\n`,
  );
  // qemu only by its run's liveness, even with --all: a live run's guest is never ours to end.
  const qemus = await cleanOrphanQemus();
  for (const q of qemus.ended) {
    process.stderr.write(`ended qemu ${q.pid} (${q.why}; ${q.signal}${q.workDir ? `; removed ${q.workDir}` : ''})\n`);
  }
  process.stderr.write(
    `mptcp-lab clean: ${qemus.ended.length} orphaned qemu(s) ended${qemus.kept.length ? `; ${qemus.kept.length} kept (their run is alive: ${qemus.kept.map((q) => `qemu ${q.pid} of run ${q.runPid}`).join(', ')})` : ''}\n`,
  );
  // Containers of `run --docker` by their run's liveness, like qemu.
  const containers = await cleanOrphanContainers();
  for (const c of containers.removed) process.stderr.write(`removed container ${c.id} (${c.why})\n`);
  process.stderr.write(
    containers.skipped
      ? `mptcp-lab clean: containers not checked (${containers.skipped})\n`
      : `mptcp-lab clean: ${containers.removed.length} orphaned container(s) removed${containers.kept ? `; ${containers.kept} kept (their run is alive)` : ''}\n`,
  );
  return EXIT.ok;
}

export function cleanSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('clean')
    .description('remove namespaces, end qemu guests and remove containers left by crashed runs (only mptcp-lab ones)')
    .option('--all', `remove every ${NS_PREFIX}* namespace, even of live runs (a live run's qemu is still kept)`)
    .action(async (o: { all?: boolean }) => setExit(await clean(Boolean(o.all))));
}
