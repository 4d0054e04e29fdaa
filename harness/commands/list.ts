// `mptcp-lab list [--json]`: the catalogue.
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { loadCatalogue } from '../lab/catalogue.js';

export function listSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('list')
    .description('list the catalogue')
    .option('--json', 'machine-readable')
    .action(async (o: { json?: boolean }) => {
      const labs = await loadCatalogue();
      if (o.json)
        process.stdout.write(
          JSON.stringify(
            labs.map((l) => ({
              name: l.name,
              group: l.group,
              tags: l.tags,
              description: l.description,
              file: l.file,
              requires: l.requires,
            })),
            null,
            2,
          ) + '\n',
        );
      const width = Math.max(...labs.map((l) => l.name.length));
      if (!o.json) for (const l of labs) process.stdout.write(`${l.group.padEnd(11)} ${l.name.padEnd(width)}  ${l.description}\n`);
      setExit(EXIT.ok);
    });
}
