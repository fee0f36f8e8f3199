import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { env } from "~/env";
import { type Role, roles } from "~/lib/roles";
import { createTRPCRouter, protectedProcedure, publicProcedure, teamProcedure } from "~/server/api/trpc";
import { allowedActions, outranksOrEquals } from "~/server/auth/permissions";
import { teamSlug } from "~/server/auth/sign-up";
import type { Prisma, PrismaClient } from "~/server/db";
import { logger } from "~/server/logger";
import { sendMail } from "~/server/mail";
import { publishGateOf } from "~/server/publish/publish-gate";
import { applyTeamAccess, revokeTeamForEveryone } from "~/server/realtime/socket-access";
import { mayUseLocalExecutor } from "~/server/runs/local-executor-policy";
import { mcpStdioCommands } from "~/server/runs/mcp-policy";
import { runBounds, teamRunLimits } from "~/server/runs/run-limits";
import { auditCsv, callerAddress, recordAudit } from "~/server/teams/audit";
import {
  acceptInvitation,
  DEFAULT_INVITATION_DAYS,
  inspectInvitation,
  invitationLink,
  invitationTokenSchema,
  newInvitationToken,
} from "~/server/teams/invitations";

/** A team's display name: trimmed, 1–80 characters. */
export const teamNameSchema = z
  .string()
  .trim()
  .min(1, "Give the team a name.")
  .max(80, "Team names are at most 80 characters.");

const roleSchema = z.enum(roles);
const memberIdSchema = z.string().min(1).max(64);

const badRequest = (message: string) => new TRPCError({ code: "BAD_REQUEST", message });
const forbidden = (message: string) => new TRPCError({ code: "FORBIDDEN", message });

/**
 * Lock the team's owner rows for the rest of the transaction and count them: two owners demoting
 * each other at once cannot leave the team without one.
 */
async function lockOwners(tx: Prisma.TransactionClient, teamId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ userId: string }[]>`
    SELECT "userId" FROM "Membership" WHERE "teamId" = ${teamId} AND "role" = 'owner' FOR UPDATE`;
  return rows.length;
}

/**
 * Whether a member with `actor` role may change someone who has `current` role to `next` (null:
 * remove them): only an owner touches an owner or makes one.
 */
function assertMayAssign(actor: Role, current: Role, next: Role | null): void {
  if ((current === "owner" || next === "owner") && actor !== "owner") {
    throw forbidden("Only an owner can change an owner or make someone an owner.");
  }
  if (next && !outranksOrEquals(actor, next)) throw forbidden("You cannot give a role above your own.");
}

/** A member's name in the audit log: their e-mail address, else their name, else their id. */
function memberLabel(user: { id: string; email: string | null; name: string | null }): string {
  return user.email ?? user.name ?? user.id;
}

const memberSelect = { role: true, user: { select: { id: true, email: true, name: true } } } as const;

/** The public origin invitation links point at. */
function appOrigin(): string {
  return env.APP_URL ?? `http://localhost:${env.PORT}`;
}

