// `mptcp-lab validate [FILE...]`: loads lab files (default: the catalogue);
// a bad one is a LabError, which the CLI prints with exit status 2.
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { loadCatalogue } from '../lab/catalogue.js';
import { loadLabFile } from '../lab/load.js';

async function validate(files: string[]): Promise<number> {
  const labs = files.length ? await Promise.all(files.map((f) => loadLabFile(f))) : await loadCatalogue();
  for (const l of labs) process.stdout.write(`ok ${l.file} (${l.name})\n`);
  return EXIT.ok;
}

export function validateSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('validate')
    .description('check lab files (default: the catalogue)')
    .argument('[files...]')
    .action(async (files: string[]) => setExit(await validate(files)));
}
