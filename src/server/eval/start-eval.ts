import "server-only";
import type { Prisma, PrismaClient } from "~/server/db";
import { compileWorkflow, RunStartError } from "~/server/runs/start-run";
import { advanceEval, cancelRunAndSettleCase } from "./advance";
import { storedTestCase } from "./stored";

/**
 * Starting and cancelling evaluations: an evaluation runs every case of a test set against one version
 * of a workflow (or its working copy); each case is a normal run through the run queue, tagged with the
 * evaluation (src/server/eval/advance.ts scores it and starts the next).
 */

/** Bounds of an evaluation start. */
export const EVAL_LIMITS = { versions: 5, maxConcurrency: 16, defaultConcurrency: 4 } as const;

export interface StartEvaluationsInput {
  team: { id: string; slug: string };
  testSetId: string;
  workflowId: string;
  /** 1 to 5 versions; null is the working copy. One evaluation each. */
  versionIds: readonly (string | null)[];
  concurrency?: number;
  maxCostUsd?: number;
  createdById: string;
}

/**
 * Start one evaluation per version: check the set has cases and every version compiles (nothing is
 * stored otherwise), store each evaluation with a copy of every case, and start its first cases.
 * Throws RunStartError (`not_found` for a workflow, version or set outside the team, `invalid`).
 */
export async function startEvaluations(
  db: PrismaClient,
  input: StartEvaluationsInput,
): Promise<{ evalRunIds: string[] }> {
  const set = await db.testSet.findFirst({
    where: { id: input.testSetId, teamId: input.team.id },
    select: {
      name: true,
      cases: { orderBy: { position: "asc" }, select: { key: true, position: true, data: true } },
    },
  });
  if (!set) throw new RunStartError("not_found", "Test set not found.");
  if (set.cases.length === 0) {
    throw new RunStartError("invalid", "This test set has no cases yet: add a case before evaluating it.");
  }
  const workflow = await db.workflow.findFirst({
    where: { id: input.workflowId, teamId: input.team.id },
    select: { id: true },
  });
  if (!workflow) throw new RunStartError("not_found", "Workflow not found.");
  const versions: { id: string | null; number: number | null }[] = [];
  for (const versionId of input.versionIds) {
    const version = versionId
      ? await db.workflowVersion.findFirst({
          where: { id: versionId, workflowId: workflow.id },
          select: { id: true, number: true },
        })
      : { id: null, number: null };
    if (!version) throw new RunStartError("not_found", "Workflow version not found.");
    // The same compile a case run goes through: a version that cannot run is refused now, not per case.
    await compileWorkflow(db, { team: input.team, workflowId: workflow.id, versionId: version.id });
    versions.push(version);
  }
  // Cases are checked against the schema once more: a stored case that no longer parses is refused here.
  const cases = set.cases.map((row) => ({ ...row, data: storedTestCase(row.data) }));
  const evalRunIds = await db.$transaction(async (tx) => {
    const ids: string[] = [];
    for (const version of versions) {
      const created = await tx.evalRun.create({
        data: {
          teamId: input.team.id,
          testSetId: input.testSetId,
          testSetName: set.name,
          workflowId: workflow.id,
          workflowVersionId: version.id,
          versionNumber: version.number,
          status: "running",
          concurrency: input.concurrency ?? EVAL_LIMITS.defaultConcurrency,
          maxCostUsd: input.maxCostUsd ?? null,
          createdById: input.createdById,
          cases: {
            create: cases.map((row) => ({
              key: row.key,
              position: row.position,
              data: row.data as unknown as Prisma.InputJsonValue,
            })),
          },
        },
        select: { id: true },
      });
      ids.push(created.id);
    }
    return ids;
  });
  for (const id of evalRunIds) await advanceEval(db, id);
  return { evalRunIds };
}

/**
 * Cancel an evaluation: no further case starts (pending cases end not run, "cancelled"), case runs in
 * progress are cancelled like any run, and the evaluation ends `cancelled` once they have ended;
 * cases already scored keep their results.
 */
export async function cancelEvaluation(db: PrismaClient, evalRunId: string): Promise<{ status: string }> {
  const evalRun = await db.evalRun.findUniqueOrThrow({ where: { id: evalRunId }, select: { status: true } });
  if (evalRun.status !== "queued" && evalRun.status !== "running") return { status: evalRun.status };
  await db.evalRun.updateMany({
    where: { id: evalRunId, cancelRequestedAt: null },
    data: { cancelRequestedAt: new Date() },
  });
  const inFlight = await db.evalCase.findMany({
    where: { evalRunId, status: { in: ["running", "scoring"] }, runId: { not: null } },
    select: { runId: true },
  });
  for (const { runId } of inFlight)
    if (runId) await cancelRunAndSettleCase(db, runId, "The evaluation was cancelled.");
  await advanceEval(db, evalRunId);
  const now = await db.evalRun.findUniqueOrThrow({ where: { id: evalRunId }, select: { status: true } });
  return { status: now.status };
}
