import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { text } from "~/graph";
import { createTRPCRouter, teamProcedure } from "~/server/api/trpc";
import type { PrismaClient } from "~/server/db";
import { generateApiKey } from "~/server/publish/api-keys";
import { type AuditAction, callerAddress, recordAudit } from "~/server/teams/audit";
import { pageInput, pageOf, pageQuery } from "../pagination";

const idSchema = z.string().min(1).max(64);
const nameSchema = text()
  .trim()
  .min(1, "Give the key a name.")
  .max(100, "Key names are at most 100 characters.");
const rateSchema = z
  .number()
  .int("The rate limit is a whole number of calls per minute.")
  .min(1, "The rate limit is at least 1 call per minute.")
  .max(10_000, "The rate limit is at most 10,000 calls per minute.");
const costCapSchema = z
  .number()
  .positive("The monthly cost cap is more than $0 (leave it empty for none).")
  .max(1_000_000, "The monthly cost cap is at most $1,000,000.");
const endpointIdsSchema = z
  .array(idSchema)
  .max(100, "A key names at most 100 endpoints (or give it every endpoint).")
  .transform((ids) => [...new Set(ids)]);

/** What lists and answers show of a key: never its hash, and the key itself only once, at creation. */
const keySelect = {
  id: true,
  name: true,
  prefix: true,
  allEndpoints: true,
  endpointIds: true,
  rateLimitPerMinute: true,
  monthlyCostCapUsd: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdBy: { select: { name: true, email: true } },
} as const;

type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  allEndpoints: boolean;
  endpointIds: string[];
  rateLimitPerMinute: number;
  monthlyCostCapUsd: number | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: { name: string | null; email: string | null } | null;
};

/** Keys as the keys page shows them: the scope's endpoints by slug (endpoints since deleted drop out). */
async function keySummaries(db: PrismaClient, teamId: string, rows: KeyRow[]) {
  const ids = [...new Set(rows.flatMap((row) => row.endpointIds))];
  const endpoints = ids.length
    ? await db.endpoint.findMany({ where: { teamId, id: { in: ids } }, select: { id: true, slug: true } })
    : [];
  const slugs = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint.slug]));
  return rows.map(({ createdBy, endpointIds, ...row }) => ({
    ...row,
    endpoints: endpointIds.flatMap((id) => {
      const slug = slugs.get(id);
      return slug ? [{ id, slug }] : [];
    }),
    createdBy: createdBy?.name ?? createdBy?.email ?? null,
  }));
}

/** A scope naming endpoints must name endpoints of this team; the first stranger is named. */
async function checkScope(db: PrismaClient, teamId: string, endpointIds: string[]) {
  if (endpointIds.length === 0) return;
  const found = await db.endpoint.findMany({
    where: { teamId, id: { in: endpointIds } },
    select: { id: true },
  });
  const known = new Set(found.map((endpoint) => endpoint.id));
  const unknown = endpointIds.find((id) => !known.has(id));
  if (unknown !== undefined) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `endpointIds: this team has no endpoint ${JSON.stringify(unknown)}.`,
    });
  }
}

const scopeRequired = () =>
  new TRPCError({
    code: "BAD_REQUEST",
    message: "endpointIds: name at least one endpoint, or give the key every endpoint.",
  });

function auditKey(
  ctx: {
    db: Parameters<typeof recordAudit>[0];
    team: { id: string };
    session: { user: { id: string } };
    headers: Headers;
  },
  action: AuditAction,
  key: { name: string; prefix: string },
  details?: Record<string, string | number | boolean | null>,
) {
  return recordAudit(ctx.db, {
    teamId: ctx.team.id,
    actorId: ctx.session.user.id,
    action,
    // The prefix tells keys apart and is shown in lists anyway; the key itself never reaches the log.
    target: `${key.name} (${key.prefix}…)`,
    ...(details ? { details } : {}),
    ip: callerAddress(ctx.headers),
  });
}

const keyNotFound = () => new TRPCError({ code: "NOT_FOUND", message: "API key not found." });

/**
 * A team's API keys (src/server/publish/api-keys.ts): members with `view` see them (name, prefix, scope,
 * limits, who made them, last used); admins create, change and revoke them. A new key is answered once
 * and only its sha256 and prefix are stored.
 */
