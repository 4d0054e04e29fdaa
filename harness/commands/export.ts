// `mptcp-lab export LAB --sh [--out FILE] [--mptcp-connect PATH]`: a shell
// script that reproduces one lab without Node (harness/export/script.ts).
import { chmod, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { probeCapabilities } from '../capabilities.js';
import { EXIT, UsageError } from '../exit.js';
import { exportScript, unsupportedFeatures } from '../export/script.js';
import { selectLabs } from '../lab/catalogue.js';
import type { Lab } from '../lab/model.js';
import { newSeed } from '../seed.js';
import { labHasLoss } from '../targets/netns/setup-plan.js';
import { VERSION } from '../version.js';
import { int } from './run.js';

interface ExportFlags {
  sh?: boolean;
  out?: string;
  mptcpConnect?: string;
  seed?: number;
  netem?: 'yes' | 'no';
}

/** Whether loss is made by netem: as asked, else as this machine's kernel would (only asked when the lab has loss). */
async function netem(lab: Lab, flag: ExportFlags['netem']): Promise<boolean> {
  if (flag) return flag === 'yes';
  return labHasLoss(lab) ? (await probeCapabilities()).netem : false;
}

async function exportLab(name: string, flags: ExportFlags): Promise<number> {
  if (!flags.sh) throw new UsageError('export: say which format: --sh (the only one so far)');
  const labs = await selectLabs([name], {});
  if (labs.length !== 1) throw new UsageError(`export: "${name}" names ${labs.length} labs; export one lab at a time`);
  const lab = labs[0]!;
  const refused = unsupportedFeatures(lab, flags);
  if (refused.length) throw new UsageError(`export: lab ${lab.name} cannot be exported as a shell script: ${refused.join('; ')}`);
  const seed = flags.seed ?? newSeed();
  const script = exportScript(lab, {
    seed,
    caps: { netem: await netem(lab, flags.netem), tbf: true },
    ...(flags.mptcpConnect !== undefined ? { mptcpConnect: flags.mptcpConnect } : {}),
    version: VERSION,
  });
  if (flags.out === undefined || flags.out === '-') {
    process.stdout.write(script);
  } else {
    await writeFile(flags.out, script);
    await chmod(flags.out, 0o755);
    process.stderr.write(`mptcp-lab export: wrote ${flags.out} (lab ${lab.name}, seed ${seed}); run it as root: bash ${flags.out}\n`);
  }
  return EXIT.ok;
}

export function exportSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('export')
    .description('write a lab as a self-contained shell script that reproduces it without Node (namespaces, links, workload, check)')
    .argument('<lab>', 'a catalogue name or a lab file')
    .option('--sh', 'a bash script (Python 3 for the workload, or mptcp_connect)')
    .option('--out <file>', 'write the script here (default: stdout)')
    .option('--mptcp-connect <path>', "use the kernel selftests' mptcp_connect binary at this path for the workload instead of Python")
    .option('--seed <n>', 'run seed: the payload and port are those of `mptcp-lab run --seed n` (default: a new one)', int('--seed', 0))
    .addOption(
      new Option('--netem <yes|no>', 'whether the target kernel has sch_netem, which makes loss (default: as this kernel)').choices([
        'yes',
        'no',
      ]),
    )
    .action(async (name: string, flags: ExportFlags) => setExit(await exportLab(name, flags)));
}
