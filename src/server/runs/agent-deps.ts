import "server-only";
import type { BuildAgentDeps } from "~/agents";
import { createExecutor, PyodidePool, type PythonExecutor } from "~/agents/executors";
import { env } from "~/env";
import type { AgentSpec } from "~/graph/agent-spec";
import { withInstallationModel } from "~/graph/key-binding";
import type { PrismaClient } from "~/server/db";
import { isTransientDatabaseError, retryTransient } from "~/server/db/transient";
import { newErrorReference } from "~/server/error-reference";
import { logger } from "~/server/logger";
import {
  observedLabelledGauge,
  recordSandboxBoot,
  recordSandboxExecution,
} from "~/server/observability/metrics";
import { type SecretsKeyring, secretsKeyring } from "~/server/secrets/keys";
import { resolveTeamSecret } from "~/server/secrets/team-secrets";
import { executorHostFromEnv } from "./executor-host";
import { mayUseLocalExecutor } from "./local-executor-policy";
import { mcpHostOptions } from "./mcp-policy";
import type { RunTeam } from "./process-run";
import { environmentSecret, outboundPolicy } from "./providers";

/**
 * The engine's host dependencies in a worker, per run's team: secrets from the team's own (bound to
 * their host, if any, and marked used) and then from the environment (provider keys bound to their
 * hosts, for models only), the outbound policy (OUTBOUND_ALLOW), sandboxes chosen by the agent spec (Pyodide
 * from a warm pool by default; the local executor only for a team ALLOW_LOCAL_EXECUTOR names).
 */
export function createAgentDeps(
  db: PrismaClient,
  keyring: SecretsKeyring = secretsKeyring(),
): {
  depsFor(team: RunTeam): BuildAgentDeps;
  /** The warm Pyodide pool (booting from now on), if PYODIDE_POOL_SIZE > 0: readiness waits for it. */
  pool: PyodidePool | undefined;
  close(): Promise<void>;
} {
  const host = executorHostFromEnv(env);
  const memoryMb = env.SANDBOX_MEMORY_MB;
  const pool =
    env.PYODIDE_POOL_SIZE > 0
      ? new PyodidePool({ size: env.PYODIDE_POOL_SIZE, memoryMb, onBoot: recordSandboxBoot })
      : undefined;
  if (pool) {
    observedLabelledGauge(
      "troupe_sandbox_pool_processes",
      "Pyodide sandbox processes in the warm pool, by state (ready, booting); the target is PYODIDE_POOL_SIZE.",
      "state",
      () => ({ ready: pool.available, booting: pool.booting }),
    );
  }
  // One policy object for every run: its guard and connection pool are shared.
  const outbound = outboundPolicy();
  const depsFor = (team: RunTeam): BuildAgentDeps => ({
    resolveSecret: async (name) => {
      // The claim read the team's secret names: most runs use an installation key (OPENAI_API_KEY),
      // which then costs no query on the way to the run's first model call.
      const teamMayHaveIt = team.secretNames === undefined || team.secretNames.includes(name);
      if (!teamMayHaveIt) return environmentSecret(name);
      try {
        // A connection cut while the secret is read is tried again, not the run's failure.
        return (
          (await retryTransient(() => resolveTeamSecret(db, team.id, name, keyring))) ??
          environmentSecret(name)
        );
      } catch (error) {
        if (!isTransientDatabaseError(error)) throw error;
        // The run's error (which browsers see) names a reference, never the database's words.
        const reference = newErrorReference();
        logger.error({ err: error, reference, secret: name }, "reading a team secret failed");
        throw new Error(`The secret ${name} could not be read (reference ${reference}).`);
      }
    },
    outbound,
    mcp: mcpHostOptions(),
    // The dashboard shows model text as it is generated.
    streamOutputs: true,
    createExecutor: async (spec, options) =>
      observedExecutor(
        await createExecutor(spec, {
          ...host,
          ...options,
          memoryMb: options?.memoryMb ?? memoryMb,
          allowLocal: mayUseLocalExecutor(team.slug),
          pyodidePool: pool,
          pyodidePoolMemoryMb: memoryMb,
        }),
      ),
  });
  return { depsFor, pool, close: async () => pool?.close() };
}

/** The same sandbox, each code action's outcome counted (executions, errors, timeouts). */
function observedExecutor(executor: PythonExecutor): PythonExecutor {
  const run = executor.run.bind(executor);
  executor.run = async (code, options) => {
    const output = await run(code, options);
    recordSandboxExecution(executor.kind, output.error?.type);
    return output;
  };
  return executor;
}

/**
 * Fill installation-wide defaults into a spec before it runs: an OpenAI-compatible model with no
 * base URL uses OPENAI_BASE_URL when set (a local Ollama or vLLM, a proxy), and a code agent with
 * no sandbox on the canvas runs in SANDBOX_EXECUTOR.
 */
export function withInstallationDefaults(spec: AgentSpec): AgentSpec {
  const model = withInstallationModel(spec.model, env.OPENAI_BASE_URL);
  const executor = spec.executor ?? (spec.type === "code" ? { kind: env.SANDBOX_EXECUTOR } : undefined);
  return {
    ...spec,
    model,
    ...(executor ? { executor } : {}),
    managedAgents: spec.managedAgents.map(withInstallationDefaults),
  };
}