export const apiKeyRouter = createTRPCRouter({
  /** The team's keys, newest first, revoked ones included (marked). */
  list: teamProcedure("view")
    .input(z.object(pageInput))
    .query(async ({ ctx, input }) => {
      const page = pageOf(
        await ctx.db.apiKey.findMany({
          where: { teamId: ctx.team.id },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          ...pageQuery(input),
          select: keySelect,
        }),
        input.limit,
      );
      return { items: await keySummaries(ctx.db, ctx.team.id, page.items), nextCursor: page.nextCursor };
    }),

  /** Make a key: the answer carries the key itself, which is never shown again. */
  create: teamProcedure("publish")
    .input(
      z.object({
        name: nameSchema,
        allEndpoints: z.boolean().default(true),
        endpointIds: endpointIdsSchema.default([]),
        rateLimitPerMinute: rateSchema.default(60),
        monthlyCostCapUsd: costCapSchema.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (!input.allEndpoints && input.endpointIds.length === 0) throw scopeRequired();
      const endpointIds = input.allEndpoints ? [] : input.endpointIds;
      await checkScope(ctx.db, ctx.team.id, endpointIds);
      const { key, prefix, hash } = generateApiKey();
      const row = await ctx.db.apiKey.create({
        data: {
          teamId: ctx.team.id,
          name: input.name,
          prefix,
          hash,
          allEndpoints: input.allEndpoints,
          endpointIds,
          rateLimitPerMinute: input.rateLimitPerMinute,
          monthlyCostCapUsd: input.monthlyCostCapUsd ?? null,
          createdById: ctx.session.user.id,
        },
        select: keySelect,
      });
      await auditKey(ctx, "apiKey.created", row, {
        scope: row.allEndpoints ? "all" : `${row.endpointIds.length} endpoint(s)`,
        rateLimitPerMinute: row.rateLimitPerMinute,
        monthlyCostCapUsd: row.monthlyCostCapUsd,
      });
      const [summary] = await keySummaries(ctx.db, ctx.team.id, [row]);
      return { key, apiKey: summary! };
    }),

  /** Change a key's name, scope or limits (given fields only); a revoked key stays as it was. */
  update: teamProcedure("publish")
    .input(
      z.object({
        apiKeyId: idSchema,
        name: nameSchema.optional(),
        allEndpoints: z.boolean().optional(),
        endpointIds: endpointIdsSchema.optional(),
        rateLimitPerMinute: rateSchema.optional(),
        monthlyCostCapUsd: costCapSchema.nullable().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const current = await ctx.db.apiKey.findFirst({
        where: { id: input.apiKeyId, teamId: ctx.team.id },
        select: { id: true, allEndpoints: true, endpointIds: true, revokedAt: true },
      });
      if (!current) throw keyNotFound();
      if (current.revokedAt) {
        throw new TRPCError({ code: "BAD_REQUEST", message: "This key is revoked; make a new one instead." });
      }
      const allEndpoints = input.allEndpoints ?? current.allEndpoints;
      const endpointIds = allEndpoints ? [] : (input.endpointIds ?? current.endpointIds);
      if (!allEndpoints && endpointIds.length === 0) throw scopeRequired();
      await checkScope(ctx.db, ctx.team.id, endpointIds);
      const row = await ctx.db.apiKey.update({
        where: { id: current.id },
        data: {
          allEndpoints,
          endpointIds,
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: input.rateLimitPerMinute } : {}),
          ...(input.monthlyCostCapUsd !== undefined ? { monthlyCostCapUsd: input.monthlyCostCapUsd } : {}),
        },
        select: keySelect,
      });
      await auditKey(ctx, "apiKey.updated", row, {
        scope: row.allEndpoints ? "all" : `${row.endpointIds.length} endpoint(s)`,
        rateLimitPerMinute: row.rateLimitPerMinute,
        monthlyCostCapUsd: row.monthlyCostCapUsd,
      });
      const [summary] = await keySummaries(ctx.db, ctx.team.id, [row]);
      return summary!;
    }),

  /** Revoke a key: every later call with it answers 401 "revoked". Revoking twice changes nothing. */
  revoke: teamProcedure("publish")
    .input(z.object({ apiKeyId: idSchema }))
    .mutation(async ({ ctx, input }) => {
      const current = await ctx.db.apiKey.findFirst({
        where: { id: input.apiKeyId, teamId: ctx.team.id },
        select: { id: true, revokedAt: true },
      });
      if (!current) throw keyNotFound();
      const row = current.revokedAt
        ? await ctx.db.apiKey.findUniqueOrThrow({ where: { id: current.id }, select: keySelect })
        : await ctx.db.apiKey.update({
            where: { id: current.id },
            data: { revokedAt: new Date() },
            select: keySelect,
          });
      if (!current.revokedAt) await auditKey(ctx, "apiKey.revoked", row);
      const [summary] = await keySummaries(ctx.db, ctx.team.id, [row]);
      return summary!;
    }),
});
