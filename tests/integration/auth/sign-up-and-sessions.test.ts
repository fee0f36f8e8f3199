import type { JWT } from "@auth/core/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../api/test-database";

/**
 * Sign-up validation and the session-version check behind "sign out everywhere", against real Postgres
 * and the real Auth.js callbacks.
 */
const database = await createTestDatabase("auth");
process.env.DATABASE_URL = database.url;
process.env.AUTH_SECRET = "x".repeat(40);
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { authorizeCredentials, createAuthConfig } = await import("~/server/auth/config");
const { verifyPassword } = await import("~/server/auth/password");
const { readSessionClaims, resolveSessionUser } = await import("~/server/auth/session-version");

beforeAll(async () => {
  await startDatabase();
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const valid = { name: "Ada Lovelace", email: "Ada@Example.com", password: "analytical engine" };

describe("sign-up", () => {
  it("creates the user with a scrypt hash and a personal team they own, in one go", async () => {
    const result = await signUp(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const user = await db.user.findUniqueOrThrow({
      where: { id: result.userId },
      include: { memberships: { include: { team: true } } },
    });
    expect(user.email).toBe("ada@example.com");
    expect(user.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword(valid.password, user.passwordHash ?? "")).toBe(true);
    expect(await verifyPassword("analytical engine!", user.passwordHash ?? "")).toBe(false);
    expect(user.memberships).toHaveLength(1);
    expect(user.memberships[0]).toMatchObject({
      role: "owner",
      teamId: result.teamId,
      team: { personal: true, name: "Ada Lovelace's team" },
    });
  });

  it("refuses a taken e-mail, whatever its case, and creates nothing", async () => {
    const users = await db.user.count();
    const teams = await db.team.count();
    const result = await signUp({ ...valid, name: "Impostor", email: "  ADA@example.COM " });
    expect(result).toEqual({
      ok: false,
      issues: [{ field: "email", message: "An account with this e-mail already exists." }],
    });
    expect(await db.user.count()).toBe(users);
    expect(await db.team.count()).toBe(teams);
  });

  it.each([
    [{ name: "" }, "name", "Enter your name."],
    [{ name: "   " }, "name", "Enter your name."],
    [{ name: "n".repeat(101) }, "name", "Your name must be at most 100 characters."],
    [{ email: "not-an-email" }, "email", "Enter a valid e-mail address."],
    [{ password: "short" }, "password", "Use at least 8 characters for your password."],
    [{ password: "p".repeat(201) }, "password", "Your password must be at most 200 characters."],
  ])("explains bad input %j", async (patch, field, message) => {
    const result = await signUp({ ...valid, email: `fresh-${field}@example.com`, ...patch });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual({ field, message });
    expect(await db.user.count({ where: { email: `fresh-${field}@example.com` } })).toBe(0);
  });

  it("signs in with the right password only", async () => {
    expect(await authorizeCredentials({ email: "ADA@example.com", password: valid.password })).toMatchObject({
      email: "ada@example.com",
      name: "Ada Lovelace",
    });
    expect(await authorizeCredentials({ email: "ada@example.com", password: "wrong password" })).toBeNull();
    expect(await authorizeCredentials({ email: "nobody@example.com", password: valid.password })).toBeNull();
    expect(await authorizeCredentials({ email: "ada@example.com" })).toBeNull();
  });
});

describe("session versions", () => {
  it("puts userId and sessionVersion in the JWT at sign-in and drops the token once the version moves", async () => {
    const created = await signUp({
      name: "Grace",
      email: "grace@example.com",
      password: "compiler compiler",
    });
    if (!created.ok) throw new Error("sign-up failed");
    const jwt = createAuthConfig().callbacks?.jwt;
    if (!jwt) throw new Error("no jwt callback");
    const user = { id: created.userId, name: "Grace", email: "grace@example.com" };
    const signedIn = await jwt({
      token: { name: "Grace", email: "grace@example.com" },
      user,
      account: { type: "credentials", provider: "credentials", providerAccountId: created.userId },
      trigger: "signIn",
    });
    expect(signedIn).toMatchObject({ userId: created.userId, sessionVersion: 0 });

    const later = (token: JWT) => jwt({ token, user: undefined as never, account: null, trigger: "update" });
    expect(await later(signedIn as JWT)).toMatchObject({ userId: created.userId });
    expect(await resolveSessionUser(readSessionClaims(signedIn))).toMatchObject({ id: created.userId });

    await db.user.update({ where: { id: created.userId }, data: { sessionVersion: { increment: 1 } } });
    expect(await later(signedIn as JWT)).toBeNull();
    expect(await resolveSessionUser(readSessionClaims(signedIn))).toBeNull();
  });

  it("treats tokens without claims, or of deleted users, as signed out", async () => {
    expect(readSessionClaims({ userId: "x" })).toBeNull();
    expect(readSessionClaims(null)).toBeNull();
    expect(await resolveSessionUser({ userId: "no-such-user", sessionVersion: 0 })).toBeNull();
  });
});
