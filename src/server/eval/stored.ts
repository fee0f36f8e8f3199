import "server-only";
import type { CaseResult, EvalSummary } from "~/eval/run-test-set";
import { type TestCase, testCaseSchema } from "~/eval/test-set";
import type { Prisma, PrismaClient } from "~/server/db";

/**
 * How evaluations are read back from the database: a case's stored result and an evaluation's
 * summary are JSON written only by src/server/eval/advance.ts from the engine's own types, and the
 * list item every evaluation view starts from (`EvalListItem`).
 */

/** A scored case as stored in `EvalCase.result`: the engine's result without its events. */
export type StoredCaseResult = Omit<CaseResult, "events">;

/** `EvalRun.summary` as stored: `{}` until the first case is scored. */
export function storedSummary(json: Prisma.JsonValue): EvalSummary | null {
  return json && typeof json === "object" && !Array.isArray(json) && "cases" in json
    ? (json as unknown as EvalSummary)
    : null;
}

/** `EvalCase.result` as stored, or null before the case is scored. */
export function storedCaseResult(json: Prisma.JsonValue | null): StoredCaseResult | null {
  return json && typeof json === "object" && !Array.isArray(json) && "passed" in json
    ? (json as unknown as StoredCaseResult)
    : null;
}

/**
 * A case's result without its step trace: what the live evaluation page polls every second (traces
 * can be long, and only the comparison shows them).
 */
export function withoutTrace(result: StoredCaseResult | null): Omit<StoredCaseResult, "trace"> | null {
  if (!result) return null;
  const { trace: _shownInComparisons, ...rest } = result;
  return rest;
}

/** A stored test case (`TestCase.data`, `EvalCase.data`), checked against the schema it was saved with. */
export function storedTestCase(json: Prisma.JsonValue): TestCase {
  return testCaseSchema.parse(json);
}

/** The columns an evaluation list item is made of. */
export const evalListSelect = {
  id: true,
  status: true,
  testSetId: true,
  testSetName: true,
  workflowId: true,
  workflowVersionId: true,
  versionNumber: true,
  summary: true,
  spentUsd: true,
  maxCostUsd: true,
  stoppedByCostCap: true,
  createdAt: true,
  finishedAt: true,
  workflow: { select: { name: true } },
  _count: { select: { cases: true } },
} as const satisfies Prisma.EvalRunSelect;

type EvalListRow = Prisma.EvalRunGetPayload<{ select: typeof evalListSelect }>;

/** How an evaluation appears in lists, comparisons and at the top of its own page. */
export interface EvalListItem {
  id: string;
  status: EvalListRow["status"];
  testSetId: string | null;
  testSetName: string;
  workflowId: string | null;
  workflowName: string;
  workflowVersionId: string | null;
  /** The version evaluated; null for the working copy. */
  versionNumber: number | null;
  summary: EvalSummary | null;
  spentUsd: number;
  maxCostUsd: number | null;
  stoppedByCostCap: boolean;
  /** Cases scored or ended not run. */
  casesDone: number;
  casesTotal: number;
  createdAt: Date;
  finishedAt: Date | null;
}

/** List items of the evaluation rows given (counting each one's ended cases in one query). */
export async function evalListItems(
  db: Pick<PrismaClient, "evalCase">,
  rows: readonly EvalListRow[],
): Promise<EvalListItem[]> {
  const ended = rows.length
    ? await db.evalCase.groupBy({
        by: ["evalRunId"],
        where: { evalRunId: { in: rows.map((row) => row.id) }, status: { in: ["done", "not_run"] } },
        _count: { _all: true },
      })
    : [];
  const done = new Map(ended.map((group) => [group.evalRunId, group._count._all]));
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    testSetId: row.testSetId,
    testSetName: row.testSetName,
    workflowId: row.workflowId,
    workflowName: row.workflow?.name ?? "Deleted workflow",
    workflowVersionId: row.workflowVersionId,
    versionNumber: row.versionNumber,
    summary: storedSummary(row.summary),
    spentUsd: row.spentUsd,
    maxCostUsd: row.maxCostUsd,
    stoppedByCostCap: row.stoppedByCostCap,
    casesDone: done.get(row.id) ?? 0,
    casesTotal: row._count.cases,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  }));
}
