import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  databaseInt,
  type LibraryToolSpec,
  libraryToolSpecSchema,
  type ShareableToolData,
  shareableTool,
  text,
  toolSecretNames,
  toolSignature,
  withoutNul,
} from "~/graph";
import { createTRPCRouter, teamProcedure } from "~/server/api/trpc";
import { type Prisma, retryOnUniqueViolation } from "~/server/db";
import { pageInput, pageOf, pageQuery } from "../pagination";

/**
 * The team library: python and http tools shared with the whole team, each a named item with
 * immutable numbered versions. A workflow's `library` tool node pins one version; the server
 * resolves it through `teamToolCatalog` when it validates or compiles the team's graphs.
 *
 * Every procedure is team-scoped (`teamProcedure`): an item of another team is NOT_FOUND.
 *
 * `list` pages through items and sends the source of each item's latest version only; the other
 * versions come as a one-line signature, their definitions one at a time from `version`.
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

export const libraryRouter = createTRPCRouter({
  /**
   * The team's items by name, a page at a time: each with its latest version's tool, and every
   * version newest first as a summary (signature, secrets, message, who and when), never its source.
   */
  list: teamProcedure("view")
    .input(z.object(pageInput))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.libraryItem.findMany({
        where: { teamId: ctx.team.id },
        orderBy: [{ name: "asc" }, { id: "asc" }],
        ...pageQuery(input),
        select: {
          id: true,
          name: true,
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
        items: items.map(({ createdBy, versions, ...item }) => {
          const parsed = versions.flatMap(({ tool, createdBy: by, ...v }) => {
            const spec = storedTool(tool);
            return spec ? [{ ...v, spec, createdBy: who(by) }] : [];
          });
          const latest = parsed[0];
          return {
            ...item,
            kind: latest?.spec.kind ?? null,
            versionCount: versions.length,
            createdBy: who(createdBy),
            latest: latest ? { version: latest.version, tool: latest.spec } : null,
            versions: parsed.map(({ spec, ...v }) => ({
              ...v,
              signature: toolSignature(spec),
              secretNames: toolSecretNames(spec),
            })),
          };
        }),
      };
    }),

  /** One version of an item, with its tool's definition (what `list` sends only for the latest). */
  version: teamProcedure("view")
    .input(z.object({ itemId: itemIdSchema, version: databaseInt(1) }))
    .query(async ({ ctx, input }) => {
      const row = await ctx.db.libraryItemVersion.findFirst({
        where: { itemId: input.itemId, version: input.version, item: { teamId: ctx.team.id } },
        select: {
          version: true,
          message: true,
          tool: true,
          createdAt: true,
          createdBy: { select: { name: true, email: true } },
          item: { select: { id: true, name: true, description: true, latestVersion: true } },
        },
      });
      const tool = row && storedTool(row.tool);
      if (!row || !tool) {
        throw new TRPCError({ code: "NOT_FOUND", message: "Library tool version not found." });
      }
      return {
        item: row.item,
        version: row.version,
        message: row.message,
        createdAt: row.createdAt,
        createdBy: who(row.createdBy),
        tool,
        secretNames: toolSecretNames(tool),
      };
    }),

  /**
   * Share a python or http tool node's data: a new item, or the next version of the team's item of
   * that name. Editors and up. Refused with the problem in words (and nothing written) when the
   * tool is incomplete or not shareable.
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
      const message = input.message.trim();
      if (message.length > maxMessage) {
        throw badRequest(`Version messages are at most ${maxMessage} characters.`);
      }
      const checked = shareableTool(input.tool);
      if (!checked.ok) throw badRequest(`This tool cannot be shared: ${checked.message}.`);
      const tool = checked.tool;
      const json = tool as unknown as Prisma.InputJsonValue;
      const userId = ctx.session.user.id;

      // Two first shares of one name at once: the loser tries again and becomes version 2.
      const shared = await retryOnUniqueViolation(() =>
        ctx.db.$transaction(async (tx) => {
          const existing = await tx.libraryItem.findUnique({
            where: { teamId_name: { teamId: ctx.team.id, name: tool.name } },
            select: {
              id: true,
              versions: { orderBy: { version: "desc" }, take: 1, select: { tool: true } },
            },
          });
          if (!existing) {
            const created = await tx.libraryItem.create({
              data: {
                teamId: ctx.team.id,
                name: tool.name,
                description: tool.description,
                latestVersion: 1,
                createdById: userId,
                versions: { create: { version: 1, tool: json, message, createdById: userId } },
              },
              select: { id: true },
            });
            return { itemId: created.id, version: 1, name: tool.name };
          }
          const previous = storedTool(existing.versions[0]?.tool);
          if (previous && previous.kind !== tool.kind) {
            throw badRequest(
              `The library already has a ${previous.kind} tool named "${tool.name}": give this ${tool.kind} tool another name.`,
            );
          }
          // The increment locks the item's row: concurrent shares of one item get 2, 3, ... in turn.
          const item = await tx.libraryItem.update({
            where: { id: existing.id },
            data: { latestVersion: { increment: 1 }, description: tool.description },
            select: { latestVersion: true },
          });
          await tx.libraryItemVersion.create({
            data: {
              itemId: existing.id,
              version: item.latestVersion,
              tool: json,
              message,
              createdById: userId,
            },
          });
          return { itemId: existing.id, version: item.latestVersion, name: tool.name };
        }),
      );
      if (shared) return shared;
      throw new TRPCError({
        code: "CONFLICT",
        message: "Another version of this tool was being shared at the same time; try again.",
      });
    }),

  /**
   * Delete an item and all its versions (admins and up). Workflows that use it keep their nodes,
   * which then fail validation with "not found in the team library" until replaced.
   */
  remove: teamProcedure("manageTeam")
    .input(z.object({ itemId: itemIdSchema }))
    .mutation(async ({ ctx, input }) => {
      const removed = await ctx.db.libraryItem.deleteMany({
        where: { id: input.itemId, teamId: ctx.team.id },
      });
      if (removed.count === 0) throw itemNotFound();
      return { itemId: input.itemId };
    }),
});
