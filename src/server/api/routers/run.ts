import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { compile, databaseInt, migrate, text } from "~/graph";
import { runStatuses } from "~/lib/run-status";
import {
  createTRPCRouter,
  protectedProcedure,
  runProcedure,
  teamProcedure,
  workflowProcedure,
} from "~/server/api/trpc";
import { teamToolCatalog } from "~/server/library/catalog";
import { mayUseLocalExecutor } from "~/server/runs/local-executor-policy";
import { configuredProviders } from "~/server/runs/providers";
import { createRunWithinLimits, RunLimitError, runBounds } from "~/server/runs/run-limits";
import { getRunServices } from "~/server/runs/run-services";
import { isTerminal, listEventsAfter, transitionRun } from "~/server/runs/run-store";
import { sandboxLimits } from "~/server/runs/sandbox-policy";
import { teamSecretBindings } from "~/server/secrets/team-secrets";

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
} as const;

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
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const bounds = runBounds();
      if (input.timeLimitSeconds !== undefined && input.timeLimitSeconds > bounds.maxTimeLimitSeconds) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `The time limit can be at most ${bounds.maxTimeLimitSeconds.toLocaleString("en-US")} s on this server.`,
        });
      }
      const source = input.versionId
        ? await ctx.db.workflowVersion.findFirst({
            where: { id: input.versionId, workflowId: ctx.workflowRef.id },
            select: { graph: true },
          })
        : await ctx.db.workflow.findUnique({ where: { id: ctx.workflowRef.id }, select: { graph: true } });
      if (!source) throw new TRPCError({ code: "NOT_FOUND", message: "Workflow version not found." });
      const migrated = migrate(source.graph);
      if (!migrated.ok) throw new TRPCError({ code: "BAD_REQUEST", message: migrated.message });
      // Authoritative: a run whose secrets are not set would only stop at its first model call,
      // and a model pointing the server's key at another host must not start at all.
      const catalog = await teamToolCatalog(ctx.db, ctx.team.id, { for: migrated.document });
      const providers = configuredProviders();
      const compiled = compile(migrated.document, catalog, {
        knownSecrets: providers.secretNames,
        installationKeys: providers.installationKeys,
        teamSecrets: await teamSecretBindings(ctx.db, ctx.team.id),
        allowLocalExecutor: mayUseLocalExecutor(ctx.team.slug),
        sandboxLimits: sandboxLimits(),
      });
      if (!compiled.ok) {
        const first = compiled.issues[0]?.message ?? "the graph is incomplete";
        const more = compiled.issues.length > 1 ? ` (and ${compiled.issues.length - 1} more)` : "";
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `This workflow cannot run yet: ${first}${more}.`,
        });
      }
      const run = await createRunWithinLimits(ctx.db, {
        teamId: ctx.team.id,
        workflowId: ctx.workflowRef.id,
        workflowVersionId: input.versionId ?? null,
        spec: compiled.spec,
        task: input.task,
        createdById: ctx.session.user.id,
        timeLimitSeconds: input.timeLimitSeconds ?? bounds.defaultTimeLimitSeconds,
        costCapUsd: input.costCapUsd ?? bounds.defaultCostCapUsd,
        tokenCap: bounds.tokenCap,
      }).catch((error: unknown) => {
        if (error instanceof RunLimitError)
          throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: error.message });
        throw error;
      });
      await getRunServices().queue.enqueue(run.id);
      return { runId: run.id };
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
      }),
    )
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.run.findMany({
        where: {
          teamId: ctx.team.id,
          ...(input.workflowId ? { workflowId: input.workflowId } : {}),
          ...(input.status ? { status: input.status } : {}),
          ...(input.from || input.to ? { createdAt: { gte: input.from, lte: input.to } } : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: input.limit + 1,
        ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
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
      },
    });
    return { ...run, role: ctx.membership.role };
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

  cancel: runProcedure("run").mutation(async ({ ctx }) => {
    const run = await ctx.db.run.findUniqueOrThrow({
      where: { id: ctx.runRef.id },
      select: { status: true },
    });
    if (isTerminal(run.status)) return { status: run.status };
    await ctx.db.run.update({ where: { id: ctx.runRef.id }, data: { cancelRequestedAt: new Date() } });
    // A queued run ends here; a running one is stopped by its worker within the current call.
    if (
      await transitionRun(ctx.db, ctx.runRef.id, ["queued"], "cancelled", {
        error: "Cancelled before it started.",
      })
    ) {
      return { status: "cancelled" as const };
    }
    await getRunServices().control.send({
      type: "cancel",
      runId: ctx.runRef.id,
      reason: "Cancelled by a user.",
    });
    return { status: "cancelling" as const };
  }),

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
