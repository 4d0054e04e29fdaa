// Shell text for the exported script: planned commands (argv arrays, stdin
// text) become bash lines, with the script's variables (the namespace names,
// which get a random suffix each run) marked in the planned text by varRef()
// and expanded by the shell.
import { shellQuote } from '../../lib/concurrent.js';
import { inNetns } from '../../lib/exec.js';
import type { PlannedCommand } from '../targets/netns/setup-plan.js';

const OPEN = '\u0001';
const CLOSE = '\u0002';
const REF = new RegExp(`${OPEN}([A-Za-z_][A-Za-z0-9_]*)${CLOSE}`, 'g');

/** Stands for the shell variable `name` inside planned text (argv words and stdin). */
export function varRef(name: string): string {
  return `${OPEN}${name}${CLOSE}`;
}

/** The script's variable that holds a host's namespace name. */
export function nsVar(host: string): string {
  return `NS_${host}`;
}

function hasRef(text: string): boolean {
  return text.includes(OPEN);
}

/** Escapes what double quotes and here-documents expand, then turns references into expansions. */
function expandRefs(text: string): string {
  return text.replace(/[\\$`]/g, '\\$&').replace(REF, (_, name: string) => `\${${name}}`);
}

/** One shell word: quoted as lib/concurrent.ts does, or in double quotes when it holds a variable. */
export function word(text: string): string {
  if (!hasRef(text)) return shellQuote(text);
  return `"${expandRefs(text).replace(/"/g, '\\"')}"`;
}

/** A here-document: the redirection for the command's line, and the lines that follow it (`text`, then the end marker). */
export function hereDoc(text: string, tag = 'EOF'): { redirect: string; body: string } {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (body.split('\n').includes(tag)) throw new Error(`here-document text holds its own end marker ${tag}`);
  return hasRef(body) ? { redirect: `<<${tag}`, body: `${expandRefs(body)}${tag}` } : { redirect: `<<'${tag}'`, body: `${body}${tag}` };
}

/** A planned command as script text (with its here-document); a command that may fail is let fail quietly. */
export function commandText(c: PlannedCommand): string {
  const argv = inNetns(c.netns, c.argv).map(word).join(' ');
  const tail = c.mayFail ? ' 2>/dev/null || true' : '';
  if (c.input === undefined) return `${argv}${tail}`;
  const doc = hereDoc(c.input);
  return `${argv} ${doc.redirect}${tail}\n${doc.body}`;
}
