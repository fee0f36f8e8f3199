import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  changedStdioServers,
  databaseInt,
  type GraphIssue,
  migrate,
  schemaIssues,
  storableJson,
  text,
  validate,
  type WorkflowDocument,
  workflowDocumentSchema,
  workflowLimits,
} from "~/graph";
import type { Role } from "~/lib/roles";
import { type TRPCContext, workflowProcedure } from "~/server/api/trpc";
import { can } from "~/server/auth/permissions";
import { type Prisma, retryOnUniqueViolation } from "~/server/db";
import { teamToolCatalog } from "~/server/library/catalog";
import { mcpStdioCommands } from "~/server/runs/mcp-policy";
import { pageInput, pageOf, pageQuery } from "../pagination";

type Db = TRPCContext["db"];

/**
 * The canvas's procedures on one workflow, spread into the `workflow` router: load, saveGraph
 * (optimistic concurrency on `revision`), saveVersion, listVersions, restoreVersion.
 *
 * Server-side validation is authoritative and has two levels (see `GraphIssue`):
 * structural problems (schema, dangling or impossible edges, a `manages` cycle) are refused with
 * BAD_REQUEST and nothing is written; draft problems (an agent without a model, a bad name, an
 * unattached tool) are stored with the draft and returned, because a graph under construction is
 * incomplete by nature. Running and publishing compile the graph, which refuses those.
 */

const revisionSchema = databaseInt(0);
const versionMessageSchema = text().trim().max(500, "Version messages are at most 500 characters.");

