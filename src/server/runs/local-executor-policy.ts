import "server-only";
import { env } from "~/env";
import type { AgentSpec } from "~/graph/agent-spec";

/**
 * The unsandboxed local executor runs model-written Python on the server itself, so it is allowed
 * per team: ALLOW_LOCAL_EXECUTOR names the slugs of the teams that may use it (off when unset), never
 * "every editor of every team". Checked on the canvas and at run start (validation's
 * `allowLocalExecutor`), and by the worker for every run from the run's own team.
 */

/** Whether the team with this slug may run agents in the local executor. */
export function mayUseLocalExecutor(teamSlug: string): boolean {
  return env.ALLOW_LOCAL_EXECUTOR.includes(teamSlug);
}

/** Names of the agents of a spec tree that would run in the local executor. */
export function localExecutorAgents(spec: AgentSpec): string[] {
  const own = spec.executor?.kind === "local" ? [spec.name] : [];
  return [...own, ...spec.managedAgents.flatMap(localExecutorAgents)];
}

/** A run refused because its team may not use the local executor. */
export class LocalExecutorRefusedError extends Error {
  readonly kind = "user" as const;
  constructor(agentNames: readonly string[]) {
    const who = agentNames.map((name) => `"${name}"`).join(", ");
    super(
      `${agentNames.length === 1 ? "Agent" : "Agents"} ${who} would run in the local sandbox, which executes model-written Python unsandboxed on the ` +
        "server; this server allows it only for teams its operator names. Choose the pyodide or docker sandbox.",
    );
    this.name = "LocalExecutorRefusedError";
  }
}

/** The spec unchanged when its team may run it; throws LocalExecutorRefusedError otherwise. */
export function refuseLocalExecutorUnlessAllowed(spec: AgentSpec, teamSlug: string): AgentSpec {
  const local = localExecutorAgents(spec);
  if (local.length > 0 && !mayUseLocalExecutor(teamSlug)) throw new LocalExecutorRefusedError(local);
  return spec;
}
