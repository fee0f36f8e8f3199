import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { compareVersions } from "~/eval/compare";
import type { CaseResult } from "~/eval/run-test-set";
import { testCaseSchema } from "~/eval/test-set";
import { text } from "~/graph";
import {
  createTRPCRouter,
  evalRunProcedure,
  evalRunsProcedure,
  runProcedure,
  teamProcedure,
  testCaseProcedure,
  testSetProcedure,
} from "~/server/api/trpc";
import { cancelEvaluation, EVAL_LIMITS, startEvaluations } from "~/server/eval/start-eval";
import {
  evalListItems,
  evalListSelect,
  storedCaseResult,
  storedSummary,
  storedTestCase,
  withoutTrace,
} from "~/server/eval/stored";
import {
  addRunAsCase,
  exportSet,
  IMPORT_CONTENT_CHARS,
  importCases,
  saveCase,
  TestSetError,
} from "~/server/eval/test-sets";
import { RunStartError } from "~/server/runs/start-run";

const idSchema = z.string().min(1).max(64);
const nameSchema = text()
  .trim()
  .min(1, "Give the test set a name.")
  .max(200, "Names are at most 200 characters.");
const descriptionSchema = text().trim().max(4000, "Descriptions are at most 4,000 characters.");

/** How tRPC answers each reason a test set change or an evaluation start was refused. */
const refusalCodes = {
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  invalid: "BAD_REQUEST",
  bounds: "BAD_REQUEST",
  limit: "TOO_MANY_REQUESTS",
  busy: "SERVICE_UNAVAILABLE",
} as const satisfies Record<TestSetError["kind"] | RunStartError["kind"], TRPCError["code"]>;

/** The services' refusals as tRPC errors; anything else goes on unchanged. */
function refusal(error: unknown): never {
  if (error instanceof TestSetError || error instanceof RunStartError) {
    throw new TRPCError({ code: refusalCodes[error.kind], message: error.message });
  }
  throw error;
}

/**
 * Test sets, their cases, and evaluations of workflow versions against them (src/server/eval).
 * Reading needs `view`; changing sets and cases `edit`; starting and cancelling evaluations `run`.
 * Team-wide lists and creation take the `teamId` as every router does; everything else is named by
 * its own id and answers NOT_FOUND for another team's id exactly as for a missing one.
 */
