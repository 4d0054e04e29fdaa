// The line of a lab file where the expectation of a failed check is written,
// for annotations that point at it (report github). The lab file is read
// again at report time: results carry check names, and the path a name comes
// from (harness/expect/check-path.ts) is walked in the YAML as far as the
// file goes, so a default expectation points at the nearest written key.
import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { expectationPath, type LabPath } from '../expect/check-path.js';

/** The 1-based line of the deepest key (or list item) of `path` the document has, undefined when not even the first. */
function lineOfPath(doc: Document, counter: LineCounter, path: LabPath): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const step of path) {
    let next: unknown;
    let at: [number, number, number] | null | undefined;
    if (isMap(node) && typeof step === 'string') {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === step);
      if (!pair) break;
      at = isNode(pair.key) ? pair.key.range : undefined;
      next = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      next = node.items[step];
      at = isNode(next) ? next.range : undefined;
    }
    if (!at) break;
    line = counter.linePos(at[0]).line;
    node = next;
  }
  return line;
}

interface Parsed {
  doc: Document;
  counter: LineCounter;
  /** The file's expect section as data. */
  expect: unknown;
}

/** Finds lines of checks in lab files, reading and parsing each file once. */
export class CheckLines {
  private readonly files = new Map<string, Parsed | undefined>();

  private parsed(file: string): Parsed | undefined {
    if (!this.files.has(file)) {
      let entry: Parsed | undefined;
      try {
        const counter = new LineCounter();
        const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: counter });
        entry = doc.errors.length ? undefined : { doc, counter, expect: (doc.toJS() as { expect?: unknown } | null)?.expect };
      } catch {
        entry = undefined; // not here (another checkout, a TypeScript lab): no line
      }
      this.files.set(file, entry);
    }
    return this.files.get(file);
  }

  /** The line of the expectation behind `check` in the lab file at `file`, or undefined. */
  lineOf(file: string, check: string): number | undefined {
    const p = this.parsed(file);
    if (!p) return undefined;
    return lineOfPath(p.doc, p.counter, expectationPath(check, p.expect));
  }
}
