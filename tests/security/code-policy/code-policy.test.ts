import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor, PyodidePool } from "~/agents/executors";
import type { ExecutorOptions, PythonExecutor } from "~/agents/executors/python-executor";
import { type ExecutorKind, hostileSnippets } from "../hostile-python/snippets";
import { policyCases } from "./cases";

/**
 * smolagents' code policy, case by case, on every executor: the runner is shared, so the same
 * refusals (type and wording) must hold on Pyodide, Docker (podman) and the local process.
 */
const MEMORY_MB = 256;
const SOCKET = "/run/podman/podman.sock";
const IMAGE = "troupe-sandbox:test";
/** The operation budget (10,000,000) takes seconds on a loaded machine, Pyodide being the slowest. */
const BUDGET_TIMEOUT_MS = 150_000;

let pool: PyodidePool;
beforeAll(() => {
  pool = new PyodidePool({ size: 1, memoryMb: MEMORY_MB });
});
afterAll(async () => {
  await pool.close();
});

function factory(kind: ExecutorKind, options: ExecutorOptions): Promise<PythonExecutor> {
  const base = { ...options, memoryMb: MEMORY_MB, timeoutMs: 30_000 };
  if (kind === "pyodide") {
    return createExecutor({ kind }, { ...base, pyodidePool: pool, pyodidePoolMemoryMb: MEMORY_MB });
  }
  if (kind === "docker") {
    if (!existsSync(SOCKET)) throw new Error(`${SOCKET} is missing: run scripts/ci/setup-podman.sh`);
    return createExecutor({ kind }, { ...base, dockerSocketPath: SOCKET, dockerImage: IMAGE });
  }
  return createExecutor({ kind }, { ...base, allowLocal: true });
}

for (const kind of ["pyodide", "docker", "local"] as const) {
  describe(`code policy on ${kind}`, () => {
    const executors = new Map<string, PythonExecutor>();
    const get = async (imports: string[] = [], tools: string[] = []) => {
      const key = `${imports.join(",")}|${tools.join(",")}`;
      let executor = executors.get(key);
      if (!executor) {
        executor = await factory(kind, { authorizedImports: imports });
        if (tools.length > 0) {
          await executor.setTools(tools.map((name) => ({ name, call: async () => "ok" })));
        }
        executors.set(key, executor);
      }
      return executor;
    };
    afterAll(async () => {
      await Promise.all([...executors.values()].map((executor) => executor.close()));
    });

    for (const policyCase of policyCases) {
      const budget = policyCase.rule === "the operation budget stops runaway code";
      const imports = policyCase.authorizedImports ? ` [${policyCase.authorizedImports.join(", ")}]` : "";
      it(
        `${policyCase.rule}: ${policyCase.id}${imports}`,
        async () => {
          const executor = await get(policyCase.authorizedImports, policyCase.tools);
          const out = await executor.run(policyCase.code, budget ? { timeoutMs: BUDGET_TIMEOUT_MS } : {});
          if (policyCase.error) {
            expect(out.error?.type, JSON.stringify(out.error)).toBe(policyCase.error.type);
            expect(out.error?.message).toContain(policyCase.error.message);
          } else {
            expect(out.error, JSON.stringify(out.error)).toBeNull();
            expect(out.output).toEqual(policyCase.output);
          }
          expect(out.isFinalAnswer).toBe(false);
          if (budget) {
            const after = await executor.run("sum(i for i in range(1000))");
            expect(after.output, "the next action gets a fresh budget").toBe(499_500);
          }
        },
        budget ? BUDGET_TIMEOUT_MS + 30_000 : undefined,
      );
    }

    it("a tool stays callable after a refused overwrite", async () => {
      const executor = await get([], ["search"]);
      const refused = await executor.run("search = 1");
      expect(refused.error?.message).toContain("Cannot assign to name 'search'");
      const out = await executor.run("search(q='q')");
      expect(out.error).toBeNull();
      expect(out.output).toBe("ok");
    });
  });
}

describe("what the local executor cannot stop", () => {
  it("the README's list is exactly the hostile snippets documented as local escapes", () => {
    const readme = readFileSync(new URL("../../../src/agents/executors/README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Local process"));
    const cannotStop = section.slice(
      section.indexOf("What it cannot stop"),
      section.indexOf("What it does stop"),
    );
    const listed = new Set([...cannotStop.matchAll(/`([a-z]+(?:-[a-z]+)+)`/g)].map((match) => match[1]));
    const escapes = new Set(hostileSnippets.filter((s) => s.on?.local === "escapes").map((s) => s.id));
    expect([...listed].sort()).toEqual([...escapes].sort());
  });
});
