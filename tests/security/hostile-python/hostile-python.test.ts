import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor, PyodidePool } from "~/agents/executors";
import type { CodeOutput, ExecutorOptions, PythonExecutor } from "~/agents/executors/python-executor";
import { type ExecutorKind, type HostileOutcome, hostileSnippets } from "./snippets";

/**
 * Every hostile snippet against every executor. Pyodide and Docker must show no escape at all, under
 * each snippet's own import policy and again with every import authorized ("*"); LocalExecutor must
 * behave exactly as documented (the "escapes" entries in snippets.ts / README).
 */
const MEMORY_MB = 256;
const SOCKET = "/run/podman/podman.sock";
const IMAGE = "troupe-sandbox:test";

const dir = mkdtempSync(join(tmpdir(), "troupe-hostile-"));
const secret = `canary-${randomBytes(12).toString("hex")}`;
const canaryFile = join(dir, "secret.txt");
writeFileSync(canaryFile, secret);
// The host's environment carries the secret too: a sandbox that reads it shows the canary.
process.env.TROUPE_HOSTILE_CANARY = secret;

let pool: PyodidePool;
/** A listener on the host's loopback; any connection it sees is an escape. */
let listener: Server;
let loopbackConnections = 0;
let loopbackPort = 0;
beforeAll(async () => {
  pool = new PyodidePool({ size: 2, memoryMb: MEMORY_MB });
  listener = createServer((socket) => {
    loopbackConnections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  loopbackPort = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  await pool.close();
  await new Promise((resolve) => listener.close(resolve));
  delete process.env.TROUPE_HOSTILE_CANARY;
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

function escapeSigns(out: CodeOutput, marker: string, connectionsBefore: number): string[] {
  const signs: string[] = [];
  if (loopbackConnections > connectionsBefore) signs.push("the host loopback listener got a connection");
  const value = JSON.stringify(out.output ?? null);
  if (value.includes("ESCAPED")) signs.push(`value says ESCAPED: ${value.slice(0, 200)}`);
  if (value.includes(secret) || out.logs.includes(secret)) signs.push("host canary secret leaked");
  if (existsSync(marker)) signs.push(`host file ${marker} was created`);
  return signs;
}

const variants = [
  { kind: "pyodide", allImports: false },
  { kind: "docker", allImports: false },
  { kind: "local", allImports: false },
  { kind: "pyodide", allImports: true },
  { kind: "docker", allImports: true },
] as const;

for (const { kind, allImports } of variants) {
  describe(`hostile Python on ${kind}${allImports ? ' with every import authorized ("*")' : ""}`, () => {
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
      // With "*" the policy layer is out of the way: whatever happens must stay inside the sandbox.
      const expected: HostileOutcome = allImports ? "contained" : (snippet.on?.[kind] ?? snippet.expect);
      it(`${snippet.id}: ${snippet.title} → ${expected}`, async () => {
        const marker = join(dir, `marker-${kind}-${allImports ? "any-" : ""}${snippet.id}`);
        const fill = (code: string) =>
          code
            .replaceAll("{{CANARY_FILE}}", canaryFile)
            .replaceAll("{{HOST_MARKER}}", marker)
            .replaceAll("{{HOST_PORT}}", String(loopbackPort))
            .replaceAll("{{PROJECT_FILE}}", join(process.cwd(), "package.json"));
        const executor = await get(allImports ? ["*"] : snippet.authorizedImports);
        const connectionsBefore = loopbackConnections;
        const options = snippet.timeoutMs ? { timeoutMs: snippet.timeoutMs } : {};
        const out = await executor.run(fill(snippet.code), options);
        const signs = escapeSigns(out, marker, connectionsBefore);
        if (snippet.followUp) {
          await new Promise((resolve) => setTimeout(resolve, snippet.followUpAfterMs ?? 0));
          const next = await executor.run(fill(snippet.followUp), options);
          signs.push(...escapeSigns(next, marker, connectionsBefore));
          if (expected !== "escapes") expect(next.isFinalAnswer).toBe(false);
        }
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
