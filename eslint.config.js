// Lint rules of mptcp-lab: the one-way layers of docs/architecture.md
// (harness -> engine | kernels | lib, kernels -> lib, engine -> nothing) and
// no import cycles, type-only ones included; plus typescript-eslint's
// recommended set. `projectConfig(root)` builds it for a tree, so the lint
// test can check the rules on fixture trees of its own.
import { defineConfig, globalIgnores } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import typeCycles from './lint/no-type-cycle.js';

/** Modules that start processes, for no-restricted-imports; `zxAllowed` names what of zx a file may use. */
function processModules(zxAllowed) {
  const message = 'Run processes through lib/exec.ts.';
  const zx = zxAllowed ? { name: 'zx', allowImportNames: zxAllowed, message } : { name: 'zx', message };
  return [{ name: 'execa', message }, { name: 'node:child_process', message }, { name: 'child_process', message }, zx];
}

/** @param {string} root the folder holding engine/, harness/, kernels/, lib/ */
export function projectConfig(root) {
  const zone = (target, from, message) => ({ target, from, message });
  return defineConfig(
    globalIgnores(['dist/', 'node_modules/', 'test/fixtures/lint/']),
    tseslint.configs.recommended,
    {
      files: ['**/*.ts', '**/*.js'],
      plugins: { 'import-x': importX, local: typeCycles },
      settings: {
        // ESM imports name the compiled `.js`; the resolver maps them to the `.ts` source.
        'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
        // Without these, import-x/no-cycle cannot read a .ts dependency and sees no cycle at all.
        'import-x/extensions': ['.ts', '.js'],
        'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      },
      rules: {
        'import-x/no-unresolved': 'error',
        'import-x/no-cycle': ['error', { ignoreExternal: true }],
        'local/no-type-cycle': 'error',
        'import-x/no-restricted-paths': [
          'error',
          {
            basePath: root,
            zones: [
              { target: './engine', from: './', except: ['./engine'], message: 'engine/ depends on nothing of the project.' },
              zone('./lib', ['./harness', './kernels', './engine'], 'lib/ is below harness/, kernels/ and engine/.'),
              zone('./kernels', ['./harness', './engine'], 'kernels/ may use lib/ only.'),
            ],
          },
        ],
        // Object literals with getters (a live view of their owner) reach the owner as `self`.
        '@typescript-eslint/no-this-alias': 'off',
        // Destructuring leaves a field out by naming it: `const { atMs: _at, ...rest } = event`.
        '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      },
    },
    {
      // Processes start in lib/exec.ts only, so every failure carries the command, exit code, stderr and duration.
      files: ['harness/**', 'kernels/**', 'lib/**'],
      ignores: ['lib/exec.ts'],
      rules: { 'no-restricted-imports': ['error', { paths: processModules() }] },
    },
    {
      files: ['engine/**'],
      rules: {
        // No npm package in the engine either: it must build and ship alone. Node builtins are fine.
        'no-restricted-imports': [
          'error',
          { patterns: [{ regex: '^(?!node:|\\.)', message: 'engine/ imports only node: builtins and its own files.' }] },
        ],
      },
    },
  );
}

export default projectConfig(import.meta.dirname);
