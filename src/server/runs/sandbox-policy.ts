import "server-only";
import { type SandboxIsolation, sandboxIsolation } from "~/agents/executors/sandbox-process";
import { env } from "~/env";
import type { AgentSpec } from "~/graph/agent-spec";
import { type SandboxLimits, sandboxLimitProblems } from "~/graph/sandbox-limits";
import type { Logger } from "~/server/logger";

/** The operator's sandbox bounds from the environment (SANDBOX_IMAGES defaults to SANDBOX_IMAGE). */
export function sandboxLimits(): SandboxLimits {
  return {
    images: env.SANDBOX_IMAGES.length > 0 ? env.SANDBOX_IMAGES : [env.SANDBOX_IMAGE],
    maxMemoryMb: env.SANDBOX_MAX_MEMORY_MB,
    maxCpus: env.SANDBOX_MAX_CPUS,
    maxTimeoutSeconds: env.SANDBOX_MAX_TIMEOUT_SECONDS,
  };
}

/** A run refused because an agent's sandbox is outside the operator's limits. */
export class SandboxLimitError extends Error {
  readonly kind = "user" as const;
  constructor(agentName: string, problems: readonly string[]) {
    super(`Agent "${agentName}": ${problems.join("; ")}.`);
    this.name = "SandboxLimitError";
  }
}

/** The spec unchanged when every agent's sandbox is within `limits`; throws SandboxLimitError otherwise. */
export function refuseSandboxOutsideLimits(
  spec: AgentSpec,
  limits: SandboxLimits = sandboxLimits(),
): AgentSpec {
  if (spec.executor) {
    const problems = sandboxLimitProblems(spec.executor, limits);
    if (problems.length > 0)
      throw new SandboxLimitError(
        spec.name,
        problems.map((problem) => problem.message),
      );
  }
  for (const managed of spec.managedAgents) refuseSandboxOutsideLimits(managed, limits);
  return spec;
}

/** A production server whose Pyodide sandbox would have no host-side isolation layer. */
export class SandboxIsolationError extends Error {
  constructor(warnings: readonly string[]) {
    super(
      "Refusing to start: the Pyodide sandbox would run with no host isolation layer (neither Node's " +
        `permission model nor a network namespace): ${warnings.join("; ")}. Run Node 20+ on a host ` +
        "where `unshare -n` works (root, CAP_SYS_ADMIN or unprivileged user namespaces).",
    );
    this.name = "SandboxIsolationError";
  }
}

/**
 * Log which isolation layers the Pyodide sandbox gets on this host, and refuse (throw) in production
 * when it gets none of the host-side ones. Called where runs are executed (web embedded worker,
 * `npm run worker`).
 */
export function checkSandboxIsolation(options: {
  logger: Pick<Logger, "info" | "warn">;
  production?: boolean;
  isolation?: SandboxIsolation;
}): SandboxIsolation {
  const isolation = options.isolation ?? sandboxIsolation();
  const production = options.production ?? env.NODE_ENV === "production";
  const layers = {
    permissionModel: isolation.permissionModel,
    networkNamespace: isolation.networkNamespace,
    emptyEnvironment: isolation.emptyEnvironment,
    stdioOnly: isolation.stdioOnly,
  };
  if (production && !isolation.permissionModel && !isolation.networkNamespace) {
    throw new SandboxIsolationError(isolation.warnings);
  }
  for (const warning of isolation.warnings) options.logger.warn(warning);
  options.logger.info({ sandboxIsolation: layers }, "Pyodide sandbox isolation layers");
  return isolation;
}
