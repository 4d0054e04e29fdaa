// Kernel module dependencies from modules.dep, in load order (dependencies
// first), with built-in modules (modules.builtin) skipped.
export interface ModuleIndex {
  /** module name (dashes as underscores) → path relative to lib/modules/<release> */
  path: Map<string, string>;
  /** module name → names of its direct and indirect dependencies, as modules.dep lists them */
  deps: Map<string, string[]>;
  builtin: Set<string>;
  /** module name → modules to load first if present (modules.softdep "pre:", through exact aliases) */
  softPre: Map<string, string[]>;
}

export function moduleName(path: string): string {
  const base = path.split('/').at(-1) ?? path;
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

export interface ExtraIndexFiles {
  /** modules.builtin */
  builtin?: string;
  /** modules.softdep */
  softdep?: string;
  /** modules.alias (only exact aliases are used, to resolve soft dependencies) */
  alias?: string;
}

export function parseModulesDep(modulesDep: string, extra: ExtraIndexFiles = {}): ModuleIndex {
  const path = new Map<string, string>();
  const deps = new Map<string, string[]>();
  for (const raw of modulesDep.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new Error(`modules.dep: expected "module.ko: deps..." but got ${JSON.stringify(line)}`);
    const mod = line.slice(0, colon).trim();
    const name = moduleName(mod);
    path.set(name, mod);
    deps.set(
      name,
      line
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(moduleName),
    );
  }
  const builtin = new Set(
    (extra.builtin ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map(moduleName),
  );
  const aliases = new Map<string, string[]>();
  for (const line of (extra.alias ?? '').split('\n')) {
    const m = /^alias\s+(\S+)\s+(\S+)$/.exec(line.trim());
    if (!m?.[1] || !m[2] || /[*?[]/.test(m[1])) continue;
    const key = m[1].replace(/-/g, '_');
    aliases.set(key, [...(aliases.get(key) ?? []), moduleName(m[2])]);
  }
  // Generic implementations first: they load on any CPU.
  const expand = (n: string): string[] => {
    const key = n.replace(/-/g, '_');
    const targets = path.has(key) ? [key] : (aliases.get(key) ?? []);
    return [...targets].sort((a, b) => Number(b.endsWith('_generic')) - Number(a.endsWith('_generic')));
  };
  const softPre = new Map<string, string[]>();
  for (const line of (extra.softdep ?? '').split('\n')) {
    const m = /^softdep\s+(\S+)\s+(.*)$/.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    const pre = /pre:\s*([^:]*?)(?:\s+post:.*)?$/.exec(m[2])?.[1];
    if (!pre) continue;
    softPre.set(moduleName(m[1]), pre.split(/\s+/).filter(Boolean).flatMap(expand));
  }
  return { path, deps, builtin, softPre };
}

export interface ResolvedModule {
  name: string;
  path: string;
}

/**
 * The modules to load for `wanted`, dependencies first, each once. Built-in
 * names are skipped; a name that is neither a module nor built-in throws,
 * unless `optional` lists it.
 */
export function resolveModules(index: ModuleIndex, wanted: readonly string[], optional: readonly string[] = []): ResolvedModule[] {
  const out: ResolvedModule[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const opt = new Set(optional.map(moduleName));
  const missing: string[] = [];
  const visit = (name: string, from: string | undefined): void => {
    if (done.has(name)) return;
    if (index.builtin.has(name) && !index.path.has(name)) return;
    const path = index.path.get(name);
    if (!path) {
      if (!opt.has(name) || from) missing.push(from ? `${name} (needed by ${from})` : name);
      return;
    }
    if (visiting.has(name)) throw new Error(`modules.dep: dependency cycle through ${name}`);
    visiting.add(name);
    for (const d of index.softPre.get(name) ?? []) if (index.path.has(d) && !visiting.has(d)) visit(d, name);
    for (const d of index.deps.get(name) ?? []) visit(d, name);
    visiting.delete(name);
    done.add(name);
    out.push({ name, path });
  };
  for (const w of wanted) visit(moduleName(w), undefined);
  if (missing.length) throw new Error(`modules not found in modules.dep and not built in: ${missing.join(', ')}`);
  return out;
}

/** Module paths (relative to lib/modules/<release>) the cache keeps: what labs can use, plus dependencies. */
export const KEEP_MODULES: readonly RegExp[] = [
  /^kernel\/net\//,
  /^kernel\/fs\/(9p|netfs|overlayfs|fscache)\//,
  /^kernel\/drivers\/net\/[^/]+\.ko/,
  /^kernel\/drivers\/(virtio|char\/virtio_console)/,
  /^kernel\/(crypto|lib|arch\/x86\/crypto)\//,
];
export const DROP_MODULES: readonly RegExp[] = [
  /^kernel\/net\/(wireless|mac80211|bluetooth|nfc|ieee802154|mac802154|can|sunrpc|ceph|rxrpc|9p\/9pnet_(rdma|xen))\//,
  /^kernel\/net\/9p\/9pnet_(rdma|xen)\.ko/,
];

/** The set of module paths to keep: those matching KEEP_MODULES but not DROP_MODULES, closed over dependencies. */
export function selectKeptModules(
  index: ModuleIndex,
  keep: readonly RegExp[] = KEEP_MODULES,
  drop: readonly RegExp[] = DROP_MODULES,
): Set<string> {
  const wanted = [...index.path.entries()].filter(([, p]) => keep.some((r) => r.test(p)) && !drop.some((r) => r.test(p))).map(([n]) => n);
  return new Set(resolveModules(index, wanted).map((m) => m.path));
}
