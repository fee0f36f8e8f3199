import "server-only";
import { z } from "zod";
import { createEmptyWorkflow, text } from "~/graph";
import { createTRPCRouter, teamProcedure, workflowProcedure } from "~/server/api/trpc";
import type { Prisma, PrismaClient } from "~/server/db";
import { pageInput, pageOf, pageQuery } from "../pagination";
import { escapeLikeWildcards, searchWorkflowIds } from "../search";
import { workflowGraphProcedures } from "./workflow-graph";

/** A workflow's display name: trimmed, 1–100 characters. */
export const workflowNameSchema = text()
  .trim()
  .min(1, "Give the workflow a name.")
  .max(100, "Workflow names are at most 100 characters.");

/** How many of the team's workflows (other than `except`) are named `name`. */
function countSameName(db: PrismaClient, teamId: string, name: string, except?: string) {
  return db.workflow.count({ where: { teamId, name, ...(except ? { id: { not: except } } : {}) } });
}

/** "Name (copy)", or "Name (copy N)" with the first N no workflow of the team has; at most 100 characters. */
async function copyName(db: PrismaClient, teamId: string, name: string): Promise<string> {
  const base = name.replace(/ \(copy(?: \d+)?\)$/, "");
  const named = (n: number) => {
    const suffix = n === 1 ? " (copy)" : ` (copy ${n})`;
    return `${base.slice(0, 100 - suffix.length).trimEnd()}${suffix}`;
  };
  const taken = new Set(
    (
      await db.workflow.findMany({
        // A prefix every candidate shares, however its number shortened the base.
        where: { teamId, name: { startsWith: escapeLikeWildcards(base.slice(0, 80)) } },
        select: { name: true },
      })
    ).map((row) => row.name),
  );
  let n = 1;
  while (taken.has(named(n))) n += 1;
  return named(n);
}

const summary = { id: true, name: true, description: true, revision: true, createdAt: true, updatedAt: true };

/** Workflows of a team: list (and search), create, rename, duplicate, delete, get; and the canvas's graph procedures. */
export const workflowRouter = createTRPCRouter({
  ...workflowGraphProcedures,
  /**
   * The team's workflows, most recently changed first, a page at a time; `search` keeps those whose
   * name, description or a tool node's name holds the words (src/server/api/search.ts).
   */
  list: teamProcedure("view")
    .input(z.object({ ...pageInput, search: text().trim().max(200).optional() }))
    .query(async ({ ctx, input }) => {
      const matching = input.search
        ? await searchWorkflowIds(ctx.db, ctx.team.id, input.search, input)
        : undefined;
      return pageOf(
        await ctx.db.workflow.findMany({
          where: { teamId: ctx.team.id, ...(matching ? { id: { in: matching } } : {}) },
          orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
          ...(matching ? {} : pageQuery(input)),
          select: summary,
        }),
        input.limit,
      );
    }),

  /**
   * A new, empty workflow. A name another workflow of the team already has is allowed (names are
   * labels), and said: `sameName` is how many others carry it.
   */
  create: teamProcedure("edit")
    .input(z.object({ name: workflowNameSchema }))
    .mutation(async ({ ctx, input }) => {
      const sameName = await countSameName(ctx.db, ctx.team.id, input.name);
      const workflow = await ctx.db.workflow.create({
        data: {
          teamId: ctx.team.id,
          name: input.name,
          graph: createEmptyWorkflow() as Prisma.InputJsonValue,
          createdById: ctx.session.user.id,
        },
        select: summary,
      });
      return { ...workflow, sameName };
    }),

  /** Rename; `sameName` counts the team's other workflows with the new name, as `create` does. */
  rename: workflowProcedure("edit")
    .input(z.object({ name: workflowNameSchema }))
    .mutation(async ({ ctx, input }) => {
      const sameName = await countSameName(ctx.db, ctx.team.id, input.name, ctx.workflowRef.id);
      const workflow = await ctx.db.workflow.update({
        where: { id: ctx.workflowRef.id, teamId: ctx.team.id },
        data: { name: input.name },
        select: summary,
      });
      return { ...workflow, sameName };
    }),

  /**
   * A copy of the workflow's working copy (graph and description, not its versions, runs or
   * endpoints) in the same team, named "X (copy)", or "X (copy 2)" and on when that is taken. Needs
   * `edit`, as creating does.
   */
  duplicate: workflowProcedure("edit").mutation(async ({ ctx }) => {
    const source = await ctx.db.workflow.findUniqueOrThrow({
      where: { id: ctx.workflowRef.id, teamId: ctx.team.id },
      select: { name: true, description: true, graph: true },
    });
    const name = await copyName(ctx.db, ctx.team.id, source.name);
    return ctx.db.workflow.create({
      data: {
        teamId: ctx.team.id,
        name,
        description: source.description,
        graph: source.graph as Prisma.InputJsonValue,
        createdById: ctx.session.user.id,
      },
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
