import "server-only";
import type { BuildAgentDeps } from "~/agents";
import type { RunState } from "~/agents/events";
import { createModel } from "~/agents/models";
import { outboundGuardFor } from "~/agents/net/guarded-fetch";
import { env } from "~/env";
import { type CheckDeps, CheckSandbox } from "~/eval/evaluate-checks";
import { notRun, scoreRun, summarize } from "~/eval/run-test-set";
import type { TestCase } from "~/eval/test-set";
import { withInstallationModel } from "~/graph/key-binding";
import type { Prisma, PrismaClient } from "~/server/db";
import { logger } from "~/server/logger";
import { cancelRun } from "~/server/runs/cancel-run";
import type { RunTeam } from "~/server/runs/process-run";
import { storedRunInput } from "~/server/runs/run-input";
import { RunStartError, startWorkflowRun } from "~/server/runs/start-run";
import { type StoredCaseResult, storedCaseResult, storedTestCase } from "./stored";
import { allRunEvents } from "./test-sets";

/**
 * Moving an evaluation along. Each case is a normal run (source `eval`, tagged with the evaluation).
 * When a case run ends, the worker that ran it scores it here (`evalCaseRunEnded`): the same scoring
 * as the command line (src/eval/run-test-set.ts scoreRun) over the run's stored events, then the
 * evaluation's spending and summary, then the next pending cases start (`advanceEval`) — at most
 * `concurrency` case runs in progress, none once the cost cap is reached or a cancel was asked for.
 * The evaluation ends when no case is pending, running or being scored.
 */

/** How long a case waits before trying to start again when its team is at its run limits. */
export const EVAL_START_RETRY_MS = 2000;

const json = (value: unknown) => value as Prisma.InputJsonValue;

/**
 * Recompute an evaluation's figures over every case that has ended: a case not run (cost cap, cancel,
 * a run that could not start) counts as failed, as on the command line, so a pass rate is never
 * flattered by the cases it skipped.
 */
async function refreshSummary(tx: Prisma.TransactionClient | PrismaClient, evalRunId: string): Promise<void> {
  const ended = await tx.evalCase.findMany({
    where: { evalRunId, status: { in: ["done", "not_run"] } },
    select: { result: true },
  });
  const results = ended.flatMap((row) => {
    const stored = storedCaseResult(row.result);
    return stored ? [stored] : [];
  });
  await tx.evalRun.update({ where: { id: evalRunId }, data: { summary: json(summarize(results)) } });
}

/** End every pending case of an evaluation not run, with `reason`; how many there were. */
async function endPendingCases(
  tx: Prisma.TransactionClient,
  evalRunId: string,
  reason: string,
): Promise<number> {
  const pending = await tx.evalCase.findMany({
    where: { evalRunId, status: "pending" },
    select: { id: true, data: true },
  });
  for (const row of pending) {
    await tx.evalCase.updateMany({
      where: { id: row.id, status: "pending" },
      data: {
        status: "not_run",
        passed: false,
        finishedAt: new Date(),
        result: json(notRun(storedTestCase(row.data), reason)),
      },
    });
  }
  if (pending.length > 0) await refreshSummary(tx, evalRunId);
  return pending.length;
}

type LockedEvalRun = {
  status: string;
  concurrency: number;
  maxCostUsd: number | null;
  spentUsd: number;
  cancelRequestedAt: Date | null;
  teamId: string;
  workflowId: string | null;
  workflowVersionId: string | null;
  createdById: string | null;
};

/** The evaluation's row, locked for this transaction: its advances and scorings take turns. */
async function lockEvalRun(
  tx: Prisma.TransactionClient,
  evalRunId: string,
): Promise<LockedEvalRun | undefined> {
  const rows = await tx.$queryRaw<LockedEvalRun[]>`
    SELECT "status"::text AS "status", "concurrency", "maxCostUsd", "spentUsd", "cancelRequestedAt", "teamId",
      "workflowId", "workflowVersionId", "createdById"
    FROM "EvalRun" WHERE "id" = ${evalRunId} FOR UPDATE`;
  return rows[0];
}

