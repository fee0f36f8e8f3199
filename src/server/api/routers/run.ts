import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { databaseInt, text } from "~/graph";
import { runAudioSchema, runImagesSchema } from "~/lib/run-media";
import { isTerminal, runStatuses } from "~/lib/run-status";
import { searchRunIds } from "~/server/api/search";
import {
  createTRPCRouter,
  protectedProcedure,
  runProcedure,
  teamProcedure,
  workflowProcedure,
} from "~/server/api/trpc";
import { cancelRunAndSettleCase } from "~/server/eval/advance";
import { configuredProviders } from "~/server/runs/providers";
import { storedRunInput, storedRunInputSchema } from "~/server/runs/run-input";
import { getRunServices } from "~/server/runs/run-services";
import { listEventsAfter } from "~/server/runs/run-store";
import { RunStartError, startWorkflowRun } from "~/server/runs/start-run";

const runSummary = {
  id: true,
  status: true,
  task: true,
  error: true,
  hitStepLimit: true,
  inputTokens: true,
  outputTokens: true,
  costUsd: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  workflowId: true,
  workflow: { select: { name: true } },
  /** Who started it (app, API, share link, playground), and for API runs through which endpoint and key. */
  source: true,
  endpoint: { select: { id: true, slug: true } },
  apiKey: { select: { name: true, prefix: true } },
} as const;

/** How tRPC answers each reason a run could not start. */
const runStartCodes = {
  not_found: "NOT_FOUND",
  invalid: "BAD_REQUEST",
  bounds: "BAD_REQUEST",
  limit: "TOO_MANY_REQUESTS",
  busy: "SERVICE_UNAVAILABLE",
} as const satisfies Record<RunStartError["kind"], TRPCError["code"]>;

