import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cookiesOf,
  credentialsSignIn,
  hiddenFormFields,
  type StartedServer,
  startServer,
  submitFormWithoutScript,
} from "./http-helpers";
import { createTestDatabase } from "./test-database";

/**
 * Sign-in and sign-up limits and SIGNUP modes through the real server (`npm start`'s production
 * build), against real Postgres: once with in-memory counters and no trusted proxy, once as two web
 * processes sharing Redis counters behind one trusted proxy (TRUST_PROXY=1), with sign-up closed.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const WINDOW_SECONDS = 600;
const limits = {
  AUTH_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  SIGN_IN_LIMIT_PER_IP: "6",
  SIGN_IN_LIMIT_PER_ACCOUNT: "3",
  SIGN_UP_LIMIT_PER_IP: "2",
};
const database = await createTestDatabase("auth_limits");
process.env.DATABASE_URL = database.url;
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");

const serverEnv = (extra: Record<string, string>) => ({
  DATABASE_URL: database.url,
  AUTH_SECRET: "auth-limits-test-secret-0123456789abcdef",
  SECRETS_KEY: "a".repeat(64),
  TROUPE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "troupe-web-auth-limits-")),
  ...limits,
  ...extra,
});

/** The sign-up form's hidden fields (its server action), as the server with sign-up open served them. */
let openSignUpForm: [string, string][] = [];

const hasSession = (response: Response) => /authjs\.session-token=/.test(cookiesOf(response));

/** A 429 from the credentials endpoint: Retry-After within the window, a message in words, no session. */
async function expectTooMany(response: Response) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(WINDOW_SECONDS - 120);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(await response.json()).toEqual({
    error: "TooManyAttempts",
    message: "Too many sign-in attempts. Try again in about 10 minutes.",
  });
  expect(hasSession(response)).toBe(false);
}

/** A refused credentials sign-in that was checked (wrong password): Auth.js's redirect, no session. */
function expectWrongPassword(response: Response) {
  expect(response.status).toBe(302);
  expect(response.headers.get("location")).toMatch(/\/sign-in\?error=CredentialsSignin&code=credentials$/);
  expect(hasSession(response)).toBe(false);
}

beforeAll(async () => {
  await startDatabase();
  for (const [name, email] of [
    ["Alice", "alice@example.com"],
    ["Bob", "bob@example.com"],
    ["Carol", "carol@example.com"],
    ["Dan", "dan@example.com"],
  ] as const) {
    const result = await signUp({ name, email, password: "the right password" });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
  }
}, 60_000);

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
}, 60_000);

describe("with in-memory counters and no trusted proxy", () => {
  let server: StartedServer;
  beforeAll(async () => {
    server = await startServer(3117, serverEnv({ REDIS_URL: "" }));
    openSignUpForm = await hiddenFormFields(server.base, "/sign-up");
  }, 960_000);
  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  it("refuses the third sign-up from one address, saying so on the form, and creates no account", async () => {
    const signUpAs = (name: string) =>
      submitFormWithoutScript(server.base, "/sign-up", openSignUpForm, {
        name,
        email: `${name.toLowerCase()}@example.com`,
        password: "a long enough password",
      });
    for (const name of ["Erin", "Frank"]) {
      const response = await signUpAs(name);
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toMatch(/\/workflows$/);
    }
    const third = await signUpAs("Grace");
    expect(third.status).toBe(200);
    expect(await third.text()).toContain("Too many sign-up attempts. Try again in about 10 minutes.");
    expect(await db.user.findUnique({ where: { email: "grace@example.com" } })).toBeNull();
  });

  it("answers 429 with Retry-After once an account has had its failed sign-ins, even with the right password", async () => {
    for (let i = 0; i < 3; i++)
      expectWrongPassword(await credentialsSignIn(server.base, "alice@example.com", "guess"));
    await expectTooMany(await credentialsSignIn(server.base, "alice@example.com", "the right password"));
    // Another account from the same address is not held up; its success does not count.
    expect(hasSession(await credentialsSignIn(server.base, "bob@example.com", "the right password"))).toBe(
      true,
    );
  });

  it("answers 429 once an address has had its failed sign-ins, whatever it claims in forwarding headers", async () => {
    // Alice's four attempts counted for this address (the 429 too); two more failures reach six.
    for (const email of ["nobody1@example.com", "nobody2@example.com"]) {
      expectWrongPassword(await credentialsSignIn(server.base, email, "guess"));
    }
    const spoofed = { "x-forwarded-for": "203.0.113.77", "x-troupe-client-address": "198.51.100.1" };
    await expectTooMany(
      await credentialsSignIn(server.base, "carol@example.com", "the right password", spoofed),
    );
  });

  it("shows the sign-in form a message instead of signing in once its address is past the limit", async () => {
    const signIn = await submitFormWithoutScript(
      server.base,
      "/sign-in",
      await hiddenFormFields(server.base, "/sign-in"),
      { email: "dan@example.com", password: "the right password" },
    );
    expect(signIn.status).toBe(200);
    expect(await signIn.text()).toContain("Too many sign-in attempts. Try again in about 10 minutes.");
    expect(hasSession(signIn)).toBe(false);
  });
});

