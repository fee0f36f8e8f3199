/**
 * tRPC set-up in three parts (create-t3-app's shape): context, initialisation, procedures.
 * Authorization happens here and only here: `teamProcedure` and `workflowProcedure` load the caller's
 * membership once; routers check the role with `requireRole`.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { Session } from "next-auth";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { db } from "~/server/db";
import { errorReference, internalErrorMessage } from "~/server/error-reference";

// ── 1. Context ─────────────────────────────────────────────────────────────

/** What every procedure sees: the database, the (already validated) session, and the request headers. */
export type TRPCContext = { db: typeof db; session: Session | null; headers: Headers };

/** Build the context for one request; the route handler and server components pass auth()'s session. */
export function createTRPCContext(opts: { headers: Headers; session: Session | null }): TRPCContext {
  return { db, session: opts.session, headers: opts.headers };
}

// ── 2. Initialisation ──────────────────────────────────────────────────────

const t = initTRPC.context<TRPCContext>().create({
  transformer: superjson,
  // Internal errors (Prisma, drivers, bugs) reach clients as a generic message with a reference;
  // the route handler's onError logs the real error under the same reference.
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
    if (error.code !== "INTERNAL_SERVER_ERROR") return { ...shape, data: { ...shape.data, zodError } };
    const requestId = errorReference(error);
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message: internalErrorMessage(requestId), data: { ...data, requestId, zodError } };
  },
});

export const createCallerFactory = t.createCallerFactory;
export const createTRPCRouter = t.router;

// ── 3. Procedures ──────────────────────────────────────────────────────────

/** Team roles from least to most privileged. */
export const roles = ["viewer", "editor", "admin", "owner"] as const;
export type Role = (typeof roles)[number];

/** Whether `role` is at least `minimum` (viewer < editor < admin < owner). */
export function hasRole(role: Role, minimum: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(minimum);
}

/** Throw FORBIDDEN unless the caller's membership carries at least `minimum`. */
export function requireRole(membership: { role: Role }, minimum: Role): void {
  if (!hasRole(membership.role, minimum)) {
    throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${minimum} role or higher.` });
  }
}

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure;

/** A signed-in user; `ctx.session` is narrowed to non-null. */
export const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.session?.user?.id) throw new TRPCError({ code: "UNAUTHORIZED" });
  return next({ ctx: { ...ctx, session: { ...ctx.session, user: ctx.session.user } } });
});

const notFound = (what: string) => new TRPCError({ code: "NOT_FOUND", message: `${what} not found.` });

async function loadMembership(client: typeof db, teamId: string, userId: string) {
  return client.membership.findUnique({
    where: { teamId_userId: { teamId, userId } },
    select: { role: true, team: { select: { id: true, name: true, slug: true, personal: true } } },
  });
}

/**
 * A procedure scoped to one team named by `input.teamId`: loads the caller's membership and role once.
 * Not a member → NOT_FOUND (a team you cannot see does not exist for you).
 */
export const teamProcedure = protectedProcedure
  .input(z.object({ teamId: z.string().min(1).max(64) }))
  .use(async ({ ctx, input, next }) => {
    const membership = await loadMembership(ctx.db, input.teamId, ctx.session.user.id);
    if (!membership) throw notFound("Team");
    return next({ ctx: { team: membership.team, membership: { role: membership.role } } });
  });

/**
 * A procedure on one workflow named by `input.workflowId`: loads the workflow's team and the caller's
 * membership in it, in the same place. Another team's workflow → NOT_FOUND, nothing read or changed.
 */
export const workflowProcedure = protectedProcedure
  .input(z.object({ workflowId: z.string().min(1).max(64) }))
  .use(async ({ ctx, input, next }) => {
    const workflow = await ctx.db.workflow.findUnique({
      where: { id: input.workflowId },
      select: { id: true, teamId: true },
    });
    const membership = workflow && (await loadMembership(ctx.db, workflow.teamId, ctx.session.user.id));
    if (!workflow || !membership) throw notFound("Workflow");
    return next({
      ctx: { workflowRef: workflow, team: membership.team, membership: { role: membership.role } },
    });
  });

/**
 * A procedure on one run named by `input.runId`, authorised against the run's team exactly like
 * `workflowProcedure`: another team's run → NOT_FOUND.
 */
export const runProcedure = protectedProcedure
  .input(z.object({ runId: z.string().min(1).max(64) }))
  .use(async ({ ctx, input, next }) => {
    const run = await ctx.db.run.findUnique({
      where: { id: input.runId },
      select: { id: true, teamId: true },
    });
    const membership = run && (await loadMembership(ctx.db, run.teamId, ctx.session.user.id));
    if (!run || !membership) throw notFound("Run");
    return next({ ctx: { runRef: run, team: membership.team, membership: { role: membership.role } } });
  });
