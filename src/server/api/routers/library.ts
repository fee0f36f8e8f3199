import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  type AgentSpec,
  agentSecretNames,
  agentSignature,
  agentSpecSchema,
  databaseInt,
  type LibraryToolSpec,
  libraryAgentGraphSchema,
  libraryToolSpecSchema,
  type ShareableToolData,
  type SharedAgent,
  sameLibrarySpec,
  shareableAgent,
  shareableTool,
  stdioServersOf,
  storableJson,
  text,
  toolSecretNames,
  toolSignature,
  withoutNul,
  workflowDocumentSchema,
} from "~/graph";
import { createTRPCRouter, teamProcedure } from "~/server/api/trpc";
import { can } from "~/server/auth/permissions";
import { type Prisma, type PrismaClient, retryOnUniqueViolation } from "~/server/db";
import { teamToolCatalog } from "~/server/library/catalog";
import { mayUseLocalExecutor } from "~/server/runs/local-executor-policy";
import { mcpStdioCommands } from "~/server/runs/mcp-policy";
import { configuredProviders } from "~/server/runs/providers";
import { teamSecretBindings } from "~/server/secrets/team-secrets";
import { callerAddress, recordAudit } from "~/server/teams/audit";
import { pageInput, pageOf, pageQuery } from "../pagination";
import { escapeLikeWildcards } from "../search";

/**
 * The team library: python and http tools, and agents (with their model, tools and managed agents),
 * shared with the whole team, each a named item of a kind with immutable numbered versions. A
 * workflow's `library` tool node, or an agent node with a `library` ref, pins one version; the
 * server resolves it through `teamToolCatalog` when it validates or compiles the team's graphs.
 * Sharing what the latest version already holds (same canonical spec) adds no version.
 *
 * Every procedure is team-scoped (`teamProcedure`): an item of another team is NOT_FOUND.
 *
 * `list` pages through items and sends the definition of each item's latest version only (a tool,
 * or an agent's spec and sub-graph); the other versions come as a one-line signature, their
 * definitions one at a time from `version`.
 *
 * Removing an item (admins) is allowed while workflows use it: their library nodes then show
 * "was not found in the team library" and the workflow cannot run until the node is replaced.
 * Runs already started are unaffected: a run stores its compiled spec.
 */

/** Checked in the procedure, for a message in words (see `share`). */
const versionMessageSchema = text().default("");
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

/**
 * `list`'s page and filters: `search` matches name or description (case-insensitive); `itemKind`
 * keeps tools or agents.
 */
const listInputSchema = z.object({
  ...pageInput,
  search: text().trim().max(200).optional(),
  itemKind: z.enum(["tool", "agent"]).optional(),
});

/** A stored agent version (spec and sub-graph), parsed; `null` when it does not parse. */
function storedAgent(agent: unknown, graph: unknown): SharedAgent | null {
  const spec = agentSpecSchema.safeParse(agent);
  const sub = libraryAgentGraphSchema.safeParse(graph);
  return spec.success && sub.success ? { spec: spec.data, graph: sub.data } : null;
}

type ItemKind = "tool" | "agent";

/** A stored version's definition by its item's kind: `{ tool }` or `{ agent }`; `null` when it does not parse. */
function storedDefinition(
  itemKind: ItemKind,
  row: { tool: unknown; agent: unknown; graph: unknown },
): { tool: LibraryToolSpec } | { agent: SharedAgent } | null {
  if (itemKind === "agent") {
    const agent = storedAgent(row.agent, row.graph);
    return agent ? { agent } : null;
  }
  const tool = storedTool(row.tool);
  return tool ? { tool } : null;
}

/** A definition's one-line signature and the secret names it reads (what `list` sends for every version). */
function summaryOf(definition: { tool: LibraryToolSpec } | { agent: SharedAgent }) {
  return "agent" in definition
    ? {
        signature: agentSignature(definition.agent.spec),
        secretNames: agentSecretNames(definition.agent.spec),
      }
    : { signature: toolSignature(definition.tool), secretNames: toolSecretNames(definition.tool) };
}

/** What one share writes: the item it names and the version's content. */
interface ShareRequest {
  teamId: string;
  userId: string;
  /** The caller's address, for the audit log. */
  ip: string | null;
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
        await auditShare(tx, request, 1);
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
      await auditShare(tx, request, item.latestVersion);
      return { itemId: existing.id, version: item.latestVersion, name, unchanged: false };
    }),
  );
  if (shared) return shared;
  throw new TRPCError({
    code: "CONFLICT",
    message: `Another version of "${name}" was being shared at the same time; try again.`,
  });
}

