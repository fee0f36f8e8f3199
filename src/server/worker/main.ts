/**
 * A production worker process (`npm run worker`): takes runs from BullMQ on REDIS_URL, executes
 * them and streams their events to browsers through the Socket.IO Redis emitter. Scale by starting
 * more of these; each carries WORKER_CONCURRENCY runs.
 */
import { env, mode } from "~/env";
import { db, startDatabase } from "~/server/db";
import { onTerminationSignal, shutdownGraceMs } from "~/server/lifecycle/shutdown";
import { logger } from "~/server/logger";
import { RedisEmitterPublisher } from "~/server/realtime/run-event-publisher";
import { closeRunServices, getRunServices } from "~/server/runs/run-services";
import { startWorker } from "./start-worker";

async function main(): Promise<void> {
  if (!mode.redis)
    throw new Error("npm run worker needs REDIS_URL (embedded mode runs the worker inside npm start)");
  if (mode.embeddedDatabase)
    throw new Error("npm run worker needs DATABASE_URL (a database shared with the web process)");
  const database = await startDatabase();
  const publisher = new RedisEmitterPublisher(env.REDIS_URL!);
  const worker = startWorker({
    db,
    services: getRunServices(),
    publisher,
    logger,
    concurrency: env.WORKER_CONCURRENCY,
  });
  // Stop taking runs; those carried get the grace period to finish, then end with the reason.
  const graceMs = shutdownGraceMs();
  onTerminationSignal(
    async () => {
      await worker.stop(graceMs);
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
