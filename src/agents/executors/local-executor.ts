import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProtocolExecutor } from "./protocol-executor";
import type { ExecutorOptions } from "./python-executor";
import { RUNNER_PATH } from "./runner-protocol";
import { SandboxDiedError } from "./runner-transport";
import { StdioTransport } from "./stdio-transport";

/** Options of the local-process executor. */
export interface LocalExecutorOptions extends ExecutorOptions {
  /** Python interpreter to run (default "python3" on PATH). */
  pythonPath?: string;
  /** PATH given to the child; nothing else of the host environment is passed. */
  path?: string;
}

/**
 * UNSAFE: runs model code in a plain `python3` child process of the host, as the host's user, with
 * the host's network and filesystem. The runner's import allow-list and attribute checks are its only
 * guard (README.md lists what they cannot stop). Enabled only through an explicit `allowLocal: true`.
 */
export class LocalExecutor extends ProtocolExecutor {
  constructor(options: LocalExecutorOptions = {}) {
    super("local", () => startLocalRunner(options), options);
  }
}

async function startLocalRunner(options: LocalExecutorOptions): Promise<StdioTransport> {
  const workDir = await mkdtemp(join(tmpdir(), "troupe-local-"));
  const args = ["-I", "-u", RUNNER_PATH];
  if (options.memoryMb) args.push(`--memory-mb=${options.memoryMb}`);
  const child = spawn(options.pythonPath ?? "python3", args, {
    cwd: workDir,
    env: {
      PATH: options.path ?? "/usr/local/bin:/usr/bin:/bin",
      LANG: "C.UTF-8",
      PYTHONIOENCODING: "utf-8",
    } as unknown as NodeJS.ProcessEnv,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let stderrTail = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }
    await rm(workDir, { recursive: true, force: true }).catch(() => {});
  };
  const transport = new StdioTransport(child.stdin, child.stdout, stop);
  child.on("error", (error) =>
    transport.fail(new SandboxDiedError(`python3 failed: ${error.message}`, "SandboxError")),
  );
  child.on("exit", (code, signal) => {
    transport.fail(
      new SandboxDiedError(
        `The Python process exited (${signal ?? `code ${code}`})${stderrTail ? `: ${stderrTail.slice(-500)}` : ""}`,
        "SandboxError",
      ),
    );
    void rm(workDir, { recursive: true, force: true }).catch(() => {});
  });
  try {
    await transport.ready();
  } catch (error) {
    await stop();
    throw error;
  }
  return transport;
}
