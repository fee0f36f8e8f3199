import "server-only";
import { env } from "~/env";
import type { PrismaClient } from "~/server/db";
import { metricsRegistry, observedGauge } from "./metrics";
import type { OperationsOptions } from "./ops-http";
import {
  databaseCheck,
  type ReadinessCheck,
  redisCheck,
  sandboxPoolCheck,
  type WarmablePool,
} from "./readiness";

/**
 * A server process's readiness checks: the database, Redis when REDIS_URL is set, and the warm
 * sandbox pool when this process runs runs (a worker, or the web process in embedded mode).
 */
export function processReadinessChecks(options: { db: PrismaClient; pool?: WarmablePool }): ReadinessCheck[] {
  const checks = [databaseCheck(options.db)];
  if (env.REDIS_URL) checks.push(redisCheck(env.REDIS_URL));
  if (options.pool) checks.push(sandboxPoolCheck(options.pool));
  return checks;
}

/** The operations endpoints as the environment configures them (METRICS_TOKEN, NODE_ENV). */
export function operationsFromEnv(checks: readonly ReadinessCheck[]): OperationsOptions {
  return {
    checks,
    registry: metricsRegistry,
    metricsToken: env.METRICS_TOKEN,
    metricsOpenWithoutToken: env.NODE_ENV !== "production",
  };
}

/** Expose the run queue's depth (runs waiting or active, all workers) as a gauge read at scrape time. */
export function observeRunQueue(queue: { pendingCount(): Promise<number> }): void {
  observedGauge(
    "troupe_queue_pending_runs",
    "Runs in the queue, waiting or being executed, across every worker.",
    () => queue.pendingCount(),
  );
}
