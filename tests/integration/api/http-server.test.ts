import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

let server: ChildProcess;
let output = "";

async function waitForServer(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited early:\n${output.slice(-4000)}`);
    try {
      const response = await fetch(`${base}/sign-in`);
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`server did not start:\n${output.slice(-4000)}`);
}

/** Cookies from a response's Set-Cookie headers as a Cookie header fragment. */
function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}

async function signInOverHttp(email: string, password: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookiesOf(csrf) },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${base}/workflows` }),
  });
  return cookiesOf(response);
}

function trpcQuery(procedure: string, cookie?: string) {
  return fetch(`${base}/api/trpc/${procedure}`, { headers: cookie ? { cookie } : {} });
}

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
  server = spawn(process.execPath, ["scripts/start.mjs"], {
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: "127.0.0.1",
      DATABASE_URL: database.url,
      AUTH_SECRET: "integration-test-secret-0123456789abcdef",
      TROUPE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "troupe-web-http-")),
      REDIS_URL: "",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
  });
  server.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  server.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitForServer(900_000);
}, 960_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  await db.$disconnect();
  await database.drop();
}, 60_000);

describe("the started server", () => {
  it("issues a session cookie on credentials sign-in that tRPC accepts", async () => {
    const cookie = await signInOverHttp("hedy@example.com", "frequency hopping");
    expect(cookie).toMatch(/authjs\.session-token=/);
    const response = await trpcQuery("user.me", cookie);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: { json: { email: string } } } };
    expect(body.result.data.json.email).toBe("hedy@example.com");
  });

  it("gives no session for a wrong password, and tRPC answers 401 without one", async () => {
    const cookie = await signInOverHttp("hedy@example.com", "wrong password");
    expect(cookie).not.toMatch(/authjs\.session-token=/);
    expect((await trpcQuery("user.me")).status).toBe(401);
    expect((await trpcQuery("user.me", "authjs.session-token=forged")).status).toBe(401);
  });

  it("accepts a Socket.IO handshake only with a valid session cookie", async () => {
    expect(await socketHandshake()).toBe("unauthorized");
    expect(await socketHandshake("authjs.session-token=forged")).toBe("unauthorized");
    const cookie = await signInOverHttp("hedy@example.com", "frequency hopping");
    expect(await socketHandshake(cookie)).toBe("connected");
  });

  it("ends every session at once on sign out everywhere", async () => {
    const cookie = await signInOverHttp("hedy@example.com", "frequency hopping");
    const other = await signInOverHttp("hedy@example.com", "frequency hopping");
    expect((await trpcQuery("user.me", other)).status).toBe(200);
    const bump = await fetch(`${base}/api/trpc/user.signOutEverywhere`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: "{}",
    });
    expect(bump.status).toBe(200);
    expect((await trpcQuery("user.me", cookie)).status).toBe(401);
    expect((await trpcQuery("user.me", other)).status).toBe(401);
    expect(await socketHandshake(other)).toBe("unauthorized");
  });

  it("redirects the landing page to sign-in when signed out", async () => {
    const response = await fetch(`${base}/`, { redirect: "manual" });
    expect([302, 303, 307, 308]).toContain(response.status);
    expect(response.headers.get("location")).toMatch(/\/sign-in$/);
  });
});
