import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  type AgentSpec,
  agentSecretNames,
  agentSpecSchema,
  type LibraryToolSpec,
  libraryAgentGraphSchema,
  libraryToolSpecSchema,
  type ShareableToolData,
  type SharedAgent,
  sameLibrarySpec,
  shareableAgent,
  shareableTool,
  toolSecretNames,
  workflowDocumentSchema,
} from "~/graph";
import { createTRPCRouter, requireRole, teamProcedure } from "~/server/api/trpc";
import { type Prisma, type PrismaClient, retryOnUniqueViolation } from "~/server/db";
import { teamToolCatalog } from "~/server/library/catalog";
import { mayUseLocalExecutor } from "~/server/runs/local-executor-policy";
import { configuredProviders } from "~/server/runs/providers";

/**
 * The team library: python and http tools, and agents (with their model, tools and managed agents),
 * shared with the whole team, each a named item of a kind with immutable numbered versions. A
 * workflow's `library` tool node, or an agent node with a `library` ref, pins one version; the
 * server resolves it through `teamToolCatalog` when it validates or compiles the team's graphs.
 * Sharing what the latest version already holds (same canonical spec) adds no version.
 *
 * Every procedure is team-scoped (`teamProcedure`): an item of another team is NOT_FOUND.
 *
 * Removing an item (admins) is allowed while workflows use it: their library nodes then show
 * "was not found in the team library" and the workflow cannot run until the node is replaced.
 * Runs already started are unaffected: a run stores its compiled spec.
 */

/** Checked in the procedure, for a message in words (see `share`). */
const versionMessageSchema = z.string().default("");
const maxMessage = 500;

const itemIdSchema = z.string().min(1).max(100);

const badRequest = (message: string) => new TRPCError({ code: "BAD_REQUEST", message });
const itemNotFound = () => new TRPCError({ code: "NOT_FOUND", message: "Library item not found." });

const who = (user: { name: string | null; email: string | null } | null) => user?.name ?? user?.email ?? null;

