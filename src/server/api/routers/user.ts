import "server-only";
import { createTRPCRouter, protectedProcedure } from "~/server/api/trpc";
import { disconnectUser } from "~/server/realtime/socket-access";

/** The signed-in user. */
export const userRouter = createTRPCRouter({
  me: protectedProcedure.query(({ ctx }) =>
    ctx.db.user.findUniqueOrThrow({
      where: { id: ctx.session.user.id },
      select: { id: true, name: true, email: true, image: true, createdAt: true },
    }),
  ),

  /**
   * Invalidate every session of this user, on every device, including the current one; their open
   * sockets are disconnected, in every web process.
   */
  signOutEverywhere: protectedProcedure.mutation(async ({ ctx }) => {
    await ctx.db.user.update({
      where: { id: ctx.session.user.id },
      data: { sessionVersion: { increment: 1 } },
    });
    await disconnectUser(ctx.session.user.id);
    return { ok: true as const };
  }),
});
