// Writes schema/lab.schema.json from the zod schema, so editors can complete
// and check *.lab.yaml files (yaml-language-server: $schema=...).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { labSchema } from './schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = join(root, 'schema', 'lab.schema.json');
const schema = { ...z.toJSONSchema(labSchema, { io: 'input', unrepresentable: 'any' }), title: 'mptcp-lab lab file' };
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(schema, null, 2) + '\n');