/** Record a new version in the team's audit log. */
function auditShare(tx: Prisma.TransactionClient, request: ShareRequest, version: number) {
  return recordAudit(tx, {
    teamId: request.teamId,
    actorId: request.userId,
    action: "library.shared",
    target: request.name,
    details: { kind: request.kind, version },
    ip: request.ip,
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
   * The team's items by name, a page at a time: each with its latest version's definition (`tool`,
   * or `agent` with its spec and sub-graph), and every version newest first as a summary (signature,
   * secrets, message, who and when), never its definition. `search` matches name or description
   * (case-insensitive); `itemKind` keeps tools or agents. An item's `kind` is its tool kind (python,
   * http) or "agent".
   */
  list: teamProcedure("view")
    .input(listInputSchema)
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.libraryItem.findMany({
        where: {
          teamId: ctx.team.id,
          ...(input.itemKind ? { kind: input.itemKind } : {}),
          ...(input.search
            ? {
                OR: [
                  { name: { contains: escapeLikeWildcards(input.search), mode: "insensitive" as const } },
                  {
                    description: {
                      contains: escapeLikeWildcards(input.search),
                      mode: "insensitive" as const,
                    },
                  },
                ],
              }
            : {}),
        },
        orderBy: [{ name: "asc" }, { id: "asc" }],
        ...pageQuery(input),
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
      const { items, nextCursor } = pageOf(rows, input.limit);
      return {
        role: ctx.membership.role,
        nextCursor,
        items: items.map(({ createdBy, versions, kind: itemKind, ...item }) => {
          const parsed = versions.flatMap(({ tool, agent, graph, createdBy: by, ...v }) => {
            const definition = storedDefinition(itemKind, { tool, agent, graph });
            return definition ? [{ ...v, definition, createdBy: who(by) }] : [];
          });
          const latest = parsed[0];
          return {
            ...item,
            itemKind,
            kind: latest
              ? "tool" in latest.definition
                ? latest.definition.tool.kind
                : ("agent" as const)
              : null,
            versionCount: versions.length,
            createdBy: who(createdBy),
            latest: latest ? { version: latest.version, ...latest.definition } : null,
            versions: parsed.map(({ definition, ...v }) => ({ ...v, ...summaryOf(definition) })),
          };
        }),
      };
    }),

  /**
   * One version of an item with its definition (what `list` sends only for the latest): `tool` for
   * a tool item, `agent` (spec and sub-graph) for an agent item.
   */
  version: teamProcedure("view")
    .input(z.object({ itemId: itemIdSchema, version: databaseInt(1) }))
    .query(async ({ ctx, input }) => {
      const row = await ctx.db.libraryItemVersion.findFirst({
        where: { itemId: input.itemId, version: input.version, item: { teamId: ctx.team.id } },
        select: {
          version: true,
          message: true,
          tool: true,
          agent: true,
          graph: true,
          createdAt: true,
          createdBy: { select: { name: true, email: true } },
          item: { select: { id: true, name: true, kind: true, description: true, latestVersion: true } },
        },
      });
      const definition = row && storedDefinition(row.item.kind, row);
      if (!row || !definition) {
        throw new TRPCError({ code: "NOT_FOUND", message: "Library version not found." });
      }
      const { kind: itemKind, ...item } = row.item;
      return {
        item: { ...item, itemKind },
        version: row.version,
        message: row.message,
        createdAt: row.createdAt,
        createdBy: who(row.createdBy),
        ...definition,
        secretNames: summaryOf(definition).secretNames,
      };
    }),

  /**
   * Share a python or http tool node's data: a new item, or the next version of the team's item of
   * that name (nothing new when it is unchanged). Editors and up. Refused with the problem in words
   * (and nothing written) when the tool is incomplete or not shareable.
   */
  share: teamProcedure("shareToLibrary")
    .input(
      z.object({
        /** A python or http tool node's data; checked by `shareableTool` for a precise message. */
        tool: z.custom<ShareableToolData>().transform((tool) => withoutNul(tool)),
        message: versionMessageSchema,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const message = checkedMessage(input.message);
      const checked = shareableTool(input.tool);
      if (!checked.ok) throw badRequest(`This tool cannot be shared: ${checked.message}.`);
      const tool = checked.tool;
      return shareVersion(ctx.db, {
        teamId: ctx.team.id,
        userId: ctx.session.user.id,
        ip: callerAddress(ctx.headers),
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
  shareAgent: teamProcedure("shareToLibrary")
    .input(
      z.object({
        /** The workflow document holding the agent; checked by `shareableAgent`. */
        document: storableJson(),
        nodeId: z.string().min(1).max(100),
        message: versionMessageSchema,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const message = checkedMessage(input.message);
      const providers = configuredProviders();
      // Only the library versions the document pins are loaded; a document that does not parse is
      // refused by `shareableAgent` with the schema's words.
      const parsed = workflowDocumentSchema.safeParse(input.document);
      const checked = shareableAgent(input.document, input.nodeId, {
        catalog: await teamToolCatalog(ctx.db, ctx.team.id, parsed.success ? { for: parsed.data } : {}),
        installationKeys: providers.installationKeys,
        teamSecrets: await teamSecretBindings(ctx.db, ctx.team.id),
        allowLocalExecutor: mayUseLocalExecutor(ctx.team.slug),
        mcpStdioCommands: mcpStdioCommands(),
      });
      if (!checked.ok) throw badRequest(`This agent cannot be shared: ${checked.message}.`);
      const { agent, graph } = checked;
      // A shared agent runs wherever it is pinned: a stdio MCP server in it is an admin's decision.
      const stdio = stdioServersOf(agent)[0];
      if (stdio && !can(ctx.membership.role, "configureCommands")) {
        throw new TRPCError({
          code: "FORBIDDEN",
          message: `Only team admins may share an agent with an MCP server that starts a program on the server ("${stdio.server.name}" of "${stdio.agent}").`,
        });
      }
      return shareVersion(ctx.db, {
        teamId: ctx.team.id,
        userId: ctx.session.user.id,
        ip: callerAddress(ctx.headers),
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
  remove: teamProcedure("manageTeam")
    .input(z.object({ itemId: itemIdSchema }))
    .mutation(async ({ ctx, input }) => {
      const item = await ctx.db.libraryItem.findFirst({
        where: { id: input.itemId, teamId: ctx.team.id },
        select: { name: true, kind: true },
      });
      const removed = await ctx.db.libraryItem.deleteMany({
        where: { id: input.itemId, teamId: ctx.team.id },
      });
      if (!item || removed.count === 0) throw itemNotFound();
      await recordAudit(ctx.db, {
        teamId: ctx.team.id,
        actorId: ctx.session.user.id,
        action: "library.removed",
        target: item.name,
        details: { kind: item.kind },
        ip: callerAddress(ctx.headers),
      });
      return { itemId: input.itemId };
    }),
});
