import "server-only";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import type { Server } from "socket.io";
import { env, mode } from "~/env";
import { runStreamEvents } from "~/lib/run-stream";
import type { PrismaClient } from "~/server/db";
import type { Logger } from "~/server/logger";
import { observeRunQueue } from "~/server/observability/process-operations";
import { RedisEmitterPublisher, SocketServerPublisher } from "~/server/realtime/run-event-publisher";
import { connectRunFeed } from "~/server/realtime/run-feed";
import { attachRunRooms } from "~/server/realtime/run-rooms";
import { closeRunServices, getRunServices } from "~/server/runs/run-services";
import { recoverInterruptedRuns } from "~/server/runs/run-store";
import { secretsKeyring } from "~/server/secrets/keys";
import { type StartedWorker, startWorker } from "~/server/worker/start-worker";

/**
 * The runs side of the web process, part of its wiring (only src/server/main.ts imports it): run rooms
 * on Socket.IO and, with REDIS_URL, the Redis adapter so events from worker processes reach this
 * process's clients. The web process also runs a worker in embedded mode, or when RUN_WORKER_IN_WEB is
 * left on.
 */
export async function startRuns(options: { io: Server; db: PrismaClient; logger: Logger }) {
  const { io, db, logger } = options;
  // The web process seals secrets too: refuse to start production without SECRETS_KEY.
  secretsKeyring();
  const closers: Array<(graceMs: number) => Promise<void>> = [];
  if (mode.redis) {
    const pub = new Redis(env.REDIS_URL!);
    const sub = pub.duplicate();
    for (const client of [pub, sub])
      client.on("error", (err) => logger.warn({ err }, "socket.io redis adapter"));
    io.adapter(createAdapter(pub, sub));
    // Events published while Redis was away never reached this process: once its subscriber is back
    // (and has subscribed again), every browser here reads the store again from what it holds.
    let subscriberReady = false;
    sub.on("ready", () => {
      if (subscriberReady) setTimeout(() => io.local.emit(runStreamEvents.resync), 500).unref();
      subscriberReady = true;
    });
    closers.push(async () => {
      pub.disconnect();
      sub.disconnect();
    });
    // Readers of runs in this process (the HTTP API) wake when worker processes store events.
    closers.push(await connectRunFeed(env.REDIS_URL!));
  }
  attachRunRooms(io, db);

  const services = getRunServices();
  observeRunQueue(services.queue);
  let worker: StartedWorker | undefined;
  if (!mode.redis || env.RUN_WORKER_IN_WEB) {
    if (!mode.redis) {
      // The in-process queue forgot everything when the last process stopped.
      for (const runId of await recoverInterruptedRuns(db)) await services.queue.enqueue(runId);
    }
    const publisher = mode.redis ? new RedisEmitterPublisher(env.REDIS_URL!) : new SocketServerPublisher(io);
    const started = startWorker({ db, services, publisher, logger, concurrency: env.WORKER_CONCURRENCY });
    worker = started;
    closers.unshift(async (graceMs) => {
      await started.stop(graceMs);
      await publisher.close();
    });
  }
  closers.push(closeRunServices);
  return {
    /** The warm sandbox pool of the worker this process runs, if any (readiness waits for it). */
    pool: worker?.pool,
    /** Stop the embedded worker (its runs get `graceMs` to finish), then the Redis clients and the queue. */
    async stop(graceMs = 10_000) {
      for (const close of closers) await close(graceMs);
    },
  };
}
