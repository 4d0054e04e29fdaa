// The layout table of docs/architecture.md lists every folder of the tree
// (two levels deep; the catalogue's groups by name), so a folder added
// without a word about it fails here.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDoc, ROOT } from './markdown.js';

/** Not source: build output, dependencies, version control. */
const IGNORED = new Set(['dist', 'node_modules', '.git']);

function folders(relative: string): string[] {
  return readdirSync(join(ROOT, relative), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !IGNORED.has(e.name))
    .map((e) => (relative ? `${relative}/${e.name}` : e.name));
}

test('docs/architecture.md names every folder of the tree', () => {
  const doc = readDoc('docs/architecture.md');
  const top = folders('');
  assert.ok(top.includes('harness') && top.includes('engine'), 'walks the project root');
  const missing: string[] = [];
  for (const dir of top) {
    if (!doc.includes(`\`${dir}/\``)) missing.push(`${dir}/`);
    for (const sub of folders(dir)) {
      // The catalogue's groups are listed by name in the labs/ row.
      const name = dir === 'labs' ? `\`${sub.slice('labs/'.length)}\`` : `\`${sub}/\``;
      if (!doc.includes(name)) missing.push(`${sub}/`);
    }
  }
  assert.deepEqual(missing, []);
});
