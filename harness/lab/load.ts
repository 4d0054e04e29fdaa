// Reading lab files: YAML → schema check → normalize. Problems carry the
// line and column of the offending node so the message points at it.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { LabError, type LabProblem } from './errors.js';
import type { Lab } from './model.js';
import { normalize } from './normalize.js';
import { labSchema, type LabInput } from './schema.js';

export const LAB_SUFFIX = '.lab.yaml';

function locate(doc: Document, counter: LineCounter, path: (string | number)[]): { line?: number; column?: number } {
  for (let n = path.length; n >= 0; n -= 1) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = counter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_value' && 'values' in issue) return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}

function defaultName(file: string): string {
  return basename(file).replace(/\.lab\.ya?ml$|\.ya?ml$/, '');
}

/** Validate an already parsed object (a TypeScript lab, or YAML data). */
export function labFromObject(data: unknown, file: string, where?: (path: (string | number)[]) => { line?: number; column?: number }): Lab {
  const parsed = labSchema.safeParse(data);
  if (!parsed.success) {
    const problems: LabProblem[] = parsed.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const at = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0] ?? ''] : path;
      return { path, message: describeIssue(issue), ...(where?.(at) ?? {}) };
    });
    throw new LabError(file, problems);
  }
  try {
    return normalize(parsed.data, file, defaultName(file));
  } catch (e) {
    if (e instanceof LabError && where) {
      throw new LabError(file, e.problems.map((p) => ({ ...p, ...where(p.path) })));
    }
    throw e;
  }
}

export function labFromYaml(text: string, file: string): Lab {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  if (doc.errors.length) {
    throw new LabError(file, doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { path: [], message: `malformed YAML: ${e.message.split('\n')[0]}`, line: pos?.line, column: pos?.col };
    }));
  }
  return labFromObject(doc.toJS(), file, (path) => locate(doc, counter, path));
}

export async function loadLabFile(file: string): Promise<Lab> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new LabError(file, [{ path: [], message: `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
  }
  return labFromYaml(text, file);
}

/** For labs written in TypeScript: the same model, checked the same way. */
export function defineLab(input: LabInput & { name: string }): Lab {
  return labFromObject(input, `${input.name} (defineLab)`);
}
