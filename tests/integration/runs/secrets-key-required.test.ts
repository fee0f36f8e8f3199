import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../db/postgres-test-database";

/**
 * A production worker (DATABASE_URL, REDIS_URL, NODE_ENV=production) without SECRETS_KEY refuses to
 * start, saying why, rather than seal team credentials under a key nobody configured; with the key
 * it gets past that check.
 */
const run = promisify(execFile);
const database = await createTestDatabase("secretskey");

afterAll(async () => {
  await database.drop();
});

const productionEnv = {
  ...process.env,
  NODE_ENV: "production" as const,
  DATABASE_URL: database.url,
  REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
  RUN_QUEUE_NAME: `secrets-key-${randomBytes(4).toString("hex")}`,
  AUTH_SECRET: randomBytes(32).toString("hex"),
  PYODIDE_POOL_SIZE: "0",
  LOG_LEVEL: "info",
};

describe("SECRETS_KEY in production", () => {
  it("is required: the worker exits at start with the reason", async () => {
    const env: NodeJS.ProcessEnv = { ...productionEnv };
    delete env.SECRETS_KEY;
    const failure = await run("npx", ["tsx", "src/server/worker/main.ts"], { env, timeout: 60_000 }).then(
      () => undefined,
      (error: { code?: number; stdout?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain(
      "SECRETS_KEY must be set in production (DATABASE_URL is set and NODE_ENV=production): it encrypts team secrets",
    );
  });

  it("is refused when it is not 32 bytes", async () => {
    const env = { ...productionEnv, SECRETS_KEY: "a".repeat(40) };
    const failure = await run("npx", ["tsx", "src/server/worker/main.ts"], { env, timeout: 60_000 }).then(
      () => undefined,
      (error: { code?: number; stdout?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain("SECRETS_KEY must be 32 bytes written as 64 hex digits or base64");
  });
});
