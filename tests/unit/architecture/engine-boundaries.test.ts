import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The engine is a library: no Next, Prisma, Socket.IO or React, and no environment of its own. Its
 * telemetry goes through `@opentelemetry/api` only: the SDK and prom-client belong to src/server.
 */
const root = join(process.cwd(), "src/agents");
const forbidden =
  /from\s+["'](next|next\/[^"']*|@prisma\/[^"']*|prisma|socket\.io|socket\.io-client|react|react-dom|prom-client|@opentelemetry\/(?!api["'])[^"']*|~\/server\/[^"']*|~\/app\/[^"']*|~\/components\/[^"']*)["']/;

/** Source without its comments, which may well mention what the code must not do. */
const withoutComments = (source: string) =>
  source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

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

  it("reads no environment: the app or a command line hands it what it needs", () => {
    const offenders = sources.filter((path) =>
      /process\.env|from\s+["']~\/env["']/.test(withoutComments(readFileSync(path, "utf8"))),
    );
    expect(offenders).toEqual([]);
  });
});
