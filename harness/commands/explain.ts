// `mptcp-lab explain RESULTS/labs/LAB[.rN]`: a failing lab's wrong ranges tied
// to the wire, from the pcaps of --capture (harness/integrity/explain-lab.ts).
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { explanationLines } from '../integrity/explain.js';
import { explainLabRun } from '../integrity/explain-lab.js';

interface ExplainFlags {
  range: string[];
  json?: boolean;
}

export function explainSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('explain')
    .description(
      "tie a failing lab's wrong byte ranges to the wire: sender or receiver at fault, the subflow and mapping, the DATA_ACKs (needs --capture)",
    )
    .argument(
      '<lab-dir>',
      "the lab run folder in a results folder: RESULTS/labs/LAB (or LAB.rN with --repeat; a booted kernel's: RESULTS/kernels/KERNEL/labs/LAB)",
    )
    .option(
      '--range <CONN:DIR:OFFSET:LEN[:FROM]>',
      'a wrong range to explain when results.json locates none (DIR upload or download; FROM: the wrong bytes are the stream bytes from there); repeatable',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--json', 'machine-readable')
    .action((dir: string, o: ExplainFlags) => {
      const explanations = explainLabRun(dir, o.range);
      if (o.json) process.stdout.write(JSON.stringify(explanations, null, 2) + '\n');
      else process.stdout.write(explanations.flatMap((e) => explanationLines(e)).join('\n') + '\n');
      setExit(EXIT.ok);
    });
}
