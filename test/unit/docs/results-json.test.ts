// Every ```json block of the documentation is a results.json excerpt: it
// validates against schema/results.schema.json, so the documented shape
// cannot drift from the RunResult type the schema is generated from.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { blocksOf, ROOT } from './markdown.js';

const schema: unknown = JSON.parse(readFileSync(join(ROOT, 'schema', 'results.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema as object);

test('every ```json block of the documentation validates as results.json', () => {
  const blocks = blocksOf('json');
  assert.ok(blocks.length >= 1, 'docs/output.md has a results.json excerpt');
  for (const b of blocks) {
    const ok = validate(JSON.parse(b.body));
    assert.ok(ok, `${b.where}: ${(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('; ')}`);
  }
});
