// npm run bench: per-lab set-up + teardown overhead on the host kernel
// (namespaces, links, qdiscs, nft, endpoints; the aim is under 150 ms), and
// the wall time of the whole catalogue with --jobs 1 and --jobs 2.
// Needs root. Prints a table; numbers go to the README by hand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLab, teardownLab } from '../../harness/targets/netns/build.js';
import { probeCapabilities } from '../../harness/capabilities.js';
import { cleanupAll, installSignalHandlers } from '../../harness/cleanup.js';
import { loadCatalogue, selectLabs } from '../../harness/lab/catalogue.js';
import { runLabOnEngine } from '../../harness/targets/sim/run-lab.js';
import { fetchKernel } from '../../kernels/fetch.js';
import { parseKernelSpec } from '../../kernels/spec.js';
import { buildVmInitramfs, runInVm } from '../../kernels/vm/qemu.js';
import type { Lab } from '../../harness/lab/model.js';
import { unmetRequirements } from '../../harness/requirements.js';

const CLI = fileURLToPath(new URL('../../harness/cli.js', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

function stats(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? 0, median: s[Math.floor(s.length / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
}

async function setupOverhead(labs: Lab[]): Promise<void> {
  const caps = await probeCapabilities();
  process.stdout.write(`\nSet-up + teardown per lab (netns backend, ${ROUNDS} rounds, median [min..max])\n`);
  process.stdout.write(
    `${'lab'.padEnd(34)} ${'hosts'.padStart(5)} ${'links'.padStart(5)} ${'setup'.padStart(10)} ${'teardown'.padStart(10)} ${'total'.padStart(22)}\n`,
  );
  const totals: number[] = [];
  for (const lab of labs) {
    const unmet = await unmetRequirements(lab, caps);
    if (unmet.length) {
      process.stdout.write(`${lab.name.padEnd(34)} skipped: ${unmet.map((u) => u.reason).join('; ')}\n`);
      continue;
    }
    const setup: number[] = [];
    const down: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      const t0 = performance.now();
      const built = await buildLab(lab, caps);
      const t1 = performance.now();
      await teardownLab(built);
      const t2 = performance.now();
      setup.push(t1 - t0);
      down.push(t2 - t1);
      total.push(t2 - t0);
    }
    const t = stats(total);
    totals.push(t.median);
    process.stdout.write(
      `${lab.name.padEnd(34)} ${String(lab.hosts.length).padStart(5)} ${String(lab.links.length).padStart(5)} ${fmt(stats(setup).median).padStart(10)} ${fmt(stats(down).median).padStart(10)} ${`${fmt(t.median)} [${fmt(t.min)}..${fmt(t.max)}]`.padStart(22)}\n`,
    );
  }
  const all = stats(totals);
  process.stdout.write(`per-lab overhead over the catalogue: median ${fmt(all.median)}, worst lab ${fmt(all.max)} (aim: under 150 ms)\n`);
}

function catalogueWallTime(jobs: number, kernel = 'host'): number {
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-bench-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, 'run', '--kernel', kernel, '--jobs', String(jobs), '--seed', '1', '--results', dir], {
      encoding: 'utf8',
    });
    const ms = performance.now() - t0;
    const summary = r.stderr.split('\n').find((l) => l.includes(' passed, ')) ?? `exit ${r.status}`;
    process.stdout.write(
      `catalogue --kernel ${kernel} --jobs ${jobs}: ${fmt(ms)} (${summary.replace(/^mptcp-lab: /, '').replace(/; results in .*/, '')})\n`,
    );
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The engine in the simulator: a 2-path transfer (bandwidth-aggregation: 2 x 10 Mbit/s, 4 MB). */
async function engineSpeed(): Promise<void> {
  const [lab] = await selectLabs(['bandwidth-aggregation'], {});
  const rounds = Math.max(3, Math.floor(ROUNDS / 2));
  const walls: number[] = [];
  let simMs = 0;
  let segments = 0;
  let rss = 0;
  for (let i = 0; i < rounds; i += 1) {
    const t0 = performance.now();
    const r = runLabOnEngine(lab!, { seed: i + 1 });
    walls.push(performance.now() - t0);
    const o = r.observations!;
    simMs = o.workloadMs;
    segments = Object.values(o.counters).reduce((n, c) => n + (c.TcpInSegs ?? 0), 0);
    rss = Math.max(rss, process.memoryUsage().rss);
  }
  const wall = stats(walls).median;
  process.stdout.write(`\nEngine in the simulator: ${lab!.name} (2 paths, ${lab!.workload.sizeBytes} bytes), ${rounds} runs\n`);
  process.stdout.write(`simulated ${fmt(simMs)} in ${fmt(wall)} wall (median): ${(simMs / wall).toFixed(1)} simulated s per wall s\n`);
  process.stdout.write(
    `segments processed: ${segments} per run, ${Math.round((segments / wall) * 1000)} per wall second; peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB\n`,
  );
}

/** Boot to first result under qemu TCG, per Debian kernel (the guest runs `uname -r`): the decompressed vmlinux mptcp-lab boots, and the bzImage for reference. */
async function vmBoot(): Promise<void> {
  const boots = 5;
  process.stdout.write(`\nBoot to first result under qemu TCG (uname -r in the guest, ${boots} boots each)\n`);
  for (const spec of ['debian:6.12', 'debian:6.1']) {
    const k = await fetchKernel(parseKernelSpec(spec)).catch((e: unknown) => e as Error);
    if (k instanceof Error) {
      process.stdout.write(`${spec}: skipped (${k.message})\n`);
      continue;
    }
    const initramfs = await buildVmInitramfs({ release: k.release, modules: k.modulesDir });
    for (const compressed of [false, true]) {
      const first: number[] = [];
      for (let i = 0; i < boots; i += 1) {
        const r = await runInVm({
          kernel: k.kernel,
          release: k.release,
          modules: k.modulesDir,
          command: ['uname', '-r'],
          initramfs,
          compressed,
          timeoutMs: 120_000,
        });
        // bootMs: from starting qemu until the command runs in the guest (its answer follows at once).
        if (r.exitCode === 0 && r.stdout.trim() === k.release && r.bootMs !== undefined) first.push(r.bootMs);
        else process.stdout.write(`${spec}: boot ${i} failed (${r.stderr.trim() || r.console.split('\n').slice(-3).join(' | ')})\n`);
      }
      const how = compressed ? 'bzImage as shipped' : 'vmlinux (PVH)';
      process.stdout.write(
        `${spec} (${k.release}) ${how}: ${fmt(stats(first).median)} median [${fmt(stats(first).min)}..${fmt(stats(first).max)}]${compressed ? '' : ' (aim: under 5 s)'}\n`,
      );
    }
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: needs root (lab namespaces)\n');
    process.exitCode = 2;
    return;
  }
  installSignalHandlers();
  const labs = await loadCatalogue();
  await setupOverhead(labs);
  await engineSpeed();
  if (!process.env.BENCH_SKIP_VM) await vmBoot();
  if (process.env.BENCH_SKIP_CATALOGUE) return;
  process.stdout.write('\nWhole catalogue wall time (seed 1)\n');
  const one = catalogueWallTime(1);
  const two = catalogueWallTime(2);
  process.stdout.write(`speed-up with --jobs 2: ${(one / two).toFixed(2)}x\n`);
  if (process.env.BENCH_SKIP_VM) return;
  // The same catalogue in a debian:6.12 guest under TCG (one boot for the batch), against the host at --jobs 1.
  const vm = catalogueWallTime(1, 'debian:6.12');
  process.stdout.write(`debian:6.12 VM / host: ${(vm / one).toFixed(2)}x\n`);
}

try {
  await main();
} finally {
  await cleanupAll();
}
