import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor, PyodidePool } from "~/agents/executors";
import type { CodeOutput, ExecutorOptions, PythonExecutor } from "~/agents/executors/python-executor";
import { type ExecutorKind, type HostileOutcome, hostileSnippets } from "./snippets";

/**
 * Every hostile snippet against every executor. Pyodide and Docker must show no escape at all;
 * LocalExecutor must behave exactly as documented (the "escapes" entries in snippets.ts / README).
 */
const MEMORY_MB = 256;
const SOCKET = "/run/podman/podman.sock";
const IMAGE = "troupe-sandbox:test";

const dir = mkdtempSync(join(tmpdir(), "troupe-hostile-"));
const secret = `canary-${randomBytes(12).toString("hex")}`;
const canaryFile = join(dir, "secret.txt");
writeFileSync(canaryFile, secret);

let pool: PyodidePool;
beforeAll(() => {
  pool = new PyodidePool({ size: 2, memoryMb: MEMORY_MB });
});
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

function factory(kind: ExecutorKind, options: ExecutorOptions): Promise<PythonExecutor> {
  const base = { ...options, memoryMb: MEMORY_MB, timeoutMs: 20_000 };
  if (kind === "pyodide") {
    return createExecutor({ kind }, { ...base, pyodidePool: pool, pyodidePoolMemoryMb: MEMORY_MB });
  }
  if (kind === "docker") {
    if (!existsSync(SOCKET)) throw new Error(`${SOCKET} is missing: run scripts/ci/setup-podman.sh`);
    return createExecutor({ kind }, { ...base, dockerSocketPath: SOCKET, dockerImage: IMAGE });
  }
  return createExecutor({ kind }, { ...base, allowLocal: true });
}

function escapeSigns(out: CodeOutput, marker: string): string[] {
  const signs: string[] = [];
  const value = JSON.stringify(out.output ?? null);
  if (value.includes("ESCAPED")) signs.push(`value says ESCAPED: ${value.slice(0, 200)}`);
  if (value.includes(secret) || out.logs.includes(secret)) signs.push("host canary secret leaked");
  if (existsSync(marker)) signs.push(`host file ${marker} was created`);
  return signs;
}

for (const kind of ["pyodide", "docker", "local"] as const) {
  describe(`hostile Python on ${kind}`, () => {
    const executors = new Map<string, PythonExecutor>();
    const get = async (imports: string[] | undefined) => {
      const key = (imports ?? []).join(",");
      let executor = executors.get(key);
      if (!executor) {
        executor = await factory(kind, { authorizedImports: imports });
        executors.set(key, executor);
      }
      return executor;
    };
    afterAll(async () => {
      await Promise.all([...executors.values()].map((executor) => executor.close()));
    });

    for (const snippet of hostileSnippets) {
      const expected: HostileOutcome = snippet.on?.[kind] ?? snippet.expect;
      it(`${snippet.id}: ${snippet.title} → ${expected}`, async () => {
        const marker = join(dir, `marker-${kind}-${snippet.id}`);
        const code = snippet.code
          .replaceAll("{{CANARY_FILE}}", canaryFile)
          .replaceAll("{{HOST_MARKER}}", marker);
        const executor = await get(snippet.authorizedImports);
        const out = await executor.run(code, snippet.timeoutMs ? { timeoutMs: snippet.timeoutMs } : {});
        const signs = escapeSigns(out, marker);
        if (expected === "escapes") {
          expect(signs, "documented LocalExecutor escape no longer reproduces: update README").not.toEqual(
            [],
          );
        } else {
          expect(signs).toEqual([]);
          if (expected !== "contained") {
            expect(out.error?.type, JSON.stringify(out.error)).toBe(expected);
          }
          expect(out.isFinalAnswer).toBe(false);
        }
        const after = await executor.run("1 + 1", { timeoutMs: 60_000 });
        expect(after.output, JSON.stringify(after.error)).toBe(2);
      });
    }
  });
}
