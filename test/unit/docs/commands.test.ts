// Every mptcp-lab command in the documentation is one the CLI accepts: in
// ```sh blocks (subcommand, flags and their values, and catalogue names),
// in inline code (subcommand and flags), and in the README's CLI synopsis,
// which must also list every flag of `run`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalogue } from '../../../harness/lab/catalogue.js';
import { commandHelp, findOption, parseCommand } from './cli-help.js';
import { blocksOf, codeBlocks, DOC_FILES, inlineCode } from './markdown.js';

/** The words after "mptcp-lab" when `text` invokes it (through sudo / npx), else undefined. */
function mptcpLabWords(text: string): string[] | undefined {
  const words = text.trim().split(/\s+/);
  while (words[0] === 'sudo' || words[0] === 'npx') words.shift();
  return words[0] === 'mptcp-lab' ? words.slice(1) : undefined;
}

/** Each command of a shell line: comments dropped, split at && || ; and |. */
function shellCommands(line: string): string[] {
  return line
    .replace(/(^|\s)#.*$/, '')
    .split(/&&|\|\||;|\|/)
    .map((c) => c.trim())
    .filter(Boolean);
}

/** A file, folder or module argument rather than a catalogue name. */
function isPath(arg: string): boolean {
  return arg.includes('/') || /\.(ya?ml|m?js)$/.test(arg);
}

test('every mptcp-lab line of a ```sh block parses with the CLI flags and names catalogue labs', async () => {
  const catalogue = await loadCatalogue();
  const names = new Set(catalogue.flatMap((l) => [l.name, l.group]));
  const problems: string[] = [];
  let seen = 0;
  for (const block of blocksOf('sh')) {
    block.body.split('\n').forEach((line, k) => {
      for (const command of shellCommands(line)) {
        const words = mptcpLabWords(command);
        if (!words) continue;
        seen += 1;
        const where = `${block.where.replace(/:\d+$/, '')}:${Number(block.where.split(':').pop()) + k}`;
        const parsed = parseCommand(words);
        problems.push(...parsed.problems.map((p) => `${where}: ${command}: ${p}`));
        if (parsed.path[0] !== 'run' && parsed.path[0] !== 'show') continue;
        for (const arg of parsed.positionals)
          if (!isPath(arg) && !names.has(arg)) problems.push(`${where}: ${command}: no lab or group "${arg}" in the catalogue`);
      }
    });
  }
  assert.ok(seen >= 10, `found ${seen} mptcp-lab command lines`);
  assert.deepEqual(problems, []);
});

test('every inline `mptcp-lab ...` of the documentation names a real subcommand and real flags', () => {
  const problems: string[] = [];
  let seen = 0;
  for (const file of DOC_FILES) {
    for (const span of inlineCode(file)) {
      // Only invocations: "mptcp-lab run ...", not names like mptcp-lab-results/ or "mptcp-lab <command>".
      if (!/^(sudo )?(npx )?mptcp-lab [a-z-]/.test(span.text)) continue;
      seen += 1;
      problems.push(...parseCommand(mptcpLabWords(span.text)!).problems.map((p) => `${span.where}: ${span.text}: ${p}`));
    }
  }
  assert.ok(seen >= 10, `found ${seen} inline mptcp-lab commands`);
  assert.deepEqual(problems, []);
});

test('the README CLI synopsis lists real flags, and every flag of run', () => {
  const synopsis = codeBlocks('README.md').find((b) => b.info === 'text' && b.body.startsWith('mptcp-lab run'));
  assert.ok(synopsis, 'README.md has the CLI synopsis as a ```text block starting with "mptcp-lab run"');
  const problems: string[] = [];
  const listed = new Map<string, Set<string>>();
  let path: string[] = [];
  for (const line of synopsis.body.split('\n')) {
    let flags: string[];
    if (line.startsWith('mptcp-lab ')) {
      // The command part ends where the two-space gap before its description starts.
      const words = line.split(/ {2,}/)[0]!.split(' ').slice(1);
      // Commands with subcommands of their own: `kernels list`, `report merge`, `image build` (`image` alone is one too).
      path =
        ['kernels', 'report', 'image'].includes(words[0] ?? '') && /^[a-z]/.test(words[1] ?? '') ? words.slice(0, 2) : words.slice(0, 1);
      flags = words.flatMap((w) => w.match(/--?[a-z][\w-]*/g) ?? []);
    } else {
      flags =
        /^\s+(?:(-\w), )?(--[\w-]+)/
          .exec(line)
          ?.slice(1)
          .filter((f): f is string => f !== undefined) ?? [];
    }
    const help = commandHelp(path);
    if (!help) {
      problems.push(`no command mptcp-lab ${path.join(' ')}`);
      continue;
    }
    for (const flag of flags) {
      if (!findOption(help, flag)) problems.push(`mptcp-lab ${path.join(' ')} has no flag ${flag}`);
      const set = listed.get(path.join(' ')) ?? new Set<string>();
      listed.set(path.join(' '), set.add(flag));
    }
  }
  for (const option of commandHelp(['run'])!.options) {
    if (option.names.includes('--help')) continue;
    if (!option.names.some((n) => listed.get('run')?.has(n))) problems.push(`the synopsis does not list run ${option.names.join(', ')}`);
  }
  assert.deepEqual(problems, []);
});

test('a command with an unknown flag or subcommand is caught (the check can fail)', () => {
  assert.deepEqual(parseCommand(['run', '--kernal', 'host']).problems, ['mptcp-lab run has no flag --kernal']);
  assert.match(parseCommand(['kernels', 'remove']).problems.join(), /no command "kernels remove"/);
  assert.deepEqual(parseCommand(['run', '--seed']).problems, ['--seed needs a value']);
  assert.deepEqual(parseCommand(['kernels', 'prune', '--keep', 'debian:6.1', 'debian:6.12', '--dry-run']).problems, []);
});