export const evaluationRouter = createTRPCRouter({
  /** The team's test sets, most recently changed first, with their latest evaluation. */
  listSets: teamProcedure("view").query(async ({ ctx }) => {
    const sets = await ctx.db.testSet.findMany({
      where: { teamId: ctx.team.id },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      select: {
        id: true,
        name: true,
        description: true,
        updatedAt: true,
        _count: { select: { cases: true } },
        evalRuns: {
          orderBy: { createdAt: "desc" },
          take: 1,
          select: {
            id: true,
            status: true,
            summary: true,
            versionNumber: true,
            createdAt: true,
            workflow: { select: { name: true } },
          },
        },
      },
    });
    return sets.map((set) => {
      const last = set.evalRuns[0];
      return {
        id: set.id,
        name: set.name,
        description: set.description,
        caseCount: set._count.cases,
        updatedAt: set.updatedAt,
        lastEval: last
          ? {
              id: last.id,
              status: last.status,
              passRate: storedSummary(last.summary)?.passRate ?? null,
              versionNumber: last.versionNumber,
              workflowName: last.workflow?.name ?? "Deleted workflow",
              createdAt: last.createdAt,
            }
          : null,
      };
    });
  }),

  /** One set with its cases in order and its evaluations, newest first. */
  getSet: testSetProcedure("view").query(async ({ ctx }) => {
    const set = await ctx.db.testSet.findUniqueOrThrow({
      where: { id: ctx.ref.id },
      select: {
        id: true,
        name: true,
        description: true,
        updatedAt: true,
        cases: {
          orderBy: { position: "asc" },
          select: { id: true, key: true, position: true, task: true, data: true, sourceRunId: true },
        },
      },
    });
    const evals = await ctx.db.evalRun.findMany({
      where: { testSetId: set.id },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 50,
      select: evalListSelect,
    });
    return {
      ...set,
      cases: set.cases.map((row) => {
        const data = storedTestCase(row.data);
        return { ...row, data, replay: data.recording !== undefined, checkCount: data.checks.length };
      }),
      evals: await evalListItems(ctx.db, evals),
    };
  }),

  createSet: teamProcedure("edit")
    .input(z.object({ name: nameSchema, description: descriptionSchema.optional() }))
    .mutation(({ ctx, input }) =>
      ctx.db.testSet.create({
        data: {
          teamId: ctx.team.id,
          name: input.name,
          description: input.description ?? "",
          createdById: ctx.session.user.id,
        },
        select: { id: true },
      }),
    ),

  updateSet: testSetProcedure("edit")
    .input(z.object({ name: nameSchema.optional(), description: descriptionSchema.optional() }))
    .mutation(async ({ ctx, input }) => {
      await ctx.db.testSet.update({
        where: { id: ctx.ref.id },
        data: {
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(input.description === undefined ? {} : { description: input.description }),
        },
      });
      return { id: ctx.ref.id };
    }),

  /** Delete a set and its cases; its evaluations stay, under the name they were started with. */
  deleteSet: testSetProcedure("edit").mutation(async ({ ctx }) => {
    await ctx.db.testSet.delete({ where: { id: ctx.ref.id } });
    return { id: ctx.ref.id };
  }),

  /** Create a case (no `id`) or replace one; its case id (`case.id`) is unique in the set. */
  saveCase: testSetProcedure("edit", "testSetId")
    .input(z.object({ id: idSchema.optional(), case: testCaseSchema }))
    .mutation(({ ctx, input }) => saveCase(ctx.db, ctx.ref.id, input.id, input.case).catch(refusal)),

  deleteCase: testCaseProcedure("edit").mutation(async ({ ctx }) => {
    await ctx.db.testCase.delete({ where: { id: ctx.ref.id } });
    return { id: ctx.ref.id };
  }),

  /**
   * Import a JSON, JSONL or CSV file's cases (the format from the file name). A file with problems is
   * refused with each problem's line or field, and nothing is stored. At most IMPORT_CONTENT_CHARS
   * (5 MB) through the app, inside the tRPC endpoint's 6 MB body limit.
   */
  importCases: testSetProcedure("edit", "testSetId")
    .input(
      z.object({
        fileName: z.string().trim().min(1).max(255),
        content: z
          .string()
          .max(
            IMPORT_CONTENT_CHARS,
            "Files imported here are at most 5 MB; import larger sets with the command line (troupe eval).",
          ),
        mode: z.enum(["append", "replace"]),
      }),
    )
    .mutation(({ ctx, input }) =>
      importCases(ctx.db, ctx.ref.id, input.fileName, input.content, input.mode).catch(refusal),
    ),

  exportSet: testSetProcedure("view")
    .input(z.object({ format: z.enum(["json", "jsonl", "csv"]) }))
    .query(({ ctx, input }) => exportSet(ctx.db, ctx.ref.id, input.format)),

  /**
   * A finished run of the team becomes a case of a set (an existing one, or a new one named
   * `newSetName`): its task and inputs, an exact check on `expected` (the run's answer by default; no
   * check when null), and with `freeze` its recording, so the case replays without calling models.
   */
  addRunAsCase: runProcedure("edit")
    .input(
      z
        .object({
          testSetId: idSchema.optional(),
          newSetName: nameSchema.optional(),
          key: testCaseSchema.shape.id.optional(),
          task: testCaseSchema.shape.task.optional(),
          expected: text().max(100_000).nullable().optional(),
          freeze: z.boolean(),
        })
        .refine((input) => (input.testSetId === undefined) !== (input.newSetName === undefined), {
          message: "Choose a test set, or name a new one (not both).",
          path: ["testSetId"],
        }),
    )
    .mutation(async ({ ctx, input }) => {
      if (input.testSetId) {
        const set = await ctx.db.testSet.findFirst({
          where: { id: input.testSetId, teamId: ctx.team.id },
          select: { id: true },
        });
        if (!set) throw new TRPCError({ code: "NOT_FOUND", message: "Test set not found." });
      }
      return addRunAsCase(ctx.db, {
        teamId: ctx.team.id,
        runId: ctx.runRef.id,
        createdById: ctx.session.user.id,
        freeze: input.freeze,
        ...(input.testSetId ? { testSetId: input.testSetId } : {}),
        ...(input.newSetName ? { newSetName: input.newSetName } : {}),
        ...(input.key ? { key: input.key } : {}),
        ...(input.task ? { task: input.task } : {}),
        ...(input.expected === undefined ? {} : { expected: input.expected }),
      }).catch(refusal);
    }),

  /** Evaluate 1 to 5 versions of a workflow (null: the working copy) on a set: one evaluation each. */
  startEval: testSetProcedure("run", "testSetId")
    .input(
      z.object({
        workflowId: idSchema,
        versionIds: z
          .array(idSchema.nullable())
          .min(1, "Choose a version to evaluate.")
          .max(EVAL_LIMITS.versions, `Evaluate at most ${EVAL_LIMITS.versions} versions at once.`),
        concurrency: z.number().int().min(1).max(EVAL_LIMITS.maxConcurrency).optional(),
        maxCostUsd: z.number().positive().max(10_000).optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      startEvaluations(ctx.db, {
        team: ctx.team,
        testSetId: ctx.ref.id,
        workflowId: input.workflowId,
        versionIds: input.versionIds,
        createdById: ctx.session.user.id,
        ...(input.concurrency === undefined ? {} : { concurrency: input.concurrency }),
        ...(input.maxCostUsd === undefined ? {} : { maxCostUsd: input.maxCostUsd }),
      }).catch(refusal),
    ),

  /** The team's evaluations, newest first, optionally of one set or one workflow. */
  listEvals: teamProcedure("view")
    .input(
      z.object({
        testSetId: idSchema.optional(),
        workflowId: idSchema.optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.evalRun.findMany({
        where: {
          teamId: ctx.team.id,
          ...(input.testSetId ? { testSetId: input.testSetId } : {}),
          ...(input.workflowId ? { workflowId: input.workflowId } : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: input.limit,
        select: evalListSelect,
      });
      return evalListItems(ctx.db, rows);
    }),

  /** One evaluation with its cases in order: status, pass or fail, the case's run, and its result. */
  getEval: evalRunProcedure("view").query(async ({ ctx }) => {
    const row = await ctx.db.evalRun.findUniqueOrThrow({
      where: { id: ctx.ref.id },
      select: {
        ...evalListSelect,
        concurrency: true,
        error: true,
        cases: {
          orderBy: { position: "asc" },
          select: {
            key: true,
            position: true,
            data: true,
            status: true,
            passed: true,
            runId: true,
            result: true,
          },
        },
      },
    });
    const [item] = await evalListItems(ctx.db, [row]);
    return {
      ...(item as NonNullable<typeof item>),
      concurrency: row.concurrency,
      error: row.error,
      cases: row.cases.map((evalCase) => ({
        key: evalCase.key,
        position: evalCase.position,
        task: storedTestCase(evalCase.data).task,
        status: evalCase.status,
        passed: evalCase.passed,
        runId: evalCase.runId,
        result: withoutTrace(storedCaseResult(evalCase.result)),
      })),
    };
  }),

  cancelEval: evalRunProcedure("run").mutation(({ ctx }) => cancelEvaluation(ctx.db, ctx.ref.id)),

  /**
   * Evaluations side by side (src/eval/compare.ts): each one's figures, the best per figure, the
   * winner, and per case each one's answer, failures, steps, cost, latency, run and trace. Evaluations
   * of different sets are compared on the case ids they share; `leftOut` counts the others.
   */
  compare: evalRunsProcedure("view").query(async ({ ctx, input }) => {
    const rows = await ctx.db.evalRun.findMany({
      where: { id: { in: input.ids } },
      select: {
        ...evalListSelect,
        cases: {
          where: { status: { in: ["done", "not_run"] } },
          orderBy: { position: "asc" },
          select: { key: true, runId: true, result: true },
        },
      },
    });
    const ordered = input.ids.map((id) => rows.find((row) => row.id === id)!);
    const keysOf = (row: (typeof ordered)[number]) =>
      new Set(row.cases.flatMap((evalCase) => (storedCaseResult(evalCase.result) ? [evalCase.key] : [])));
    const keySets = ordered.map(keysOf);
    const shared = new Set([...(keySets[0] ?? [])].filter((key) => keySets.every((keys) => keys.has(key))));
    const allKeys = new Set(keySets.flatMap((keys) => [...keys]));
    const versions = ordered.map((row) => ({
      label: row.versionNumber === null ? "working copy" : `v${row.versionNumber}`,
      results: row.cases.flatMap((evalCase): CaseResult[] => {
        const result = storedCaseResult(evalCase.result);
        return result && shared.has(evalCase.key) ? [{ ...result, id: evalCase.key }] : [];
      }),
    }));
    const comparison = compareVersions(versions);
    const details = ordered.map(
      (row) =>
        new Map(
          row.cases.map((evalCase) => {
            const result = storedCaseResult(evalCase.result);
            return [
              evalCase.key,
              result
                ? { runId: evalCase.runId, costUsd: result.costUsd, latencyMs: result.latencyMs }
                : { runId: evalCase.runId, costUsd: null, latencyMs: null },
            ] as const;
          }),
        ),
    );
    return {
      evals: await evalListItems(ctx.db, ordered),
      comparison: {
        ...comparison,
        cases: comparison.cases.map((entry) => ({
          ...entry,
          versions: entry.versions.map((version, index) =>
            version
              ? {
                  ...version,
                  ...(details[index]?.get(entry.id) ?? { runId: null, costUsd: null, latencyMs: null }),
                }
              : undefined,
          ),
        })),
      },
      /** Case ids some but not all of the evaluations have, left out of the comparison. */
      leftOut: allKeys.size - shared.size,
    };
  }),
});
