import type { RunEvent } from "~/agents/events";
import type { AgentSpec } from "~/graph/agent-spec";
import type { Prisma, PrismaClient } from "~/server/db";
import { accumulateUsage, emptyUsage, type ModelPrice, type RunUsage } from "./pricing";

/**
 * Persistence of runs and their events. Events are append-only and unique by (runId, seq), so a
 * re-delivered batch changes nothing (BullMQ's idempotent-jobs pattern); each batch and the run's
 * totals are written in one transaction.
 */

export const TERMINAL_STATUSES = ["succeeded", "failed", "cancelled", "timed_out"] as const;
export type RunStatus = "queued" | "running" | "waiting_for_input" | (typeof TERMINAL_STATUSES)[number];

export function isTerminal(status: RunStatus): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export interface CreateRunInput {
  teamId: string;
  workflowId?: string | null;
  workflowVersionId?: string | null;
  spec: AgentSpec;
  task: string;
  createdById?: string | null;
  timeLimitSeconds?: number;
  costCapUsd?: number | null;
}

export async function createRun(db: PrismaClient, input: CreateRunInput) {
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
      usage: emptyUsage() as unknown as Prisma.InputJsonValue,
    },
  });
}

export async function teamPrices(db: PrismaClient, teamId: string): Promise<ModelPrice[]> {
  return db.modelPrice.findMany({
    where: { teamId },
    select: { model: true, inputUsdPerMillion: true, outputUsdPerMillion: true },
  });
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

/**
 * Store a batch of events (in seq order) and fold their tokens into the run's totals. Events at or
 * below the tally's lastSeq are skipped, and a duplicate (run, seq) is ignored by the database, so a
 * re-delivered batch changes nothing. Updates `tally` in place. One writer per run: the worker that
 * holds it (batches are serialised by EventBatcher).
 *
 * This is the hot path of a run (a few batches per step), so it is one SQL statement — the insert
 * and the run's totals together, atomic — instead of a transaction of several round trips.
 */
export async function appendEvents(
  db: PrismaClient,
  runId: string,
  events: readonly RunEvent[],
  tally: RunTally,
  prices: readonly ModelPrice[],
): Promise<RunTally> {
  const fresh = events.filter((event) => event.seq > tally.lastSeq);
  if (fresh.length === 0) return tally;
  accumulateUsage(tally.usage, fresh, prices);
  tally.lastSeq = fresh.at(-1)!.seq;
  const rows = JSON.stringify(
    fresh.map((event) => ({
      seq: event.seq,
      type: event.type,
      agentPath: event.agentPath.join("/"),
      data: event,
    })),
  );
  const { total } = tally.usage;
  await db.$executeRaw`
    WITH inserted AS (
      INSERT INTO "RunEvent" ("runId", "seq", "type", "agentPath", "data")
      SELECT ${runId}, e."seq", e."type", e."agentPath", e."data"
      FROM jsonb_to_recordset(${rows}::jsonb) AS e("seq" int, "type" text, "agentPath" text, "data" jsonb)
      ON CONFLICT DO NOTHING
    )
    UPDATE "Run"
    SET "lastSeq" = ${tally.lastSeq}, "usage" = ${JSON.stringify(tally.usage)}::jsonb,
        "inputTokens" = ${total.inputTokens}, "outputTokens" = ${total.outputTokens}, "costUsd" = ${total.costUsd}
    WHERE "id" = ${runId}`;
  return tally;
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
