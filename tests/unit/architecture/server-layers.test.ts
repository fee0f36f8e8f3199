import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { allImports, importCycles, resolveSpecifier, shown, sourceFiles, srcRoot } from "./import-graph";

/**
 * The parts of src/server from the bottom up (docs/architecture.md, "Inside the server"). A module
 * imports its own part and the parts of lower layers only, type-only imports included; parts of one
 * layer do not import each other. Only the process entries wire parts together, and nothing imports
 * them.
 */
const serverLayers: string[][] = [
  ["db", "logger.ts", "error-reference.ts", "client-address.ts", "mail.ts"],
  ["secrets", "library", "auth", "observability", "lifecycle"],
  ["onboarding", "teams", "runs"],
  ["realtime", "eval"],
  ["worker", "publish", "mcp", "openapi"],
  ["api"],
  ["http"],
  ["entry"],
];
/** The process entries: the web process (with its runs wiring) and the worker process. */
const entries = ["main.ts", "start-runs.ts", "worker/main.ts"];

const serverRoot = join(srcRoot, "server");
const serverFiles = sourceFiles(serverRoot);

/** The part of src/server a module belongs to: its folder, or its own name at the top. */
function partOf(file: string): string {
  const path = relative(serverRoot, file);
  if (entries.includes(path)) return "entry";
  if (path === "db.ts") return "db";
  return path.split("/")[0]!;
}
const layerOf = (part: string) => serverLayers.findIndex((layer) => layer.includes(part));

/** A module whose first import, after its comments and directive, is `import "server-only"`. */
const opensServerOnly = (source: string) =>
  /^(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n]*\n|["']use server["'];)*import\s+["']server-only["'];/.test(source);

/** Project modules a module imports, type-only imports included. */
function projectImports(file: string): string[] {
  return allImports(readFileSync(file, "utf8"))
    .map((specifier) => resolveSpecifier(file, specifier))
    .filter((target): target is string => target !== undefined);
}

describe("server layers", () => {
  it("places every server module in a layer", () => {
    expect(serverFiles.length).toBeGreaterThan(50);
    const unplaced = [...new Set(serverFiles.map(partOf))].filter((part) => layerOf(part) < 0);
    expect(unplaced).toEqual([]);
  });

  it("imports only its own part and lower layers, and only the entries wire parts together", () => {
    const offenders: string[] = [];
    for (const file of serverFiles) {
      const from = partOf(file);
      for (const target of projectImports(file)) {
        if (!target.startsWith(`${serverRoot}/`)) continue;
        const to = partOf(target);
        if (to === from || layerOf(to) < layerOf(from)) continue;
        offenders.push(`${shown(file)} (${from}) imports ${shown(target)} (${to})`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("has no import cycle, in the server or anywhere in src", () => {
    expect(importCycles(sourceFiles(srcRoot)).map((cycle) => cycle.map(shown).join(" ↔ "))).toEqual([]);
  });

  it('opens every server module with import "server-only"', () => {
    const missing = serverFiles.filter((file) => !opensServerOnly(readFileSync(file, "utf8")));
    expect(missing.map(shown)).toEqual([]);
  });
});

describe("the checks themselves", () => {
  const fixtures = join(process.cwd(), "tests/unit/architecture/fixtures");

  it("find a cycle, and only the modules in it", () => {
    const files = ["cycle-a.ts", "cycle-b.ts", "cycle-free.ts"].map((name) => join(fixtures, name));
    expect(importCycles(files).map((cycle) => cycle.map((file) => relative(fixtures, file)))).toEqual([
      ["cycle-a.ts", "cycle-b.ts"],
    ]);
  });

  it("tell an upward import from a downward one", () => {
    const store = partOf(join(serverRoot, "runs/run-store.ts"));
    const rooms = partOf(join(serverRoot, "realtime/run-rooms.ts"));
    expect([store, rooms]).toEqual(["runs", "realtime"]);
    expect(layerOf(store)).toBeLessThan(layerOf(rooms));
    expect(partOf(join(serverRoot, "worker/main.ts"))).toBe("entry");
    expect(partOf(join(serverRoot, "worker/start-worker.ts"))).toBe("worker");
  });

  it('tell a module that opens with import "server-only" from one that does not', () => {
    expect(opensServerOnly('/** Doc. */\nimport "server-only";\nimport { z } from "zod";')).toBe(true);
    expect(opensServerOnly('"use server";\n\nimport "server-only";')).toBe(true);
    expect(opensServerOnly('import { z } from "zod";\nimport "server-only";')).toBe(false);
  });

  it("see the imports a module spells, type-only ones included", () => {
    const source = `import "server-only";\nimport type { A } from "./a";\nexport { b } from "../b";\nconst c = await import("~/c");`;
    expect(allImports(source)).toEqual(["server-only", "./a", "../b", "~/c"]);
  });
});
