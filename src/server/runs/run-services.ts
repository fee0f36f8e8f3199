import "server-only";
import { env, mode } from "~/env";
import { InProcessRunControl, RedisRunControl, type RunControl } from "~/server/runs/run-control";
import { BullmqRunQueue } from "./bullmq-queue";
import { InProcessRunQueue } from "./in-process-queue";
import type { RunQueue } from "./run-queue";

/** What the web layer needs to start and steer runs: queue a run, send it a control message. */
export interface RunServices {
  queue: RunQueue;
  control: RunControl;
}

const key = Symbol.for("troupe.runServices");
type Holder = { services?: RunServices };
const globals = globalThis as Record<symbol, Holder | undefined>;
globals[key] ??= {};
const holder: Holder = globals[key];

/**
 * The process's run services, shared through globalThis with the code Next bundles (same process).
 * Embedded mode: an in-process queue and control channel, consumed by the worker that
 * src/server/main.ts starts beside Next. With REDIS_URL: BullMQ and Redis pub/sub.
 */
export function getRunServices(): RunServices {
  holder.services ??= mode.redis
    ? {
        queue: new BullmqRunQueue({
          redisUrl: env.REDIS_URL!,
          name: env.RUN_QUEUE_NAME,
          lockDurationMs: env.RUN_LOCK_DURATION_MS,
          stalledIntervalMs: env.RUN_STALLED_INTERVAL_MS,
          maxBlockedMs: env.WORKER_MAX_BLOCKED_SECONDS * 1000,
        }),
        control: new RedisRunControl(env.REDIS_URL!),
      }
    : { queue: new InProcessRunQueue(), control: new InProcessRunControl() };
  return holder.services;
}

export async function closeRunServices(): Promise<void> {
  const services = holder.services;
  holder.services = undefined;
  if (!services) return;
  await services.queue.close();
  await services.control.close();
}
