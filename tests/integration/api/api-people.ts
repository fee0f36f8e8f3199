import { TRPCError } from "@trpc/server";
import type { Session } from "next-auth";
import { expect } from "vitest";

/**
 * People calling the tRPC API in integration tests: a signed-up user with their own team and a
 * `createCaller` caller in their name. Import the server modules only once DATABASE_URL names the
 * test's database (the db module reads it when first imported), hence the dynamic imports.
 */
export async function apiPeople() {
  const { db } = await import("~/server/db");
  const { createCaller } = await import("~/server/api/root");
  const { signUp } = await import("~/server/auth/sign-up");
  type Caller = ReturnType<typeof createCaller>;

  /** A caller for this user (signed in), or for nobody (null: signed out), with these request headers. */
  function callerFor(
    user: { id: string; name: string; email: string } | null,
    headers = new Headers(),
  ): Caller {
    const session: Session | null = user
      ? { user, expires: new Date(Date.now() + 3_600_000).toISOString() }
      : null;
    return createCaller({ db, session, headers });
  }

  /** Sign a new user up (which makes their team) and return their ids and caller. */
  async function person(
    name: string,
    email: string,
  ): Promise<{ userId: string; teamId: string; caller: Caller }> {
    const result = await signUp({ name, email, password: "a long enough password" });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return { ...result, caller: callerFor({ id: result.userId, name, email }) };
  }

  return { callerFor, person };
}

/** The TRPCError a call was refused with (fails the test when the call succeeded or threw something else). */
export async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** Expect a call to be refused with this tRPC code. */
export async function expectCode(promise: Promise<unknown>, code: TRPCError["code"]): Promise<void> {
  expect((await rejection(promise)).code).toBe(code);
}
