// Writes schema/results.schema.json, the JSON Schema of results.json, from the
// TypeScript types the JSON reporter and report merge write (ResultsFile), so the published
// schema cannot drift from the code. Run by `npm run build` after tsc.
// The type is found by name among every harness source file, not by its
// file, so moving it (or what it references) between modules keeps working.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

// A single run's RunResult or a merge's MergedRunResult.
const ROOT_TYPE = 'ResultsFile';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = join(root, 'schema', 'results.schema.json');

const generator = createGenerator({
  path: join(root, 'harness', '**', '*.ts'),
  tsconfig: join(root, 'tsconfig.json'),
  type: ROOT_TYPE,
  expose: 'export',
  topRef: true,
  jsDoc: 'extended',
  // tsc has just checked these sources; checking them again only costs time.
  skipTypeCheck: true,
  // A property the types do not declare is an error, so a stale reader or
  // writer of results.json fails validation instead of passing silently.
  additionalProperties: false,
});
const schema = {
  title: 'mptcp-lab results.json',
  ...generator.createSchema(ROOT_TYPE),
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(schema, null, 2) + '\n');
