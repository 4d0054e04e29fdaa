// Reading lab files: YAML → schema check → normalize. Problems carry the
// line and column of the offending node so the message points at it.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { readCalibration } from './calibration.js';
import { LabError, type LabProblem } from './errors.js';
import type { Lab } from './model.js';
import { normalize } from './normalize.js';
import { labSchema, type LabInput } from './schema.js';

export const LAB_SUFFIX = '.lab.yaml';

type Locate = (path: (string | number)[], atKey?: boolean) => { line?: number; column?: number };

function locate(doc: Document, counter: LineCounter, path: (string | number)[], atKey = false): { line?: number; column?: number } {
  // An unknown key is pointed at itself; any other problem at its value.
  const parent = atKey && path.length ? doc.getIn(path.slice(0, -1), true) : undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
    if (pair && isNode(pair.key) && pair.key.range) {
      const pos = counter.linePos(pair.key.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  for (let n = path.length; n >= 0; n -= 1) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = counter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  innerType?: { _zod: { def: SchemaDef } };
  element?: { _zod: { def: SchemaDef } };
  valueType?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
  options?: { _zod: { def: SchemaDef } }[];
}

/** The keys an object in the schema allows at a path, to say what was expected after an unknown key. */
export function allowedKeys(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let defs: SchemaDef[] = [(schema as unknown as { _zod: { def: SchemaDef } })._zod.def];
  const unwrap = (d: SchemaDef): SchemaDef[] => {
    const inner = d.innerType ?? d.in;
    if (inner) return unwrap(inner._zod.def);
    if (d.type === 'union' && d.options) return d.options.flatMap((o) => unwrap(o._zod.def));
    return [d];
  };
  for (const step of path) {
    defs = defs.flatMap(unwrap).flatMap((d) => {
      if (d.type === 'object' && typeof step === 'string') return d.shape?.[step] ? [d.shape[step]._zod.def] : [];
      if (d.type === 'array' && d.element) return [d.element._zod.def];
      if (d.type === 'record' && d.valueType) return [d.valueType._zod.def];
      return [];
    });
  }
  return [...new Set(defs.flatMap(unwrap).flatMap((d) => (d.type === 'object' ? Object.keys(d.shape ?? {}) : [])))];
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const allowed = allowedKeys(labSchema, path);
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${allowed.length ? `: expected one of ${allowed.join(', ')}` : ''}`;
  }
  if (issue.code === 'invalid_value' && 'values' in issue)
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}

function defaultName(file: string): string {
  return basename(file).replace(/\.lab\.ya?ml$|\.ya?ml$/, '');
}

/** Validate an already parsed object (a TypeScript lab, or YAML data). */
export function labFromObject(data: unknown, file: string, where?: Locate): Lab {
  const parsed = labSchema.safeParse(data);
  if (!parsed.success) {
    const problems: LabProblem[] = parsed.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const at = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0] ?? ''] : path;
      return { path, message: describeIssue(issue), ...(where?.(at, issue.code === 'unrecognized_keys') ?? {}) };
    });
    throw new LabError(file, problems);
  }
  try {
    return normalize(parsed.data, file, defaultName(file));
  } catch (e) {
    if (e instanceof LabError && where) {
      throw new LabError(
        file,
        e.problems.map((p) => ({ ...p, ...where(p.path) })),
      );
    }
    throw e;
  }
}

export function labFromYaml(text: string, file: string): Lab {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  if (doc.errors.length) {
    throw new LabError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: [], message: `malformed YAML: ${e.message.split('\n')[0]}`, line: pos?.line, column: pos?.col };
      }),
    );
  }
  return labFromObject(doc.toJS(), file, (path, atKey) => locate(doc, counter, path, atKey));
}

export async function loadLabFile(file: string): Promise<Lab> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new LabError(file, [{ path: [], message: `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
  }
  const lab = labFromYaml(text, file);
  const calibration = await readCalibration(file, lab.name);
  return calibration ? { ...lab, calibration } : lab;
}

/** For labs written in TypeScript: the same model, checked the same way. */
export function defineLab(input: LabInput & { name: string }): Lab {
  return labFromObject(input, `${input.name} (defineLab)`);
}
