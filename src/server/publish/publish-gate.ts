import "server-only";
import { z } from "zod";
import type { Prisma, PrismaClient } from "~/server/db";

type GateClient = Pick<PrismaClient, "team" | "workflowVersion" | "evalRun"> | Prisma.TransactionClient;

/** The fields of an evaluation's summary (src/eval/run-test-set.ts EvalSummary) the gate reads. */
const gateSummarySchema = z.object({
  cases: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  passRate: z.number().min(0).max(1),
});

/** A team's publish gate: the test set a version's evaluation must pass, and the pass rate it needs. */
export type PublishGate = { testSet: { id: string; name: string }; minPassRate: number };

/** Why a version may not start serving, in words: the gate's set and threshold, and what is missing. */
export class PublishGateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PublishGateError";
  }
}

/** A pass rate as people read it: "66.7 %", "100 %". Rounded down, so 99.96 % never shows as 100 %. */
export function gatePercent(rate: number): string {
  return `${Math.floor(rate * 1000 + 1e-9) / 10} %`;
}

/** The team's publish gate, or null when publishing needs no evaluation. */
export async function publishGateOf(db: GateClient, teamId: string): Promise<PublishGate | null> {
  const team = await db.team.findUnique({
    where: { id: teamId },
    select: { publishGateMinPassRate: true, publishGateTestSet: { select: { id: true, name: true } } },
  });
  if (!team?.publishGateTestSet) return null;
  return { testSet: team.publishGateTestSet, minPassRate: team.publishGateMinPassRate };
}

/**
 * What the gate says about one saved version: `passed` when a finished evaluation of it on the gate's
 * set reached the pass rate, else why not (no finished evaluation yet, or how far the latest got).
 * Null when the team has no gate.
 */
export async function publishGateVerdict(
  db: GateClient,
  teamId: string,
  workflowVersionId: string,
): Promise<{ gate: PublishGate; passed: boolean; reason: string } | null> {
  const gate = await publishGateOf(db, teamId);
  if (!gate) return null;
  const evaluations = await db.evalRun.findMany({
    where: { teamId, workflowVersionId, testSetId: gate.testSet.id, status: "finished" },
    orderBy: [{ finishedAt: "desc" }, { createdAt: "desc" }],
    select: { summary: true, finishedAt: true, createdAt: true },
  });
  const scored = evaluations.flatMap((evaluation) => {
    const summary = gateSummarySchema.safeParse(evaluation.summary);
    return summary.success ? [{ ...summary.data, at: evaluation.finishedAt ?? evaluation.createdAt }] : [];
  });
  const passing = scored.find((evaluation) => evaluation.passRate >= gate.minPassRate);
  if (passing) {
    return {
      gate,
      passed: true,
      reason: `evaluation on "${gate.testSet.name}" reached ${gatePercent(passing.passRate)} on ${day(passing.at)}`,
    };
  }
  const latest = scored[0];
  return {
    gate,
    passed: false,
    reason: latest
      ? `its latest evaluation on "${gate.testSet.name}" reached ${gatePercent(latest.passRate)} (${latest.passed}/${latest.cases} cases; needs ${gatePercent(gate.minPassRate)}) on ${day(latest.at)}`
      : `it has no finished evaluation on "${gate.testSet.name}" yet (needs ${gatePercent(gate.minPassRate)})`,
  };
}

/**
 * The one check before a version starts serving (publish, move, re-publish): with the team's gate on,
 * the version needs a finished evaluation on the gate's set at or above its pass rate; the working copy
 * (null) never passes. Throws PublishGateError naming the version, the set and what is missing.
 * Unpublishing is never gated.
 */
export async function assertPublishGate(
  db: GateClient,
  teamId: string,
  workflowVersionId: string | null,
): Promise<void> {
  if (workflowVersionId === null) {
    const gate = await publishGateOf(db, teamId);
    if (!gate) return;
    throw new PublishGateError(
      `The working copy cannot be published while the team requires a passing evaluation on "${gate.testSet.name}" (≥ ${gatePercent(gate.minPassRate)}): save a version and evaluate it.`,
    );
  }
  const verdict = await publishGateVerdict(db, teamId, workflowVersionId);
  if (!verdict || verdict.passed) return;
  const version = await db.workflowVersion.findUnique({
    where: { id: workflowVersionId },
    select: { number: true, workflow: { select: { name: true } } },
  });
  const name = version ? `Version ${version.number} of "${version.workflow.name}"` : "This version";
  throw new PublishGateError(
    `${name} cannot serve: publishing needs a passing evaluation on "${verdict.gate.testSet.name}" (≥ ${gatePercent(verdict.gate.minPassRate)}), and ${verdict.reason}.`,
  );
}

/** A date as the gate's messages give it: 2026-12-01 14:03 UTC. */
function day(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