/** Runs of a team's workflows: start, list, read, replay, cancel, answer, and the cost charts. */
export const runRouter = createTRPCRouter({
  /**
   * Compile the workflow (a saved version, or the working copy) and queue a run of it, within the
   * operator's bounds: the time limit at most RUN_MAX_TIME_LIMIT_SECONDS, the team's concurrent-run
   * and hourly limits (src/server/runs/run-limits.ts), a default cost cap and the token cap.
   */
  start: workflowProcedure("run")
    .input(
      z.object({
        task: text()
          .trim()
          .min(1, "Give the run a task.")
          .max(20_000, "Tasks are at most 20,000 characters."),
        versionId: z.string().min(1).max(64).optional(),
        timeLimitSeconds: z
          .number()
          .int()
          .min(5)
          .max(24 * 3600)
          .optional(),
        costCapUsd: z.number().positive().max(10_000).optional(),
        /** The previous turn of a conversation (the playground): this run continues its memory. */
        previousRunId: z.string().min(1).max(64).optional(),
        source: z.enum(["app", "playground"]).optional(),
        /** Images and audio given with the task, as the HTTP API takes them (src/lib/run-media.ts). */
        images: runImagesSchema.optional(),
        audio: runAudioSchema.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (input.previousRunId) {
        // A turn continues a run of the same workflow (so of the same team) that has ended.
        const previous = await ctx.db.run.findFirst({
          where: { id: input.previousRunId, teamId: ctx.team.id, workflowId: ctx.workflowRef.id },
          select: { status: true },
        });
        if (!previous)
          throw new TRPCError({
            code: "NOT_FOUND",
            message: "The previous turn was not found in this workflow.",
          });
        if (!isTerminal(previous.status))
          throw new TRPCError({ code: "CONFLICT", message: "Wait for the previous turn to finish." });
      }
      return startWorkflowRun(ctx.db, {
        team: ctx.team,
        workflowId: ctx.workflowRef.id,
        versionId: input.versionId,
        task: input.task,
        createdById: ctx.session.user.id,
        timeLimitSeconds: input.timeLimitSeconds,
        costCapUsd: input.costCapUsd,
        source: input.source ?? "app",
        previousRunId: input.previousRunId ?? null,
        input: storedRunInput({ task: input.task, images: input.images, audio: input.audio }),
      }).catch((error: unknown) => {
        if (error instanceof RunStartError)
          throw new TRPCError({ code: runStartCodes[error.kind], message: error.message });
        throw error;
      });
    }),

  list: teamProcedure("view")
    .input(
      z.object({
        workflowId: z.string().max(64).optional(),
        status: z.enum(runStatuses).optional(),
        from: z.date().optional(),
        to: z.date().optional(),
        cursor: z.string().max(64).optional(),
        limit: z.number().int().min(1).max(100).default(50),
        /** Words in the task, the workflow's name or a tool's name (src/server/api/search.ts). */
        search: text().trim().max(200).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const filters = {
        ...(input.workflowId ? { workflowId: input.workflowId } : {}),
        ...(input.status ? { status: input.status } : {}),
        ...(input.from || input.to ? { createdAt: { gte: input.from, lte: input.to } } : {}),
      };
      const matching = input.search
        ? await searchRunIds(ctx.db, ctx.team.id, input.search, input, input)
        : undefined;
      const rows = await ctx.db.run.findMany({
        where: { teamId: ctx.team.id, ...(matching ? { id: { in: matching } } : filters) },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        ...(matching
          ? {}
          : { take: input.limit + 1, ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}) }),
        select: runSummary,
      });
      const more = rows.length > input.limit;
      const items = rows.slice(0, input.limit);
      return { items, nextCursor: more ? items.at(-1)?.id : undefined };
    }),

  get: runProcedure("view").query(async ({ ctx }) => {
    const run = await ctx.db.run.findUniqueOrThrow({
      where: { id: ctx.runRef.id },
      select: {
        ...runSummary,
        teamId: true,
        output: true,
        usage: true,
        lastSeq: true,
        timeLimitSeconds: true,
        costCapUsd: true,
        tokenCap: true,
        attempt: true,
        input: true,
      },
    });
    const { input, ...rest } = run;
    // The images and audio given with the task, for the run page (extra values stay server-side).
    const stored = storedRunInputSchema.parse(input);
    const media = { images: stored?.images ?? [], audio: stored?.audio ?? [] };
    return { ...rest, media, role: ctx.membership.role };
  }),

  /** Stored events after a sequence number, in order: replay, and catching up after a reconnect. */
  events: runProcedure("view")
    .input(
      z.object({
        afterSeq: databaseInt(-1).default(-1),
        limit: z.number().int().min(1).max(5000).default(1000),
      }),
    )
    .query(({ ctx, input }) => listEventsAfter(ctx.db, ctx.runRef.id, input.afterSeq, input.limit)),

  cancel: runProcedure("run").mutation(({ ctx }) => cancelRunAndSettleCase(ctx.db, ctx.runRef.id)),

  /** Answer a run's `user_input` question. */
  reply: runProcedure("run")
    .input(z.object({ requestId: z.string().min(1).max(200), text: text().max(100_000) }))
    .mutation(async ({ ctx, input }) => {
      const run = await ctx.db.run.findUniqueOrThrow({
        where: { id: ctx.runRef.id },
        select: { status: true },
      });
      if (run.status !== "waiting_for_input") {
        throw new TRPCError({ code: "BAD_REQUEST", message: "This run is not waiting for input." });
      }
      await getRunServices().control.send({
        type: "user_input",
        runId: ctx.runRef.id,
        requestId: input.requestId,
        text: input.text,
      });
      return { ok: true };
    }),

  /** Cost per day, tokens by model and cost by workflow over the last `days` days. */
  stats: teamProcedure("view")
    .input(z.object({ days: z.number().int().min(1).max(365).default(30) }))
    .query(async ({ ctx, input }) => {
      const since = new Date(Date.now() - input.days * 86_400_000);
      const runs = await ctx.db.run.findMany({
        where: { teamId: ctx.team.id, createdAt: { gte: since } },
        select: {
          createdAt: true,
          costUsd: true,
          usage: true,
          workflowId: true,
          workflow: { select: { name: true } },
        },
      });
      const perDay = new Map<string, { day: string; costUsd: number; runs: number; unpriced: number }>();
      const byModel = new Map<string, { model: string; inputTokens: number; outputTokens: number }>();
      const byWorkflow = new Map<
        string,
        { workflowId: string; name: string; costUsd: number; runs: number }
      >();
      for (const run of runs) {
        const day = run.createdAt.toISOString().slice(0, 10);
        const d = perDay.get(day) ?? { day, costUsd: 0, runs: 0, unpriced: 0 };
        d.runs += 1;
        if (run.costUsd === null) d.unpriced += 1;
        else d.costUsd += run.costUsd;
        perDay.set(day, d);
        const usage = run.usage as {
          byModel?: Record<string, { inputTokens: number; outputTokens: number }>;
        };
        for (const [model, line] of Object.entries(usage.byModel ?? {})) {
          const m = byModel.get(model) ?? { model, inputTokens: 0, outputTokens: 0 };
          m.inputTokens += line.inputTokens;
          m.outputTokens += line.outputTokens;
          byModel.set(model, m);
        }
        const wid = run.workflowId ?? "deleted";
        const w = byWorkflow.get(wid) ?? {
          workflowId: wid,
          name: run.workflow?.name ?? "Deleted workflow",
          costUsd: 0,
          runs: 0,
        };
        w.runs += 1;
        w.costUsd += run.costUsd ?? 0;
        byWorkflow.set(wid, w);
      }
      return {
        costPerDay: [...perDay.values()].sort((a, b) => a.day.localeCompare(b.day)),
        tokensByModel: [...byModel.values()].sort(
          (a, b) => b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens),
        ),
        costByWorkflow: [...byWorkflow.values()].sort((a, b) => b.costUsd - a.costUsd),
      };
    }),

  /** Which model providers this installation has keys for (never the keys). */
  providers: protectedProcedure.query(() => configuredProviders()),
});
