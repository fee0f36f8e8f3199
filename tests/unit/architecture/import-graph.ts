import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** The repository's `src`, where `~/` points. */
export const srcRoot = join(process.cwd(), "src");

/** Every source file under a folder. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "generated" || name === "node_modules") return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|mjs)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** What a module imports at run time: type-only imports and exports are left out. */
export function valueImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/g;
  for (const match of source.matchAll(statement)) {
    if (!match[1] && match[2]) specifiers.push(match[2]);
  }
  for (const match of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
    if (match[1]) specifiers.push(match[1]);
  }
  return specifiers;
}

/** Everything a module imports from the project or packages, type-only imports included. */
export function allImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/g;
  for (const match of source.matchAll(statement)) if (match[1]) specifiers.push(match[1]);
  for (const match of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
    if (match[1]) specifiers.push(match[1]);
  }
  return specifiers;
}

/** The file a `~/` or relative specifier names; undefined for packages. */
export function resolveSpecifier(from: string, specifier: string): string | undefined {
  let base: string;
  if (specifier.startsWith("~/")) base = join(srcRoot, specifier.slice(2));
  else if (specifier.startsWith(".")) base = join(dirname(from), specifier);
  else return undefined;
  const candidates = [
    base,
    ...[".ts", ".tsx", ".mts", ".mjs", "/index.ts", "/index.tsx"].map((ext) => base + ext),
  ];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

/** A path relative to the repository, for messages. */
export const shown = (path: string) => relative(process.cwd(), path);

/**
 * The modules a set of entry modules pulls in at run time, each with the chain that reached it, so a
 * failure names the path by which a server module got into a browser bundle. Imports of a
 * `"use server"` module are not followed: the bundler replaces them with calls to the server.
 */
export function reachable(entries: string[]): Map<string, string[]> {
  const chains = new Map<string, string[]>(entries.map((entry) => [entry, [entry]]));
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const chain = chains.get(file)!;
    const source = readFileSync(file, "utf8");
    // A server-actions module reaches a browser only as references to call the server with.
    if (/^\s*["']use server["']/.test(source)) continue;
    for (const specifier of valueImports(source)) {
      const target = resolveSpecifier(file, specifier);
      if (!target || chains.has(target)) continue;
      chains.set(target, [...chain, target]);
      queue.push(target);
    }
  }
  return chains;
}

/** Every import cycle among the modules (their strongly connected components), each sorted by path. */
export function importCycles(files: string[]): string[][] {
  const edges = new Map(
    files.map((file) => [
      file,
      allImports(readFileSync(file, "utf8"))
        .map((specifier) => resolveSpecifier(file, specifier))
        .filter((target): target is string => target !== undefined),
    ]),
  );
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    order.set(file, order.size);
    low.set(file, order.get(file)!);
    stack.push(file);
    for (const target of edges.get(file) ?? []) {
      if (!edges.has(target)) continue;
      if (!order.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (stack.includes(target)) {
        low.set(file, Math.min(low.get(file)!, order.get(target)!));
      }
    }
    if (low.get(file) !== order.get(file)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      component.push(member);
      if (member === file) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const file of files) if (!order.has(file)) visit(file);
  return found;
}
