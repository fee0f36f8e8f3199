import { z } from "zod";
import { createTRPCRouter, protectedProcedure, teamProcedure } from "~/server/api/trpc";
import { mayUseLocalExecutor } from "~/server/runs/local-executor-policy";
import { runBounds, teamRunLimits } from "~/server/runs/run-limits";

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
      return chosen ? { ...chosen.team, role: chosen.role } : null;
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
    return { ...teamRunLimits(team), ...runBounds(), localExecutor: mayUseLocalExecutor(ctx.team.slug) };
  }),
});
