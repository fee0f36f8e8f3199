import "server-only";
import { env } from "~/env";
import { inProgressRunStatuses } from "~/lib/run-status";
import { waitInWords } from "~/lib/wait-in-words";
import type { PrismaClient } from "~/server/db";
import { type CreateRunInput, createRun } from "./run-store";

/**
 * What bounds a team's runs: how many may be in progress at once and how many may start per hour
 * (operator defaults, overridable per team by the operator with `npm run team:limits`), and what
 * bounds each run (the longest time limit, the default cost cap, the token cap). A run past a team
 * limit is refused at start, not queued: the team sees why at once and other teams are not held up.
 */

/** The time limit of a run started without one, unless the operator's maximum is lower. */
const DEFAULT_TIME_LIMIT_SECONDS = 900;

/** A team's run limits after its own settings (null: the operator default) are applied. */
export interface TeamRunLimits {
  maxConcurrentRuns: number;
  maxRunsPerHour: number;
}

/** The operator's per-run bounds (RUN_MAX_TIME_LIMIT_SECONDS, RUN_DEFAULT_COST_CAP_USD, RUN_MAX_TOKENS). */
export interface RunBounds {
  maxTimeLimitSeconds: number;
  defaultTimeLimitSeconds: number;
  defaultCostCapUsd: number;
  tokenCap: number;
}

export function runBounds(): RunBounds {
  return {
    maxTimeLimitSeconds: env.RUN_MAX_TIME_LIMIT_SECONDS,
    defaultTimeLimitSeconds: Math.min(DEFAULT_TIME_LIMIT_SECONDS, env.RUN_MAX_TIME_LIMIT_SECONDS),
    defaultCostCapUsd: env.RUN_DEFAULT_COST_CAP_USD,
    tokenCap: env.RUN_MAX_TOKENS,
  };
}

/** A team's limits: its own settings where it has them, the operator's defaults otherwise. */
export function teamRunLimits(team: { maxConcurrentRuns: number | null; maxRunsPerHour: number | null }) {
  return {
    maxConcurrentRuns: team.maxConcurrentRuns ?? env.TEAM_MAX_CONCURRENT_RUNS,
    maxRunsPerHour: team.maxRunsPerHour ?? env.TEAM_MAX_RUNS_PER_HOUR,
  } satisfies TeamRunLimits;
}

/** A run start refused because its team is at one of its limits; the message says which and what to do. */
export class RunLimitError extends Error {
  readonly kind = "user" as const;
  constructor(
    readonly limit: "concurrent" | "hourly",
    message: string,
  ) {
    super(message);
    this.name = "RunLimitError";
  }
}

const HOUR_MS = 3_600_000;

/**
 * How long a start may wait for a connection and for its team's row (starts of one team queue on it),
 * and how long the check-and-insert may take. Beyond, the start is refused as busy (retry), not failed.
 */
const RUN_START_TRANSACTION = { maxWait: 5_000, timeout: 10_000 } as const;
const RUN_START_LOCK_WAIT_MS = 5_000;

/**
 * Create a queued run unless its team is at its concurrent-run or hourly limit. The team's row is
 * locked (FOR NO KEY UPDATE) for the check and the insert, so two starts of one team are serialised
 * and cannot both take the last place; starts of other teams do not wait. Throws RunLimitError.
 */
export async function createRunWithinLimits(
  db: PrismaClient,
  input: CreateRunInput,
  now: () => Date = () => new Date(),
) {
  return db.$transaction(async (tx) => {
    // A start never waits on its team's row longer than this (Postgres ends the wait with 55P03).
    await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${RUN_START_LOCK_WAIT_MS}ms'`);
    const [team] = await tx.$queryRaw<{ maxConcurrentRuns: number | null; maxRunsPerHour: number | null }[]>`
      SELECT "maxConcurrentRuns", "maxRunsPerHour" FROM "Team" WHERE "id" = ${input.teamId} FOR NO KEY UPDATE`;
    if (!team) throw new Error(`Team ${input.teamId} not found.`);
    const limits = teamRunLimits(team);

    const inProgress = await tx.run.count({
      where: { teamId: input.teamId, status: { in: [...inProgressRunStatuses] } },
    });
    if (inProgress >= limits.maxConcurrentRuns) {
      throw new RunLimitError(
        "concurrent",
        `Your team has ${inProgress} run${inProgress === 1 ? "" : "s"} in progress and may have at most ` +
          `${limits.maxConcurrentRuns} at once on this server. Wait for one to finish, or cancel one, then start this run again.`,
      );
    }

    const since = new Date(now().getTime() - HOUR_MS);
    const lastHour = { teamId: input.teamId, createdAt: { gt: since } };
    const startedLastHour = await tx.run.count({ where: lastHour });
    if (startedLastHour >= limits.maxRunsPerHour) {
      // The oldest runs of the window leave it first; the next start is possible when enough have.
      const leaving = await tx.run.findMany({
        where: lastHour,
        orderBy: { createdAt: "asc" },
        skip: startedLastHour - limits.maxRunsPerHour,
        take: 1,
        select: { createdAt: true },
      });
      const freeAt = (leaving[0]?.createdAt.getTime() ?? now().getTime()) + HOUR_MS;
      throw new RunLimitError(
        "hourly",
        `Your team has started ${startedLastHour} runs in the last hour and may start at most ` +
          `${limits.maxRunsPerHour} per hour on this server. The next run can start in ${waitInWords(freeAt - now().getTime())}.`,
      );
    }
    return createRun(tx, input);
  }, RUN_START_TRANSACTION);
}
