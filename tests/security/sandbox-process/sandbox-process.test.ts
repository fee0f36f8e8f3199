import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxIsolation, spawnSandboxProcess } from "~/agents/executors/sandbox-process";

/**
 * Assume model code got all the way to the JavaScript side of a Pyodide sandbox: arbitrary JavaScript
 * runs in the sandbox process. A test-only entry (probe-entry.mjs) is started exactly as Pyodide's is
 * (spawnSandboxProcess) and tries what such an attacker would; each attempt must fail, checked on the
 * host: a host file with a secret, the host's environment holding the same secret, a marker file that
 * must not appear, and a loopback listener that must see no connection.
 */
const ENTRY = fileURLToPath(new URL("./probe-entry.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "troupe-probe-"));
const secret = `canary-${randomBytes(12).toString("hex")}`;
const canaryFile = join(dir, "secret.txt");
const marker = join(dir, "marker");
writeFileSync(canaryFile, secret);
process.env.TROUPE_PROBE_CANARY = secret;

let listener: Server;
let connections = 0;
let port = 0;
beforeAll(async () => {
  listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
  delete process.env.TROUPE_PROBE_CANARY;
  rmSync(dir, { recursive: true, force: true });
});

/** Run `code` (an async function body with `require`) in a confined sandbox process. */
function probe(code: string): Promise<{ ok: boolean; result?: unknown; error?: string; raw: string }> {
  const child = spawnSandboxProcess({ entry: ENTRY, args: [], readPaths: [ENTRY], maxOldSpaceMb: 64 });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(`${JSON.stringify({ code })}\n`);
  return new Promise((resolve) => {
    child.on("close", () => {
      const line = stdout.split("\n")[0] ?? "";
      try {
        resolve({ ...(JSON.parse(line) as { ok: boolean }), raw: stdout + stderr });
      } catch {
        resolve({ ok: false, error: `no result: ${stderr.slice(0, 500)}`, raw: stdout + stderr });
      }
    });
  });
}

/** Code that tries `attempt` and answers "refused: <code>" or "DONE: <what it got>". */
const attempt = (body: string) =>
  `try { const got = await (async () => { ${body} })(); return "DONE: " + JSON.stringify(got); } catch (e) { return "refused: " + (e.code ?? e.message); }`;

describe("a Pyodide sandbox process running arbitrary JavaScript", () => {
  it("has the permission model and its own network namespace on this host", () => {
    const isolation = sandboxIsolation();
    expect(isolation.warnings).toEqual([]);
    expect(isolation.permissionModel).toBe(true);
    expect(isolation.networkNamespace).toBe(true);
  });

  it("cannot read a host file", async () => {
    const out = await probe(
      attempt(`return require("node:fs").readFileSync(${JSON.stringify(canaryFile)}, "utf8");`),
    );
    expect(out.result).toBe("refused: ERR_ACCESS_DENIED");
    expect(out.raw).not.toContain(secret);
  });

  it("sees an empty environment and cannot read /proc/self/environ or the parent's", async () => {
    const env = await probe("return Object.keys(process.env);");
    expect(env.result).toEqual([]);
    for (const path of ["/proc/self/environ", `/proc/${process.pid}/environ`]) {
      const out = await probe(
        attempt(`return require("node:fs").readFileSync(${JSON.stringify(path)}, "latin1");`),
      );
      expect(out.result).toBe("refused: ERR_ACCESS_DENIED");
      expect(out.raw).not.toContain(secret);
    }
  });

  it("cannot write a file", async () => {
    const out = await probe(attempt(`require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x");`));
    expect(out.result).toBe("refused: ERR_ACCESS_DENIED");
    expect(existsSync(marker)).toBe(false);
  });

  it("cannot spawn a process, start a worker or load an addon", async () => {
    const spawn = await probe(
      attempt(`return require("node:child_process").spawnSync("/bin/sh", ["-c", "touch ${marker}"]).status;`),
    );
    expect(spawn.result).toBe("refused: ERR_ACCESS_DENIED");
    const worker = await probe(
      attempt(`return new (require("node:worker_threads").Worker)("1", { eval: true }).threadId;`),
    );
    expect(worker.result).toBe("refused: ERR_ACCESS_DENIED");
    const addon = await probe(attempt(`process.dlopen({ exports: {} }, "/nonexistent.node");`));
    expect(addon.result).toBe("refused: ERR_DLOPEN_DISABLED");
    expect(existsSync(marker)).toBe(false);
  });

  it("cannot open a socket to the host's loopback, and has no fetch", async () => {
    const before = connections;
    const out = await probe(
      attempt(`return await new Promise((resolve, reject) => {
        const socket = require("node:net").connect(${port}, "127.0.0.1");
        socket.on("connect", () => resolve("connected"));
        socket.on("error", reject);
      });`),
    );
    expect(out.result).toBe("refused: ENETUNREACH");
    expect(connections).toBe(before);
    const fetchType = await probe("return typeof fetch;");
    expect(fetchType.result).toBe("undefined");
  });
});