function badGraph(issues: GraphIssue[]): TRPCError {
  const first = issues[0];
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length === 2 ? "" : "s"})` : "";
  return new TRPCError({
    code: "BAD_REQUEST",
    message: `The workflow graph is invalid: ${first ? first.message : "unknown problem"}${more}`,
  });
}

const conflict = (revision: number) =>
  new TRPCError({
    code: "CONFLICT",
    message: `This workflow was changed elsewhere (now at revision ${revision}). Your edits are kept here: reload to see the other changes, or overwrite them with yours.`,
  });

/**
 * Parse and check a graph the client sent: size first, then schema and structure. Library tool
 * nodes are checked against the team's library (`teamToolCatalog`).
 */
async function checkGraph(
  db: Db,
  teamId: string,
  graph: unknown,
): Promise<{ document: WorkflowDocument; issues: GraphIssue[] }> {
  const size = JSON.stringify(graph ?? null).length;
  if (size > workflowLimits.maxFileBytes) {
    throw new TRPCError({ code: "PAYLOAD_TOO_LARGE", message: "The workflow graph is over 5 MB." });
  }
  const parsed = workflowDocumentSchema.safeParse(graph);
  if (!parsed.success) throw badGraph(schemaIssues(parsed.error));
  const issues = await issuesOf(db, teamId, parsed.data);
  if (issues.some((i) => i.severity === "structural")) throw badGraph(issues);
  return { document: parsed.data, issues };
}

/**
 * A stored graph's issues, its library nodes checked against the team's library and its stdio MCP
 * servers against the operator's list of commands.
 */
async function issuesOf(db: Db, teamId: string, graph: WorkflowDocument): Promise<GraphIssue[]> {
  return validate(graph, {
    catalog: await teamToolCatalog(db, teamId, { for: graph }),
    mcpStdioCommands: mcpStdioCommands(),
  });
}

/**
 * A stdio MCP server starts a program on the server: only roles with `configureCommands` (admins)
 * may add one or change what it runs (command, arguments, environment). Others may still move,
 * rename, attach or delete the ones an admin configured, and choose their tools.
 */
function refuseStdioChanges(
  role: Role,
  previous: WorkflowDocument | undefined,
  next: WorkflowDocument,
): void {
  if (can(role, "configureCommands")) return;
  const changed = changedStdioServers(previous, next)[0];
  if (!changed) return;
  throw new TRPCError({
    code: "FORBIDDEN",
    message: `Only team admins may add or change an MCP server that starts a program on the server ("${changed.name || changed.nodeId}"): ask an admin, or use an HTTP MCP server.`,
  });
}

/** The stored working copy at `revision`, or the conflict when the workflow has moved on. */
async function storedAt(db: Db, workflowId: string, revision: number): Promise<WorkflowDocument> {
  const current = await db.workflow.findUniqueOrThrow({
    where: { id: workflowId },
    select: { revision: true, graph: true },
  });
  if (current.revision !== revision) throw conflict(current.revision);
  return loadStored(current.graph);
}

/** A stored graph brought to the current version; a stored graph that cannot be is a server bug. */
function loadStored(graph: unknown): WorkflowDocument {
  const result = migrate(graph);
  if (!result.ok) {
    throw new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: `The stored graph could not be read: ${result.message}`,
    });
  }
  return result.document;
}

const asJson = (doc: WorkflowDocument) => doc as unknown as Prisma.InputJsonValue;

export const workflowGraphProcedures = {
  /** The workflow with its graph migrated to the current version, its issues and the caller's role. */
  load: workflowProcedure("view").query(async ({ ctx }) => {
    const row = await ctx.db.workflow.findUniqueOrThrow({
      where: { id: ctx.workflowRef.id, teamId: ctx.team.id },
      select: {
        id: true,
        teamId: true,
        name: true,
        description: true,
        revision: true,
        graph: true,
        updatedAt: true,
      },
    });
    const graph = loadStored(row.graph);
    const issues = await issuesOf(ctx.db, ctx.team.id, graph);
    return { ...row, graph, issues, role: ctx.membership.role };
  }),

  /** Store the working copy if `revision` is still current; returns the new revision and the draft's issues. */
  saveGraph: workflowProcedure("edit")
    .input(z.object({ revision: revisionSchema, graph: storableJson() }))
    .mutation(async ({ ctx, input }) => {
      const { document, issues } = await checkGraph(ctx.db, ctx.team.id, input.graph);
      if (!can(ctx.membership.role, "configureCommands")) {
        refuseStdioChanges(
          ctx.membership.role,
          await storedAt(ctx.db, ctx.workflowRef.id, input.revision),
          document,
        );
      }
      const updated = await ctx.db.workflow.updateMany({
        where: { id: ctx.workflowRef.id, teamId: ctx.team.id, revision: input.revision },
        data: { graph: asJson(document), revision: { increment: 1 } },
      });
      if (updated.count === 0) {
        const current = await ctx.db.workflow.findUniqueOrThrow({
          where: { id: ctx.workflowRef.id },
          select: { revision: true },
        });
        throw conflict(current.revision);
      }
      return { revision: input.revision + 1, issues };
    }),

  /** Freeze the stored working copy as the next immutable version. `revision` guards against saving a stale view. */
  saveVersion: workflowProcedure("edit")
    .input(z.object({ revision: revisionSchema, message: versionMessageSchema }))
    .mutation(async ({ ctx, input }) => {
      // Two saves at once pick the same number: the loser tries again with the next one.
      const saved = await retryOnUniqueViolation(() =>
        ctx.db.$transaction(async (tx) => {
          const workflow = await tx.workflow.findUniqueOrThrow({
            where: { id: ctx.workflowRef.id },
            select: { revision: true, graph: true },
          });
          if (workflow.revision !== input.revision) throw conflict(workflow.revision);
          const last = await tx.workflowVersion.aggregate({
            where: { workflowId: ctx.workflowRef.id },
            _max: { number: true },
          });
          const graph = loadStored(workflow.graph);
          return tx.workflowVersion.create({
            data: {
              workflowId: ctx.workflowRef.id,
              number: (last._max.number ?? 0) + 1,
              message: input.message,
              graph: asJson(graph),
              createdById: ctx.session.user.id,
            },
            select: { id: true, number: true, message: true, createdAt: true },
          });
        }),
      );
      if (saved) return saved;
      throw new TRPCError({
        code: "CONFLICT",
        message: "Another version was being saved at the same time; try again.",
      });
    }),

  /** Versions, newest first, a page at a time. */
  listVersions: workflowProcedure("view")
    .input(z.object(pageInput))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.workflowVersion.findMany({
        where: { workflowId: ctx.workflowRef.id },
        orderBy: { number: "desc" },
        ...pageQuery(input),
        select: {
          id: true,
          number: true,
          message: true,
          createdAt: true,
          createdBy: { select: { name: true, email: true } },
        },
      });
      const { items, nextCursor } = pageOf(rows, input.limit);
      return {
        items: items.map(({ createdBy, ...v }) => ({
          ...v,
          createdBy: createdBy?.name ?? createdBy?.email ?? null,
        })),
        nextCursor,
      };
    }),

  /** Make a version's graph the working copy again (itself an ordinary, concurrency-checked save). */
  restoreVersion: workflowProcedure("edit")
    .input(z.object({ revision: revisionSchema, versionId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const version = await ctx.db.workflowVersion.findFirst({
        where: { id: input.versionId, workflowId: ctx.workflowRef.id },
        select: { number: true, graph: true },
      });
      if (!version) throw new TRPCError({ code: "NOT_FOUND", message: "Version not found." });
      const graph = loadStored(version.graph);
      if (!can(ctx.membership.role, "configureCommands")) {
        refuseStdioChanges(
          ctx.membership.role,
          await storedAt(ctx.db, ctx.workflowRef.id, input.revision),
          graph,
        );
      }
      const updated = await ctx.db.workflow.updateMany({
        where: { id: ctx.workflowRef.id, teamId: ctx.team.id, revision: input.revision },
        data: { graph: asJson(graph), revision: { increment: 1 } },
      });
      if (updated.count === 0) {
        const current = await ctx.db.workflow.findUniqueOrThrow({
          where: { id: ctx.workflowRef.id },
          select: { revision: true },
        });
        throw conflict(current.revision);
      }
      return {
        revision: input.revision + 1,
        graph,
        number: version.number,
        issues: await issuesOf(ctx.db, ctx.team.id, graph),
      };
    }),
};
