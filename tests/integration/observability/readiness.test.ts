import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PyodidePool } from "~/agents/executors";
import { createTestDatabase } from "../api/test-database";

/**
 * /healthz, /readyz and /metrics of the operations server with real checks: a real Postgres
 * database, a Redis at a closed port and the real one, a real Pyodide pool warming up.
 */
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
/** In this suite's port range, and nothing listens there. */
const CLOSED_REDIS_URL = "redis://127.0.0.1:4199";

const database = await createTestDatabase("readyz");
process.env.DATABASE_URL = database.url;
const { createDatabaseClient, db, startDatabase } = await import("~/server/db");
const { databaseCheck, redisCheck, sandboxPoolCheck } = await import("~/server/observability/readiness");
const { startOperationsServer } = await import("~/server/observability/ops-http");

type Check = ReturnType<typeof redisCheck>;
const servers: Server[] = [];
const checksToClose: Check[] = [];
let pool: PyodidePool | undefined;

async function serve(checks: Check[], metrics: { token?: string; open?: boolean } = {}) {
  checksToClose.push(...checks);
  const registry = new Registry();
  const server = await startOperationsServer({
    checks,
    registry,
    metricsToken: metrics.token,
    metricsOpenWithoutToken: metrics.open ?? false,
    port: 0,
    host: "127.0.0.1",
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  await startDatabase();
}, 60_000);

afterAll(async () => {
  for (const server of servers) server.close();
  await Promise.all(checksToClose.map((check) => check.close?.()));
  await pool?.close();
  await db.$disconnect();
  await database.drop();
});

describe("readiness", () => {
  it("answers 503 naming Redis while Redis cannot be reached, the database still ok", async () => {
    const url = await serve([databaseCheck(db), redisCheck(CLOSED_REDIS_URL)]);
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body).toMatchObject({ ready: false, checks: { database: { ok: true }, redis: { ok: false } } });
    expect(body.checks.redis.error).toMatch(/ECONNREFUSED|connect|writeable/i);
    // The process itself is up.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("answers 503 naming the database when it cannot be queried", async () => {
    // Nothing listens on this port of the suite's range.
    const closed = createDatabaseClient("postgres://postgres@127.0.0.1:4198/none");
    try {
      const url = await serve([databaseCheck(closed), redisCheck(REDIS_URL)]);
      const response = await fetch(`${url}/readyz`);
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body).toMatchObject({ ready: false, checks: { database: { ok: false }, redis: { ok: true } } });
      expect(body.checks.database.error).toEqual(expect.any(String));
    } finally {
      await closed.$disconnect();
    }
  });

  it("answers 503 until the sandbox pool is warm, then 200 with every check ok", async () => {
    pool = new PyodidePool({ size: 1, memoryMb: 256 });
    const url = await serve([databaseCheck(db), redisCheck(REDIS_URL), sandboxPoolCheck(pool)]);
    const cold = await fetch(`${url}/readyz`);
    expect(cold.status).toBe(503);
    expect(await cold.json()).toMatchObject({
      ready: false,
      checks: { "sandbox-pool": { ok: false, error: "warming up: 0 of 1 sandboxes booted" } },
    });
    await pool.warm();
    const warm = await fetch(`${url}/readyz`);
    expect(warm.status).toBe(200);
    expect(await warm.json()).toEqual({
      ready: true,
      checks: { database: { ok: true }, redis: { ok: true }, "sandbox-pool": { ok: true } },
    });
  }, 90_000);
});

describe("/metrics access", () => {
  it("is 404 without METRICS_TOKEN where it is not open (production)", async () => {
    const url = await serve([], { open: false });
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
  });

  it("is open without METRICS_TOKEN outside production", async () => {
    const url = await serve([], { open: true });
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
  });

  it("asks for the bearer token when one is set, open or not", async () => {
    const url = await serve([], { token: "a-token-of-sixteen-chars", open: true });
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const basic = await fetch(`${url}/metrics`, {
      headers: { authorization: "Basic a-token-of-sixteen-chars" },
    });
    expect(basic.status).toBe(401);
    const right = await fetch(`${url}/metrics`, {
      headers: { authorization: "Bearer a-token-of-sixteen-chars" },
    });
    expect(right.status).toBe(200);
    expect((await fetch(`${url}/metrics`, { method: "POST" })).status).toBe(405);
  });
});
