// `mptcp-lab image`: the mptcp-lab images the Docker daemon has; `mptcp-lab
// image build [--tag T] [--base IMAGE]` builds docker/Dockerfile through the
// daemon (harness/docker/image.ts). Docker's failures are one line, exit 3.
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { buildImage, listImages, type ImageRow } from '../docker/image.js';
import { DEFAULT_BASE, DEFAULT_IMAGE, HUB_BASE } from '../docker/names.js';
import { VERSION } from '../version.js';

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

export function formatImages(rows: readonly ImageRow[]): string {
  if (!rows.length) return `no mptcp-lab image; build one with \`mptcp-lab image build\` (tag ${DEFAULT_IMAGE})\n`;
  const table = [
    ['TAG', 'ID', 'CREATED', 'SIZE', 'MPTCP-LAB'],
    ...rows.map((r) => [r.tags.join(',') || '<none>', r.id, r.created, megabytes(r.sizeBytes), r.version]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return (
    table
      .map((row) =>
        row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function imageSubcommand(p: Command, setExit: (code: number) => void): void {
  const image = p
    .command('image')
    .description(`the mptcp-lab Docker images the daemon has (tag, id, created, size, version inside); this version's is ${DEFAULT_IMAGE}`)
    .option('--json', 'as JSON')
    .action(async (o: { json?: boolean }) => {
      const rows = await listImages();
      process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : formatImages(rows));
      setExit(EXIT.ok);
    });
  image
    .command('build')
    .description(`build docker/Dockerfile with mptcp-lab ${VERSION} inside (npm pack of this package); progress on stderr`)
    .option('--tag <tag>', 'the image name', DEFAULT_IMAGE)
    .option(
      '--base <image>',
      `the Debian trixie image it starts from (default: ${DEFAULT_BASE} when the daemon has it, made from Debian's mirror as docs/docker.md shows; else ${HUB_BASE} from Docker Hub)`,
    )
    .action(async (o: { tag: string; base?: string }) => {
      const started = performance.now();
      const id = await buildImage({ tag: o.tag, ...(o.base !== undefined ? { base: o.base } : {}) });
      process.stderr.write(
        `mptcp-lab image build: ${o.tag} (${id.replace(/^sha256:/, '').slice(0, 12)}) built in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
      );
      setExit(EXIT.ok);
    });
}
