// `mptcp-lab show LAB`: hosts, links, addresses and impairments of a lab.
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { selectLabs } from '../lab/catalogue.js';
import { formatLab } from '../lab/show.js';

export function showSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('show')
    .description('hosts, links, addresses and impairments of a lab')
    .argument('<lab>')
    .action(async (name: string) => {
      const [lab] = await selectLabs([name], {});
      process.stdout.write(formatLab(lab!));
      setExit(EXIT.ok);
    });
}
