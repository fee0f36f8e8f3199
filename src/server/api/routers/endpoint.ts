import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { env } from "~/env";
import { text } from "~/graph";
import { allowedOriginsSchema } from "~/lib/allowed-origins";
import { ENDPOINT_SLUG_PATTERN, ENDPOINT_SLUG_RULE } from "~/lib/endpoint-slug";
import { createTRPCRouter, teamProcedure } from "~/server/api/trpc";
import {
  EndpointError,
  moveEndpoint,
  publishEndpoint,
  setEndpointSharing,
  unpublishEndpoint,
} from "~/server/publish/endpoints";
import { PublishGateError, publishGateVerdict } from "~/server/publish/publish-gate";
import { apiUsage } from "~/server/publish/usage";
import { type AuditAction, callerAddress, recordAudit } from "~/server/teams/audit";
import { pageInput, pageOf, pageQuery } from "../pagination";

const idSchema = z.string().min(1).max(64);
const slugSchema = z.string().trim().regex(ENDPOINT_SLUG_PATTERN, ENDPOINT_SLUG_RULE);
const descriptionSchema = text().trim().max(500, "Descriptions are at most 500 characters.");

/** How tRPC answers each reason the endpoint service refused a change. */
const endpointErrorCodes = {
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  invalid: "BAD_REQUEST",
} as const satisfies Record<EndpointError["kind"], TRPCError["code"]>;

/**
 * The endpoint service's refusals as tRPC errors (a version the publish gate refuses: PRECONDITION_FAILED
 * with the gate's words); anything else goes on unchanged.
 */
function endpointRefusal(error: unknown): never {
  if (error instanceof EndpointError) {
    throw new TRPCError({ code: endpointErrorCodes[error.kind], message: error.message });
  }
  if (error instanceof PublishGateError)
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: error.message });
  throw error;
}

const endpointNotFound = () => new TRPCError({ code: "NOT_FOUND", message: "Endpoint not found." });

type AuditContext = {
  db: Parameters<typeof recordAudit>[0];
  team: { id: string };
  session: { user: { id: string } };
  headers: Headers;
};

/** Record a change to an endpoint in the team's audit log, by its slug. */
function auditEndpoint(
  ctx: AuditContext,
  action: AuditAction,
  slug: string,
  details?: Record<string, string | number | boolean | null>,
) {
  return recordAudit(ctx.db, {
    teamId: ctx.team.id,
    actorId: ctx.session.user.id,
    action,
    target: slug,
    ...(details ? { details } : {}),
    ip: callerAddress(ctx.headers),
  });
}

const summarySelect = {
  id: true,
  slug: true,
  description: true,
  servingSince: true,
  shareEnabled: true,
  createdAt: true,
  allowedOrigins: true,
  workflow: { select: { id: true, name: true } },
  workflowVersion: { select: { id: true, number: true, message: true } },
} as const;

const historySelect = {
  id: true,
  action: true,
  versionNumber: true,
  workflowVersionId: true,
  createdAt: true,
  actor: { select: { name: true, email: true } },
} as const;

type HistoryRow = {
  id: string;
  action: string;
  versionNumber: number | null;
  workflowVersionId: string | null;
  createdAt: Date;
  actor: { name: string | null; email: string | null } | null;
};

function historyItem({ actor, ...row }: HistoryRow) {
  return {
    ...row,
    action: row.action as "published" | "moved" | "unpublished",
    actor: actor?.name ?? actor?.email ?? null,
  };
}

/** How many of the workflow's versions the endpoint page offers to move to (newest first). */
const MOVABLE_VERSIONS = 100;

/**
 * A team's published endpoints (src/server/publish/endpoints.ts does the work): list and read them with
 * their history and usage (`view`), publish, move, unpublish, share and delete them (`publish`). Every
 * change is in the team's audit log.
 */
