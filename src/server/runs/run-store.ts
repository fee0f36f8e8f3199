import "server-only";
import type { RunEvent } from "~/agents/events";
import type { CaseRecording } from "~/eval/test-set";
import type { AgentSpec } from "~/graph/agent-spec";
import { isTerminal, type RunStatus, runStatuses, runStatusLabels } from "~/lib/run-status";
import type { Prisma, PrismaClient } from "~/server/db";
import type { RunStatus as DatabaseRunStatus, RunSource } from "~/server/db/generated/enums";
import { accumulateUsage, emptyUsage, type ModelPrice, type RunUsage } from "./pricing";

/**
 * Persistence of runs and their events. Events are append-only and unique by (runId, seq), so a
 * re-delivered batch changes nothing (BullMQ's idempotent-jobs pattern); each batch and the run's
 * totals are written in one transaction.
 */

/** The database's enum names the same statuses as src/lib/run-status.ts (each line is a type error otherwise). */
runStatuses satisfies readonly DatabaseRunStatus[];
runStatusLabels satisfies Record<DatabaseRunStatus, string>;

export interface CreateRunInput {
  teamId: string;
  workflowId?: string | null;
  workflowVersionId?: string | null;
  spec: AgentSpec;
  task: string;
  createdById?: string | null;
  timeLimitSeconds?: number;
  costCapUsd?: number | null;
  tokenCap?: number | null;
  /** Who started it (default: the app) and, for API and share-link runs, through what. */
  source?: RunSource;
  endpointId?: string | null;
  apiKeyId?: string | null;
  /** The previous turn of the conversation this run continues. */
  previousRunId?: string | null;
  /** Images, audio and extra values beyond the task (src/server/runs/run-input.ts). */
  input?: Record<string, unknown> | null;
  /** The evaluation this run is a case of. */
  evalRunId?: string | null;
  /** A regression case's recording (src/eval/test-set.ts CaseRecording), replayed instead of calling models. */
  replay?: CaseRecording | null;
}

export async function createRun(db: Pick<PrismaClient, "run">, input: CreateRunInput) {
  return db.run.create({
    data: {
      teamId: input.teamId,
      workflowId: input.workflowId ?? null,
      workflowVersionId: input.workflowVersionId ?? null,
      spec: input.spec as unknown as Prisma.InputJsonValue,
      task: input.task,
      createdById: input.createdById ?? null,
      timeLimitSeconds: input.timeLimitSeconds ?? 900,
      costCapUsd: input.costCapUsd ?? null,
      tokenCap: input.tokenCap ?? null,
      usage: emptyUsage() as unknown as Prisma.InputJsonValue,
      source: input.source ?? "app",
      endpointId: input.endpointId ?? null,
      apiKeyId: input.apiKeyId ?? null,
      previousRunId: input.previousRunId ?? null,
      ...(input.input ? { input: input.input as Prisma.InputJsonValue } : {}),
      evalRunId: input.evalRunId ?? null,
      ...(input.replay ? { replay: input.replay as unknown as Prisma.InputJsonValue } : {}),
    },
  });
}

/** What a worker needs of a run it has claimed. */
export interface ClaimedRun {
  id: string;
  teamId: string;
  /** The team's slug: the local executor is allowed per team (ALLOW_LOCAL_EXECUTOR). */
  teamSlug: string;
  spec: unknown;
  task: string;
  timeLimitSeconds: number;
  costCapUsd: number | null;
  tokenCap: number | null;
  lastSeq: number;
  usage: unknown;
  /** Images, audio, extra values and a conversation beyond the task (`storedRunInputSchema`). */
  input: unknown;
  /** The previous turn of a conversation, whose memory this run continues. */
  previousRunId: string | null;
  /** The team's own prices (the built-in table covers the rest). */
  prices: ModelPrice[];
  /** Names of the team's own secrets when the run was claimed (no lookup for a name not among them). */
  secretNames: string[];
  /** The workflow and version the run executes (null for runs started from a bare spec). */
  workflowId: string | null;
  workflowVersionId: string | null;
  /** When the run was queued (its wait in the queue ends with this claim). */
  createdAt: Date;
  /** Deliveries so far, this one included. */
  attempt: number;
  /** A regression case's recording to replay instead of calling models (`caseRecordingSchema`), or null. */
  replay: unknown;
}

/**
 * Take a queued run for this worker: mark it running (attempt + 1) and read what the run needs,
 * the team's slug, prices and secret names included, in one statement. Null when the run is not queued or a cancel was
 * requested; the caller reads the run to tell why.
 */
export async function claimRun(db: PrismaClient, runId: string): Promise<ClaimedRun | null> {
  const rows = await db.$queryRaw<ClaimedRun[]>`
    WITH claimed AS (
      UPDATE "Run" SET "status" = 'running', "startedAt" = ${new Date()}, "attempt" = "attempt" + 1
      WHERE "id" = ${runId} AND "status" = 'queued' AND "cancelRequestedAt" IS NULL
      RETURNING "id", "teamId", "spec", "task", "timeLimitSeconds", "costCapUsd", "tokenCap", "lastSeq", "usage",
        "input", "previousRunId", "workflowId", "workflowVersionId", "createdAt", "attempt", "replay"
    )
    SELECT claimed.*, (SELECT t."slug" FROM "Team" AS t WHERE t."id" = claimed."teamId") AS "teamSlug", COALESCE(
      (SELECT jsonb_agg(jsonb_build_object('model', p."model", 'inputUsdPerMillion', p."inputUsdPerMillion",
         'outputUsdPerMillion', p."outputUsdPerMillion"))
       FROM "ModelPrice" AS p WHERE p."teamId" = claimed."teamId"),
      '[]'::jsonb) AS "prices",
      ARRAY(SELECT s."name" FROM "TeamSecret" AS s WHERE s."teamId" = claimed."teamId") AS "secretNames"
    FROM claimed`;
  return rows[0] ?? null;
}