/**
 * Start the evaluation's next pending cases, up to its concurrency; end the pending ones not run once
 * its cost cap is reached or a cancel was asked for; finish it when nothing is left. Cases are claimed
 * under a lock on the evaluation's row, so two workers never start the same case nor more than
 * `concurrency` at once. Safe to call any number of times.
 */
export async function advanceEval(db: PrismaClient, evalRunId: string): Promise<void> {
  for (;;) {
    const step = await db.$transaction(async (tx) => {
      const evalRun = await lockEvalRun(tx, evalRunId);
      if (!evalRun || (evalRun.status !== "queued" && evalRun.status !== "running")) return undefined;
      if (evalRun.cancelRequestedAt) {
        await endPendingCases(tx, evalRunId, "not run: the evaluation was cancelled");
      } else if (evalRun.maxCostUsd !== null && evalRun.spentUsd >= evalRun.maxCostUsd) {
        const ended = await endPendingCases(
          tx,
          evalRunId,
          `not run: the evaluation's cost cap of $${evalRun.maxCostUsd} was reached ($${evalRun.spentUsd.toFixed(6)} spent)`,
        );
        if (ended > 0)
          await tx.evalRun.update({ where: { id: evalRunId }, data: { stoppedByCostCap: true } });
      }
      const inProgress = await tx.evalCase.count({
        where: { evalRunId, status: { in: ["running", "scoring"] } },
      });
      const claimed = await tx.evalCase.findMany({
        where: { evalRunId, status: "pending" },
        orderBy: { position: "asc" },
        take: Math.max(0, evalRun.concurrency - inProgress),
        select: { id: true, data: true },
      });
      if (claimed.length === 0 && inProgress === 0) {
        const pending = await tx.evalCase.count({ where: { evalRunId, status: "pending" } });
        if (pending === 0) {
          await tx.evalRun.update({
            where: { id: evalRunId },
            data: { status: evalRun.cancelRequestedAt ? "cancelled" : "finished", finishedAt: new Date() },
          });
        }
        return undefined;
      }
      await tx.evalCase.updateMany({
        where: { id: { in: claimed.map((row) => row.id) }, status: "pending" },
        data: { status: "running", startedAt: new Date() },
      });
      return { evalRun, claimed };
    });
    if (!step || step.claimed.length === 0) return;
    let again = false;
    for (const evalCase of step.claimed) {
      const started = await startCaseRun(
        db,
        evalRunId,
        step.evalRun,
        evalCase.id,
        storedTestCase(evalCase.data),
      );
      // A case that could not start for good ended not run: another may take its place now.
      if (started === "ended") again = true;
    }
    if (!again) return;
  }
}

/** Start one claimed case's run; "retry" when the team is at its limits, "ended" when it cannot run. */
async function startCaseRun(
  db: PrismaClient,
  evalRunId: string,
  evalRun: LockedEvalRun,
  evalCaseId: string,
  testCase: TestCase,
): Promise<"started" | "retry" | "ended"> {
  try {
    const team = await db.team.findUniqueOrThrow({
      where: { id: evalRun.teamId },
      select: { id: true, slug: true },
    });
    if (!evalRun.workflowId) throw new RunStartError("not_found", "The workflow was deleted.");
    await startWorkflowRun(db, {
      team,
      workflowId: evalRun.workflowId,
      versionId: evalRun.workflowVersionId,
      task: testCase.task,
      createdById: evalRun.createdById,
      source: "eval",
      input: storedRunInput({
        task: testCase.task,
        images: testCase.images,
        audio: testCase.audio,
        additional_args: testCase.additionalArgs,
      }),
      evalRunId,
      replay: testCase.recording ?? null,
      evalCaseId,
    });
    return "started";
  } catch (error) {
    if (error instanceof RunStartError && (error.kind === "limit" || error.kind === "busy")) {
      // The team is at its run limits: the case goes back to pending and this process tries again
      // shortly. Only this timer holds the retry; if the process stops first, the case stays pending
      // until something else advances the evaluation (another case ending, or a cancel).
      await db.evalCase.updateMany({
        where: { id: evalCaseId, status: "running", runId: null },
        data: { status: "pending", startedAt: null },
      });
      setTimeout(() => {
        advanceEval(db, evalRunId).catch((err: unknown) =>
          logger.error({ err, evalRunId }, "advancing an evaluation after its team's run limit failed"),
        );
      }, EVAL_START_RETRY_MS).unref();
      return "retry";
    }
    const reason = `not run: ${error instanceof Error ? error.message : String(error)}`;
    await db.evalCase.updateMany({
      where: { id: evalCaseId, status: "running" },
      data: {
        status: "not_run",
        passed: false,
        finishedAt: new Date(),
        result: json(notRun(testCase, reason)),
      },
    });
    await refreshSummary(db, evalRunId);
    if (!(error instanceof RunStartError))
      logger.error({ err: error, evalRunId }, "a case run could not start");
    return "ended";
  }
}

