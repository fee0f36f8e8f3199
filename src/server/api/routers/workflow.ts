import "server-only";
import { z } from "zod";
import { createEmptyWorkflow, text } from "~/graph";
import { createTRPCRouter, teamProcedure, workflowProcedure } from "~/server/api/trpc";
import type { Prisma } from "~/server/db";
import { pageInput, pageOf, pageQuery } from "../pagination";
import { workflowGraphProcedures } from "./workflow-graph";

/** A workflow's display name: trimmed, 1–100 characters. */
export const workflowNameSchema = text()
  .trim()
  .min(1, "Give the workflow a name.")
  .max(100, "Workflow names are at most 100 characters.");

const summary = { id: true, name: true, description: true, revision: true, createdAt: true, updatedAt: true };

/** Workflows of a team: list, create, rename, delete, get; and the canvas's graph procedures. */
export const workflowRouter = createTRPCRouter({
  ...workflowGraphProcedures,
  /** The team's workflows, most recently changed first, a page at a time. */
  list: teamProcedure("view")
    .input(z.object(pageInput))
    .query(async ({ ctx, input }) =>
      pageOf(
        await ctx.db.workflow.findMany({
          where: { teamId: ctx.team.id },
          orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
          ...pageQuery(input),
          select: summary,
        }),
        input.limit,
      ),
    ),

  create: teamProcedure("edit")
    .input(z.object({ name: workflowNameSchema }))
    .mutation(({ ctx, input }) => {
      return ctx.db.workflow.create({
        data: {
          teamId: ctx.team.id,
          name: input.name,
          graph: createEmptyWorkflow() as Prisma.InputJsonValue,
          createdById: ctx.session.user.id,
        },
        select: summary,
      });
    }),

  rename: workflowProcedure("edit")
    .input(z.object({ name: workflowNameSchema }))
    .mutation(({ ctx, input }) => {
      return ctx.db.workflow.update({
        where: { id: ctx.workflowRef.id, teamId: ctx.team.id },
        data: { name: input.name },
        select: summary,
      });
    }),

  delete: workflowProcedure("edit").mutation(async ({ ctx }) => {
    await ctx.db.workflow.delete({ where: { id: ctx.workflowRef.id, teamId: ctx.team.id } });
    return { id: ctx.workflowRef.id };
  }),

  get: workflowProcedure("view").query(async ({ ctx }) => {
    const workflow = await ctx.db.workflow.findUniqueOrThrow({
      where: { id: ctx.workflowRef.id, teamId: ctx.team.id },
      select: { ...summary, teamId: true, graph: true },
    });
    return { ...workflow, role: ctx.membership.role };
  }),
});
