/**
 * tRPC set-up in three parts (create-t3-app's shape): context, initialisation, procedures.
 * Authorization happens here and only here: team, workflow and run procedures declare the action they
 * need (src/server/auth/permissions.ts) and load the caller's membership once.
 */
import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import type { Session } from "next-auth";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { describeInputIssues } from "~/lib/input-errors";
import { type Action, can, refusalMessage } from "~/server/auth/permissions";
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

/**
 * What each procedure declares about who may call it: anyone (`public`), any signed-in user acting for
 * themself (`user`), or a member of the team owning the input's team, workflow or run whose role allows
 * `action` (src/server/auth/permissions.ts). The permission matrix test reads it off every procedure.
 */
export type ProcedureMeta = {
  permission:
    | { scope: "public" | "user" }
    | { scope: "team" | "workflow" | "run" | OwnedScope; action: Action };
};

const t = initTRPC
  .context<TRPCContext>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    // Internal errors (Prisma, drivers, bugs) reach clients as a generic message with a reference;
    // the route handler's onError logs the real error under the same reference. A refused input is
    // answered in words, per field (src/lib/input-errors.ts), never as zod's JSON.
    errorFormatter({ shape, error }) {
      if (error.code !== "INTERNAL_SERVER_ERROR") {
        if (!(error.cause instanceof ZodError))
          return { ...shape, data: { ...shape.data, inputErrors: null } };
        const inputErrors = describeInputIssues(error.cause.issues);
        return { ...shape, message: inputErrors.message, data: { ...shape.data, inputErrors } };
      }
      const requestId = errorReference(error);
      const { stack: _stack, ...data } = shape.data;
      return {
        ...shape,
        message: internalErrorMessage(requestId),
        data: { ...data, requestId, inputErrors: null },
      };
    },
  });

export const createCallerFactory = t.createCallerFactory;
export const createTRPCRouter = t.router;

// ── 3. Procedures ──────────────────────────────────────────────────────────

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure.meta({ permission: { scope: "public" } });