/** What scoring needs of the worker: the engine's host for the run's team (sandboxes, secrets). */
export interface ScoringDeps {
  agentDeps: (team: RunTeam) => BuildAgentDeps;
  /** Wall-clock limit of one Python check (default 30 s). */
  pythonTimeoutMs?: number;
}

/** The engine state a stored run ended in. */
function endedState(
  run: { status: string; hitStepLimit: boolean },
  finished: RunState | undefined,
): RunState {
  if (finished) return finished;
  if (run.status === "succeeded") return run.hitStepLimit ? "max_steps" : "success";
  return run.status === "cancelled" ? "cancelled" : "error";
}

/** What scoring reads of a case's run. */
const scoredRunSelect = {
  status: true,
  error: true,
  output: true,
  hitStepLimit: true,
  startedAt: true,
  finishedAt: true,
  costUsd: true,
  inputTokens: true,
  outputTokens: true,
  team: {
    select: {
      id: true,
      slug: true,
      modelPrices: { select: { model: true, inputUsdPerMillion: true, outputUsdPerMillion: true } },
    },
  },
} satisfies Prisma.RunSelect;

/** Score a case run that started and ended: the same scoring as the command line, over its stored events. */
async function scoreStoredRun(
  db: PrismaClient,
  runId: string,
  run: Prisma.RunGetPayload<{ select: typeof scoredRunSelect }> & { startedAt: Date },
  testCase: TestCase,
  deps: ScoringDeps,
): Promise<StoredCaseResult> {
  const events = await allRunEvents(db, runId);
  const finished = events.find((event) => event.type === "run_finished" && event.agentPath.length === 1);
  const state = endedState(run, finished?.type === "run_finished" ? finished.state : undefined);
  const host = deps.agentDeps({ id: run.team.id, slug: run.team.slug });
  // Check functions are someone's code: they run in a Pyodide sandbox like model code.
  const createSandbox = () => host.createExecutor({ kind: "pyodide" }, {});
  const sandbox = new CheckSandbox(createSandbox);
  const checks: CheckDeps = {
    createSandbox,
    sandbox,
    createJudgeModel: (spec) =>
      createModel(withInstallationModel(spec, env.OPENAI_BASE_URL), {
        resolveSecret: host.resolveSecret,
        outbound: outboundGuardFor(host.outbound),
      }),
    prices: run.team.modelPrices,
    ...(deps.pythonTimeoutMs ? { pythonTimeoutMs: deps.pythonTimeoutMs } : {}),
  };
  try {
    return await scoreRun(
      testCase,
      {
        answer: run.output ?? undefined,
        state,
        steps: events.filter((event) => event.type === "step_finished" && event.agentPath.length === 1)
          .length,
        inputTokens: run.inputTokens,
        outputTokens: run.outputTokens,
        costUsd: run.costUsd,
        latencyMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : 0,
        ...(state === "success" || !run.error ? {} : { error: run.error }),
      },
      events,
      checks,
    );
  } finally {
    await sandbox.close();
  }
}

/**
 * A run has ended: if it is an evaluation's case, score it (once: the case moves from running to
 * scoring by compare-and-set, so a second delivery does nothing), add its cost, refresh the summary
 * and start what comes next. Without `deps` (a queued run cancelled outside a worker) only a run that
 * never started can be settled; it ends not run with its reason.
 */
