import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reachable, shown, sourceFiles, srcRoot, valueImports } from "../architecture/import-graph";

/**
 * The evaluation layer (src/eval) sits on the engine like the server does, with no web, database or
 * environment of its own; its test set format and files are browser-safe, so the app can parse and
 * write them in the page.
 */

const evalFiles = sourceFiles(join(srcRoot, "eval"));
const browserSafe = ["test-set.ts", "test-set-files.ts"].map((name) => join(srcRoot, "eval", name));

describe("the evaluation layer", () => {
  it("imports no web, database or realtime framework and reads no environment", () => {
    expect(evalFiles.length).toBeGreaterThanOrEqual(6);
    const forbidden =
      /^(next|next\/.*|@prisma\/.*|prisma|socket\.io.*|react|react-dom|~\/(server|app|components|trpc)\/.*|~\/env)$/;
    const offenders = evalFiles.flatMap((file) => {
      const source = readFileSync(file, "utf8");
      const imports = valueImports(source).filter((specifier) => forbidden.test(specifier));
      return [
        ...imports.map((specifier) => `${shown(file)} imports ${specifier}`),
        ...(/process\.env/.test(source) ? [`${shown(file)} reads process.env`] : []),
      ];
    });
    expect(offenders).toEqual([]);
  });

  it("keeps the test set format and its files browser-safe: only the graph, src/lib and packages", () => {
    const allowed = (path: string) =>
      browserSafe.includes(path) ||
      ["graph", "lib"].some((folder) => path.startsWith(`${join(srcRoot, folder)}/`));
    const offenders = [...reachable(browserSafe)].flatMap(([path, chain]) => {
      const via = chain.map(shown).join(" → ");
      const builtins = valueImports(readFileSync(path, "utf8")).filter((specifier) =>
        specifier.startsWith("node:"),
      );
      return [...(allowed(path) ? [] : [via]), ...builtins.map((specifier) => `${via} imports ${specifier}`)];
    });
    expect(offenders).toEqual([]);
  });
});
