import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedServer, signInOverHttp, startServer, trpcQuery } from "./http-helpers";
import { createTestDatabase } from "./test-database";

/**
 * The real server as `npm start` runs it (production build, src/server/main.ts) on port 3101 against a real
 * Postgres: credentials sign-in over HTTP yields a session cookie that tRPC and Socket.IO accept, and
 * nothing else gets in.
 */
const PORT = 3101;
const base = `http://127.0.0.1:${PORT}`;
const database = await createTestDatabase("http");
process.env.DATABASE_URL = database.url;
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");

let server: StartedServer;

const signIn = (email: string, password: string) => signInOverHttp(base, email, password);
const me = (cookie?: string) => trpcQuery(base, "user.me", undefined, cookie);

function socketHandshake(cookie?: string): Promise<"connected" | string> {
  return new Promise((resolve) => {
    const socket = connect(base, {
      path: "/socket.io",
      transports: ["websocket"],
      reconnection: false,
      extraHeaders: cookie ? { cookie } : {},
      timeout: 10_000,
    });
    socket.on("connect", () => {
      socket.close();
      resolve("connected");
    });
    socket.on("connect_error", (error) => {
      socket.close();
      resolve(error.message);
    });
  });
}

beforeAll(async () => {
  await startDatabase();
  const result = await signUp({ name: "Hedy", email: "hedy@example.com", password: "frequency hopping" });
  if (!result.ok) throw new Error("sign-up failed");
  server = await startServer(PORT, {
    DATABASE_URL: database.url,
    AUTH_SECRET: "integration-test-secret-0123456789abcdef",
    SECRETS_KEY: "b".repeat(64),
    TROUPE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "troupe-web-http-")),
  });
}, 960_000);

afterAll(async () => {
  await server?.stop();
  await db.$disconnect();
  await database.drop();
}, 60_000);

describe("the started server", () => {
  it("issues a session cookie on credentials sign-in that tRPC accepts", async () => {
    const cookie = await signIn("hedy@example.com", "frequency hopping");
    expect(cookie).toMatch(/authjs\.session-token=/);
    const response = await me(cookie);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: { json: { email: string } } } };
    expect(body.result.data.json.email).toBe("hedy@example.com");
  });

  it("gives no session for a wrong password, and tRPC answers 401 without one", async () => {
    const cookie = await signIn("hedy@example.com", "wrong password");
    expect(cookie).not.toMatch(/authjs\.session-token=/);
    expect((await me()).status).toBe(401);
    expect((await me("authjs.session-token=forged")).status).toBe(401);
  });

  it("accepts a Socket.IO handshake only with a valid session cookie", async () => {
    expect(await socketHandshake()).toBe("unauthorized");
    expect(await socketHandshake("authjs.session-token=forged")).toBe("unauthorized");
    const cookie = await signIn("hedy@example.com", "frequency hopping");
    expect(await socketHandshake(cookie)).toBe("connected");
  });

  it("ends every session at once on sign out everywhere", async () => {
    const cookie = await signIn("hedy@example.com", "frequency hopping");
    const other = await signIn("hedy@example.com", "frequency hopping");
    // Once (under load) the second session answered 401 here; the server's log says why if it recurs.
    expect(other, server.output().slice(-3000)).toMatch(/authjs\.session-token=/);
    expect((await me(other)).status, server.output().slice(-3000)).toBe(200);
    const bump = await fetch(`${base}/api/trpc/user.signOutEverywhere`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", origin: base },
      body: "{}",
    });
    expect(bump.status).toBe(200);
    expect((await me(cookie)).status).toBe(401);
    expect((await me(other)).status).toBe(401);
    expect(await socketHandshake(other)).toBe("unauthorized");
  });

  it("shows the landing page to a visitor and keeps the app behind sign-in", async () => {
    const landing = await fetch(`${base}/`, { redirect: "manual" });
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('href="/sign-up"');
    const app = await fetch(`${base}/workflows`, { redirect: "manual" });
    expect([302, 303, 307, 308]).toContain(app.status);
    expect(app.headers.get("location")).toMatch(/\/sign-in/);
  });
});