/** What a worker keeps in memory about the run it is storing events for. */
export interface RunTally {
  lastSeq: number;
  usage: RunUsage;
}

/** The tally to continue from, read off a stored run. */
export function tallyOf(run: { lastSeq: number; usage: unknown }): RunTally {
  const stored = run.usage as Partial<RunUsage> | null;
  return { lastSeq: run.lastSeq, usage: stored?.total ? (stored as RunUsage) : emptyUsage() };
}

/** One run's events to store, with what the worker knows of the run. */
export interface RunEventWrite {
  runId: string;
  /** In seq order. */
  events: readonly RunEvent[];
  tally: RunTally;
  prices: readonly ModelPrice[];
}

/**
 * Store the events of one or more runs and fold their tokens into each run's totals. Events at or
 * below a tally's lastSeq are skipped, and a duplicate (run, seq) is ignored by the database, so a
 * re-delivered batch changes nothing. Tallies are updated in place once the write succeeded. One
 * writer per run: the worker that holds it (RunEventWriter serialises its flushes).
 *
 * This is the hot path of every run, so it is one SQL statement whatever the number of runs: the
 * inserts and the runs' totals together, atomic, instead of a transaction of several round trips.
 */
export async function appendEvents(db: PrismaClient, writes: readonly RunEventWrite[]): Promise<void> {
  const events: { runId: string; seq: number; type: string; agentPath: string; data: RunEvent }[] = [];
  const runs: {
    id: string;
    lastSeq: number;
    usage: RunUsage;
    inputTokens: number;
    outputTokens: number;
    costUsd: number | null;
  }[] = [];
  const next = new Map<RunTally, RunTally>();
  for (const { runId, events: batch, tally, prices } of writes) {
    const fresh = batch.filter((event) => event.seq > tally.lastSeq);
    if (fresh.length === 0) continue;
    const usage = accumulateUsage(structuredClone(tally.usage), fresh, prices);
    const lastSeq = fresh.at(-1)!.seq;
    next.set(tally, { lastSeq, usage });
    for (const event of fresh)
      events.push({
        runId,
        seq: event.seq,
        type: event.type,
        agentPath: event.agentPath.join("/"),
        data: event,
      });
    runs.push({ id: runId, lastSeq, usage, ...usage.total });
  }
  if (runs.length === 0) return;
  await db.$executeRaw`
    WITH inserted AS (
      INSERT INTO "RunEvent" ("runId", "seq", "type", "agentPath", "data")
      SELECT e."runId", e."seq", e."type", e."agentPath", e."data"
      FROM jsonb_to_recordset(${jsonForPostgres(events)}::jsonb)
        AS e("runId" text, "seq" int, "type" text, "agentPath" text, "data" jsonb)
      ON CONFLICT DO NOTHING
    )
    UPDATE "Run" AS r
    SET "lastSeq" = u."lastSeq", "usage" = u."usage",
        "inputTokens" = u."inputTokens", "outputTokens" = u."outputTokens", "costUsd" = u."costUsd"
    FROM jsonb_to_recordset(${jsonForPostgres(runs)}::jsonb)
      AS u("id" text, "lastSeq" int, "usage" jsonb, "inputTokens" int, "outputTokens" int, "costUsd" float8)
    WHERE r."id" = u."id"`;
  for (const [tally, updated] of next) Object.assign(tally, updated);
}

/**
 * JSON text Postgres accepts as jsonb: it refuses the NUL character (which a tool or a web page can
 * return), so an escaped NUL becomes U+FFFD, the replacement character. An escaped backslash
 * followed by "u0000" is text, not a NUL, and is left alone.
 */
export function jsonForPostgres(value: unknown): string {
  return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd");
}

/** Events after `afterSeq`, in order (what a reconnecting client or a replay reads). */
export async function listEventsAfter(
  db: PrismaClient,
  runId: string,
  afterSeq: number,
  limit = 1000,
): Promise<RunEvent[]> {
  const rows = await db.runEvent.findMany({
    where: { runId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: limit,
    select: { data: true },
  });
  return rows.map((row) => row.data as unknown as RunEvent);
}

/**
 * Move a run between states, only from the states given (a compare-and-set): a run that was cancelled
 * meanwhile is not marked running, and a finished run is never reopened. Returns whether it moved.
 */
export async function transitionRun(
  db: PrismaClient,
  runId: string,
  from: readonly RunStatus[],
  to: RunStatus,
  extra: Omit<Prisma.RunUpdateManyMutationInput, "status"> = {},
): Promise<boolean> {
  const now = new Date();
  const { count } = await db.run.updateMany({
    where: { id: runId, status: { in: [...from] } },
    data: {
      status: to,
      ...(to === "running" && from.includes("queued") ? { startedAt: now } : {}),
      ...(isTerminal(to) ? { finishedAt: now } : {}),
      ...extra,
    },
  });
  return count === 1;
}

/**
 * After an embedded-mode restart the in-process queue is empty: re-queue runs still waiting and end
 * the ones a dead process was running, with the reason. Returns the ids to enqueue again.
 */
export async function recoverInterruptedRuns(db: PrismaClient): Promise<string[]> {
  await db.run.updateMany({
    where: { status: { in: ["running", "waiting_for_input"] } },
    data: {
      status: "failed",
      finishedAt: new Date(),
      error: "The server stopped while this run was in progress. Start it again.",
    },
  });
  const queued = await db.run.findMany({
    where: { status: "queued" },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  return queued.map((run) => run.id);
}