/** A stored tool, parsed; `null` when a row does not parse (never written so: see teamToolCatalog). */
function storedTool(value: unknown): LibraryToolSpec | null {
  const parsed = libraryToolSpecSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** `list`'s filters: `search` matches name or description (case-insensitive); `itemKind` keeps tools or agents. */
const listInputSchema = z.object({
  search: z.string().trim().max(200).optional(),
  itemKind: z.enum(["tool", "agent"]).optional(),
});

/** A stored agent version (spec and sub-graph), parsed; `null` when it does not parse. */
function storedAgent(agent: unknown, graph: unknown): SharedAgent | null {
  const spec = agentSpecSchema.safeParse(agent);
  const sub = libraryAgentGraphSchema.safeParse(graph);
  return spec.success && sub.success ? { spec: spec.data, graph: sub.data } : null;
}

type ItemKind = "tool" | "agent";

/** One version as `list` shows it: a tool item's version has `tool`, an agent item's `agent`. */
interface VersionView {
  version: number;
  message: string;
  createdAt: Date;
  createdBy: string | null;
  secretNames: string[];
  tool?: LibraryToolSpec;
  agent?: SharedAgent;
}

/** What one share writes: the item it names and the version's content. */
interface ShareRequest {
  teamId: string;
  userId: string;
  kind: ItemKind;
  name: string;
  description: string;
  message: string;
  /** The spec compared with the latest version's: equal means nothing is written. */
  spec: LibraryToolSpec | AgentSpec;
  /** Refused when the item of that name holds something else (words for the message). */
  conflict: (previous: { kind: ItemKind; spec: unknown }) => string | undefined;
  content: { tool: Prisma.InputJsonValue } | { agent: Prisma.InputJsonValue; graph: Prisma.InputJsonValue };
}

/**
 * Write one share: a new item at version 1, the next version of the team's item of that name, or
 * nothing when the latest version already holds this spec (`unchanged`: still that version).
 */
async function shareVersion(db: PrismaClient, request: ShareRequest) {
  const { teamId, userId, kind, name, description, message, content } = request;
  // Two first shares of one name at once: the loser tries again and becomes version 2.
  const shared = await retryOnUniqueViolation(() =>
    db.$transaction(async (tx) => {
      const existing = await tx.libraryItem.findUnique({
        where: { teamId_name: { teamId, name } },
        select: {
          id: true,
          kind: true,
          latestVersion: true,
          versions: { orderBy: { version: "desc" }, take: 1, select: { tool: true, agent: true } },
        },
      });
      if (!existing) {
        const created = await tx.libraryItem.create({
          data: {
            teamId,
            name,
            kind,
            description,
            latestVersion: 1,
            createdById: userId,
            versions: { create: { version: 1, ...content, message, createdById: userId } },
          },
          select: { id: true },
        });
        return { itemId: created.id, version: 1, name, unchanged: false };
      }
      const latest = existing.versions[0];
      const previousSpec = existing.kind === "agent" ? latest?.agent : latest?.tool;
      const conflict = request.conflict({ kind: existing.kind, spec: previousSpec });
      if (conflict) throw badRequest(conflict);
      if (latest && sameLibrarySpec(previousSpec, request.spec)) {
        return { itemId: existing.id, version: existing.latestVersion, name, unchanged: true };
      }
      // The increment locks the item's row: concurrent shares of one item get 2, 3, ... in turn.
      const item = await tx.libraryItem.update({
        where: { id: existing.id },
        data: { latestVersion: { increment: 1 }, description },
        select: { latestVersion: true },
      });
      await tx.libraryItemVersion.create({
        data: { itemId: existing.id, version: item.latestVersion, ...content, message, createdById: userId },
      });
      return { itemId: existing.id, version: item.latestVersion, name, unchanged: false };
    }),
  );
  if (shared) return shared;
  throw new TRPCError({
    code: "CONFLICT",
    message: `Another version of "${name}" was being shared at the same time; try again.`,
  });
}

/** A version message, trimmed, or a precise refusal. */
function checkedMessage(message: string): string {
  const trimmed = message.trim();
  if (trimmed.length > maxMessage) throw badRequest(`Version messages are at most ${maxMessage} characters.`);
  return trimmed;
}

export const libraryRouter = createTRPCRouter({
  /**
   * The team's items (by name), each with its versions newest first, who shared them and when.
   * `search` matches name or description (case-insensitive); `itemKind` keeps tools or agents.
   * An item's `kind` is its tool kind (python, http) or "agent".
   */
  list: teamProcedure.input(listInputSchema).query(async ({ ctx, input }) => {
    const items = await ctx.db.libraryItem.findMany({
      where: {
        teamId: ctx.team.id,
        ...(input.itemKind ? { kind: input.itemKind } : {}),
        ...(input.search
          ? {
              OR: [
                { name: { contains: input.search, mode: "insensitive" as const } },
                { description: { contains: input.search, mode: "insensitive" as const } },
              ],
            }
          : {}),
      },
      orderBy: { name: "asc" },
      select: {
        id: true,
        name: true,
        kind: true,
        description: true,
        latestVersion: true,
        createdAt: true,
        updatedAt: true,
        createdBy: { select: { name: true, email: true } },
        versions: {
          orderBy: { version: "desc" },
          select: {
            version: true,
            message: true,
            tool: true,
            agent: true,
            graph: true,
            createdAt: true,
            createdBy: { select: { name: true, email: true } },
          },
        },
      },
    });
    return {
      role: ctx.membership.role,
      items: items.map(({ createdBy, versions, kind: itemKind, ...item }) => {
        const parsed = versions.flatMap(({ tool, agent, graph, createdBy: by, ...v }): VersionView[] => {
          if (itemKind === "agent") {
            const stored = storedAgent(agent, graph);
            return stored
              ? [{ ...v, agent: stored, secretNames: agentSecretNames(stored.spec), createdBy: who(by) }]
              : [];
          }
          const spec = storedTool(tool);
          return spec ? [{ ...v, tool: spec, secretNames: toolSecretNames(spec), createdBy: who(by) }] : [];
        });
        const latest = parsed[0];
        return {
          ...item,
          itemKind,
          kind: latest ? (latest.tool?.kind ?? ("agent" as const)) : null,
          versionCount: versions.length,
          createdBy: who(createdBy),
          versions: parsed,
        };
      }),
    };
  }),

  /**
   * Share a python or http tool node's data: a new item, or the next version of the team's item of
   * that name (nothing new when it is unchanged). Editors and up. Refused with the problem in words
   * (and nothing written) when the tool is incomplete or not shareable.
   */
  share: teamProcedure
    .input(
      z.object({
        /** A python or http tool node's data; checked by `shareableTool` for a precise message. */
        tool: z.custom<ShareableToolData>(),
        message: versionMessageSchema,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      requireRole(ctx.membership, "editor");
      const message = checkedMessage(input.message);
      const checked = shareableTool(input.tool);
      if (!checked.ok) throw badRequest(`This tool cannot be shared: ${checked.message}.`);
      const tool = checked.tool;
      return shareVersion(ctx.db, {
        teamId: ctx.team.id,
        userId: ctx.session.user.id,
        kind: "tool",
        name: tool.name,
        description: tool.description,
        message,
        spec: tool,
        content: { tool: tool as unknown as Prisma.InputJsonValue },
        conflict: (previous) => {
          if (previous.kind === "agent") {
            return `The library already has an agent named "${tool.name}": give this tool another name.`;
          }
          const stored = storedTool(previous.spec);
          return stored && stored.kind !== tool.kind
            ? `The library already has a ${stored.kind} tool named "${tool.name}": give this ${tool.kind} tool another name.`
            : undefined;
        },
      });
    }),

  /**
   * Share an agent of a workflow document: its compiled spec (model, tools and managed agents,
   * library ones resolved from this team's library) and its canvas sub-graph, as a new agent item
   * or the next version of the item of its name (nothing new when the spec is unchanged). Editors
   * and up. Refused with the problem in words (and nothing written) when the agent cannot compile.
   */
  shareAgent: teamProcedure
    .input(
      z.object({
        /** The workflow document holding the agent; checked by `shareableAgent`. */
        document: z.unknown(),
        nodeId: z.string().min(1).max(100),
        message: versionMessageSchema,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      requireRole(ctx.membership, "editor");
      const message = checkedMessage(input.message);
      const providers = configuredProviders();
      // Only the library versions the document pins are loaded; a document that does not parse is
      // refused by `shareableAgent` with the schema's words.
      const parsed = workflowDocumentSchema.safeParse(input.document);
      const checked = shareableAgent(input.document, input.nodeId, {
        catalog: await teamToolCatalog(ctx.db, ctx.team.id, parsed.success ? { for: parsed.data } : {}),
        installationKeys: providers.installationKeys,
        allowLocalExecutor: mayUseLocalExecutor(ctx.team.slug),
      });
      if (!checked.ok) throw badRequest(`This agent cannot be shared: ${checked.message}.`);
      const { agent, graph } = checked;
      return shareVersion(ctx.db, {
        teamId: ctx.team.id,
        userId: ctx.session.user.id,
        kind: "agent",
        name: agent.name,
        description: agent.description,
        message,
        spec: agent,
        content: {
          agent: agent as unknown as Prisma.InputJsonValue,
          graph: graph as unknown as Prisma.InputJsonValue,
        },
        conflict: (previous) =>
          previous.kind === "tool"
            ? `The library already has a tool named "${agent.name}": give this agent another name.`
            : undefined,
      });
    }),

  /**
   * Delete an item and all its versions (admins and up). Workflows that use it keep their nodes,
   * which then fail validation with "not found in the team library" until replaced.
   */
  remove: teamProcedure.input(z.object({ itemId: itemIdSchema })).mutation(async ({ ctx, input }) => {
    requireRole(ctx.membership, "admin");
    const removed = await ctx.db.libraryItem.deleteMany({ where: { id: input.itemId, teamId: ctx.team.id } });
    if (removed.count === 0) throw itemNotFound();
    return { itemId: input.itemId };
  }),
});
