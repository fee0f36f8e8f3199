import type { ExecutorSpec } from "~/graph/agent-spec";
import { DockerExecutor, type DockerExecutorOptions } from "./docker-executor";
import { LocalExecutor } from "./local-executor";
import { PyodideExecutor } from "./pyodide-executor";
import { PyodidePool } from "./pyodide-pool";
import type { ExecutorOptions, PythonExecutor } from "./python-executor";

export {
  DEFAULT_SANDBOX_IMAGE,
  DockerExecutor,
  type DockerExecutorOptions,
  parseDockerHost,
} from "./docker-executor";
export { LocalExecutor, type LocalExecutorOptions } from "./local-executor";
export { DEFAULT_MAX_OUTPUT_CHARS, DEFAULT_TIMEOUT_MS, ProtocolExecutor } from "./protocol-executor";
export { PyodideExecutor, type PyodideExecutorOptions } from "./pyodide-executor";
export { getPyodideSnapshot, PyodidePool, type PyodidePoolOptions } from "./pyodide-pool";
export type * from "./python-executor";
export { RUNNER_PATH, readRunnerSource } from "./runner-protocol";

/** Host-side settings for building executors; the server fills them from env.ts, tests directly. */
export interface CreateExecutorOptions extends ExecutorOptions {
  /** The local executor runs model code unsandboxed; it is refused unless this is true. */
  allowLocal?: boolean;
  /** Warm Pyodide pool shared by runs (see getPyodidePool). */
  pyodidePool?: PyodidePool;
  /** Memory cap the pool's processes use (MiB), so a run with another cap boots its own. */
  pyodidePoolMemoryMb?: number;
  /** Pool-less Pyodide boots from the process-wide snapshot (default true; false for one-shot use). */
  pyodideSnapshot?: boolean;
  /** Docker API: a socket path (Docker, or podman's compatible socket) or a TCP host. */
  dockerSocketPath?: string;
  dockerHost?: string;
  dockerPort?: number;
  /** Image used when the spec names none. */
  dockerImage?: string;
  pythonPath?: string;
}

/** The local executor was asked for without `allowLocal: true`. */
export class LocalExecutorNotAllowedError extends Error {
  readonly kind = "user" as const;
  constructor() {
    super(
      'The "local" sandbox runs model-written Python directly on the host, unsandboxed. It is disabled ' +
        "here (a server enables it only for the teams ALLOW_LOCAL_EXECUTOR names); choose pyodide or docker.",
    );
    this.name = "LocalExecutorNotAllowedError";
  }
}

/**
 * Build the sandbox for one run from the agent's executor spec (kind, timeout, memory, cpus, image)
 * and host options. Spec values win over option defaults. Never reads process.env.
 */
export async function createExecutor(
  spec: ExecutorSpec | undefined,
  options: CreateExecutorOptions = {},
): Promise<PythonExecutor> {
  const kind = spec?.kind ?? "pyodide";
  const base: ExecutorOptions = {
    authorizedImports: options.authorizedImports,
    maxOutputChars: options.maxOutputChars,
    timeoutMs: spec?.timeoutSeconds !== undefined ? spec.timeoutSeconds * 1000 : options.timeoutMs,
    memoryMb: spec?.memoryMb ?? options.memoryMb,
  };
  switch (kind) {
    case "pyodide":
      return new PyodideExecutor({
        ...base,
        pool: options.pyodidePool,
        poolMemoryMb: options.pyodidePoolMemoryMb,
        snapshot: options.pyodideSnapshot,
      });
    case "docker": {
      const docker: DockerExecutorOptions = {
        ...base,
        image: spec?.image ?? options.dockerImage,
        cpus: spec?.cpus,
      };
      if (options.dockerHost) {
        docker.host = options.dockerHost;
        docker.port = options.dockerPort;
      } else {
        docker.socketPath = options.dockerSocketPath;
      }
      return new DockerExecutor(docker);
    }
    case "local":
      if (options.allowLocal !== true) throw new LocalExecutorNotAllowedError();
      return new LocalExecutor({ ...base, pythonPath: options.pythonPath });
  }
}

const pools = new Map<string, PyodidePool>();

/** A process-wide warm Pyodide pool per (size, memory cap), created on first use. */
export function getPyodidePool(size: number, memoryMb?: number): PyodidePool {
  const key = `${size}:${memoryMb ?? ""}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new PyodidePool({ size, memoryMb });
    pools.set(key, pool);
  }
  return pool;
}
