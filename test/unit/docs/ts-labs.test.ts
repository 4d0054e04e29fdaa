// Every ```ts block of the documentation is a TypeScript lab: it imports
// defineLab from one of the package's exports (what a user's lab can
// import), and it type-checks against the module that export names.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { blocksOf, ROOT } from './markdown.js';

interface PackageJson {
  name: string;
  exports?: Record<string, string | Record<string, string>>;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const blocks = blocksOf('ts');

function specifierOf(body: string): string | undefined {
  return /import\s+\{[^}]*\bdefineLab\b[^}]*\}\s+from\s+'([^']+)'/.exec(body)?.[1];
}

/** The compiled file an export points at ("./dist/harness/public/lab.js"), or undefined. */
function exportTarget(specifier: string): string | undefined {
  if (specifier !== pkg.name && !specifier.startsWith(`${pkg.name}/`)) return undefined;
  const entry = pkg.exports?.[`.${specifier.slice(pkg.name.length)}`];
  if (typeof entry === 'string') return entry;
  return entry?.['import'] ?? entry?.['default'];
}

/** The TypeScript source of a compiled file of the package: dist/x/y.js → x/y.ts. */
function sourceOf(compiled: string): string {
  return join(ROOT, compiled.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
}

interface Example {
  body: string;
  specifier: string;
  /** The TypeScript module the import is pointed at. */
  source: string;
}

/** Type errors of each example, with its import pointed at its source; one program for all (a program costs seconds). */
function typeErrors(examples: readonly Example[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-doc-ts-'));
  try {
    const files = examples.map((e, k) => {
      const file = join(dir, `example-${k}.lab.ts`);
      writeFileSync(file, e.body.replace(`'${e.specifier}'`, `'${e.source.replace(/\.ts$/, '.js')}'`));
      return file;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    return files.map((file) =>
      diagnostics.filter((d) => d.file?.fileName === file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const LOAD_TS = join(ROOT, 'harness', 'lab', 'load.ts');
/** A lab with a misspelt key: it must not type-check, or the check could not fail. */
const BAD: Example = {
  body: "import { defineLab } from 'x';\nexport default defineLab({ name: 'bad', hosts: {}, links: [], workload: { client: 'a', server: 'b', connect: 'l1', sise: '1MB' } });\n",
  specifier: 'x',
  source: LOAD_TS,
};
const documented: Example[] = blocks.map((b) => {
  const specifier = specifierOf(b.body) ?? '';
  const target = exportTarget(specifier);
  // Until the exports map exists, the module that defines defineLab.
  return { body: b.body, specifier, source: target ? sourceOf(target) : LOAD_TS };
});
let checked: string[][] | undefined;
const errors = (): string[][] => (checked ??= typeErrors([...documented, BAD]));

test(
  'every ```ts block imports defineLab from one of the package exports',
  { todo: pkg.exports ? undefined : 'package.json has no "exports" map yet (issue 7)' },
  () => {
    assert.ok(blocks.length >= 1, 'docs/labs.md has a TypeScript lab');
    for (const b of blocks) {
      const specifier = specifierOf(b.body);
      assert.ok(specifier, `${b.where}: imports defineLab`);
      assert.ok(
        exportTarget(specifier),
        `${b.where}: '${specifier}' is not one of package.json's exports (${Object.keys(pkg.exports ?? {}).join(', ')})`,
      );
    }
  },
);

test('every ```ts block type-checks as a lab', () => {
  assert.ok(blocks.length >= 1, 'docs/labs.md has a TypeScript lab');
  blocks.forEach((b, k) => {
    assert.ok(documented[k]!.specifier, `${b.where}: imports defineLab`);
    assert.deepEqual(errors()[k], [], `${b.where} against ${documented[k]!.source}`);
  });
});

test('a TypeScript lab with a wrong key does not type-check (the check can fail)', () => {
  assert.ok(
    errors()[documented.length]!.some((e) => /sise/.test(e)),
    errors()[documented.length]!.join('\n'),
  );
});
