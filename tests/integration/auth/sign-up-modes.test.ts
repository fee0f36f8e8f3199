import type { Account, Profile, User } from "next-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../api/test-database";

/**
 * SIGNUP=invite against real Postgres, before invitations exist: nobody can create an account, by
 * the sign-up form's function or by a first OAuth sign-in (through Auth.js's signIn callback), while
 * people who have an account sign in as before. (SIGNUP=closed through the running server:
 * tests/integration/api/auth-limits.test.ts.)
 */
const database = await createTestDatabase("signup_modes");
Object.assign(process.env, { DATABASE_URL: database.url, AUTH_SECRET: "x".repeat(40), SIGNUP: "invite" });
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { linkOAuthAccount } = await import("~/server/auth/oauth-account");
const { createAuthConfig } = await import("~/server/auth/config");

const byInvitation =
  "Sign-up on this server is by invitation only. Open the invitation link you were sent, or ask a team admin for one.";

beforeAll(async () => {
  await startDatabase();
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** What Auth.js hands the signIn callback for a GitHub sign-in. */
function githubSignIn(providerAccountId: string, email: string) {
  const account = { provider: "github", providerAccountId, type: "oauth" } as Account;
  const profile = { name: "Octo Cat", email } as Profile;
  const user = { name: "Octo Cat", email } as User;
  return { account, profile, user };
}

describe("SIGNUP=invite", () => {
  it("refuses a sign-up without an invitation and creates nothing", async () => {
    const users = await db.user.count();
    const teams = await db.team.count();
    const result = await signUp({
      name: "Eve",
      email: "eve@example.com",
      password: "a long enough password",
    });
    expect(result).toEqual({ ok: false, issues: [{ field: "form", message: byInvitation }] });
    expect([await db.user.count(), await db.team.count()]).toEqual([users, teams]);
  });

  it("takes a sign-up whose invitation the caller accepted (the hook invitations will use)", async () => {
    const result = await signUp(
      { name: "Ivy", email: "ivy@example.com", password: "a long enough password" },
      db,
      { invitationAccepted: true },
    );
    expect(result.ok).toBe(true);
  });

  it("refuses a first OAuth sign-in, which would create an account, and lets a known OAuth account in", async () => {
    const signInCallback = createAuthConfig().callbacks!.signIn!;
    const users = await db.user.count();
    expect(await signInCallback(githubSignIn("gh-new", "octo@example.com") as never)).toBe(
      "/sign-in?error=SignUpClosed",
    );
    expect(
      await linkOAuthAccount({ ...githubSignIn("gh-new", "octo@example.com").account, profile: {} }),
    ).toEqual({
      ok: false,
      reason: "sign-up-closed",
    });
    expect(await db.user.count()).toBe(users);

    // Someone who signed in with GitHub before sign-up was restricted.
    const known = await db.user.create({
      data: {
        name: "Known Cat",
        email: "known@example.com",
        accounts: { create: { provider: "github", providerAccountId: "gh-known", type: "oauth" } },
      },
    });
    expect(await signInCallback(githubSignIn("gh-known", "known@example.com") as never)).toBe(true);
    expect(
      await linkOAuthAccount({ ...githubSignIn("gh-known", "known@example.com").account, profile: {} }),
    ).toEqual({
      ok: true,
      userId: known.id,
    });
  });
});
