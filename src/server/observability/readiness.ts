import "server-only";
import { Redis } from "ioredis";
import type { PrismaClient } from "~/server/db";

/**
 * What /readyz asks: is this process able to do its work now? Each check answers ok or why not;
 * the process is ready when every check is ok. /healthz only says the process is up.
 */
export interface ReadinessCheck {
  /** Named in the /readyz body: database, redis, sandbox-pool. */
  readonly name: string;
  /** Resolves to null when ok, or to what is wrong; a check taking longer than its timeout fails. */
  check(): Promise<string | null>;
  close?(): Promise<void>;
}

/** The /readyz body. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(check: ReadinessCheck): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  return Promise.race([
    check.check().catch((error: unknown) => (error instanceof Error ? error.message : String(error))),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

/** Run every check at once and report each. */
export async function checkReadiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map(withTimeout));
  const report: ReadinessReport = { ready: true, checks: {} };
  checks.forEach((check, index) => {
    const error = results[index];
    if (error) {
      report.ready = false;
      report.checks[check.name] = { ok: false, error };
    } else report.checks[check.name] = { ok: true };
  });
  return report;
}

/** The database answers a query. */
export function databaseCheck(db: PrismaClient): ReadinessCheck {
  return {
    name: "database",
    async check() {
      await db.$queryRaw`SELECT 1`;
      return null;
    },
  };
}

/**
 * Redis answers PING, on a connection of its own that fails fast instead of queueing commands
 * while Redis is away (so the check says so at once).
 */
export function redisCheck(url: string): ReadinessCheck {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CHECK_TIMEOUT_MS,
    retryStrategy: () => 1_000,
  });
  client.on("error", () => undefined);
  return {
    name: "redis",
    async check() {
      if (client.status === "wait") await client.connect();
      const answer = await client.ping();
      return answer === "PONG" ? null : `PING answered ${answer}`;
    },
    async close() {
      client.disconnect();
    },
  };
}

/** What the readiness check reads off a sandbox pool (src/agents/executors/pyodide-pool.ts). */
export interface WarmablePool {
  /** True once the pool has booted its processes, or has none to boot. */
  readonly warmedUp: boolean;
  readonly available: number;
  readonly size: number;
}

/**
 * The sandbox pool has booted its processes once since the process started. Runs then take
 * processes and the pool refills behind them; a busy pool is still ready (runs boot on demand).
 */
export function sandboxPoolCheck(pool: WarmablePool): ReadinessCheck {
  return {
    name: "sandbox-pool",
    async check() {
      return pool.warmedUp ? null : `warming up: ${pool.available} of ${pool.size} sandboxes booted`;
    },
  };
}
