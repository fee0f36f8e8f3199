/**
 * A production worker process (`npm run worker`): takes runs from BullMQ on REDIS_URL, executes
 * them and streams their events to browsers through the Socket.IO Redis emitter. Scale by starting
 * more of these; each carries WORKER_CONCURRENCY runs.
 */
import "server-only";
import { env, mode } from "~/env";
import { db, startDatabase } from "~/server/db";
import { onTerminationSignal, shutdownGraceMs } from "~/server/lifecycle/shutdown";
import { logger } from "~/server/logger";
import { startOperationsServer } from "~/server/observability/ops-http";
import { operationsFromEnv, processReadinessChecks } from "~/server/observability/process-operations";
import { startTracing } from "~/server/observability/tracing";
import { RedisEmitterPublisher } from "~/server/realtime/run-event-publisher";
import { closeRunServices, getRunServices } from "~/server/runs/run-services";
import { startWorker } from "./start-worker";

async function main(): Promise<void> {
  if (!mode.redis)
    throw new Error("npm run worker needs REDIS_URL (embedded mode runs the worker inside npm start)");
  if (mode.embeddedDatabase)
    throw new Error("npm run worker needs DATABASE_URL (a database shared with the web process)");
  const stopTracing = startTracing({ service: "troupe-worker", logger });
  const database = await startDatabase();
  const publisher = new RedisEmitterPublisher(env.REDIS_URL!);
  const worker = startWorker({
    db,
    services: getRunServices(),
    publisher,
    logger,
    concurrency: env.WORKER_CONCURRENCY,
  });
  // /healthz, /readyz (database, Redis, warm sandbox pool) and /metrics on the worker's own port.
  const checks = processReadinessChecks({ db, pool: worker.pool });
  const operations = await startOperationsServer({
    ...operationsFromEnv(checks),
    port: env.WORKER_HTTP_PORT,
    host: env.HOST,
  });
  const address = operations.address();
  logger.info(
    { port: typeof address === "object" && address ? address.port : env.WORKER_HTTP_PORT },
    "worker health and metrics server listening",
  );
  // Stop taking runs; those carried get the grace period to finish, then end with the reason.
  const graceMs = shutdownGraceMs();
  onTerminationSignal(
    async () => {
      await worker.stop(graceMs);
      operations.close();
      await Promise.all(checks.map((check) => check.close?.()));
      await stopTracing();
      await closeRunServices();
      await publisher.close();
      await database.stop();
    },
    { logger, graceMs },
  );
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, "worker failed to start");
  process.exit(1);
});