describe("with Redis counters shared by two web processes behind a trusted proxy, sign-up closed", () => {
  const redis = new Redis(REDIS_URL);
  const first = `203.0.113.${1 + (randomBytes(1)[0]! % 250)}`;
  const second = `198.51.100.${1 + (randomBytes(1)[0]! % 250)}`;
  const accountEmail = "alice@example.com";
  let one: StartedServer;
  let two: StartedServer;
  const viaProxy = (address: string, claimed?: string) => ({
    "x-forwarded-for": claimed ? `${claimed}, ${address}` : address,
  });
  const counterKeys = [
    `troupe:auth:sign-in:address:${first}`,
    `troupe:auth:sign-in:address:${second}`,
    `troupe:auth:account:${accountEmail}`,
    `troupe:auth:account:bob@example.com`,
    ...Array.from({ length: 6 }, (_, i) => `troupe:auth:account:stranger${i}@example.com`),
  ];

  beforeAll(async () => {
    await redis.del(...counterKeys);
    const env = {
      REDIS_URL,
      TRUST_PROXY: "1",
      SIGNUP: "closed",
      RUN_QUEUE_NAME: `troupe-test-auth-limits-${randomBytes(4).toString("hex")}`,
    };
    one = await startServer(3118, serverEnv(env));
    two = await startServer(3119, serverEnv(env));
  }, 960_000);
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await redis.del(...counterKeys);
    redis.disconnect();
  }, 60_000);

  it("counts failed sign-ins per forwarded address in Redis: the limit holds across both processes, per address", async () => {
    // Alice's counter was left by the in-memory server's process only: in Redis it starts afresh.
    for (let i = 0; i < 6; i++) {
      const server = i % 2 === 0 ? one : two;
      expectWrongPassword(
        await credentialsSignIn(server.base, `stranger${i}@example.com`, "guess", viaProxy(first)),
      );
    }
    expect(Number(await redis.get(`troupe:auth:sign-in:address:${first}`))).toBe(6);
    // Both processes refuse this address now, whatever it writes left of the proxy's entry.
    await expectTooMany(
      await credentialsSignIn(one.base, "bob@example.com", "the right password", viaProxy(first)),
    );
    await expectTooMany(
      await credentialsSignIn(two.base, "bob@example.com", "the right password", viaProxy(first, second)),
    );
    // Another address is not held up, and a success leaves its counter as it was.
    expect(
      hasSession(
        await credentialsSignIn(two.base, "bob@example.com", "the right password", viaProxy(second)),
      ),
    ).toBe(true);
    expect(Number((await redis.get(`troupe:auth:sign-in:address:${second}`)) ?? 0)).toBe(0);
  });

  it("counts failed sign-ins per account across processes and addresses", async () => {
    for (let i = 0; i < 3; i++) {
      const server = i % 2 === 0 ? one : two;
      expectWrongPassword(await credentialsSignIn(server.base, accountEmail, "guess", viaProxy(second)));
    }
    await expectTooMany(
      await credentialsSignIn(one.base, accountEmail, "the right password", viaProxy(second)),
    );
  });

  it("says sign-up is closed, and refuses a sign-up posted to the form's action anyway", async () => {
    const closed = "Sign-up is closed on this server. Ask its administrator for an account.";
    const page = await (await fetch(`${two.base}/sign-up`)).text();
    expect(page).toContain(closed);
    expect(page).not.toContain('name="password"');
    // The form's action, as the open server of the same build served it, posted here all the same.
    expect(openSignUpForm.length).toBeGreaterThan(0);
    const response = await submitFormWithoutScript(two.base, "/sign-up", openSignUpForm, {
      name: "Mallory",
      email: "mallory@example.com",
      password: "a long enough password",
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(closed);
    expect(hasSession(response)).toBe(false);
    expect(await db.user.findUnique({ where: { email: "mallory@example.com" } })).toBeNull();
  });
});
