import "server-only";
import { z } from "zod";
import { runStatuses } from "~/lib/run-status";
import type { PrismaClient } from "~/server/db";
import type { RunSource } from "~/server/db/generated/enums";
import { type ConversationMessage, type RunInput, storedRunInput } from "~/server/runs/run-input";
import { RunStartError, startWorkflowRun } from "~/server/runs/start-run";
import { ApiError } from "./api-error";
import { type ApiCaller, keyMayCall } from "./api-keys";

/** What the API needs of an endpoint. */
export const endpointSelect = {
  id: true,
  teamId: true,
  slug: true,
  description: true,
  workflowId: true,
  workflowVersionId: true,
  allowedOrigins: true,
  shareEnabled: true,
  shareRatePerMinute: true,
  team: { select: { id: true, slug: true } },
} as const;

export interface PublishedEndpoint {
  id: string;
  teamId: string;
  slug: string;
  description: string;
  workflowId: string;
  workflowVersionId: string | null;
  allowedOrigins: string[];
  shareEnabled: boolean;
  shareRatePerMinute: number;
  team: { id: string; slug: string };
}

/**
 * The endpoint `{teamSlug}/{slug}` for a caller: another team's endpoint, or one that does not exist,
 * is 404 (nothing about other teams is revealed); one outside the key's scope is 403; an unpublished
 * one is 404 with a message saying so.
 */
export async function endpointForCaller(
  db: PrismaClient,
  caller: ApiCaller,
  where: { teamSlug?: string; slug: string },
): Promise<PublishedEndpoint & { workflowVersionId: string }> {
  const notFound = () =>
    new ApiError(404, "endpoint_not_found", `No endpoint "${where.slug}" for this API key.`);
  if (where.teamSlug !== undefined && where.teamSlug !== caller.team.slug) throw notFound();
  const endpoint = await db.endpoint.findUnique({
    where: { teamId_slug: { teamId: caller.team.id, slug: where.slug } },
    select: endpointSelect,
  });
  if (!endpoint) throw notFound();
  if (!keyMayCall(caller.key, endpoint)) {
    throw new ApiError(
      403,
      "endpoint_not_in_scope",
      `This API key may not call the endpoint "${endpoint.slug}".`,
    );
  }
  return publishedOrThrow(endpoint);
}

/** An endpoint that serves a version, or 404 "not published". */
export function publishedOrThrow(
  endpoint: PublishedEndpoint,
): PublishedEndpoint & { workflowVersionId: string } {
  if (!endpoint.workflowVersionId) {
    throw new ApiError(404, "endpoint_unpublished", `The endpoint "${endpoint.slug}" is not published.`);
  }
  return { ...endpoint, workflowVersionId: endpoint.workflowVersionId };
}

/** When to try again after the team's run limits refused a run (they free up as its runs end). */
const TEAM_LIMIT_RETRY_SECONDS = 30;

/** When to try again after a start was refused because the database was busy with other starts. */
const BUSY_RETRY_SECONDS = 2;

const startErrorStatus = {
  not_found: 404,
  invalid: 422,
  bounds: 400,
  limit: 429,
  busy: 503,
} as const satisfies Record<RunStartError["kind"], ApiError["status"]>;

/**
 * Start a run of the version an endpoint serves: a normal run (queued, live on the dashboard) marked
 * with its source, the endpoint and the key. `previousRunId` continues a conversation (its memory).
 */