export async function evalCaseRunEnded(db: PrismaClient, runId: string, deps?: ScoringDeps): Promise<void> {
  const moved = await db.evalCase.updateMany({
    where: { runId, status: "running" },
    data: { status: "scoring" },
  });
  if (moved.count === 0) return;
  const evalCase = await db.evalCase.findUniqueOrThrow({
    where: { runId },
    select: { id: true, evalRunId: true, data: true },
  });
  const testCase = storedTestCase(evalCase.data);
  let result: StoredCaseResult;
  try {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId }, select: scoredRunSelect });
    const { startedAt } = run;
    result = !startedAt
      ? notRun(testCase, `not run: ${run.error ?? "the run ended before it started"}`)
      : deps
        ? await scoreStoredRun(db, runId, { ...run, startedAt }, testCase, deps)
        : notRun(testCase, "not scored: the case's run ended where no worker could score it");
  } catch (error) {
    logger.error({ err: error, runId }, "scoring an evaluation case failed");
    result = notRun(testCase, `not scored: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ranOrScored = result.state !== "not run";
  await db.$transaction(async (tx) => {
    await lockEvalRun(tx, evalCase.evalRunId);
    await tx.evalCase.updateMany({
      where: { id: evalCase.id, status: "scoring" },
      data: {
        status: ranOrScored ? "done" : "not_run",
        passed: result.passed,
        result: json(result),
        finishedAt: new Date(),
      },
    });
    const spent = (result.costUsd ?? 0) + (result.judge.costUsd ?? 0);
    await tx.evalRun.update({ where: { id: evalCase.evalRunId }, data: { spentUsd: { increment: spent } } });
    await refreshSummary(tx, evalCase.evalRunId);
  });
  await advanceEval(db, evalCase.evalRunId);
}

/**
 * Cancel a run as `cancelRun` does; a queued evaluation case run, which no worker will now see, ends
 * its case here (not run, with the reason) and the evaluation moves on.
 */
export async function cancelRunAndSettleCase(
  db: PrismaClient,
  runId: string,
  reason?: string,
): Promise<Awaited<ReturnType<typeof cancelRun>>> {
  const result = await cancelRun(db, runId, reason);
  if (result.status === "cancelled") await evalCaseRunEnded(db, runId);
  return result;
}

/** How often each worker sweeps evaluations (sweepEvaluations). */
export const EVAL_SWEEP_INTERVAL_MS = 30_000;

/** How long a case may sit claimed without a run, or scoring, before a sweep takes it up again. */
export const EVAL_STALE_MS = 60_000;

/**
 * Pick up what a stopped process left half done, so no evaluation waits for ever: a case whose run
 * has ended but was never scored (the worker stopped first), a case claimed but never given a run,
 * a case left scoring, and pending cases a team-limit retry timer was holding. Workers call it on a
 * timer; every step is a compare-and-set, so sweeps and workers may overlap.
 */
export async function sweepEvaluations(
  db: PrismaClient,
  deps: ScoringDeps,
  staleMs = EVAL_STALE_MS,
): Promise<void> {
  const before = new Date(Date.now() - staleMs);
  const open = await db.evalRun.findMany({
    where: { status: { in: ["queued", "running"] } },
    select: { id: true },
  });
  for (const { id } of open) {
    // Claimed but no run was created (the process stopped between the two): back to pending.
    await db.evalCase.updateMany({
      where: { evalRunId: id, status: "running", runId: null, startedAt: { lt: before } },
      data: { status: "pending", startedAt: null },
    });
    // Left scoring by a worker that stopped: score again (scoring is a pure function of the run). Ten
    // times the wait, so a slow scoring (judges, Python checks) is not scored twice.
    await db.evalCase.updateMany({
      where: {
        evalRunId: id,
        status: "scoring",
        run: { finishedAt: { lt: new Date(Date.now() - staleMs * 10) } },
      },
      data: { status: "running" },
    });
    const ended = await db.evalCase.findMany({
      where: {
        evalRunId: id,
        status: "running",
        run: {
          status: { in: ["succeeded", "failed", "cancelled", "timed_out"] },
          finishedAt: { lt: before },
        },
      },
      select: { runId: true },
    });
    for (const { runId } of ended) if (runId) await evalCaseRunEnded(db, runId, deps);
    await advanceEval(db, id);
  }
}
