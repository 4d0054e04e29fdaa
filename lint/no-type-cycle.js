// An ESLint rule for the import cycles import-x/no-cycle does not see: it
// skips type-only imports (`import type`, `export type ... from`), but a cycle
// through them still ties two modules into one unit, which the layers forbid.
// It reports only cycles that need a type-only import to close, so a cycle of
// value imports is reported once, by import-x/no-cycle.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** @typedef {{ to: string, typeOnly: boolean }} Edge */

/** @type {Map<string, { mtimeMs: number, edges: Edge[] }>} */
const cache = new Map();

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A relative specifier to the project file it names (ESM `.js` names the `.ts` source); packages are not followed. */
function resolveSpecifier(fromFile, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find(isFile);
}

function namedAllTypeOnly(elements) {
  return elements.length > 0 && elements.every((e) => e.isTypeOnly);
}

/** The module specifiers a file imports, each with whether only types come through it (TypeScript's parser, no type checking). */
function specifiersOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : [];
      const typeOnly = clause !== undefined && (clause.isTypeOnly || (!clause.name && namedAllTypeOnly(named)));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : [];
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || namedAllTypeOnly(named) });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) found.push({ specifier: arg.text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The project files a file imports (cached while the file is unchanged). */
function edgesOf(file) {
  const mtimeMs = statSync(file).mtimeMs;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.edges;
  const edges = [];
  for (const { specifier, typeOnly } of specifiersOf(file)) {
    const to = resolveSpecifier(file, specifier);
    if (to) edges.push({ to, typeOnly });
  }
  cache.set(file, { mtimeMs, edges });
  return edges;
}

/** A shortest import path from `start` back to `target` (breadth first), or undefined. */
function pathBack(start, target, valueOnly) {
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const { to, typeOnly } of edgesOf(file)) {
      if ((valueOnly && typeOnly) || previous.has(to)) continue;
      previous.set(to, file);
      if (to === target) {
        const path = [];
        for (let at = to; at !== undefined; at = previous.get(at)) path.unshift(at);
        return path;
      }
      queue.push(to);
    }
  }
  return undefined;
}

function allTypeOnly(specifiers, kindKey) {
  return specifiers.length > 0 && specifiers.every((s) => s[kindKey] === 'type');
}

/** @type {import('eslint').Rule.RuleModule} */
export const noTypeCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles that close through type-only imports (import-x/no-cycle reports the others).' },
    schema: [],
    messages: { cycle: 'Import cycle through type-only imports: {{route}}' },
  },
  create(context) {
    const file = context.physicalFilename;
    if (!isFile(file)) return {};
    const root = context.cwd;
    const check = (node, specifier, typeOnly) => {
      if (typeof specifier !== 'string') return;
      const to = resolveSpecifier(file, specifier);
      if (!to || to === file) return;
      const route = pathBack(to, file, false);
      if (!route) return;
      // A cycle of value imports only is import-x/no-cycle's to report.
      if (!typeOnly && pathBack(to, file, true)) return;
      const names = [file, ...route].map((f) => relative(root, f));
      context.report({ node, messageId: 'cycle', data: { route: names.join(' -> ') } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value, node.importKind === 'type' || allTypeOnly(node.specifiers, 'importKind')),
      ExportNamedDeclaration: (node) =>
        node.source && check(node, node.source.value, node.exportKind === 'type' || allTypeOnly(node.specifiers, 'exportKind')),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
      TSImportType: (node) => node.argument.type === 'TSLiteralType' && check(node, node.argument.literal.value, true),
    };
  },
};

export default { rules: { 'no-type-cycle': noTypeCycle } };
