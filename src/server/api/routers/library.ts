import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  type LibraryToolSpec,
  libraryToolSpecSchema,
  type ShareableToolData,
  shareableTool,
  toolSecretNames,
} from "~/graph";
import { createTRPCRouter, teamProcedure } from "~/server/api/trpc";
import { type Prisma, retryOnUniqueViolation } from "~/server/db";

/**
 * The team library: python and http tools shared with the whole team, each a named item with
 * immutable numbered versions. A workflow's `library` tool node pins one version; the server
 * resolves it through `teamToolCatalog` when it validates or compiles the team's graphs.
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

export const libraryRouter = createTRPCRouter({
  /** The team's items (by name), each with its versions newest first, who shared them and when. */
  list: teamProcedure("view").query(async ({ ctx }) => {
    const items = await ctx.db.libraryItem.findMany({
      where: { teamId: ctx.team.id },
      orderBy: { name: "asc" },
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
    return {
      role: ctx.membership.role,
      items: items.map(({ createdBy, versions, ...item }) => {
        const parsed = versions.flatMap(({ tool, createdBy: by, ...v }) => {
          const spec = storedTool(tool);
          return spec ? [{ ...v, tool: spec, secretNames: toolSecretNames(spec), createdBy: who(by) }] : [];
        });
        return {
          ...item,
          kind: parsed[0]?.tool.kind ?? null,
          versionCount: versions.length,
          createdBy: who(createdBy),
          versions: parsed,
        };
      }),
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
        tool: z.custom<ShareableToolData>(),
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
