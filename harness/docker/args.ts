// The command line of the run inside the container: the outer's own `run`
// arguments as given, without --docker [IMAGE] and --docker-privileged, and
// with the results folder named (the outer makes it, as the caller, before the
// container starts; the run inside then writes into it).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { CATALOGUE_DIR } from '../lab/catalogue.js';

/** Names of the catalogue's groups and labs (labs/<group>/<name>.lab.yaml). */
function catalogueNames(dir = CATALOGUE_DIR): Set<string> {
  const names = new Set<string>();
  try {
    for (const group of readdirSync(dir, { withFileTypes: true })) {
      if (!group.isDirectory()) continue;
      names.add(group.name);
      for (const f of readdirSync(join(dir, group.name))) names.add(f.replace(/\.lab\.(ya?ml|ts|js)$/, ''));
    }
  } catch {
    /* no catalogue: nothing to confuse an image with */
  }
  return names;
}

/**
 * --docker's optional value: an image. A lab name or path right after --docker
 * would be taken as the image (an option's optional value takes the next word),
 * so that is refused with what to write instead.
 */
export function dockerImageArg(value: string): string {
  if (!/[:/@]/.test(value) && (catalogueNames().has(value) || existsSync(value)))
    throw new InvalidArgumentError(`"${value}" is a lab, not an image: put lab names before --docker, or write --docker=IMAGE`);
  if (existsSync(value))
    throw new InvalidArgumentError(`"${value}" is a path, not an image: put lab files before --docker, or write --docker=IMAGE`);
  return value;
}

/** `run`'s tokens (what follows `run` on the command line) without the --docker options. `image` is --docker's parsed value (true: none given). */
export function withoutDockerFlags(tokens: readonly string[], image: string | true): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--') {
      out.push(...tokens.slice(i));
      break;
    }
    if (t === '--docker-privileged' || t.startsWith('--docker=')) continue;
    if (t === '--docker') {
      if (image !== true && tokens[i + 1] === image) i++;
      continue;
    }
    out.push(t);
  }
  return out;
}

/** What follows the `run` subcommand in a full argv (node, script, ..., run, ...). */
export function runTokens(rawArgs: readonly string[]): string[] {
  const at = rawArgs.indexOf('run', 2);
  return at < 0 ? [] : rawArgs.slice(at + 1);
}