export const endpointRouter = createTRPCRouter({
  /** The team's endpoints, newest first, with the serving version and whether the share link is on. */
  list: teamProcedure("view")
    .input(z.object(pageInput))
    .query(async ({ ctx, input }) =>
      pageOf(
        await ctx.db.endpoint.findMany({
          where: { teamId: ctx.team.id },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          ...pageQuery(input),
          select: summarySelect,
        }),
        input.limit,
      ),
    ),

  /**
   * One endpoint: the serving version and since when, the first page of its history, the workflow's
   * versions it may move to, the share link (when on), and the origin the snippets use (APP_URL, or null:
   * the browser's own).
   */
  get: teamProcedure("view")
    .input(z.object({ endpointId: idSchema }))
    .query(async ({ ctx, input }) => {
      const endpoint = await ctx.db.endpoint.findFirst({
        where: { id: input.endpointId, teamId: ctx.team.id },
        select: {
          ...summarySelect,
          workflowId: true,
          shareToken: true,
          shareRatePerMinute: true,
          releases: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 21, select: historySelect },
        },
      });
      if (!endpoint) throw endpointNotFound();
      const versions = await ctx.db.workflowVersion.findMany({
        where: { workflowId: endpoint.workflowId },
        orderBy: { number: "desc" },
        take: MOVABLE_VERSIONS,
        select: { id: true, number: true, message: true, createdAt: true },
      });
      const { releases, shareToken, ...rest } = endpoint;
      const history = pageOf(releases, 20);
      return {
        ...rest,
        shareToken: endpoint.shareEnabled ? shareToken : null,
        team: { id: ctx.team.id, slug: ctx.team.slug },
        history: { items: history.items.map(historyItem), nextCursor: history.nextCursor },
        versions,
        appUrl: env.APP_URL ?? null,
      };
    }),

  /** More of an endpoint's history (published, moved, unpublished), newest first. */
  history: teamProcedure("view")
    .input(z.object({ endpointId: idSchema, ...pageInput }))
    .query(async ({ ctx, input }) => {
      const endpoint = await ctx.db.endpoint.findFirst({
        where: { id: input.endpointId, teamId: ctx.team.id },
        select: { id: true },
      });
      if (!endpoint) throw endpointNotFound();
      const page = pageOf(
        await ctx.db.endpointRelease.findMany({
          where: { endpointId: endpoint.id },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          ...pageQuery(input),
          select: historySelect,
        }),
        input.limit,
      );
      return { items: page.items.map(historyItem), nextCursor: page.nextCursor };
    }),

  /** Whether a slug is free in the team (the publish dialog says so while one types). */
  slugAvailable: teamProcedure("view")
    .input(z.object({ slug: z.string().max(100) }))
    .query(async ({ ctx, input }) => {
      if (!ENDPOINT_SLUG_PATTERN.test(input.slug)) return { available: false, reason: ENDPOINT_SLUG_RULE };
      const taken = await ctx.db.endpoint.findUnique({
        where: { teamId_slug: { teamId: ctx.team.id, slug: input.slug } },
        select: { id: true },
      });
      return taken
        ? { available: false, reason: `The team already has an endpoint "${input.slug}".` }
        : { available: true, reason: null };
    }),

  /**
   * What the team's publish gate says about one saved version before anyone tries: null when there is no
   * gate, else whether it passes and why (the evaluation that passed, or what is missing).
   */
  gateVerdict: teamProcedure("view")
    .input(z.object({ versionId: idSchema }))
    .query(async ({ ctx, input }) => {
      const version = await ctx.db.workflowVersion.findFirst({
        where: { id: input.versionId, workflow: { teamId: ctx.team.id } },
        select: { id: true },
      });
      if (!version) throw new TRPCError({ code: "NOT_FOUND", message: "Workflow version not found." });
      const verdict = await publishGateVerdict(ctx.db, ctx.team.id, version.id);
      return verdict && { passed: verdict.passed, reason: verdict.reason };
    }),

  /** Publish a saved version of one of the team's workflows under a new slug. */
  publish: teamProcedure("publish")
    .input(
      z.object({
        workflowId: idSchema,
        versionId: idSchema,
        slug: slugSchema,
        description: descriptionSchema.default(""),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const version = await ctx.db.workflowVersion.findFirst({
        where: { id: input.versionId, workflowId: input.workflowId, workflow: { teamId: ctx.team.id } },
        select: { id: true, number: true },
      });
      if (!version) throw new TRPCError({ code: "NOT_FOUND", message: "Workflow version not found." });
      const endpoint = await publishEndpoint(ctx.db, {
        teamId: ctx.team.id,
        slug: input.slug,
        versionId: version.id,
        description: input.description,
        actorId: ctx.session.user.id,
      }).catch(endpointRefusal);
      await auditEndpoint(ctx, "endpoint.published", endpoint.slug, { version: version.number });
      return { id: endpoint.id, slug: endpoint.slug };
    }),

  /** Serve another version of the same workflow under the same URL (or re-publish an unpublished one). */
  move: teamProcedure("publish")
    .input(z.object({ endpointId: idSchema, versionId: idSchema }))
    .mutation(async ({ ctx, input }) => {
      const before = await ctx.db.endpoint.findFirst({
        where: { id: input.endpointId, teamId: ctx.team.id },
        select: { workflowVersionId: true },
      });
      const endpoint = await moveEndpoint(ctx.db, {
        teamId: ctx.team.id,
        endpointId: input.endpointId,
        versionId: input.versionId,
        actorId: ctx.session.user.id,
      }).catch(endpointRefusal);
      const version = await ctx.db.workflowVersion.findUniqueOrThrow({
        where: { id: input.versionId },
        select: { number: true },
      });
      await auditEndpoint(
        ctx,
        before?.workflowVersionId ? "endpoint.moved" : "endpoint.published",
        endpoint.slug,
        {
          version: version.number,
        },
      );
      return { id: endpoint.id, slug: endpoint.slug };
    }),

  /** Stop serving; the slug, keys' scopes and history stay, and publishing again brings it back. */
  unpublish: teamProcedure("publish")
    .input(z.object({ endpointId: idSchema }))
    .mutation(async ({ ctx, input }) => {
      const before = await ctx.db.endpoint.findFirst({
        where: { id: input.endpointId, teamId: ctx.team.id },
        select: { workflowVersionId: true },
      });
      const endpoint = await unpublishEndpoint(ctx.db, {
        teamId: ctx.team.id,
        endpointId: input.endpointId,
        actorId: ctx.session.user.id,
      }).catch(endpointRefusal);
      if (before?.workflowVersionId) await auditEndpoint(ctx, "endpoint.unpublished", endpoint.slug);
      return { id: endpoint.id, slug: endpoint.slug };
    }),

  /** Turn the public share link on (a new link each time) or off, and set its runs per minute per visitor. */
  setSharing: teamProcedure("publish")
    .input(
      z.object({
        endpointId: idSchema,
        enabled: z.boolean(),
        ratePerMinute: z
          .number()
          .int("The share link's rate is a whole number of runs per minute.")
          .min(1, "The share link's rate is at least 1 run per minute.")
          .max(600, "The share link's rate is at most 600 runs per minute.")
          .optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const endpoint = await setEndpointSharing(ctx.db, {
        teamId: ctx.team.id,
        endpointId: input.endpointId,
        enabled: input.enabled,
        ...(input.ratePerMinute !== undefined ? { ratePerMinute: input.ratePerMinute } : {}),
      }).catch(endpointRefusal);
      await auditEndpoint(ctx, "endpoint.sharing", endpoint.slug, {
        enabled: endpoint.shareEnabled,
        ratePerMinute: endpoint.shareRatePerMinute,
      });
      return {
        shareEnabled: endpoint.shareEnabled,
        shareToken: endpoint.shareEnabled ? endpoint.shareToken : null,
        shareRatePerMinute: endpoint.shareRatePerMinute,
      };
    }),

  /** The browser origins allowed to call the endpoint (CORS); empty: none. Replaces the whole list. */
  setAllowedOrigins: teamProcedure("publish")
    .input(z.object({ endpointId: idSchema, origins: allowedOriginsSchema }))
    .mutation(async ({ ctx, input }) => {
      const { count } = await ctx.db.endpoint.updateMany({
        where: { id: input.endpointId, teamId: ctx.team.id },
        data: { allowedOrigins: input.origins },
      });
      if (count === 0) throw endpointNotFound();
      const endpoint = await ctx.db.endpoint.findUniqueOrThrow({
        where: { id: input.endpointId },
        select: { slug: true, allowedOrigins: true },
      });
      await auditEndpoint(ctx, "endpoint.origins_changed", endpoint.slug, {
        origins: endpoint.allowedOrigins.join(" "),
      });
      return { allowedOrigins: endpoint.allowedOrigins };
    }),

  /**
   * Delete an endpoint: its URL answers 404, keys scoped to it lose it, its runs and usage stay (without
   * the endpoint). The slug is free again.
   */
  delete: teamProcedure("publish")
    .input(z.object({ endpointId: idSchema }))
    .mutation(async ({ ctx, input }) => {
      const endpoint = await ctx.db.endpoint.findFirst({
        where: { id: input.endpointId, teamId: ctx.team.id },
        select: { id: true, slug: true },
      });
      if (!endpoint) throw endpointNotFound();
      await ctx.db.$transaction(async (tx) => {
        const scoped = await tx.apiKey.findMany({
          where: { teamId: ctx.team.id, endpointIds: { has: endpoint.id } },
          select: { id: true, endpointIds: true },
        });
        for (const key of scoped) {
          await tx.apiKey.update({
            where: { id: key.id },
            data: { endpointIds: key.endpointIds.filter((id) => id !== endpoint.id) },
          });
        }
        await tx.endpoint.delete({ where: { id: endpoint.id } });
        await recordAudit(tx, {
          teamId: ctx.team.id,
          actorId: ctx.session.user.id,
          action: "endpoint.deleted",
          target: endpoint.slug,
          ip: callerAddress(ctx.headers),
        });
      });
      return { id: endpoint.id };
    }),

  /**
   * API usage over the last `days` days: per day calls, errors, p50/p95 latency, tokens and cost, with a
   * breakdown per key and per endpoint; of one endpoint and/or one key when given, else the whole team.
   */
  usage: teamProcedure("view")
    .input(
      z.object({
        endpointId: idSchema.optional(),
        apiKeyId: idSchema.optional(),
        days: z.number().int().min(1).max(90).default(14),
      }),
    )
    .query(async ({ ctx, input }) => {
      if (input.endpointId) {
        const endpoint = await ctx.db.endpoint.findFirst({
          where: { id: input.endpointId, teamId: ctx.team.id },
          select: { id: true },
        });
        if (!endpoint) throw endpointNotFound();
      }
      if (input.apiKeyId) {
        const key = await ctx.db.apiKey.findFirst({
          where: { id: input.apiKeyId, teamId: ctx.team.id },
          select: { id: true },
        });
        if (!key) throw new TRPCError({ code: "NOT_FOUND", message: "API key not found." });
      }
      return apiUsage(ctx.db, {
        teamId: ctx.team.id,
        endpointId: input.endpointId,
        apiKeyId: input.apiKeyId,
        days: input.days,
      });
    }),
});
