// The documentation's examples as data: fenced code blocks with their info
// string and line, and inline code spans, of README.md, CONTRIBUTING.md and
// docs/*.md. Shared by the tests that exercise the examples.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Every Markdown file a reader is pointed at, relative to the root. */
export const DOC_FILES: readonly string[] = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(`${ROOT}docs`)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

export interface CodeBlock {
  /** "README.md:42": where the block's first line is. */
  where: string;
  /** The info string after the opening fence: "yaml", "yaml fragment", "sh", "ts", "text". */
  info: string;
  body: string;
}

export function readDoc(file: string): string {
  return readFileSync(`${ROOT}${file}`, 'utf8');
}

/** Fenced blocks, also when indented inside a list item (the indent is removed). */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readDoc(file).split('\n');
  const out: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) body.push(lines[j++]!.slice(indent));
    out.push({ where: `${file}:${i + 2}`, info: open[2]!.trim(), body: body.join('\n') + '\n' });
    i = j;
  }
  return out;
}

/** Inline code spans outside fenced blocks, with line breaks inside a span turned into spaces. */
export function inlineCode(file: string): { where: string; text: string }[] {
  const text = readDoc(file).replace(/^\s*```[\s\S]*?^\s*```\s*$/gm, (block) => block.replace(/[^\n]/g, ' '));
  const out: { where: string; text: string }[] = [];
  for (const m of text.matchAll(/`([^`]+)`/g)) {
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ where: `${file}:${line}`, text: m[1]!.replace(/\s+/g, ' ').trim() });
  }
  return out;
}

export function blocksOf(info: string): CodeBlock[] {
  return DOC_FILES.flatMap(codeBlocks).filter((b) => b.info === info);
}
