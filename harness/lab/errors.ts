// Bad input is reported as file, place and what was expected; the CLI turns
// a LabError into exit status 2 before anything is created.

export interface LabProblem {
  /** Path inside the document, e.g. ["links", 1, "between", 0]. */
  path: (string | number)[];
  message: string;
  /** 1-based line and column when the source is known. */
  line?: number;
  column?: number;
}

export class LabError extends Error {
  constructor(
    readonly file: string,
    readonly problems: LabProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'LabError';
  }
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function formatProblem(file: string, p: LabProblem): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
  return `${where}: ${formatPath(p.path)}: ${p.message}`;
}

/** Collects problems during normalization, so all of them are reported at once. */
export class ProblemList {
  readonly items: LabProblem[] = [];
  add(path: (string | number)[], message: string): void {
    this.items.push({ path, message });
  }
  throwIfAny(file: string): void {
    if (this.items.length) throw new LabError(file, this.items);
  }
}
