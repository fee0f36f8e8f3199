import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The engine is a library: no Next, Prisma, Socket.IO or React, and no process.env. */
const root = join(process.cwd(), "src/agents");
const forbidden =
  /from\s+["'](next|next\/[^"']*|@prisma\/[^"']*|prisma|socket\.io|socket\.io-client|react|react-dom|~\/server\/[^"']*|~\/app\/[^"']*|~\/components\/[^"']*)["']/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|tsx|mts|mjs|js)$/.test(name) ? [path] : [];
  });
}

describe("engine import boundaries", () => {
  const sources = files(root);

  it("finds the engine sources", () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  it("imports no web, database or realtime framework", () => {
    const offenders = sources.filter((path) => forbidden.test(readFileSync(path, "utf8")));
    expect(offenders).toEqual([]);
  });

  it("reads no process.env outside the CLI", () => {
    const offenders = sources.filter(
      (path) =>
        !path.endsWith("/cli.ts") &&
        !path.includes("/executors/") &&
        /process\.env/.test(readFileSync(path, "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