export async function startEndpointRun(
  db: PrismaClient,
  options: {
    endpoint: PublishedEndpoint & { workflowVersionId: string };
    input: RunInput;
    source: Extract<RunSource, "api" | "share">;
    caller?: ApiCaller;
    previousRunId?: string | null;
    /** Earlier messages of the conversation (OpenAI-compatible calls): the agent's memory before the task. */
    conversation?: ConversationMessage[];
  },
): Promise<{ runId: string }> {
  const { endpoint, input, caller } = options;
  try {
    return await startWorkflowRun(db, {
      team: endpoint.team,
      workflowId: endpoint.workflowId,
      versionId: endpoint.workflowVersionId,
      task: input.task,
      source: options.source,
      endpointId: endpoint.id,
      apiKeyId: caller?.key.id ?? null,
      previousRunId: options.previousRunId ?? null,
      input: storedRunInput(input, options.conversation),
    });
  } catch (error) {
    if (error instanceof RunStartError) {
      // The team's run limits free up as its runs end: a 429 says when to look again.
      const retry =
        error.kind === "limit"
          ? { retryAfterSeconds: TEAM_LIMIT_RETRY_SECONDS }
          : error.kind === "busy"
            ? { retryAfterSeconds: BUSY_RETRY_SECONDS }
            : {};
      throw new ApiError(startErrorStatus[error.kind], `run_${error.kind}`, error.message, retry);
    }
    throw error;
  }
}

/** A run as the API answers it. */
export const runResultSchema = z.object({
  id: z.string().describe("The run id: poll, stream or cancel it under /api/v1/runs/{id}."),
  status: z.enum(runStatuses),
  endpoint: z.string().nullable().describe("The endpoint's slug."),
  output: z.unknown().describe("The final answer (null until the run has succeeded)."),
  structured_output: z
    .unknown()
    .optional()
    .describe(
      "The final answer as the agent's declared output schema shapes it (only when it declares one).",
    ),
  error: z.string().nullable(),
  hit_step_limit: z.boolean(),
  usage: z.object({ input_tokens: z.number(), output_tokens: z.number(), total_tokens: z.number() }),
  cost_usd: z.number().nullable().describe("Null when a model of the run has no known price."),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});
export type RunResult = z.infer<typeof runResultSchema>;

const runResultSelect = {
  id: true,
  teamId: true,
  endpointId: true,
  status: true,
  output: true,
  error: true,
  hitStepLimit: true,
  inputTokens: true,
  outputTokens: true,
  costUsd: true,
  createdAt: true,
  finishedAt: true,
  spec: true,
  endpoint: { select: { slug: true } },
} as const;

/** A run started through the API that the caller's key may read (its team, an endpoint in its scope); else 404. */
export async function runForCaller(db: PrismaClient, caller: ApiCaller, runId: string): Promise<RunResult> {
  const run = await db.run.findUnique({ where: { id: runId }, select: runResultSelect });
  if (!run?.endpointId || !keyMayCall(caller.key, { id: run.endpointId, teamId: run.teamId })) {
    throw new ApiError(404, "run_not_found", "No run with this id for this API key.");
  }
  return toRunResult(run);
}

/** The API's view of a run row. */
export async function runResult(db: PrismaClient, runId: string): Promise<RunResult> {
  const run = await db.run.findUniqueOrThrow({ where: { id: runId }, select: runResultSelect });
  return toRunResult(run);
}

function toRunResult(run: {
  id: string;
  status: RunResult["status"];
  output: unknown;
  error: string | null;
  hitStepLimit: boolean;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  createdAt: Date;
  finishedAt: Date | null;
  spec: unknown;
  endpoint: { slug: string } | null;
}): RunResult {
  const declaresOutput = typeof run.spec === "object" && run.spec !== null && "outputSchema" in run.spec;
  return {
    id: run.id,
    status: run.status,
    endpoint: run.endpoint?.slug ?? null,
    output: run.output ?? null,
    ...(declaresOutput ? { structured_output: run.status === "succeeded" ? run.output : null } : {}),
    error: run.error,
    hit_step_limit: run.hitStepLimit,
    usage: {
      input_tokens: run.inputTokens,
      output_tokens: run.outputTokens,
      total_tokens: run.inputTokens + run.outputTokens,
    },
    cost_usd: run.costUsd,
    created_at: run.createdAt.toISOString(),
    finished_at: run.finishedAt?.toISOString() ?? null,
  };
}
