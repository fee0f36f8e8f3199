import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reachable, resolveSpecifier, shown, sourceFiles, srcRoot, valueImports } from "./import-graph";

const all = sourceFiles(srcRoot);
const isClientEntry = (path: string) => /^\s*["']use client["']/.test(readFileSync(path, "utf8"));
const isServerActions = (path: string) => /^\s*["']use server["']/.test(readFileSync(path, "utf8"));
const under = (folder: string) => (path: string) => path.startsWith(`${join(srcRoot, folder)}/`);

describe("layers", () => {
  // What may end up in a browser: client components and what they import, and every module of the
  // folders client code draws on (a component or a helper is one import away from a client bundle).
  const browserEntries = () =>
    all.filter((path) => isClientEntry(path) || under("components")(path) || under("lib")(path));

  it("keeps server modules out of every browser bundle", () => {
    const entries = browserEntries();
    expect(entries.filter(isClientEntry).length).toBeGreaterThan(20);
    const offenders = [...reachable(entries)]
      .filter(([path]) => !isServerActions(path))
      .filter(
        ([path]) =>
          under("server")(path) || path.endsWith("/trpc/server.ts") || path === join(srcRoot, "env.ts"),
      )
      .map(([, chain]) => chain.map(shown).join(" → "));
    expect(offenders).toEqual([]);
  });

  it("keeps Node built-ins out of every browser bundle", () => {
    const entries = browserEntries();
    const offenders = [...reachable(entries)].flatMap(([path, chain]) =>
      valueImports(readFileSync(path, "utf8"))
        .filter((specifier) => specifier.startsWith("node:"))
        .map((specifier) => `${chain.map(shown).join(" → ")} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it("lets the schema, the engine and the server import only downward", () => {
    // Each layer and what it may import from the project (besides itself).
    const allowed: Record<string, string[]> = {
      graph: [],
      lib: ["graph"],
      agents: ["graph", "lib"],
      eval: ["graph", "lib", "agents"],
      server: ["graph", "lib", "agents", "eval", "env.ts"],
    };
    const offenders: string[] = [];
    for (const [layer, below] of Object.entries(allowed)) {
      for (const file of all.filter(under(layer))) {
        for (const specifier of valueImports(readFileSync(file, "utf8"))) {
          const target = resolveSpecifier(file, specifier);
          if (!target || under(layer)(target)) continue;
          const ok = below.some((name) =>
            name.endsWith(".ts") ? target === join(srcRoot, name) : under(name)(target),
          );
          if (!ok) offenders.push(`${shown(file)} imports ${shown(target)}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