/** A signed-in user, acting for themself (no team); `ctx.session` is narrowed to non-null. */
export const protectedProcedure = t.procedure.meta({ permission: { scope: "user" } }).use(({ ctx, next }) => {
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
 * The check every team-scoped procedure runs: a member of the team (else NOT_FOUND naming `what`, as if
 * it did not exist) whose role allows `action` (else FORBIDDEN).
 */
async function authorize(
  ctx: { db: typeof db },
  teamId: string,
  userId: string,
  action: Action,
  what: string,
) {
  const membership = await loadMembership(ctx.db, teamId, userId);
  if (!membership) throw notFound(what);
  if (!can(membership.role, action))
    throw new TRPCError({ code: "FORBIDDEN", message: refusalMessage(action) });
  return { team: membership.team, membership: { role: membership.role } };
}

/**
 * A procedure scoped to one team named by `input.teamId`, needing `action` there: loads the caller's
 * membership and role once. Not a member → NOT_FOUND (a team you cannot see does not exist for you).
 */
export const teamProcedure = (action: Action) =>
  protectedProcedure
    .meta({ permission: { scope: "team", action } })
    .input(z.object({ teamId: z.string().min(1).max(64) }))
    .use(async ({ ctx, input, next }) =>
      next({ ctx: await authorize(ctx, input.teamId, ctx.session.user.id, action, "Team") }),
    );

/**
 * A procedure on one workflow named by `input.workflowId`, needing `action` in the workflow's team.
 * Another team's workflow → NOT_FOUND, nothing read or changed.
 */
export const workflowProcedure = (action: Action) =>
  protectedProcedure
    .meta({ permission: { scope: "workflow", action } })
    .input(z.object({ workflowId: z.string().min(1).max(64) }))
    .use(async ({ ctx, input, next }) => {
      const workflow = await ctx.db.workflow.findUnique({
        where: { id: input.workflowId },
        select: { id: true, teamId: true },
      });
      if (!workflow) throw notFound("Workflow");
      const access = await authorize(ctx, workflow.teamId, ctx.session.user.id, action, "Workflow");
      return next({ ctx: { workflowRef: workflow, ...access } });
    });

/**
 * A procedure on one run named by `input.runId`, needing `action` in the run's team, like
 * `workflowProcedure`: another team's run → NOT_FOUND.
 */
export const runProcedure = (action: Action) =>
  protectedProcedure
    .meta({ permission: { scope: "run", action } })
    .input(z.object({ runId: z.string().min(1).max(64) }))
    .use(async ({ ctx, input, next }) => {
      const run = await ctx.db.run.findUnique({
        where: { id: input.runId },
        select: { id: true, teamId: true },
      });
      if (!run) throw notFound("Run");
      const access = await authorize(ctx, run.teamId, ctx.session.user.id, action, "Run");
      return next({ ctx: { runRef: run, ...access } });
    });

/** Team-owned rows other than workflows and runs that procedures are scoped to by id. */
type OwnedScope = "testSet" | "testCase" | "evalRun";

const idInput = z.string().min(1).max(64);

/**
 * A procedure on one team-owned row named by `input[key]`, needing `action` in the row's team, like
 * `workflowProcedure`: a missing row and another team's row are both NOT_FOUND naming `what`.
 */
function ownedProcedure<K extends string>(
  scope: OwnedScope,
  key: K,
  what: string,
  find: (client: typeof db, id: string) => Promise<{ id: string; teamId: string } | null>,
  action: Action,
) {
  const input = z.object({ [key]: idInput } as { [P in K]: typeof idInput });
  return protectedProcedure
    .meta({ permission: { scope, action } })
    .input(input)
    .use(async ({ ctx, input, next }) => {
      const row = await find(ctx.db, (input as Record<K, string>)[key]);
      if (!row) throw notFound(what);
      const access = await authorize(ctx, row.teamId, ctx.session.user.id, action, what);
      return next({ ctx: { ref: row, ...access } });
    });
}

/** A procedure on one test set named by `input.id` (or `input.testSetId` when `key` says so). */
export const testSetProcedure = <K extends "id" | "testSetId" = "id">(action: Action, key?: K) =>
  ownedProcedure(
    "testSet",
    (key ?? "id") as K,
    "Test set",
    (client, id) => client.testSet.findUnique({ where: { id }, select: { id: true, teamId: true } }),
    action,
  );

/** A procedure on one test case named by `input.id`, in its set's team. */
export const testCaseProcedure = (action: Action) =>
  ownedProcedure(
    "testCase",
    "id",
    "Test case",
    async (client, id) => {
      const row = await client.testCase.findUnique({
        where: { id },
        select: { id: true, testSetId: true, testSet: { select: { teamId: true } } },
      });
      return row ? { id: row.id, teamId: row.testSet.teamId } : null;
    },
    action,
  );

/** A procedure on one evaluation run named by `input.id`. */
export const evalRunProcedure = (action: Action) =>
  ownedProcedure(
    "evalRun",
    "id",
    "Evaluation",
    (client, id) => client.evalRun.findUnique({ where: { id }, select: { id: true, teamId: true } }),
    action,
  );

/**
 * A procedure on several evaluation runs named by `input.ids` (2 to 5), all of one team, needing
 * `action` there: a missing id, or one of another team than the first, is NOT_FOUND.
 */
export const evalRunsProcedure = (action: Action) =>
  protectedProcedure
    .meta({ permission: { scope: "evalRun", action } })
    .input(
      z.object({
        ids: z
          .array(idInput)
          .min(2, "Choose at least two evaluations to compare.")
          .max(5, "Compare at most five evaluations."),
      }),
    )
    .use(async ({ ctx, input, next }) => {
      const rows = await ctx.db.evalRun.findMany({
        where: { id: { in: input.ids } },
        select: { id: true, teamId: true },
      });
      const teamId = rows.find((row) => row.id === input.ids[0])?.teamId;
      const found = new Set(rows.filter((row) => row.teamId === teamId).map((row) => row.id));
      if (!teamId || input.ids.some((id) => !found.has(id))) throw notFound("Evaluation");
      const access = await authorize(ctx, teamId, ctx.session.user.id, action, "Evaluation");
      return next({ ctx: { teamRef: { id: teamId }, ...access } });
    });
