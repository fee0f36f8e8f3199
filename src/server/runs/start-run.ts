import "server-only";
import { compile, migrate } from "~/graph";
import type { AgentSpec } from "~/graph/agent-spec";
import type { PrismaClient } from "~/server/db";
import { teamToolCatalog } from "~/server/library/catalog";
import { teamSecretBindings } from "~/server/secrets/team-secrets";
import { mayUseLocalExecutor } from "./local-executor-policy";
import { mcpStdioCommands } from "./mcp-policy";
import { configuredProviders } from "./providers";
import { createRunWithinLimits, RunLimitError, runBounds } from "./run-limits";
import { getRunServices } from "./run-services";
import type { CreateRunInput } from "./run-store";
import { sandboxLimits } from "./sandbox-policy";

/**
 * Why a run could not start, in words for the caller: the workflow or version is gone (`not_found`),
 * the graph cannot run (`invalid`), a bound of the operator was asked beyond (`bounds`), the team is
 * at its run limits (`limit`), or the database could not take the start in time because many starts
 * are waiting (`busy`: try again in a moment). tRPC and the HTTP API map the kind to their own codes.
 */
export class RunStartError extends Error {
  readonly kind: "not_found" | "invalid" | "bounds" | "limit" | "busy";
  constructor(kind: RunStartError["kind"], message: string) {
    super(message);
    this.name = "RunStartError";
    this.kind = kind;
  }
}

export interface StartWorkflowRunInput
  extends Pick<
    CreateRunInput,
    | "task"
    | "createdById"
    | "source"
    | "endpointId"
    | "apiKeyId"
    | "previousRunId"
    | "input"
    | "evalRunId"
    | "replay"
  > {
  team: { id: string; slug: string };
  workflowId: string;
  /** A saved version; the working copy when absent. */
  versionId?: string | null;
  timeLimitSeconds?: number;
  costCapUsd?: number;
  /** The evaluation case this run is (src/server/eval): linked to the run before it is queued. */
  evalCaseId?: string;
}

/** Where a run's graph comes from: the team, the workflow, and a saved version or the working copy. */
export interface WorkflowSource {
  team: { id: string; slug: string };
  workflowId: string;
  versionId?: string | null;
}

/**
 * A workflow as a run of it would execute it: the saved version (or, without `versionId`, the working
 * copy) migrated and compiled against the team's tool catalog, secrets and the operator's bounds
 * (providers, local executor, sandbox limits, MCP commands); evaluations and `npm run eval --workflow <id>`
 * use exactly this. Throws RunStartError: `not_found` for a missing workflow or version, `invalid` for a
 * graph that cannot run.
 */
export async function compileWorkflow(db: PrismaClient, input: WorkflowSource): Promise<AgentSpec> {
  const source = input.versionId
    ? await db.workflowVersion.findFirst({
        where: { id: input.versionId, workflowId: input.workflowId },
        select: { graph: true },
      })
    : await db.workflow.findUnique({ where: { id: input.workflowId }, select: { graph: true } });
  if (!source) throw new RunStartError("not_found", "Workflow version not found.");
  const migrated = migrate(source.graph);
  if (!migrated.ok) throw new RunStartError("invalid", migrated.message);
  // Authoritative: a run whose secrets are not set would only stop at its first model call,
  // and a model pointing the server's key at another host must not start at all.
  const catalog = await teamToolCatalog(db, input.team.id, { for: migrated.document });
  const providers = configuredProviders();
  const compiled = compile(migrated.document, catalog, {
    knownSecrets: providers.secretNames,
    installationKeys: providers.installationKeys,
    teamSecrets: await teamSecretBindings(db, input.team.id),
    allowLocalExecutor: mayUseLocalExecutor(input.team.slug),
    sandboxLimits: sandboxLimits(),
    mcpStdioCommands: mcpStdioCommands(),
  });
  if (!compiled.ok) {
    const first = compiled.issues[0]?.message ?? "the graph is incomplete";
    const more = compiled.issues.length > 1 ? ` (and ${compiled.issues.length - 1} more)` : "";
    throw new RunStartError("invalid", `This workflow cannot run yet: ${first}${more}.`);
  }
  return compiled.spec;
}

/**
 * The one way a run starts (canvas, dashboard, HTTP API, share link, playground, evaluation cases):
 * compile the workflow (compileWorkflow), store a queued run within the team's limits, and put its id
 * on the queue.
 */
export async function startWorkflowRun(
  db: PrismaClient,
  input: StartWorkflowRunInput,
): Promise<{ runId: string }> {
  const bounds = runBounds();
  if (input.timeLimitSeconds !== undefined && input.timeLimitSeconds > bounds.maxTimeLimitSeconds) {
    throw new RunStartError(
      "bounds",
      `The time limit can be at most ${bounds.maxTimeLimitSeconds.toLocaleString("en-US")} s on this server.`,
    );
  }
  const spec = await compileWorkflow(db, input);
  const run = await createRunWithinLimits(db, {
    teamId: input.team.id,
    workflowId: input.workflowId,
    workflowVersionId: input.versionId ?? null,
    spec,
    task: input.task,
    createdById: input.createdById ?? null,
    timeLimitSeconds: input.timeLimitSeconds ?? bounds.defaultTimeLimitSeconds,
    costCapUsd: input.costCapUsd ?? bounds.defaultCostCapUsd,
    tokenCap: bounds.tokenCap,
    source: input.source,
    endpointId: input.endpointId,
    apiKeyId: input.apiKeyId,
    previousRunId: input.previousRunId,
    input: input.input,
    evalRunId: input.evalRunId,
    replay: input.replay,
  }).catch((error: unknown) => {
    if (error instanceof RunLimitError) throw new RunStartError("limit", error.message);
    if (isDatabaseBusy(error)) {
      throw new RunStartError(
        "busy",
        "The server is busy starting other runs and could not take this one in time. Try again in a moment.",
      );
    }
    throw error;
  });
  if (input.evalCaseId) {
    await db.evalCase.update({ where: { id: input.evalCaseId }, data: { runId: run.id } });
  }
  await getRunServices().queue.enqueue(run.id);
  return { runId: run.id };
}

/**
 * A burst of starts, not a fault: Prisma's "transaction could not start or finish in time" (P2028),
 * "no connection free in the pool in time" (P2024), or Postgres ending a wait on the team's row
 * (lock_timeout, 55P03, raised through a raw query as P2010).
 */
function isDatabaseBusy(error: unknown): boolean {
  const { code, meta } = (error ?? {}) as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { code?: unknown } } };
  };
  return code === "P2028" || code === "P2024" || meta?.driverAdapterError?.cause?.code === "55P03";
}
