// What the CLI says it accepts, read from `mptcp-lab <command> --help` of
// the built CLI, so documentation is checked against the code's own flags.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../harness/cli.js', import.meta.url));

export interface HelpOption {
  /** "--kernel", "-j". */
  names: string[];
  /** Takes a value ("<specs>"); `variadic` when it takes all values up to the next flag ("<tag...>"). */
  value: boolean;
  variadic: boolean;
  /** The value may be left out ("[when]"): a following word that is no flag is taken as it. */
  optional?: boolean;
}

export interface CommandHelp {
  options: HelpOption[];
  /** Subcommand names listed under "Commands:". */
  commands: string[];
}

const cache = new Map<string, CommandHelp>();

function parseHelp(text: string): CommandHelp {
  const options: HelpOption[] = [];
  for (const m of text.matchAll(/^ {2}((?:-[\w-]+, )?--?[\w-]+)(?: <([^>]+)>| \[([^\]]+)\])?/gm)) {
    const value = m[2] ?? m[3];
    options.push({
      names: m[1]!.split(', '),
      value: value !== undefined,
      variadic: value?.endsWith('...') ?? false,
      optional: m[3] !== undefined,
    });
  }
  const commandsPart = text.split(/^Commands:$/m)[1] ?? '';
  const commands = [...commandsPart.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  return { options, commands };
}

/** `path` is the command words, e.g. [] for the program, ['run'], ['kernels', 'fetch']. */
export function commandHelp(path: readonly string[]): CommandHelp | undefined {
  const key = path.join(' ');
  const known = cache.get(key);
  if (known) return known;
  // MPTCP_LAB_ROOTLESS: read the help here, without re-running inside a user namespace.
  const r = spawnSync(process.execPath, [CLI, ...path, '--help'], { encoding: 'utf8', env: { ...process.env, MPTCP_LAB_ROOTLESS: '1' } });
  if (r.status !== 0 || !r.stdout.startsWith('Usage:')) return undefined;
  const help = parseHelp(r.stdout);
  cache.set(key, help);
  return help;
}

export function findOption(help: CommandHelp, flag: string): HelpOption | undefined {
  return help.options.find((o) => o.names.includes(flag));
}

export interface ParsedCommand {
  /** The command words: ["run"], ["kernels", "prune"]. */
  path: string[];
  /** Arguments that are neither flags nor flag values. */
  positionals: string[];
  /** Problems: an unknown subcommand or flag, a flag without its value. */
  problems: string[];
}

/** Checks `mptcp-lab ...` words (after "mptcp-lab") against the help of the commands they name. */
export function parseCommand(words: readonly string[]): ParsedCommand {
  const path: string[] = [];
  const problems: string[] = [];
  let help = commandHelp([]);
  let i = 0;
  while (help && help.commands.length && i < words.length && !words[i]!.startsWith('-')) {
    const word = words[i]!;
    if (!help.commands.includes(word)) {
      problems.push(`no command "${[...path, word].join(' ')}" (mptcp-lab ${path.join(' ')} --help lists ${help.commands.join(', ')})`);
      return { path, positionals: [], problems };
    }
    path.push(word);
    help = commandHelp(path);
    i += 1;
  }
  if (!help) return { path, positionals: [], problems: [`mptcp-lab ${path.join(' ')} --help failed`] };
  const positionals: string[] = [];
  for (; i < words.length; i += 1) {
    const word = words[i]!;
    if (!word.startsWith('-')) {
      positionals.push(word);
      continue;
    }
    const flag = word.split('=')[0]!;
    const option = findOption(help, flag);
    if (!option) {
      problems.push(`mptcp-lab ${path.join(' ')} has no flag ${flag}`);
      continue;
    }
    if (!option.value || word.includes('=')) continue;
    if (option.optional && (i + 1 >= words.length || words[i + 1]!.startsWith('-'))) continue;
    if (i + 1 >= words.length || words[i + 1]!.startsWith('-')) problems.push(`${flag} needs a value`);
    else i += 1;
    while (option.variadic && i + 1 < words.length && !words[i + 1]!.startsWith('-')) i += 1;
  }
  return { path, positionals, problems };
}