/** The teams the caller belongs to and the people in them. */
export const teamRouter = createTRPCRouter({
  /** Every team the caller is a member of, personal team first. */
  list: protectedProcedure.query(async ({ ctx }) => {
    const memberships = await ctx.db.membership.findMany({
      where: { userId: ctx.session.user.id },
      orderBy: [{ team: { personal: "desc" } }, { createdAt: "asc" }],
      select: { role: true, team: { select: { id: true, name: true, slug: true, personal: true } } },
    });
    return memberships.map(({ role, team }) => ({ ...team, role }));
  }),

  /** The team the app works in: the preferred one when the caller belongs to it, else the personal team. */
  current: protectedProcedure
    .input(z.object({ preferredTeamId: z.string().max(64).optional() }).optional())
    .query(async ({ ctx, input }) => {
      const memberships = await ctx.db.membership.findMany({
        where: { userId: ctx.session.user.id },
        orderBy: [{ team: { personal: "desc" } }, { createdAt: "asc" }],
        select: { role: true, team: { select: { id: true, name: true, slug: true, personal: true } } },
      });
      const chosen =
        memberships.find((membership) => membership.team.id === input?.preferredTeamId) ?? memberships[0];
      return chosen ? { ...chosen.team, role: chosen.role, actions: allowedActions(chosen.role) } : null;
    }),

  /** Members of a team with their roles (any member may see them). */
  members: teamProcedure("view").query(async ({ ctx }) => {
    const members = await ctx.db.membership.findMany({
      where: { teamId: ctx.team.id },
      orderBy: { createdAt: "asc" },
      select: {
        role: true,
        createdAt: true,
        user: { select: { id: true, name: true, email: true, image: true } },
      },
    });
    return members.map(({ role, createdAt, user }) => ({ ...user, role, joinedAt: createdAt }));
  }),

  /**
   * What this team's runs are bounded by (shown where people meet the limits): runs in progress
   * at once, runs per hour, the longest time limit, the default cost cap, the token cap; and
   * whether the team may use the unsandboxed local executor.
   */
  limits: teamProcedure("view").query(async ({ ctx }) => {
    const team = await ctx.db.team.findUniqueOrThrow({
      where: { id: ctx.team.id },
      select: { maxConcurrentRuns: true, maxRunsPerHour: true },
    });
    return {
      ...teamRunLimits(team),
      ...runBounds(),
      localExecutor: mayUseLocalExecutor(ctx.team.slug),
      mcpStdioCommands: [...mcpStdioCommands()],
    };
  }),

  /** Create a team; the caller becomes its owner. */
  create: protectedProcedure.input(z.object({ name: teamNameSchema })).mutation(async ({ ctx, input }) => {
    const team = await ctx.db.$transaction(async (tx) => {
      const created = await tx.team.create({
        data: {
          name: input.name,
          slug: teamSlug(input.name),
          memberships: { create: { userId: ctx.session.user.id, role: "owner" } },
        },
        select: { id: true, name: true, slug: true, personal: true },
      });
      await recordAudit(tx, {
        teamId: created.id,
        actorId: ctx.session.user.id,
        action: "team.created",
        target: created.name,
        ip: callerAddress(ctx.headers),
      });
      return created;
    });
    return { ...team, role: "owner" as const };
  }),

  rename: teamProcedure("manageTeam")
    .input(z.object({ name: teamNameSchema }))
    .mutation(({ ctx, input }) =>
      ctx.db.$transaction(async (tx) => {
        const renamed = await tx.team.update({
          where: { id: ctx.team.id },
          data: { name: input.name },
          select: { id: true, name: true, slug: true, personal: true },
        });
        await recordAudit(tx, {
          teamId: ctx.team.id,
          actorId: ctx.session.user.id,
          action: "team.renamed",
          target: input.name,
          details: { from: ctx.team.name, to: input.name },
          ip: callerAddress(ctx.headers),
        });
        return renamed;
      }),
    ),

  /**
   * The team's publish gate: the test set a version's evaluation must pass before it serves, and the pass
   * rate (0–1) it needs; null when publishing needs no evaluation. Any member may read it (the endpoint
   * pages show it before publishing).
   */
  publishGate: teamProcedure("view").query(({ ctx }) => publishGateOf(ctx.db, ctx.team.id)),

  /** The team's test sets a publish gate may name, by name (the team settings page's choice). */
  testSetsForGate: teamProcedure("manageTeam").query(({ ctx }) =>
    ctx.db.testSet.findMany({
      where: { teamId: ctx.team.id },
      orderBy: [{ name: "asc" }, { id: "asc" }],
      take: 500,
      select: { id: true, name: true },
    }),
  ),

  /**
   * Require a passing evaluation to publish: a test set of the team (null: no gate) and the pass rate its
   * evaluation must reach. Another team's set answers NOT_FOUND as a missing one does.
   */
  setPublishGate: teamProcedure("manageTeam")
    .input(
      z.object({
        testSetId: z.string().min(1).max(64).nullable(),
        minPassRate: z
          .number()
          .min(0, "The pass rate is a fraction from 0 to 1 (0.9 for 90 %).")
          .max(1, "The pass rate is a fraction from 0 to 1 (0.9 for 90 %).")
          .default(1),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.$transaction(async (tx) => {
        const testSet = input.testSetId
          ? await tx.testSet.findFirst({
              where: { id: input.testSetId, teamId: ctx.team.id },
              select: { id: true, name: true },
            })
          : null;
        if (input.testSetId && !testSet) {
          throw new TRPCError({ code: "NOT_FOUND", message: "Test set not found." });
        }
        await tx.team.update({
          where: { id: ctx.team.id },
          data: { publishGateTestSetId: testSet?.id ?? null, publishGateMinPassRate: input.minPassRate },
        });
        await recordAudit(tx, {
          teamId: ctx.team.id,
          actorId: ctx.session.user.id,
          action: "team.publish_gate_changed",
          target: testSet?.name ?? "off",
          details: { testSetId: testSet?.id ?? null, minPassRate: input.minPassRate },
          ip: callerAddress(ctx.headers),
        });
        return publishGateOf(tx, ctx.team.id);
      }),
    ),

  /** Delete a team with its workflows, runs and library; a personal team cannot be deleted. */
  delete: teamProcedure("ownTeam").mutation(async ({ ctx }) => {
    if (ctx.team.personal) throw badRequest("Your personal team cannot be deleted.");
    const members = await ctx.db.membership.findMany({
      where: { teamId: ctx.team.id },
      select: { userId: true },
    });
    await ctx.db.team.delete({ where: { id: ctx.team.id } });
    await revokeTeamForEveryone(
      ctx.team.id,
      members.map((member) => member.userId),
    );
    return { id: ctx.team.id };
  }),

  /** Change a member's role; the team keeps at least one owner. Takes effect at once, sockets included. */
  setRole: teamProcedure("manageMembers")
    .input(z.object({ userId: memberIdSchema, role: roleSchema }))
    .mutation(async ({ ctx, input }) => {
      const actor = ctx.membership.role;
      await ctx.db.$transaction(async (tx) => {
        const owners = await lockOwners(tx, ctx.team.id);
        const target = await tx.membership.findUnique({
          where: { teamId_userId: { teamId: ctx.team.id, userId: input.userId } },
          select: memberSelect,
        });
        if (!target) throw new TRPCError({ code: "NOT_FOUND", message: "Member not found." });
        assertMayAssign(actor, target.role, input.role);
        if (target.role === "owner" && input.role !== "owner" && owners <= 1) {
          throw badRequest("A team always has an owner: make someone else owner first.");
        }
        await tx.membership.update({
          where: { teamId_userId: { teamId: ctx.team.id, userId: input.userId } },
          data: { role: input.role },
        });
        await recordAudit(tx, {
          teamId: ctx.team.id,
          actorId: ctx.session.user.id,
          action: "member.role_changed",
          target: memberLabel(target.user),
          details: { from: target.role, to: input.role },
          ip: callerAddress(ctx.headers),
        });
      });
      await applyTeamAccess(ctx.team.id, input.userId, input.role);
      return { userId: input.userId, role: input.role };
    }),

  /** Remove a member; their open sockets leave the team's rooms at once. */
  removeMember: teamProcedure("manageMembers")
    .input(z.object({ userId: memberIdSchema }))
    .mutation(async ({ ctx, input }) => {
      await removeMembership(ctx.db, ctx.team, input.userId, {
        role: ctx.membership.role,
        id: ctx.session.user.id,
        ip: callerAddress(ctx.headers),
      });
      return { userId: input.userId };
    }),

  /** Leave a team; not the personal one, and not as its last owner. */
  leave: teamProcedure("view").mutation(async ({ ctx }) => {
    await removeMembership(ctx.db, ctx.team, ctx.session.user.id, null, callerAddress(ctx.headers));
    return { teamId: ctx.team.id };
  }),

  /** Make another member the owner; the caller stays as admin. */
  transferOwnership: teamProcedure("ownTeam")
    .input(z.object({ userId: memberIdSchema }))
    .mutation(async ({ ctx, input }) => {
      if (input.userId === ctx.session.user.id) throw badRequest("You already own this team.");
      await ctx.db.$transaction(async (tx) => {
        await lockOwners(tx, ctx.team.id);
        const target = await tx.membership.findUnique({
          where: { teamId_userId: { teamId: ctx.team.id, userId: input.userId } },
          select: memberSelect,
        });
        if (!target) throw new TRPCError({ code: "NOT_FOUND", message: "Member not found." });
        await tx.membership.update({
          where: { teamId_userId: { teamId: ctx.team.id, userId: input.userId } },
          data: { role: "owner" },
        });
        await tx.membership.update({
          where: { teamId_userId: { teamId: ctx.team.id, userId: ctx.session.user.id } },
          data: { role: "admin" },
        });
        await recordAudit(tx, {
          teamId: ctx.team.id,
          actorId: ctx.session.user.id,
          action: "ownership.transferred",
          target: memberLabel(target.user),
          details: { previousRole: target.role },
          ip: callerAddress(ctx.headers),
        });
      });
      return { ownerId: input.userId };
    }),

  /**
   * Invite someone by e-mail with a role, for `expiresInDays` (7 by default). Mails the link when
   * SMTP_URL is set; the link is returned either way, once, for the inviter to copy (only its hash is
   * stored). A newer invitation of the same address replaces a pending one.
   */
  invite: teamProcedure("manageMembers")
    .input(
      z.object({
        email: z
          .string()
          .trim()
          .toLowerCase()
          .max(254, "That e-mail address is too long.")
          .pipe(z.email("Enter a valid e-mail address.")),
        role: roleSchema.default("editor"),
        expiresInDays: z.number().int().min(1).max(30).default(DEFAULT_INVITATION_DAYS),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (ctx.team.personal) {
        throw badRequest("Nobody can join a personal team: create a team to invite people to.");
      }
      assertMayAssign(ctx.membership.role, "viewer", input.role);
      const existing = await ctx.db.membership.findFirst({
        where: { teamId: ctx.team.id, user: { email: input.email } },
        select: { userId: true },
      });
      if (existing) throw badRequest(`${input.email} is already a member of this team.`);
      const { token, tokenHash } = newInvitationToken();
      const now = new Date();
      const invitation = await ctx.db.$transaction(async (tx) => {
        await tx.invitation.updateMany({
          where: { teamId: ctx.team.id, email: input.email, acceptedAt: null, revokedAt: null },
          data: { revokedAt: now },
        });
        const created = await tx.invitation.create({
          data: {
            teamId: ctx.team.id,
            email: input.email,
            role: input.role,
            tokenHash,
            invitedById: ctx.session.user.id,
            expiresAt: new Date(now.getTime() + input.expiresInDays * 86_400_000),
          },
          select: { id: true, email: true, role: true, expiresAt: true, createdAt: true },
        });
        await recordAudit(tx, {
          teamId: ctx.team.id,
          actorId: ctx.session.user.id,
          action: "invitation.created",
          target: input.email,
          details: { role: input.role, expiresAt: created.expiresAt.toISOString() },
          ip: callerAddress(ctx.headers),
        });
        return created;
      });
      const link = invitationLink(appOrigin(), token);
      const inviter = ctx.session.user.name ?? ctx.session.user.email ?? "A teammate";
      // A mail server that refuses or is down must not lose the invitation: the link is still returned.
      const mailed = await sendMail({
        to: input.email,
        subject: `${inviter} invited you to ${ctx.team.name} on Troupe`,
        text: [
          `${inviter} invited you to join the team "${ctx.team.name}" on Troupe as ${input.role}.`,
          "",
          `Accept the invitation: ${link}`,
          "",
          `The link works once and expires on ${invitation.expiresAt.toUTCString()}.`,
        ].join("\n"),
      }).catch((error: unknown) => {
        logger.warn({ err: error, teamId: ctx.team.id }, "invitation mail not sent");
        return false;
      });
      return { invitation, link, mailed, mailConfigured: env.SMTP_URL !== undefined };
    }),

  /** Invitations not yet accepted, revoked or expired. */
  invitations: teamProcedure("manageMembers").query(({ ctx }) =>
    ctx.db.invitation.findMany({
      where: { teamId: ctx.team.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      orderBy: { createdAt: "desc" },
      select: {
        id: true,
        email: true,
        role: true,
        expiresAt: true,
        createdAt: true,
        invitedBy: { select: { name: true, email: true } },
      },
    }),
  ),

  /** Withdraw a pending invitation: its link stops working at once. */
  revokeInvitation: teamProcedure("manageMembers")
    .input(z.object({ invitationId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.db.$transaction(async (tx) => {
        const pending = await tx.invitation.findFirst({
          where: { id: input.invitationId, teamId: ctx.team.id, acceptedAt: null, revokedAt: null },
          select: { email: true, role: true },
        });
        const revoked = await tx.invitation.updateMany({
          where: { id: input.invitationId, teamId: ctx.team.id, acceptedAt: null, revokedAt: null },
          data: { revokedAt: new Date() },
        });
        if (!pending || revoked.count !== 1) {
          throw new TRPCError({ code: "NOT_FOUND", message: "Pending invitation not found." });
        }
        await recordAudit(tx, {
          teamId: ctx.team.id,
          actorId: ctx.session.user.id,
          action: "invitation.revoked",
          target: pending.email,
          details: { role: pending.role },
          ip: callerAddress(ctx.headers),
        });
      });
      return { id: input.invitationId };
    }),

  /** The team's audit log, newest first, a page at a time (admins and owners). */
  auditLog: teamProcedure("manageMembers")
    .input(
      z.object({
        cursor: z.string().min(1).max(64).optional(),
        limit: z.number().int().min(1).max(100).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.auditEvent.findMany({
        where: { teamId: ctx.team.id },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: input.limit + 1,
        ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
        select: auditRowSelect,
      });
      const more = rows.length > input.limit;
      const items = rows.slice(0, input.limit).map(toAuditRow);
      return { items, nextCursor: more ? items.at(-1)?.id : undefined };
    }),

  /** The whole audit log (up to its newest 10,000 events) as CSV, for admins and owners to download. */
  auditCsv: teamProcedure("manageMembers").query(async ({ ctx }) => {
    const rows = await ctx.db.auditEvent.findMany({
      where: { teamId: ctx.team.id },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 10_000,
      select: auditRowSelect,
    });
    return { filename: `${ctx.team.slug}-audit-log.csv`, csv: auditCsv(rows.map(toAuditRow)) };
  }),

  /** What an invitation link is (team, role, address) and whether it still works; for its page. */
  invitation: publicProcedure
    .input(z.object({ token: z.string().max(200) }))
    .query(async ({ ctx, input }) => {
      const view = await inspectInvitation(ctx.db, input.token);
      if (view.state === "unknown") return view;
      const { state, teamName, email, role, invitedBy, expiresAt } = view;
      return { state, teamName, email, role, invitedBy, expiresAt };
    }),

  /** Accept an invitation as the signed-in user (whose e-mail must be the invited one). */
  acceptInvitation: protectedProcedure
    .input(z.object({ token: invitationTokenSchema }))
    .mutation(async ({ ctx, input }) => {
      const result = await acceptInvitation(
        ctx.db,
        input.token,
        { id: ctx.session.user.id, email: ctx.session.user.email ?? null },
        { ip: callerAddress(ctx.headers) },
      );
      if (!result.ok) throw badRequest(result.message);
      return { teamId: result.teamId, role: result.role };
    }),
});

/**
 * End a membership (removal by `actor`, or leaving when `actor` is null) under the owner lock: not
 * from a personal team, never the last owner. Open sockets leave the team's rooms afterwards.
 */
async function removeMembership(
  db: PrismaClient,
  team: { id: string; personal: boolean },
  userId: string,
  actor: { role: Role; id: string; ip: string | null } | null,
  leaverAddress: string | null = null,
): Promise<void> {
  if (team.personal) throw badRequest("Nobody can leave or be removed from a personal team.");
  await db.$transaction(async (tx) => {
    const owners = await lockOwners(tx, team.id);
    const target = await tx.membership.findUnique({
      where: { teamId_userId: { teamId: team.id, userId } },
      select: memberSelect,
    });
    if (!target) throw new TRPCError({ code: "NOT_FOUND", message: "Member not found." });
    if (actor) assertMayAssign(actor.role, target.role, null);
    if (target.role === "owner" && owners <= 1) {
      throw badRequest("The last owner cannot leave: make someone else owner first, or delete the team.");
    }
    await tx.membership.delete({ where: { teamId_userId: { teamId: team.id, userId } } });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor?.id ?? userId,
      action: actor ? "member.removed" : "member.left",
      target: memberLabel(target.user),
      details: { role: target.role },
      ip: actor ? actor.ip : leaverAddress,
    });
  });
  await applyTeamAccess(team.id, userId, null);
}

const auditRowSelect = {
  id: true,
  createdAt: true,
  action: true,
  target: true,
  details: true,
  ip: true,
  actor: { select: { id: true, email: true, name: true } },
} as const;

/** An audit event as the page and the CSV show it: the actor by e-mail. */
function toAuditRow(row: {
  id: string;
  createdAt: Date;
  action: string;
  target: string;
  details: unknown;
  ip: string | null;
  actor: { id: string; email: string | null; name: string | null } | null;
}) {
  const { actor, ...rest } = row;
  return { ...rest, actor: actor ? memberLabel(actor) : null };
}
