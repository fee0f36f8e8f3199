import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { createTRPCRouter, teamProcedure } from "~/server/api/trpc";
import { can } from "~/server/auth/permissions";
import { configuredProviders } from "~/server/runs/providers";
import { secretsKeyring } from "~/server/secrets/keys";
import {
  allowedHostSchema,
  sealSecret,
  secretDescriptionSchema,
  secretNameSchema,
  secretSummarySelect,
  secretValueSchema,
} from "~/server/secrets/team-secrets";

import { callerAddress, recordAudit } from "~/server/teams/audit";

/** Record a change to a secret in the team's audit log: its name and host, never its value. */
function auditSecret(
  ctx: {
    db: Parameters<typeof recordAudit>[0];
    team: { id: string };
    session: { user: { id: string } };
    headers: Headers;
  },
  action: "secret.created" | "secret.value_replaced" | "secret.updated" | "secret.deleted",
  name: string,
  details?: Record<string, string | null>,
) {
  return recordAudit(ctx.db, {
    teamId: ctx.team.id,
    actorId: ctx.session.user.id,
    action,
    target: name,
    ...(details ? { details } : {}),
    ip: callerAddress(ctx.headers),
  });
}

const secretNotFound = (name: string) =>
  new TRPCError({ code: "NOT_FOUND", message: `This team has no secret named ${name}.` });

/**
 * A team's credentials (Settings → Credentials). Values go in on create and replace and never
 * come back out: every answer is the summary (name, allowed host, description, last used, who
 * created it). Runs read the values in the worker (src/server/secrets/team-secrets.ts).
 */
export const secretRouter = createTRPCRouter({
  /**
   * The team's secrets and the installation's (environment) keys that are set, by name; whether
   * the caller may manage them. What the credentials page and the canvas's secret pickers show.
   */
  list: teamProcedure("edit").query(async ({ ctx }) => {
    const secrets = await ctx.db.teamSecret.findMany({
      where: { teamId: ctx.team.id },
      orderBy: { name: "asc" },
      select: secretSummarySelect,
    });
    const providers = configuredProviders();
    return {
      secrets,
      installation: providers.installationKeys.filter((key) => providers.secretNames.includes(key.name)),
      canManage: can(ctx.membership.role, "manageSecrets"),
    };
  }),

  create: teamProcedure("manageSecrets")
    .input(
      z.object({
        name: secretNameSchema,
        value: secretValueSchema,
        allowedHost: allowedHostSchema.optional(),
        description: secretDescriptionSchema.default(""),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const existing = await ctx.db.teamSecret.findUnique({
        where: { teamId_name: { teamId: ctx.team.id, name: input.name } },
        select: { id: true },
      });
      const conflict = new TRPCError({
        code: "CONFLICT",
        message: `This team already has a secret named ${input.name}: replace its value instead.`,
      });
      if (existing) throw conflict;
      const created = await ctx.db.teamSecret
        .create({
          data: {
            teamId: ctx.team.id,
            name: input.name,
            ...sealSecret(secretsKeyring(), ctx.team.id, input.name, input.value),
            allowedHost: input.allowedHost ?? null,
            description: input.description,
            createdById: ctx.session.user.id,
          },
          select: secretSummarySelect,
        })
        .catch((error: unknown) => {
          if ((error as { code?: unknown }).code === "P2002") throw conflict;
          throw error;
        });
      await auditSecret(ctx, "secret.created", input.name, { allowedHost: input.allowedHost ?? null });
      return created;
    }),

  /** Replace a secret's value (the old one is gone); its name, host and description stay. */
  replaceValue: teamProcedure("manageSecrets")
    .input(z.object({ name: secretNameSchema, value: secretValueSchema }))
    .mutation(async ({ ctx, input }) => {
      const { count } = await ctx.db.teamSecret.updateMany({
        where: { teamId: ctx.team.id, name: input.name },
        data: sealSecret(secretsKeyring(), ctx.team.id, input.name, input.value),
      });
      if (count === 0) throw secretNotFound(input.name);
      await auditSecret(ctx, "secret.value_replaced", input.name);
      return ctx.db.teamSecret.findUniqueOrThrow({
        where: { teamId_name: { teamId: ctx.team.id, name: input.name } },
        select: secretSummarySelect,
      });
    }),

  /** Change a secret's allowed host or description (given fields only). */
  update: teamProcedure("manageSecrets")
    .input(
      z.object({
        name: secretNameSchema,
        allowedHost: allowedHostSchema.optional(),
        description: secretDescriptionSchema.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { count } = await ctx.db.teamSecret.updateMany({
        where: { teamId: ctx.team.id, name: input.name },
        data: {
          ...(input.allowedHost !== undefined ? { allowedHost: input.allowedHost } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
        },
      });
      if (count === 0) throw secretNotFound(input.name);
      await auditSecret(
        ctx,
        "secret.updated",
        input.name,
        input.allowedHost !== undefined ? { allowedHost: input.allowedHost } : undefined,
      );
      return ctx.db.teamSecret.findUniqueOrThrow({
        where: { teamId_name: { teamId: ctx.team.id, name: input.name } },
        select: secretSummarySelect,
      });
    }),

  delete: teamProcedure("manageSecrets")
    .input(z.object({ name: secretNameSchema }))
    .mutation(async ({ ctx, input }) => {
      const { count } = await ctx.db.teamSecret.deleteMany({
        where: { teamId: ctx.team.id, name: input.name },
      });
      if (count === 0) throw secretNotFound(input.name);
      await auditSecret(ctx, "secret.deleted", input.name);
      return { name: input.name };
    }),
});
